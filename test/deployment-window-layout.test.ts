import { Template } from 'aws-cdk-lib/assertions';
import { cfnTarget, fixture, pipelineStack, sourceBucket, testApp } from './testutil';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineSource } from '../src';

const sydney = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' });
const dublin = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
const newYork = DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'America/New_York' });

/** Follow the night: Sydney, then Dublin, then New York; us-west-2 without a window. */
function followTheNight() {
  const f = fixture([]);
  f.pipeline.addTarget(cfnTarget('us-west-2'));
  f.pipeline.addTarget(cfnTarget('ap-southeast-2', 'service-x', { window: sydney }));
  f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: dublin }));
  f.pipeline.addTarget(cfnTarget('us-east-1', 'service-x', { window: newYork }));
  return f;
}

function stagesOf(template: Template): any[] {
  return (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
}

describe('windowed targets', () => {
  test('each window gets its own stage, after the Deploy stage, in target order', () => {
    const stages = stagesOf(Template.fromStack(followTheNight().stack));
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Deploy', 'Deploy.ap-southeast-2', 'Deploy.eu-west-1', 'Deploy.us-east-1']);
    expect(stages[2].Actions.map((a: any) => a.Region)).toEqual(['us-west-2', 'us-west-2']);
    expect(stages[2].BeforeEntry).toBeUndefined();
    expect(stages[4].Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([
      ['eu-west-1.service-x.CreateChangeSet', 2], ['eu-west-1.service-x.ExecuteChangeSet', 4],
    ]);
  });

  test('a windowed stage waits at entry for a DeploymentWindow rule with the cron and time zone (result FAIL)', () => {
    const stages = stagesOf(Template.fromStack(followTheNight().stack));
    expect(stages[4].BeforeEntry).toEqual({
      Conditions: [{
        Result: 'FAIL',
        Rules: [{
          // rule names are unique within the pipeline: the rule carries its deploy stage's number
          Name: 'DeploymentWindow.3',
          RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' },
          Configuration: { Cron: '* * 1-4 ? * * *', TimeZone: 'Europe/Dublin' },
        }],
      }],
    });
    expect(stages[5].BeforeEntry.Conditions[0].Rules[0].Configuration).toEqual({ Cron: '* * 1-4 ? * MON-FRI *', TimeZone: 'America/New_York' });
    const names = stages.flatMap((stage: any) => stage.BeforeEntry?.Conditions[0].Rules.map((r: any) => r.Name) ?? []);
    expect(names).toEqual(['DeploymentWindow.2', 'DeploymentWindow.3', 'DeploymentWindow.4']);
  });

  test('targets that share a window share one stage', () => {
    const f = fixture([]);
    const emea = DeploymentWindow.cron('* * 2-4 ? * SAT,SUN *', 'Europe/Berlin');
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: emea }));
    f.pipeline.addTarget(cfnTarget('eu-central-1', 'service-x', { window: DeploymentWindow.cron('* * 2-4 ? * SAT,SUN *', 'Europe/Berlin') }));
    f.pipeline.addTarget(cfnTarget('us-east-1'));
    const stages = stagesOf(Template.fromStack(f.stack));
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Deploy', 'Deploy.eu-west-1.eu-central-1']);
    expect(stages[3].Actions).toHaveLength(4);
  });

  test('one region with two windows gets two distinct stages', () => {
    const f = fixture([]);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: dublin }));
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-y', { window: sydney }));
    expect(f.pipeline.plan.stages.map(s => s.stageName)).toEqual(['Source', 'Build', 'Deploy.eu-west-1', 'Deploy.eu-west-1.2']);
  });

  test('more windows than CodePipeline has stages for is rejected, naming the quota', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const targets = [];
    for (let i = 0; i < 50; i++) {
      targets.push(cfnTarget('eu-west-1', `service-${i}`, { window: DeploymentWindow.cron(`* ${i} 1 ? * * *`, 'UTC') }));
    }
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets,
    });
    expect(() => pipeline.plan).toThrow(/the pipeline would have 51 stages \(50 of them for distinct deployment windows\), over CodePipeline's quota of 50 stages per pipeline/);
    pipeline.addTarget(cfnTarget('eu-west-2')); // no window: one more stage, 52
    expect(() => pipeline.plan).toThrow(/would have 52 stages \(50 of them/);
  });
});

describe('plan and schedule with windows', () => {
  test('the plan shows each stage\'s window', () => {
    const plan = followTheNight().pipeline.plan;
    expect(plan.stages.map(s => [s.stageName, s.window])).toEqual([
      ['Source', undefined], ['Build', undefined], ['Deploy', undefined],
      ['Deploy.ap-southeast-2', 'cron(* * 1-4 ? * * *) Australia/Sydney'],
      ['Deploy.eu-west-1', 'cron(* * 1-4 ? * * *) Europe/Dublin'],
      ['Deploy.us-east-1', 'cron(* * 1-4 ? * MON-FRI *) America/New_York'],
    ]);
    expect(plan.actionsIn('eu-west-1').every(a => a.window === 'cron(* * 1-4 ? * * *) Europe/Dublin')).toBe(true);
    expect(plan.toTable()).toMatch(/Deploy\.eu-west-1\s+2\s+eu-west-1\s+CreateChangeSet\s+service-x\s+eu-west-1\.service-x\.CreateChangeSet\s+cron\(\* \* 1-4 \? \* \* \*\) Europe\/Dublin/);
  });

  test('a release started on Monday 00:00 UTC follows the night: Sydney, Dublin, then New York', () => {
    const schedule = followTheNight().pipeline.plan.schedule(new Date('2026-11-23T00:00:00Z'));
    expect(schedule.map(s => [s.stageName, s.earliestStart?.toISOString()])).toEqual([
      ['Source', '2026-11-23T00:00:00.000Z'],
      ['Build', '2026-11-23T00:00:00.000Z'],
      ['Deploy', '2026-11-23T00:00:00.000Z'],
      // 01:00 Tuesday in Sydney (AEDT, UTC+11)
      ['Deploy.ap-southeast-2', '2026-11-23T14:00:00.000Z'],
      // 01:00 Tuesday in Dublin (GMT)
      ['Deploy.eu-west-1', '2026-11-24T01:00:00.000Z'],
      // 01:00 Tuesday in New York (EST, UTC-5)
      ['Deploy.us-east-1', '2026-11-24T06:00:00.000Z'],
    ]);
    const dublinStage = schedule[4];
    expect(dublinStage.nextOpenings!.map(o => [o.opensAt.toISOString(), o.closesAt.toISOString()])).toEqual([
      ['2026-11-24T01:00:00.000Z', '2026-11-24T05:00:00.000Z'],
      ['2026-11-25T01:00:00.000Z', '2026-11-25T05:00:00.000Z'],
      ['2026-11-26T01:00:00.000Z', '2026-11-26T05:00:00.000Z'],
    ]);
  });

  test('a weekday window reached on Friday night waits for Monday', () => {
    const f = fixture([]);
    f.pipeline.addTarget(cfnTarget('us-east-1', 'service-x', { window: newYork }));
    // Friday 2026-11-27 12:00 New York: the next weekday night starts Monday 01:00 EST
    const [, , windowed] = f.pipeline.plan.schedule(new Date('2026-11-27T17:00:00Z'));
    expect(windowed.earliestStart?.toISOString()).toEqual('2026-11-30T06:00:00.000Z');
  });

  test('the schedule table prints UTC and local times', () => {
    const table = followTheNight().pipeline.plan.toScheduleTable(new Date('2026-11-23T00:00:00Z'));
    expect(table).toMatch(/Deploy\.ap-southeast-2\s+ap-southeast-2\s+cron\(\* \* 1-4 \? \* \* \*\) Australia\/Sydney\s+2026-11-23 14:00 Mon\s+2026-11-24 01:00 Tue Australia\/Sydney/);
    expect(table).toMatch(/Deploy\.us-east-1\s+us-east-1\s+.*2026-11-24 06:00 Tue\s+2026-11-24 01:00 Tue America\/New_York/);
    expect(table).toMatch(/^Deploy\s+us-west-2\s+-\s+2026-11-23 00:00 Mon\s+-$/m);
  });
});
