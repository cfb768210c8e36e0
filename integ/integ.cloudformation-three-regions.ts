/**
 * The pipeline in us-west-2 delivers the sample service in integ/sample-app/ to us-east-1, eu-west-1
 * and ap-southeast-2 through CloudFormation change sets. The test uploads the source archive itself;
 * the build packages the template once per region, into that region's artifact store.
 *
 * When run for real (`npx projen integ:deploy`, with AWS credentials and `cdk bootstrap` in the four
 * regions), the assertions prove the delivery: the pipeline's execution succeeds, and in each region
 * the deployed service answers over HTTP with its own region name. Each region's check then deletes
 * the service's stack and waits for it, so nothing the pipeline created outlives the test.
 */
import * as path from 'path';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { CfnCapabilities, Stack } from 'aws-cdk-lib';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, expectExecutionSucceeds, fixAssertionSalt, integApp, expectServiceInRegion, sampleAppDeployPolicy, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

const TARGET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const SERVICE_STACK = 'mrdp-integ-sample-app';
const PIPELINE_NAME = 'mrdp-integ-cloudformation-three-regions';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegCfnThreeRegions', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

// The source: the sample service, zipped as an asset and copied as-is into a versioned bucket.
const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app'));

// What the service's template creates (a role and a function with a URL), and nothing else.
const servicePermissions = sampleAppDeployPolicy(stack, SERVICE_STACK, TARGET_REGIONS);

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  // the sample's own buildspec.yml packages the template once per target region
  buildStep: PipelineBuild.codeBuild(),
  targets: TARGET_REGIONS.map(region => RegionTarget.cloudFormation({
    region,
    stackName: SERVICE_STACK,
    templatePath: `${region}.template.yaml`,
    capabilities: [CfnCapabilities.ANONYMOUS_IAM],
    deploymentManagedPolicies: [servicePermissions],
  })),
});
// The source object exists before the pipeline does, so the execution that starts when the
// pipeline is created finds it.
pipeline.node.addDependency(upload);

const { assertionStack, checks } = assertionStacks(stack, TARGET_REGIONS);
const integ = new IntegTest(app, 'CloudFormationThreeRegions', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source, build, and the three regions.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In each region, after the pipeline succeeded: the service answers with its own region, then
//    its stack is deleted (the pipeline created it, so no CDK stack would delete it).
TARGET_REGIONS.forEach((region, i) => {
  const check = checks[i];
  expectServiceInRegion(check, region, SERVICE_STACK);
  fixAssertionSalt(check);
});

app.synth();
