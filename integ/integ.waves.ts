/**
 * Progressive rollout: the pipeline (us-west-2) deploys a canary wave (us-west-2, behind a real
 * CloudWatch alarm, baked for one minute), then the rest (us-east-1 and eu-west-1, side by side).
 *
 * When run for real, the assertions prove:
 * 1. the deployed pipeline's definition (codepipeline:GetPipeline): exactly the stages Source,
 *    `canary`, `rest`, in that order (CodePipeline runs stages one after another, so no region of
 *    `rest` is touched before the canary succeeded and baked); the canary's entry alarm check, its
 *    bake (an on-success condition, result ROLLBACK, CloudWatchAlarm rule with WaitTime 1 on the
 *    alarm) and its rollback on failure; the rest without conditions;
 * 2. an execution succeeds: the canary baked with its alarm OK, then the rest deployed;
 * 3. each region's stack (created by the pipeline, an empty marker) exists, and is then deleted.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, expectExecutionSucceeds, fixAssertionSalt, integApp, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, RegionTarget, Rollout } from '../src';

const PIPELINE_NAME = 'mrdp-integ-waves';
const STACK_NAME = 'mrdp-integ-waves';
const ALARM_NAME = 'mrdp-integ-waves-canary-errors';
const REST = ['us-east-1', 'eu-west-1'];

const app = integApp();
const stack = new Stack(app, 'MrdpIntegWaves', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-window-app'));

// the canary's error alarm; it stays OK (no data is treated as not breaching)
const alarm = new cloudwatch.Alarm(stack, 'CanaryErrors', {
  alarmName: ALARM_NAME,
  metric: new cloudwatch.Metric({ namespace: 'MrdpInteg', metricName: 'CanaryErrors', period: Duration.minutes(1) }),
  threshold: 1,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
});

const target = (region: string) => RegionTarget.cloudFormation({ region, stackName: STACK_NAME, templatePath: 'template.yaml' });
const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  rollout: Rollout.waves([
    { name: 'canary', regions: [INTEG_HOME_REGION], bakeTime: Duration.minutes(1) },
    { name: 'rest' },
  ]),
  targets: [
    ...REST.map(target),
    RegionTarget.cloudFormation({
      region: INTEG_HOME_REGION,
      stackName: STACK_NAME,
      templatePath: 'template.yaml',
      gates: { alarms: [alarm], rollbackOnFailure: true },
    }),
  ],
});
pipeline.node.addDependency(upload);

const regions = [INTEG_HOME_REGION, ...REST];
const { assertionStack, checks } = assertionStacks(stack, regions);
const integ = new IntegTest(app, 'Waves', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The definition: wave order and the canary's bake.
const alarmRule = (name: string, configuration: object) => Match.objectLike({
  name,
  region: INTEG_HOME_REGION,
  ruleTypeId: Match.objectLike({ category: 'Rule', owner: 'AWS', provider: 'CloudWatchAlarm', version: '1' }),
  configuration,
});
const deploysTo = (region: string) => Match.objectLike({ region, actionTypeId: Match.objectLike({ provider: 'CloudFormation' }) });
integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: PIPELINE_NAME })
  .expect(ExpectedResult.objectLike({
    pipeline: Match.objectLike({
      pipelineType: 'V2',
      stages: [
        Match.objectLike({ name: 'Source' }),
        Match.objectLike({
          name: 'canary',
          actions: Match.arrayWith([deploysTo(INTEG_HOME_REGION)]),
          beforeEntry: { conditions: [Match.objectLike({ result: 'FAIL', rules: [alarmRule('EntryAlarm.1.1', { AlarmName: ALARM_NAME, AlarmStates: 'ALARM' })] })] },
          onSuccess: { conditions: [Match.objectLike({ result: 'ROLLBACK', rules: [alarmRule('BakeAlarm.1.1', { AlarmName: ALARM_NAME, AlarmStates: 'ALARM', WaitTime: '1' })] })] },
          onFailure: Match.objectLike({ result: 'ROLLBACK' }),
        }),
        Match.objectLike({
          name: 'rest',
          actions: Match.arrayWith(REST.map(deploysTo)),
        }),
      ],
    }),
  }));

// 2. An execution succeeds: the canary deployed and baked, then the rest deployed.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 3. In each region, after the execution: the stack the pipeline created exists; it is then deleted.
checks.forEach(check => {
  const describe = new AwsApiCall(check, 'DescribeStack', {
    service: 'CloudFormation',
    api: 'describeStacks',
    parameters: { StackName: STACK_NAME },
    outputPaths: ['Stacks.0.StackId'],
  });
  describe.expect(ExpectedResult.objectLike({ Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'CREATE_COMPLETE' })]) }));
  const remove = new AwsApiCall(check, 'DeleteStack', { service: 'CloudFormation', api: 'deleteStack', parameters: { StackName: STACK_NAME } });
  const gone = new AwsApiCall(check, 'StackDeleted', {
    service: 'CloudFormation',
    api: 'describeStacks',
    parameters: { StackName: describe.getAttString('Stacks.0.StackId') },
  });
  gone.expect(ExpectedResult.objectLike({ Stacks: [Match.objectLike({ StackStatus: 'DELETE_COMPLETE' })] }));
  gone.waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
  describe.next(remove).next(gone);
  fixAssertionSalt(check);
});

app.synth();
