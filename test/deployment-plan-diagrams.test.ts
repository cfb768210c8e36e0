import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ParsedDiagram, parseMermaid } from './mermaid/mermaid';
import { ACCOUNT, HOME_REGION, cfnTarget, fixture } from './testutil';
import { DeploymentPlan, DeploymentWindow, Rollout } from '../src';
import { ganttText, mermaidText } from '../src/private/plan-diagrams';

const MONDAY = new Date('2026-11-23T00:00:00Z');
const sydneyNights = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' });
const dublinWeekdays = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
const newYorkEvenings = DeploymentWindow.weekdays({ startHour: 20, endHour: 23, timeZone: 'America/New_York' });

/** The example's shape: a region without a window, Sydney's nights, Dublin's weekday nights with an approval. */
function examplePlan(): DeploymentPlan {
  return fixture([], {
    defaultGates: { rollbackOnFailure: true },
    targets: [
      cfnTarget('us-east-1'),
      cfnTarget('ap-southeast-2', 'service-x', { window: sydneyNights }),
      cfnTarget('eu-west-1', 'service-x', {
        approval: true, window: dublinWeekdays, infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml' },
      }),
    ],
  }).pipeline.plan;
}

function alarm(stack: Stack, region: string): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmArn(stack, `errors-${region}`, `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:errors-${region}`);
}

/** A canary baked 30 min, a wave of two gated regions baked an hour, the rest (one of them in New York's evenings). */
function wavePlan(): DeploymentPlan {
  const f = fixture([], {
    rollout: Rollout.waves([
      { name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) },
      { name: 'wave-1', regions: ['eu-west-1', 'ap-southeast-2'], bakeTime: Duration.hours(1) },
      { name: 'rest' },
    ]),
  });
  const gated = (region: string) => cfnTarget(region, 'service-x', { gates: { alarms: [alarm(f.stack, region)], rollbackOnFailure: true } });
  [gated('us-east-1'), gated('eu-west-1'), gated('ap-southeast-2'), cfnTarget('sa-east-1'),
    cfnTarget('us-east-2', 'service-x', { window: newYorkEvenings })].forEach(t => f.pipeline.addTarget(t));
  return f.pipeline.plan;
}

/** The lines of a node's label (`<br/>`-separated, bold markers removed). */
function labelLines(text: string): string[] {
  return text.split(/<br\s*\/?>/).map(line => line.replace(/<\/?b>/g, ''));
}

/** A Gantt task's name with its times' U+2236 RATIO read as `:`; a raw `:` would have ended the name. */
function plain(name: string): string {
  expect(name).not.toContain(':');
  return name.replace(/\u2236/g, ':');
}

/** The ids of the edges Mermaid read, as `a --> b` (solid) or `a -.- b` (dotted). */
function edgeList(parsed: ParsedDiagram): string[] {
  return parsed.edges!.map(e => `${e.start} ${e.stroke === 'dotted' ? '-.-' : '-->'} ${e.end}`);
}

/**
 * Checks a parsed flowchart against the plan: one subgraph per stage, in order, titled by the stage;
 * in each, nodes that together name every region of the stage once, each listing its region's
 * steps in run order; edges from stage to stage, through the stage's entry and success nodes.
 */
function expectFlowchartOfPlan(plan: DeploymentPlan, parsed: ParsedDiagram): void {
  expect(parsed.error).toBeUndefined();
  expect(parsed.type).toBe('flowchart-v2');
  const stageGraphs = parsed.subgraphs!.filter(s => /^s\d+$/.test(s.id)).sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  expect(stageGraphs.map(s => s.title)).toEqual(plan.stages.map(s => s.stageName));
  const vertices = new Map(parsed.vertices!.map(v => [v.id, v]));
  const expectedEdges: string[] = [];
  let previousExit: string | undefined;
  plan.stages.forEach((stage, i) => {
    const id = `s${i + 1}`;
    const named: string[] = [];
    for (const node of stageGraphs[i].nodes) {
      const lines = labelLines(vertices.get(node)!.text);
      const steps = lines.filter(line => /^\d+ /.test(line) && !/ regions$/.test(line));
      const regions = lines.filter(line => !steps.includes(line) && !/ regions$/.test(line)).flatMap(line => line.split(', '));
      named.push(...regions);
      for (const region of regions) {
        expect(steps).toEqual(plan.actions.filter(a => a.stageName === stage.stageName && a.region === region)
          .map(a => `${a.runOrder} ${a.kind}${a.stackName ? ` ${a.stackName}` : ''}`));
      }
    }
    expect(named.sort()).toEqual([...stage.regions].sort());
    const entry = vertices.has(`${id}in`) ? `${id}in` : undefined;
    const success = vertices.has(`${id}ok`) ? `${id}ok` : undefined;
    expect(entry !== undefined).toBe(stage.window !== undefined || stage.gates.some(g => g.startsWith('before entry')));
    if (previousExit) { expectedEdges.push(`${previousExit} --> ${entry ?? id}`); }
    if (entry) { expectedEdges.push(`${entry} --> ${id}`); }
    if (success) { expectedEdges.push(`${id} --> ${success}`); }
    if (vertices.has(`${id}fail`)) { expectedEdges.push(`${id} -.- ${id}fail`); }
    previousExit = success ?? id;
  });
  expect(edgeList(parsed).sort()).toEqual(expectedEdges.sort());
}

describe('plan.toMermaid()', () => {
  test('the example: Mermaid reads one subgraph per stage, regions with their steps, windows on the edges into their stages', () => {
    const plan = examplePlan();
    const [parsed] = parseMermaid(plan.toMermaid());
    expectFlowchartOfPlan(plan, parsed);
    const text = (id: string) => labelLines(parsed.vertices!.find(v => v.id === id)!.text);
    const index = (name: string) => plan.stages.findIndex(s => s.stageName === name) + 1;
    expect(text(`s${index('Deploy.ap-southeast-2')}in`)).toEqual(['before entry', 'window cron(* * 1-4 ? * * *) Australia/Sydney']);
    expect(text(`s${index('Deploy.eu-west-1')}in`)).toEqual(['before entry', 'window cron(* * 1-4 ? * MON-FRI *) Europe/Dublin']);
    expect(text(`s${index('Deploy.eu-west-1')}r1`)).toEqual([
      'eu-west-1', '1 Infrastructure service-x-network', '2 CreateChangeSet service-x', '3 Approval service-x', '4 ExecuteChangeSet service-x',
    ]);
    // rollback on failure is drawn on each deploy stage, and only there
    expect(parsed.vertices!.filter(v => v.id.endsWith('fail')).map(v => v.id))
      .toEqual(plan.stages.map((s, i) => (s.gates.includes('on failure: roll back') ? `s${i + 1}fail` : undefined)).filter(Boolean));
  });

  test('33 regions stay readable: regions with the same steps share one node per stage', () => {
    const commercial = RegionInfo.regions
      .filter(r => r.partition === 'aws' && r.name !== HOME_REGION && !r.name.startsWith('us-gov')).map(r => r.name);
    expect(commercial.length).toBeGreaterThanOrEqual(33);
    const f = fixture([]);
    commercial.forEach((r, i) => f.pipeline.addTarget(cfnTarget(r, 'service-x', i % 3 === 0 ? { window: dublinWeekdays } : {})));
    const plan = f.pipeline.plan;
    const [parsed] = parseMermaid(plan.toMermaid());
    expectFlowchartOfPlan(plan, parsed);
    const regionNodes = parsed.vertices!.filter(v => /^s\d+r\d+$/.test(v.id));
    // one node per stage (Source, Build, the Deploy stages), not one box per action or region
    expect(regionNodes.length).toBe(plan.stages.length);
    expect(plan.actions.length).toBeGreaterThan(60);
    expect(parsed.vertices!.length).toBeLessThan(20);
    const deploy = labelLines(regionNodes.find(v => v.id === 's3r1')!.text);
    expect(deploy).toContain(`${plan.stages[2].regions.length} regions`);
  });

  test('waves: a box per wave around its stages, entry alarms, bakes on the edge out of the wave, windows in three zones', () => {
    const plan = wavePlan();
    const [parsed] = parseMermaid(plan.toMermaid());
    expectFlowchartOfPlan(plan, parsed);
    const waves = parsed.subgraphs!.filter(s => /^w\d+$/.test(s.id));
    expect(waves.map(w => w.title).sort()).toEqual(['wave canary', 'wave rest', 'wave wave-1']);
    const canary = waves.find(w => w.title === 'wave canary')!;
    const canaryIndex = plan.stages.findIndex(s => s.stageName === 'canary') + 1;
    expect(canary.nodes).toEqual(expect.arrayContaining([`s${canaryIndex}`, `s${canaryIndex}in`, `s${canaryIndex}ok`]));
    const text = (id: string) => labelLines(parsed.vertices!.find(v => v.id === id)!.text);
    expect(text(`s${canaryIndex}in`)).toEqual(['before entry', 'fail if in alarm: errors-us-east-1@us-east-1']);
    expect(text(`s${canaryIndex}ok`)).toEqual(['on success', 'bake wave canary for 30 min, roll back if in alarm: errors-us-east-1@us-east-1']);
    const wave1 = plan.stages.findIndex(s => s.stageName === 'wave-1') + 1;
    expect(text(`s${wave1}ok`)[1]).toMatch(/^bake wave wave-1 for 60 min, roll back if in alarm: errors-eu-west-1@eu-west-1, errors-ap-southeast-2@ap-southeast-2$/);
    // the gated regions of wave-1 run the same steps: one node for both
    expect(parsed.subgraphs!.find(s => s.id === `s${wave1}`)!.nodes).toHaveLength(1);
    const newYork = plan.stages.findIndex(s => s.window?.endsWith('America/New_York')) + 1;
    expect(text(`s${newYork}in`)).toEqual(['before entry', 'window cron(* * 20-22 ? * MON-FRI *) America/New_York']);
  });

  test('labels escape what Mermaid would read as syntax', () => {
    expect(mermaidText('a "b" <c> #1: d; e')).toBe('a #quot;b#quot; #lt;c#gt; #35;1: d; e');
    const [parsed] = parseMermaid(`flowchart LR\n  a["${mermaidText('cron(* * 1 ? * 6#3 *) "x": <y>;')}"]\n`);
    expect(parsed.vertices![0].text).toBe('cron(* * 1 ? * 6#3 *) "x": <y>;');
    // a Gantt task's name ends at `:`, and Mermaid renders no entity code there
    expect(ganttText('start 01:00 #1; x')).toBe('start 01\u223600  1  x');
  });
});

describe('plan.toGantt(from)', () => {
  test('windows in three zones: each stage starts at its window\'s first opening, labelled in local time and zone', () => {
    const f = fixture([], {
      targets: [
        cfnTarget('us-east-1'),
        cfnTarget('ap-southeast-2', 'service-x', { window: sydneyNights }),
        cfnTarget('eu-west-1', 'service-x', { window: dublinWeekdays }),
        cfnTarget('us-east-2', 'service-x', { window: newYorkEvenings }),
      ],
    });
    const plan = f.pipeline.plan;
    const [parsed] = parseMermaid(plan.toGantt(MONDAY));
    expect(parsed.error).toBeUndefined();
    expect(parsed.type).toBe('gantt');
    expect(parsed.title).toBe('Release started 2026-11-23 00:00 Mon UTC (times in UTC)');
    const schedule = plan.schedule(MONDAY, 1);
    const starts = parsed.tasks!.filter(t => /^t\d+$/.test(t.id)).map(t => ({ ...t, name: plain(t.name) }));
    expect(starts.map(t => t.section)).toEqual(plan.stages.map(s => s.stageName));
    expect(starts.map(t => t.start)).toEqual(schedule.map(s => s.earliestStart!.toISOString()));
    const task = (stage: string) => starts.find(t => t.section === stage)!;
    expect(task('Deploy').milestone).toBe(true);
    expect(task('Deploy.ap-southeast-2')).toMatchObject({
      name: 'ap-southeast-2 start 2026-11-24 01:00 Tue Australia/Sydney', start: '2026-11-23T14:00:00.000Z', end: '2026-11-23T18:00:00.000Z', active: true,
    });
    expect(task('Deploy.eu-west-1')).toMatchObject({ name: 'eu-west-1 start 2026-11-24 01:00 Tue Europe/Dublin', start: '2026-11-24T01:00:00.000Z' });
    // reached at Dublin's opening, which is Monday 20:00 in New York: inside its window, so no wait
    expect(task('Deploy.us-east-2')).toMatchObject({ name: 'us-east-2 start 2026-11-23 20:00 Mon America/New_York', start: '2026-11-24T01:00:00.000Z' });
    // the waits: from the moment the stage is reached to its window's opening
    const waits = parsed.tasks!.filter(t => t.id.endsWith('wait')).map(t => [t.section, t.start, t.end, t.done]);
    expect(waits).toEqual([
      ['Deploy.ap-southeast-2', '2026-11-23T00:00:00.000Z', '2026-11-23T14:00:00.000Z', true],
      ['Deploy.eu-west-1', '2026-11-23T14:00:00.000Z', '2026-11-24T01:00:00.000Z', true],
    ]);
  });

  test('a window that never opens again: its stage and every later one are critical milestones', () => {
    const only2027 = DeploymentWindow.cron('* * 1-4 ? * MON-FRI 2027', 'Europe/Dublin');
    const plan = fixture([], { targets: [cfnTarget('us-east-1'), cfnTarget('eu-west-1', 'service-x', { window: only2027 }), cfnTarget('ap-southeast-2', 'service-x', { window: sydneyNights })] }).pipeline.plan;
    const from = new Date('2028-01-03T00:00:00Z');
    const [parsed] = parseMermaid(plan.toGantt(from));
    expect(parsed.error).toBeUndefined();
    const never = parsed.tasks!.filter(t => t.crit).map(t => [t.section, plain(t.name), t.milestone, t.start]);
    expect(never).toEqual([
      ['Deploy.eu-west-1', 'eu-west-1 never starts, its window (Europe/Dublin) does not open again', true, from.toISOString()],
      ['Deploy.ap-southeast-2', 'ap-southeast-2 not reached, Deploy.eu-west-1 never starts', true, from.toISOString()],
    ]);
  });

  test('waves: each wave starts when the previous one baked, the bake drawn as a bar', () => {
    const plan = wavePlan();
    const [parsed] = parseMermaid(plan.toGantt(MONDAY));
    expect(parsed.error).toBeUndefined();
    const bakes = parsed.tasks!.filter(t => t.id.endsWith('bake')).map(t => [t.section, t.start, t.end]);
    expect(bakes).toEqual([
      ['canary', '2026-11-23T00:00:00.000Z', '2026-11-23T00:30:00.000Z'],
      ['wave-1', '2026-11-23T00:30:00.000Z', '2026-11-23T01:30:00.000Z'],
    ]);
    const starts = parsed.tasks!.filter(t => /^t\d+$/.test(t.id));
    expect(starts.map(t => t.start)).toEqual(plan.schedule(MONDAY, 1).map(s => s.earliestStart!.toISOString()));
    expect(plain(starts.find(t => t.section === 'wave-1')!.name)).toBe('eu-west-1 ap-southeast-2 start 2026-11-23 00:30 Mon UTC');
  });

  test('33 regions: a stage\'s task names three regions and counts the rest', () => {
    const regions = RegionInfo.regions.filter(r => r.partition === 'aws' && r.name !== HOME_REGION && !r.name.startsWith('us-gov')).map(r => r.name).slice(0, 12);
    const plan = fixture(regions).pipeline.plan;
    const [parsed] = parseMermaid(plan.toGantt(MONDAY));
    expect(plain(parsed.tasks!.find(t => t.section === 'Deploy')!.name)).toBe(`${regions.slice(0, 3).join(' ')} +9 more start 2026-11-23 00:00 Mon UTC`);
  });
});
