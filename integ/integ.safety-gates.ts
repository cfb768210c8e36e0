/**
 * Safety gates: the pipeline (us-west-2) checks the templates in a Validate stage (cfn-lint and
 * CloudFormation Guard) before any region, deploys us-east-1 in the `Deploy` stage with rollback on
 * failure (the pipeline's default gates), and us-west-2 behind a CloudWatch alarm gate: the alarm is
 * checked before the stage (entry, FAIL) and after it (on success, ROLLBACK), and the stage rolls back
 * on failure. When run for real, the assertion reads the deployed pipeline's definition back
 * (codepipeline:GetPipeline) and checks each gate.
 */
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, integApp, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, RegionTarget, TemplateValidation } from '../src';

const PIPELINE_NAME = 'mrdp-integ-safety-gates';
const STACK_NAME = 'mrdp-integ-safety-gates';
const ALARM_NAME = 'mrdp-integ-safety-gates-errors';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegSafetyGates', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-window-app'));

// the service's error alarm in the pipeline's region; it stays OK (no data is treated as not breaching)
const alarm = new cloudwatch.Alarm(stack, 'ServiceErrors', {
  alarmName: ALARM_NAME,
  metric: new cloudwatch.Metric({ namespace: 'MrdpInteg', metricName: 'Errors', period: Duration.minutes(1) }),
  threshold: 1,
  evaluationPeriods: 1,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
});

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  validation: TemplateValidation.cfnLintAndGuard(),
  defaultGates: { rollbackOnFailure: true },
  targets: [
    RegionTarget.cloudFormation({ region: 'us-east-1', stackName: STACK_NAME, templatePath: 'template.yaml' }),
    RegionTarget.cloudFormation({
      region: INTEG_HOME_REGION,
      stackName: STACK_NAME,
      templatePath: 'template.yaml',
      gates: { rollbackOnFailure: true, alarms: [alarm], alarmWaitTime: Duration.minutes(1) },
    }),
  ],
});
pipeline.node.addDependency(upload);

const { assertionStack } = assertionStacks(stack, []);
const integ = new IntegTest(app, 'SafetyGates', {
  testCases: [stack],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

const alarmRule = (name: string) => Match.objectLike({
  name,
  region: INTEG_HOME_REGION,
  ruleTypeId: Match.objectLike({ category: 'Rule', owner: 'AWS', provider: 'CloudWatchAlarm', version: '1' }),
  configuration: { AlarmName: ALARM_NAME, AlarmStates: 'ALARM', WaitTime: '1' },
});
integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: PIPELINE_NAME })
  .expect(ExpectedResult.objectLike({
    pipeline: Match.objectLike({
      pipelineType: 'V2',
      stages: [
        Match.objectLike({ name: 'Source' }),
        Match.objectLike({
          name: 'Validate',
          actions: [Match.objectLike({ name: 'Validate', actionTypeId: Match.objectLike({ category: 'Build', provider: 'CodeBuild' }) })],
        }),
        Match.objectLike({ name: 'Deploy', onFailure: Match.objectLike({ result: 'ROLLBACK' }) }),
        Match.objectLike({
          name: `Deploy.${INTEG_HOME_REGION}`,
          beforeEntry: { conditions: [Match.objectLike({ result: 'FAIL', rules: [alarmRule('EntryAlarm.2.1')] })] },
          onSuccess: { conditions: [Match.objectLike({ result: 'ROLLBACK', rules: [alarmRule('SuccessAlarm.2.1')] })] },
          onFailure: Match.objectLike({ result: 'ROLLBACK' }),
        }),
      ],
    }),
  }));

app.synth();
