/**
 * A CDK application (integ/sample-cdk-app/: one stack per region with a Lambda function with code)
 * delivered by regional pipelines (`DeliveryTopology.regionalPipelines()`): the home pipeline in
 * us-west-2 synthesizes the application (`node app.js`) and publishes the cloud assembly as the
 * release to us-east-1 and eu-west-1; there each region's own pipeline publishes the region's
 * function code with cdk-assets (its `Assets` stage, before the window) and deploys the stack with
 * the bootstrap deploy and execution roles. eu-west-1's window is open all but the last minute of
 * every hour, so the test can finish.
 *
 * When run for real (`npx projen integ:deploy`, with AWS credentials and `cdk bootstrap` in the
 * three regions), the assertions prove the delivery: the home pipeline's execution succeeds (the
 * release is published), each regional pipeline's execution succeeds, and in each region the
 * function answers with its own region (so its code was published there, by that region's
 * pipeline). Each region's check then deletes the stack the pipeline created and waits for it.
 * Its stack and function names differ from integ.cdk-app-three-regions', so both can run at once.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Stack, Stage } from 'aws-cdk-lib';
import {
  INTEG_ACCOUNT, INTEG_HOME_REGION, regionalIntegTest, deleteServiceStack, expectExecutionSucceeds, expectSampleFunctionAnswers,
  fixAssertionSalt, integApp, uploadedSource,
} from './integ-app';
import { DeliveryTopology, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sample: { serviceStage: (app: unknown, account: string, region: string, name: string) => Stage } = require('./sample-cdk-app/service');

const SERVICE_NAME = 'mrdp-integ-cdk-regional';
const TARGET_REGIONS = ['us-east-1', 'eu-west-1'];
const PIPELINE_NAME = 'mrdp-integ-cdk-app-regional';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegCdkAppRegional', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

// The source: the sample application, zipped as an asset and copied as-is into a versioned bucket.
const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-cdk-app'));

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  buildStep: PipelineBuild.cdkSynth({
    commands: ['npm install --no-audit --no-fund', 'node app.js'],
    environmentVariables: {
      SERVICE_ACCOUNT: { value: INTEG_ACCOUNT },
      SERVICE_REGIONS: { value: TARGET_REGIONS.join(' ') },
      SERVICE_NAME: { value: SERVICE_NAME },
    },
  }),
  topology: DeliveryTopology.regionalPipelines(),
  // the same stages as the build's app, so the template and manifest paths agree
  targets: TARGET_REGIONS.map(region => RegionTarget.cdkStage(sample.serviceStage(app, INTEG_ACCOUNT, region, SERVICE_NAME), {
    // open all but the last minute of every hour: the window's stage is real, and the test can finish
    window: region === 'eu-west-1' ? DeploymentWindow.cron('* 0-58 * ? * * *', 'UTC') : undefined,
  })),
});
pipeline.node.addDependency(upload);
const { integ, checks } = regionalIntegTest('CdkAppRegional', stack, pipeline, TARGET_REGIONS);

// 1. The home pipeline's execution succeeds: source, build, and the release published to both regions.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In each region: its pipeline's execution succeeds, the function answers with its own region;
//    then the stack the pipeline created is deleted (no CDK stack of the test owns it) and its
//    deletion awaited.
TARGET_REGIONS.forEach((region, i) => {
  const check = checks[i];
  const executions = new AwsApiCall(check, 'RegionalExecutions', {
    service: 'CodePipeline',
    api: 'listPipelineExecutions',
    parameters: { pipelineName: `${PIPELINE_NAME}-${region}` },
  });
  executions.expect(ExpectedResult.objectLike({
    pipelineExecutionSummaries: Match.arrayWith([Match.objectLike({ status: 'Succeeded' })]),
  }));
  executions.waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.minutes(1) });
  const stackName = `${SERVICE_NAME}-${region}`;
  const describe = new AwsApiCall(check, 'DescribeService', {
    service: 'CloudFormation',
    api: 'describeStacks',
    parameters: { StackName: stackName },
    outputPaths: ['Stacks.0.StackId'],
  });
  describe.expect(ExpectedResult.objectLike({ Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'CREATE_COMPLETE' })]) }));
  const invoke = expectSampleFunctionAnswers(check, region, SERVICE_NAME);
  const [remove, gone] = deleteServiceStack(check, stackName, describe.getAttString('Stacks.0.StackId'));
  executions.next(describe).next(invoke).next(remove).next(gone);
  fixAssertionSalt(check);
});

app.synth();
