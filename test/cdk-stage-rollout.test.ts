import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { pipelineProblems } from './api-model/codepipeline-model';
import { serviceStage } from './cdk-app/service';
import { ACCOUNT, HOME_REGION, cfnLint, pipelineStack, sourceBucket, testApp } from './testutil';
import { DeliveryTopology, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, Rollout } from '../src';

/*
 * CDK stages (RegionTarget.cdkStage) with waves, bake times and alarm gates, as cloudFormation targets
 * have them (issue #22: "approvals, windows, gates, waves and both topologies work as for
 * cloudFormation targets"); windows, approvals and the topologies are in cdk-stage-target.test.ts and
 * cdk-stage-regional.test.ts.
 */

const alarm = (stack: Stack, region: string) =>
  cloudwatch.Alarm.fromAlarmArn(stack, `Errors-${region}`, `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:errors-${region}`);
const stageId = (region: string) => region.split('-').map(p => p.charAt(0).toUpperCase() + p.slice(1)).join('');

function cdkPipeline(regions: string[], props: Partial<ConstructorParameters<typeof MultiRegionDeliveryPipeline>[2]>) {
  const app: App = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] }),
    targets: regions.map(region => RegionTarget.cdkStage(serviceStage(app, stageId(region), region), {
      gates: { alarms: [alarm(stack, region)], rollbackOnFailure: true },
    })),
    ...props,
  });
  const assembly = app.synth();
  const templates = Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template]));
  const stagesOf = (stackName: string): any[] =>
    (Object.values<any>(templates[stackName].Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline').Properties.Stages);
  return { pipeline, templates, stagesOf };
}

describe('CDK stages in waves, with bake times and alarm gates (single pipeline)', () => {
  const { pipeline, templates, stagesOf } = cdkPipeline(['eu-west-1', 'us-east-1', 'ap-southeast-2'], {
    rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) }, { name: 'rest' }]),
  });
  const stages = stagesOf('PipelineStack');

  test('the canary wave publishes and deploys us-east-1\'s stacks in dependency order before the rest', () => {
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'canary', 'rest']);
    expect(stages[2].Actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([
      ['us-east-1.UsEast1.PublishAssets', 1],
      ['us-east-1.UsEast1-Data.CreateChangeSet', 2],
      ['us-east-1.UsEast1-Data.ExecuteChangeSet', 4],
      ['us-east-1.UsEast1-Service.CreateChangeSet', 5],
      ['us-east-1.UsEast1-Service.ExecuteChangeSet', 7],
    ]);
    // (publishing runs in the pipeline's region, with no Region of its own)
    expect(new Set(stages[3].Actions.filter((a: any) => a.ActionTypeId.Provider === 'CloudFormation').map((a: any) => a.Region)))
      .toEqual(new Set(['eu-west-1', 'ap-southeast-2']));
    expect(stages[3].Actions.filter((a: any) => a.ActionTypeId.Provider === 'CodeBuild').map((a: any) => a.Name))
      .toEqual(['eu-west-1.EuWest1.PublishAssets', 'ap-southeast-2.ApSoutheast2.PublishAssets']);
  });

  test('each wave: the regions\' alarms at entry and on success, rollback on failure; the canary bakes 30 minutes on its alarm', () => {
    const [canary, rest] = [stages[2], stages[3]];
    expect(canary.BeforeEntry.Conditions[0]).toMatchObject({ Result: 'FAIL', Rules: [expect.objectContaining({ Region: 'us-east-1', Configuration: { AlarmName: 'errors-us-east-1', AlarmStates: 'ALARM' } })] });
    expect(canary.OnSuccess.Conditions[0]).toMatchObject({
      Result: 'ROLLBACK',
      Rules: [expect.objectContaining({ Region: 'us-east-1', Configuration: { AlarmName: 'errors-us-east-1', AlarmStates: 'ALARM', WaitTime: '30' } })],
    });
    expect(canary.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(rest.OnSuccess.Conditions[0].Rules.map((r: any) => r.Configuration.AlarmName)).toEqual(['errors-eu-west-1', 'errors-ap-southeast-2']);
    expect(rest.OnFailure).toEqual({ Result: 'ROLLBACK' });
  });

  test('the plan: every stack of a region in its wave', () => {
    expect(pipeline.plan.waves.map(w => [w.name, w.regions])).toEqual([['canary', ['us-east-1']], ['rest', ['eu-west-1', 'ap-southeast-2']]]);
    expect(pipeline.plan.actions.filter(a => a.wave === 'canary').map(a => a.stackName ?? a.kind))
      .toEqual(['PublishAssets', 'UsEast1-Data', 'UsEast1-Data', 'UsEast1-Service', 'UsEast1-Service']);
  });

  test('cfn-lint and the CodePipeline API model find nothing', () => {
    expect(cfnLint(templates)).toBe('');
    expect(Object.values(templates).flatMap(t => pipelineProblems(t as any))).toEqual([]);
  });
});

describe('CDK stages with alarm gates in regional pipelines', () => {
  const { templates, stagesOf } = cdkPipeline(['us-east-1', 'eu-west-1'], { topology: DeliveryTopology.regionalPipelines() });

  test.each(['us-east-1', 'eu-west-1'])('%s: its pipeline\'s deploy stage checks that region\'s alarm, in that region, and rolls back', region => {
    const stages = stagesOf(`PipelineStack-${HOME_REGION}-pipeline-${region}`);
    const deploy = stages.find(s => s.Actions.some((a: any) => a.ActionTypeId.Provider === 'CloudFormation'));
    expect(deploy.BeforeEntry.Conditions[0].Rules).toEqual([expect.objectContaining({ Region: region, Configuration: { AlarmName: `errors-${region}`, AlarmStates: 'ALARM' } })]);
    expect(deploy.OnSuccess.Conditions[0]).toMatchObject({ Result: 'ROLLBACK', Rules: [expect.objectContaining({ Region: region })] });
    expect(deploy.OnFailure).toEqual({ Result: 'ROLLBACK' });
  });

  test('cfn-lint and the CodePipeline API model find nothing', () => {
    expect(cfnLint(templates)).toBe('');
    expect(Object.values(templates).flatMap(t => pipelineProblems(t as any))).toEqual([]);
  });
});
