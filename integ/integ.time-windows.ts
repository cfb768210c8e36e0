/**
 * Three regions, three deployment windows: the pipeline (us-west-2) deploys us-east-1, eu-west-1 and
 * ap-southeast-2 each in its own stage, behind a DeploymentWindow entry condition in the region's
 * time zone. When run for real, the assertion reads the deployed pipeline's definition back
 * (codepipeline:GetPipeline) and checks that each stage carries its window.
 *
 * The windows are restricted to the year 2199 (the highest year CodePipeline's cron accepts), so the
 * execution that starts when the pipeline is created waits at the first window and deploys nothing
 * that would outlive the test.
 */
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, integApp, uploadedSource } from './integ-app';
import { DeploymentWindow, MultiRegionDeliveryPipeline, RegionTarget } from '../src';

const PIPELINE_NAME = 'mrdp-integ-time-windows';
const WINDOWS: { [region: string]: DeploymentWindow } = {
  // follow the night: Sydney first, then Dublin, then New York
  'ap-southeast-2': DeploymentWindow.cron('* * 1-4 ? * * 2199', 'Australia/Sydney'),
  'eu-west-1': DeploymentWindow.cron('* * 1-4 ? * MON-FRI 2199', 'Europe/Dublin'),
  'us-east-1': DeploymentWindow.cron('* 0-29 2 ? * SAT 2199', 'America/New_York'),
};

const app = integApp();
const stack = new Stack(app, 'MrdpIntegTimeWindows', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-window-app'));

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  targets: Object.entries(WINDOWS).map(([region, window]) => RegionTarget.cloudFormation({
    region,
    stackName: 'mrdp-integ-time-windows',
    templatePath: 'template.yaml',
    window,
  })),
});
pipeline.node.addDependency(upload);

const { assertionStack } = assertionStacks(stack, []);
const integ = new IntegTest(app, 'TimeWindows', {
  testCases: [stack],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: PIPELINE_NAME })
  .expect(ExpectedResult.objectLike({
    pipeline: Match.objectLike({
      pipelineType: 'V2',
      stages: Match.arrayWith(Object.entries(WINDOWS).map(([region, window]) => Match.objectLike({
        name: `Deploy.${region}`,
        beforeEntry: {
          conditions: [Match.objectLike({
            result: 'FAIL',
            rules: [Match.objectLike({
              ruleTypeId: Match.objectLike({ category: 'Rule', owner: 'AWS', provider: 'DeploymentWindow', version: '1' }),
              configuration: { Cron: window.expression, TimeZone: window.timeZone },
            })],
          })],
        },
      }))),
    }),
  }));

app.synth();
