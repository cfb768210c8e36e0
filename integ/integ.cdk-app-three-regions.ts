/**
 * The pipeline in us-west-2 delivers a small CDK application (integ/sample-cdk-app/: one stack per
 * region with a Lambda function with code) to us-east-1, eu-west-1 and ap-southeast-2 as
 * `RegionTarget.cdkStage()` targets. The build synthesizes the application (`node app.js`), each
 * region's function code is published to that region's bootstrap bucket by cdk-assets, and the
 * stacks are deployed with the bootstrap deploy and execution roles.
 *
 * When run for real (`npx projen integ:deploy`, with AWS credentials and `cdk bootstrap` in the four
 * regions), the assertions prove the delivery: the pipeline's execution succeeds, and in each region
 * the function answers with its own region (so its code was published there). Each region's check
 * then deletes the stack the pipeline created and waits for it.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Stack, Stage } from 'aws-cdk-lib';
import {
  INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, deleteServiceStack, expectExecutionSucceeds, expectSampleFunctionAnswers,
  fixAssertionSalt, integApp, uploadedSource,
} from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sample: { FUNCTION_NAME: string; serviceStage: (app: unknown, account: string, region: string) => Stage } = require('./sample-cdk-app/service');

const TARGET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const PIPELINE_NAME = 'mrdp-integ-cdk-app-three-regions';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegCdkAppThreeRegions', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

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
    },
  }),
  // the same stages as the build's app, so the template and manifest paths agree
  targets: TARGET_REGIONS.map(region => RegionTarget.cdkStage(sample.serviceStage(app, INTEG_ACCOUNT, region))),
});
pipeline.node.addDependency(upload);

const { assertionStack, checks } = assertionStacks(stack, TARGET_REGIONS);
const integ = new IntegTest(app, 'CdkAppThreeRegions', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source, build, and each region's publishing and deployment.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In each region: the function answers with its own region; then the stack the pipeline created
//    is deleted (no CDK stack of the test owns it) and its deletion awaited.
TARGET_REGIONS.forEach((region, i) => {
  const check = checks[i];
  const stackName = `mrdp-integ-cdk-app-${region}`;
  const describe = new AwsApiCall(check, 'DescribeService', {
    service: 'CloudFormation',
    api: 'describeStacks',
    parameters: { StackName: stackName },
    outputPaths: ['Stacks.0.StackId'],
  });
  describe.expect(ExpectedResult.objectLike({ Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'CREATE_COMPLETE' })]) }));
  const invoke = expectSampleFunctionAnswers(check, region, sample.FUNCTION_NAME);
  const [remove, gone] = deleteServiceStack(check, stackName, describe.getAttString('Stacks.0.StackId'));
  describe.next(invoke).next(remove).next(gone);
  fixAssertionSalt(check);
});

app.synth();
