import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { ACCOUNT, cfnTarget, fixture, pipelineTemplate, roleStatements } from './testutil';
import { DeploymentWindow, Rollout, RolloutWave } from '../src';

/** The rendered stages of a pipeline's template. */
function stages(template: Template): any[] {
  return (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
}

/** An alarm of `region`, imported by ARN (literal name). */
function alarm(stack: Stack, region: string, name = `errors-${region}`): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmArn(stack, `${name}-${region}`, `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`);
}

const CANARY_FIRST: RolloutWave[] = [
  { name: 'canary', regions: ['us-east-1'] },
  { name: 'wave-1', regions: ['eu-west-1', 'ap-southeast-2'] },
  { name: 'rest' },
];

const dublinNights = DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });

/** The canary with an alarm gate and a bake, wave-1 with one alarm per region and a bake, the rest without gates. */
function bakedRollout(options: { parallel?: boolean } = {}) {
  const f = fixture([], {
    rollout: Rollout.waves([
      { name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) },
      { name: 'wave-1', regions: ['eu-west-1', 'ap-southeast-2'], bakeTime: Duration.hours(1) },
      { name: 'rest' },
    ]),
    executionMode: options.parallel ? codepipeline.ExecutionMode.PARALLEL : undefined,
  });
  const gated = (region: string) => cfnTarget(region, 'service-x', { gates: { alarms: [alarm(f.stack, region)], rollbackOnFailure: true } });
  f.pipeline.addTarget(cfnTarget('sa-east-1'));
  f.pipeline.addTarget(gated('ap-southeast-2'));
  f.pipeline.addTarget(gated('us-east-1'));
  f.pipeline.addTarget(gated('eu-west-1'));
  return f;
}

const rule = (name: string, region: string, wait: string) => ({
  Name: name,
  Region: region,
  RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
  Configuration: { AlarmName: `errors-${region}`, AlarmStates: 'ALARM', WaitTime: wait },
});

describe('waves: stage layout', () => {
  test('waves run in order, whatever the order of the targets; the last wave takes every other region', () => {
    const f = fixture(['sa-east-1', 'eu-west-1', 'us-east-1', 'us-east-2', 'ap-southeast-2'], { rollout: Rollout.waves(CANARY_FIRST) });
    expect(stages(pipelineTemplate(f)).map((s: any) => [s.Name, s.Actions.map((a: any) => a.Region ?? 'home').filter((r: string) => r !== 'home')]))
      .toEqual([
        ['Source', []],
        ['Build', []],
        ['canary', ['us-east-1', 'us-east-1']],
        ['wave-1', ['eu-west-1', 'eu-west-1', 'ap-southeast-2', 'ap-southeast-2']],
        ['rest', ['sa-east-1', 'sa-east-1', 'us-east-2', 'us-east-2']],
      ]);
    // run orders are kept inside a wave: change sets (2) side by side, then executions (4)
    expect(f.pipeline.plan.actions.filter(a => a.wave === 'wave-1').map(a => [a.region, a.runOrder])).toEqual([
      ['eu-west-1', 2], ['ap-southeast-2', 2], ['eu-west-1', 4], ['ap-southeast-2', 4],
    ]);
  });

  test('inside a wave, targets keep their windows and gates: a wave spans one stage per window and gates, in order', () => {
    const f = fixture([], { rollout: Rollout.waves(CANARY_FIRST) });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: dublinNights }));
    f.pipeline.addTarget(cfnTarget('ap-southeast-2'));
    f.pipeline.addTarget(cfnTarget('us-east-1'));
    f.pipeline.addTarget(cfnTarget('eu-central-1', 'service-x', { window: dublinNights }));
    f.pipeline.addTarget(cfnTarget('sa-east-1', 'service-x', { gates: { rollbackOnFailure: true } }));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'canary', 'wave-1', 'wave-1.eu-west-1', 'rest', 'rest.sa-east-1']);
    // the same window in two waves gives each wave its own windowed stage
    expect(rendered[4].BeforeEntry.Conditions[0].Rules[0].Configuration).toEqual({ Cron: dublinNights.expression, TimeZone: 'Europe/Dublin' });
    expect(rendered[5].BeforeEntry.Conditions[0].Rules[0].Configuration).toEqual({ Cron: dublinNights.expression, TimeZone: 'Europe/Dublin' });
    expect(rendered[6].OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(f.pipeline.plan.stages.slice(2).map(s => [s.stageName, s.wave, s.window !== undefined])).toEqual([
      ['canary', 'canary', false],
      ['wave-1', 'wave-1', false],
      ['wave-1.eu-west-1', 'wave-1', true],
      ['rest', 'rest', true],
      ['rest.sa-east-1', 'rest', false],
    ]);
  });

  test('a wave over 50 actions is split into consecutive stages, in order, before the next wave', () => {
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-southeast-1',
      'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'sa-east-1', 'ca-central-1'];
    const f = fixture([], { rollout: Rollout.waves([{ name: 'big', regions }, { name: 'last', regions: ['me-south-1'] }]) });
    for (const region of regions) {
      f.pipeline.addTarget(cfnTarget(region, 'a'));
      f.pipeline.addTarget(cfnTarget(region, 'b'));
    }
    f.pipeline.addTarget(cfnTarget('me-south-1'));
    const planned = f.pipeline.plan.stages.map(s => [s.stageName, s.wave, s.actionCount]);
    expect(planned).toEqual([['Source', undefined, 1], ['Build', undefined, 1], ['big', 'big', 30], ['big.2', 'big', 30], ['last', 'last', 2]]);
    expect(stages(pipelineTemplate(f)).map((s: any) => s.Name)).toEqual(['Source', 'Build', 'big', 'big.2', 'last']);
  });

  test('stage names stay valid and under 100 characters for a wave name of 100 characters', () => {
    const name = `w${'-'.repeat(98)}w`;
    const f = fixture([], { rollout: Rollout.waves([{ name }]) });
    ['us-east-1', 'eu-west-1', 'ap-southeast-2'].forEach(region => f.pipeline.addTarget(cfnTarget(region, 'service-x', { window: dublinNights })));
    f.pipeline.addTarget(cfnTarget('sa-east-1', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'America/Sao_Paulo' }) }));
    const names = stages(pipelineTemplate(f)).map((s: any) => s.Name).slice(2);
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(name);
    expect(names[1]).not.toBe(name);
    for (const stageName of names) {
      expect(stageName).toMatch(/^[A-Za-z0-9.@\-_]{1,100}$/);
    }
  });

  test('the plan matches the rendered pipeline action for action', () => {
    const f = bakedRollout();
    const planned = f.pipeline.plan.actions.map(a => `${a.stageName}/${a.actionName}/${a.runOrder}`).sort();
    const rendered = stages(pipelineTemplate(f)).flatMap((s: any) => s.Actions.map((a: any) => `${s.Name}/${a.Name}/${a.RunOrder}`)).sort();
    expect(planned).toEqual(rendered);
  });
});

describe('waves: bake time', () => {
  test('a baking wave of one stage: its on-success condition watches its alarms for the bake time, result ROLLBACK', () => {
    const rendered = stages(pipelineTemplate(bakedRollout()));
    const canary = rendered.find((s: any) => s.Name === 'canary');
    expect(canary.BeforeEntry).toEqual({ Conditions: [{ Result: 'FAIL', Rules: [{ ...rule('EntryAlarm.1.1', 'us-east-1', ''), Configuration: { AlarmName: 'errors-us-east-1', AlarmStates: 'ALARM' } }] }] });
    expect(canary.OnSuccess).toEqual({ Conditions: [{ Result: 'ROLLBACK', Rules: [rule('BakeAlarm.1.1', 'us-east-1', '30')] }] });
    expect(canary.OnFailure).toEqual({ Result: 'ROLLBACK' });
  });

  test('regions of a wave with alarms of their own share one stage: it checks each alarm in its region, and the bake watches them all', () => {
    const rendered = stages(pipelineTemplate(bakedRollout()));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'canary', 'wave-1', 'rest']);
    const wave = rendered[3];
    expect(wave.Actions.map((a: any) => a.Region)).toEqual(['ap-southeast-2', 'ap-southeast-2', 'eu-west-1', 'eu-west-1']);
    const entry = (name: string, region: string) => ({ ...rule(name, region, ''), Configuration: { AlarmName: `errors-${region}`, AlarmStates: 'ALARM' } });
    expect(wave.BeforeEntry).toEqual({ Conditions: [{ Result: 'FAIL', Rules: [entry('EntryAlarm.2.1', 'ap-southeast-2'), entry('EntryAlarm.2.2', 'eu-west-1')] }] });
    // one on-success condition (CodePipeline allows exactly one): the bake, over both regions' alarms
    expect(wave.OnSuccess).toEqual({
      Conditions: [{ Result: 'ROLLBACK', Rules: [rule('BakeAlarm.2.1', 'ap-southeast-2', '60'), rule('BakeAlarm.2.2', 'eu-west-1', '60')] }],
    });
    expect(wave.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(rendered[4].OnSuccess).toBeUndefined();
  });

  test('a wave over several stages (windows) bakes on its last stage, watching the alarms of all its stages; earlier stages keep their own check', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'w', bakeTime: Duration.minutes(45) }]) });
    const gates = (region: string) => ({ alarms: [alarm(f.stack, region)], rollbackOnFailure: true });
    f.pipeline.addTarget(cfnTarget('ap-southeast-2', 'service-x', { gates: gates('ap-southeast-2') }));
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { gates: gates('eu-west-1'), window: dublinNights }));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'w', 'w.eu-west-1']);
    expect(rendered[2].OnSuccess).toEqual({
      Conditions: [{ Result: 'ROLLBACK', Rules: [{ ...rule('SuccessAlarm.1.1', 'ap-southeast-2', ''), Configuration: { AlarmName: 'errors-ap-southeast-2', AlarmStates: 'ALARM' } }] }],
    });
    expect(rendered[3].BeforeEntry.Conditions[0].Rules.map((r: any) => r.RuleTypeId.Provider)).toEqual(['DeploymentWindow']);
    expect(rendered[3].OnSuccess).toEqual({
      Conditions: [{ Result: 'ROLLBACK', Rules: [rule('BakeAlarm.2.1', 'eu-west-1', '45'), rule('BakeAlarm.2.2', 'ap-southeast-2', '45')] }],
    });
  });

  test('inside a wave, more than 5 alarms start another stage; different rollback settings or wait times do not share a stage', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'wide' }]) });
    const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'eu-west-1', 'eu-west-2', 'eu-central-1'];
    regions.forEach(region => f.pipeline.addTarget(cfnTarget(region, 'service-x', { gates: { alarms: [alarm(f.stack, region)] } })));
    f.pipeline.addTarget(cfnTarget('sa-east-1', 'service-x', { gates: { rollbackOnFailure: true } }));
    f.pipeline.addTarget(cfnTarget('ca-central-1', 'service-x', { gates: { alarms: [alarm(f.stack, 'ca-central-1')], alarmWaitTime: Duration.minutes(5) } }));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.slice(2).map((s: any) => [s.Name, s.OnSuccess?.Conditions[0].Rules.length ?? 0])).toEqual([
      ['wide', 5], ['wide.eu-central-1', 1], ['wide.sa-east-1', 0], ['wide.ca-central-1', 1],
    ]);
  });

  test('the bake fails (rather than rolls back) the wave when its last stage does not roll back', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'one', bakeTime: Duration.minutes(15) }]) });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { gates: { alarms: [alarm(f.stack, 'eu-west-1')] } }));
    f.pipeline.addTarget(cfnTarget('ap-southeast-2', 'service-x', { window: dublinNights }));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'one', 'one.ap-southeast-2']);
    expect(rendered[3].OnSuccess).toEqual({ Conditions: [{ Result: 'FAIL', Rules: [rule('BakeAlarm.2.1', 'eu-west-1', '15')] }] });
    expect(rendered[3].OnFailure).toBeUndefined();
    expect(f.pipeline.plan.stages[3].gates).toEqual(['on success: bake wave one for 15 min, fail if in alarm: errors-eu-west-1@eu-west-1']);
  });

  test('the bake is never shorter than the alarm wait time of the stage it is on', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'one', bakeTime: Duration.minutes(5) }]) });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { gates: { alarms: [alarm(f.stack, 'eu-west-1')], alarmWaitTime: Duration.minutes(20) } }));
    expect(stages(pipelineTemplate(f))[2].OnSuccess.Conditions[0].Rules[0].Configuration.WaitTime).toBe('20');
    expect(f.pipeline.plan.stages[2].bakeMinutes).toBe(20);
  });

  test('the pipeline role may read every alarm a bake watches, and no other', () => {
    const template = pipelineTemplate(bakedRollout());
    const statements = roleStatements(template)
      .filter((s: any) => ([] as string[]).concat(s.Action).includes('cloudwatch:DescribeAlarms'));
    expect(statements).toHaveLength(1);
    const arns = ([] as any[]).concat(statements[0].Resource).map(r => JSON.stringify(r));
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      expect(arns.some(a => a.includes(`${region}:`) && a.includes(`errors-${region}`))).toBe(true);
    }
    expect(arns).toHaveLength(3);
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { PipelineType: 'V2' });
  });
});

describe('waves: plan and schedule', () => {
  test('stages and actions carry their wave; the baking stage its bake; plan.waves summarizes', () => {
    const plan = bakedRollout().pipeline.plan;
    expect(plan.actions.filter(a => a.region === 'sa-east-1').map(a => a.wave)).toEqual(['rest', 'rest']);
    expect(plan.actions.find(a => a.stageName === 'Build')!.wave).toBeUndefined();
    expect(plan.stages.map(s => [s.stageName, s.wave, s.bakeMinutes])).toEqual([
      ['Source', undefined, undefined],
      ['Build', undefined, undefined],
      ['canary', 'canary', 30],
      ['wave-1', 'wave-1', 60],
      ['rest', 'rest', undefined],
    ]);
    expect(plan.stages[3].gates).toEqual([
      'before entry: fail if in alarm: errors-ap-southeast-2@ap-southeast-2, errors-eu-west-1@eu-west-1',
      'on success: bake wave wave-1 for 60 min, roll back if in alarm: errors-ap-southeast-2@ap-southeast-2, errors-eu-west-1@eu-west-1',
      'on failure: roll back',
    ]);
    expect(plan.waves).toEqual([
      { name: 'canary', stageNames: ['canary'], regions: ['us-east-1'], bakeMinutes: 30 },
      { name: 'wave-1', stageNames: ['wave-1'], regions: ['ap-southeast-2', 'eu-west-1'], bakeMinutes: 60 },
      { name: 'rest', stageNames: ['rest'], regions: ['sa-east-1'] },
    ]);
    expect(fixture(['us-east-1']).pipeline.plan.waves).toEqual([]);
  });

  test('the schedule starts each wave after the previous one baked, and windows still apply', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(90) }, { name: 'rest' }]) });
    f.pipeline.addTarget(cfnTarget('us-east-1', 'service-x', { gates: { alarms: [alarm(f.stack, 'us-east-1')] } }));
    f.pipeline.addTarget(cfnTarget('sa-east-1'));
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: dublinNights }));
    const from = new Date('2026-11-23T00:00:00Z'); // a Monday
    const schedule = f.pipeline.plan.schedule(from);
    expect(schedule.map(s => [s.stageName, s.wave, s.earliestStart?.toISOString(), s.bakeEnds?.toISOString()])).toEqual([
      ['Source', undefined, '2026-11-23T00:00:00.000Z', undefined],
      ['Build', undefined, '2026-11-23T00:00:00.000Z', undefined],
      ['canary', 'canary', '2026-11-23T00:00:00.000Z', '2026-11-23T01:30:00.000Z'],
      ['rest', 'rest', '2026-11-23T01:30:00.000Z', undefined],
      // Dublin is on UTC in winter: the window 01:00-04:59 is open at 01:30
      ['rest.eu-west-1', 'rest', '2026-11-23T01:30:00.000Z', undefined],
    ]);
    const table = f.pipeline.plan.toScheduleTable(from).split('\n');
    expect(table[0]).toMatch(/^Wave\s+Stage\s+Regions\s+Window\s+Earliest start \(UTC\)\s+Local time\s+Bake ends \(UTC\)$/);
    expect(table[2]).toMatch(/^-\s+Source\s/);
    expect(table[4]).toMatch(/^canary\s+canary\s+us-east-1\s+-\s+2026-11-23 00:00 Mon\s+-\s+2026-11-23 01:30 Mon$/);
    expect(f.pipeline.plan.toTable().split('\n')[0]).toMatch(/^Wave\s+Stage\s+Order\s+Region/);
  });
});

describe('waves: rejected input', () => {
  test('no wave, an invalid or reserved name, names used twice', () => {
    expect(() => Rollout.waves([])).toThrow(/no wave given; give at least one wave/);
    expect(() => Rollout.waves([{ name: 'canary wave' }])).toThrow(/wave 1 \('canary wave'\): the name 'canary wave' cannot name a stage; use 1 to 100 characters from letters, digits/);
    expect(() => Rollout.waves([{ name: '' }])).toThrow(/the name '' cannot name a stage/);
    expect(() => Rollout.waves([{ name: 'w'.repeat(101) }])).toThrow(/cannot name a stage; use 1 to 100 characters/);
    expect(() => Rollout.waves([{ name: 'build' }])).toThrow(/the name 'build' is taken by a stage of the pipeline \(Source, Build, Validate, Distribute\)/);
    expect(() => Rollout.waves([{ name: 'Canary', regions: ['us-east-1'] }, { name: 'canary' }]))
      .toThrow(/wave 2 \('canary'\): the name 'canary' is used by wave 'Canary' already \(names are compared ignoring case/);
  });

  test('a region in two waves (or twice in one), an invalid region, empty regions, a wave without regions before the last', () => {
    expect(() => Rollout.waves([{ name: 'a', regions: ['us-east-1'] }, { name: 'b', regions: ['eu-west-1', 'us-east-1'] }]))
      .toThrow(/wave 2 \('b'\): region 'us-east-1' is in wave 'a' already; a region is deployed in one wave only/);
    expect(() => Rollout.waves([{ name: 'a', regions: ['us-east-1', 'us-east-1'] }])).toThrow(/region 'us-east-1' is in wave 'a' already/);
    expect(() => Rollout.waves([{ name: 'a', regions: ['eu_west_1'] }])).toThrow(/'eu_west_1' is not a valid AWS region name/);
    expect(() => Rollout.waves([{ name: 'a', regions: [] }])).toThrow(/wave 1 \('a'\): `regions` is empty/);
    expect(() => Rollout.waves([{ name: 'rest' }, { name: 'late', regions: ['us-east-1'] }]))
      .toThrow(/wave 1 \('rest'\): has no regions, but only the last wave may omit `regions`/);
  });

  test('a bake time not in whole minutes, or under a minute', () => {
    expect(() => Rollout.waves([{ name: 'a', bakeTime: Duration.seconds(90) }])).toThrow(/bakeTime must be a whole number of minutes, at least 1 \(got 1 minute 30 seconds\)/);
    expect(() => Rollout.waves([{ name: 'a', bakeTime: Duration.seconds(30) }])).toThrow(/bakeTime must be a whole number of minutes, at least 1 \(got 30 seconds\)/);
    expect(() => Rollout.waves([{ name: 'a', bakeTime: Duration.minutes(0) }])).toThrow(/bakeTime must be a whole number of minutes/);
  });

  test('a target in no wave when there is no last wave without regions', () => {
    const f = fixture(['us-east-1'], { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }]) });
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1')))
      .toThrow(/target service-x@eu-west-1 deploys to eu-west-1, which is in no wave of the rollout \(canary: us-east-1\), and there is no last wave without `regions`/);
  });

  test('a wave region no target deploys to, and a last wave that gets no target', () => {
    const f = fixture(['us-east-1'], { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'more', regions: ['eu-west-1', 'eu-north-1'] }]) });
    expect(() => f.pipeline.plan).toThrow(/the rollout names regions that no target deploys to: 'eu-west-1' \(wave 'more'\), 'eu-north-1' \(wave 'more'\); the targets deploy to us-east-1/);
    expect(() => f.app.synth()).toThrow(/the rollout names regions that no target deploys to/);
    const g = fixture(['us-east-1'], { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest' }]) });
    expect(() => g.pipeline.plan).toThrow(/wave 'rest' \(every region no other wave names\) has no target/);
  });

  test('a bake time without an alarm to watch, and a bake over 5 alarms', () => {
    const f = fixture(['us-east-1'], { rollout: Rollout.waves([{ name: 'canary', bakeTime: Duration.minutes(30) }]), defaultGates: { rollbackOnFailure: true } });
    expect(() => f.pipeline.plan).toThrow(/wave 'canary' has bakeTime 30 minutes, but none of its targets \(service-x@us-east-1\) has an alarm to watch/);
    const g = fixture([], { rollout: Rollout.waves([{ name: 'wide', bakeTime: Duration.minutes(10) }]) });
    ['us-east-1', 'us-east-2', 'us-west-1', 'eu-west-1', 'eu-west-2', 'eu-central-1'].forEach(region =>
      g.pipeline.addTarget(cfnTarget(region, 'service-x', { gates: { alarms: [alarm(g.stack, region)] } })));
    expect(() => g.pipeline.plan).toThrow(/wave 'wide' has bakeTime 10 minutes and watches 6 alarms \(errors-eu-central-1, errors-us-east-1, .*errors-eu-west-2\), but the bake is one condition of at most 5 rules/);
  });

  test('PARALLEL execution mode: waves without rollback are fine; a bake needs alarm gates, which roll back and are rejected there', () => {
    const f = fixture(['us-east-1', 'eu-west-1'], {
      executionMode: codepipeline.ExecutionMode.PARALLEL,
      rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest' }]),
    });
    expect(stages(pipelineTemplate(f)).map((s: any) => s.Name)).toEqual(['Source', 'Build', 'canary', 'rest']);
    expect(() => bakedRollout({ parallel: true })).toThrow(/PARALLEL execution mode, where CodePipeline offers no stage rollback/);
  });
});

describe('waves: no rollout changes nothing', () => {
  test('without a rollout the stages and their conditions are those of before', () => {
    const f = fixture(['us-east-1', 'eu-west-1']);
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    expect(f.pipeline.plan.stages.every(s => s.wave === undefined && s.bakeMinutes === undefined)).toBe(true);
    expect(f.pipeline.plan.toTable().split('\n')[0]).toMatch(/^Stage\s/);
    Template.fromStack(f.stack).hasResourceProperties('AWS::CodePipeline::Pipeline', { Stages: Match.arrayWith([Match.objectLike({ Name: 'Deploy' })]) });
  });
});
