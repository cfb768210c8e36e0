/**
 * Regional pipelines (`DeliveryTopology.regionalPipelines()`): the home pipeline in us-west-2 builds
 * the sample service in integ/sample-app/ and publishes the release to us-east-1, eu-west-1 and
 * ap-southeast-2, where a pipeline of each region deploys it behind the region's own window:
 * us-east-1's window is open all but one minute an hour (it deploys as soon as the release arrives),
 * eu-west-1's opens for the first half of every hour (Europe/Dublin) and ap-southeast-2's for the
 * second half (Australia/Sydney), so each region waits for its own window, never for another region's,
 * and every wait ends within half an hour.
 *
 * When run for real (`npx projen integ:deploy`, with AWS credentials and `cdk bootstrap` in the four
 * regions), the assertions prove the delivery: the home pipeline's execution succeeds (the release
 * is published to every region); in every region the release carries the home execution's ID and
 * the source's version as object metadata, the release's arrival started the region's pipeline
 * (an EventBridge trigger), its execution succeeds, and the deployed service answers over HTTP with
 * its region's name; then the service's stack is deleted.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import {
  INTEG_ACCOUNT, INTEG_HOME_REGION, regionalIntegTest, expectExecutionSucceeds, expectReleaseMetadata, expectServiceInRegion, fixAssertionSalt,
  integApp, sampleAppDeployPolicy, uploadedSource,
} from './integ-app';
import { DeliveryTopology, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

const SERVICE_STACK = 'mrdp-integ-regional-app';
const PIPELINE_NAME = 'mrdp-integ-regional-pipelines';
const WINDOWS: { [region: string]: DeploymentWindow } = {
  // open all but the last minute of every hour (a window open at every moment cannot be given: its
  // closing time cannot be computed): the region deploys as soon as the release arrives
  'us-east-1': DeploymentWindow.cron('* 0-58 * ? * * *', 'UTC'),
  'eu-west-1': DeploymentWindow.cron('* 0-29 * ? * * *', 'Europe/Dublin'),
  'ap-southeast-2': DeploymentWindow.cron('* 30-58 * ? * * *', 'Australia/Sydney'),
};
const TARGET_REGIONS = Object.keys(WINDOWS);

const app = integApp();
const stack = new Stack(app, 'MrdpIntegRegionalPipelines', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app'));
// named: the regional pipelines' deployment roles, in the stacks of their regions, attach it by its ARN
const servicePermissions = sampleAppDeployPolicy(stack, SERVICE_STACK, TARGET_REGIONS, `${SERVICE_STACK}-deploy`);

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  // the sample's own buildspec.yml packages the template once per target region
  buildStep: PipelineBuild.codeBuild(),
  topology: DeliveryTopology.regionalPipelines(),
  targets: TARGET_REGIONS.map(region => RegionTarget.cloudFormation({
    region,
    stackName: SERVICE_STACK,
    templatePath: `${region}.template.yaml`,
    capabilities: [CfnCapabilities.ANONYMOUS_IAM],
    deploymentManagedPolicies: [servicePermissions],
    window: WINDOWS[region],
  })),
});
pipeline.node.addDependency(upload);
const { integ, checks } = regionalIntegTest('RegionalPipelines', stack, pipeline, TARGET_REGIONS);

// 1. The home pipeline's execution succeeds: source, build, and the release published to the three regions.
expectExecutionSucceeds(integ, PIPELINE_NAME);

TARGET_REGIONS.forEach((region, i) => {
  const check = checks[i];
  const regionalName = `${PIPELINE_NAME}-${region}`;
  // the release arrived with the home execution's ID and the source's version as object metadata
  expectReleaseMetadata(check, Stack.of(stack).resolve(pipeline.artifactBucket(region).bucketName));
  const executions = new AwsApiCall(check, 'RegionalExecutions', {
    service: 'CodePipeline',
    api: 'listPipelineExecutions',
    parameters: { pipelineName: regionalName },
  });
  // every region: the release's arrival started its pipeline (an EventBridge trigger), which ran to
  // the end once its own window opened (at most half an hour), and the service answers with the
  // region's name; then the service's stack is deleted
  executions.expect(ExpectedResult.objectLike({
    pipelineExecutionSummaries: Match.arrayWith([Match.objectLike({ status: 'Succeeded', trigger: Match.objectLike({ triggerType: 'CloudWatchEvent' }) })]),
  }));
  executions.waitForAssertions({ totalTimeout: Duration.minutes(45), interval: Duration.minutes(1) });
  executions.next(expectServiceInRegion(check, region, SERVICE_STACK));
  fixAssertionSalt(check);
});

app.synth();
