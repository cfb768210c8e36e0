/**
 * A region without CodePipeline as a target: the pipeline in us-west-2 delivers the sample service in
 * integ/sample-app/ to ca-west-1 (Canada West, where CodePipeline is not offered) and to us-east-1 and
 * eu-west-1 (where it is). ca-west-1 gets no artifact store and no action of the pipeline: CodeBuild
 * in us-west-2 creates and executes the change set there with the AWS CLI. Its bucket (in the
 * artifact store stack of ca-west-1) only holds what the build packages for that region.
 *
 * ca-west-1 is an opt-in region (like every region launched since 2019): a real run needs it enabled
 * in the account (`aws account enable-region --region-name ca-west-1`) and bootstrapped, with
 * us-west-2, us-east-1 and eu-west-1 (`cdk bootstrap aws://<account>/ca-west-1 ...`).
 *
 * When run for real (`npx projen integ:deploy`), the assertions prove the delivery:
 * 1. the pipeline exists (CodePipeline refuses to create one with an artifact store or an action in
 *    ca-west-1), its stores are those of us-west-2, us-east-1 and eu-west-1 (codepipeline:GetPipeline),
 *    and its ca-west-1 actions are CodeBuild actions in us-west-2 (change set at run order 2,
 *    execution at 4);
 * 2. an execution succeeds: the CodeBuild route created and executed the change set in ca-west-1;
 * 3. in each of the three regions the service's stack is complete and its URL answers with that
 *    region's name (the ca-west-1 one proves the route deployed there, not in the pipeline's
 *    region); each stack is then deleted.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { CfnCapabilities, Stack } from 'aws-cdk-lib';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, assertionStacks, expectExecutionSucceeds, expectServiceInRegion, fixAssertionSalt, integApp, sampleAppDeployPolicy, uploadedSource } from './integ-app';
import { MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

const ROUTED_REGION = 'ca-west-1';
const TARGET_REGIONS = [ROUTED_REGION, 'us-east-1', 'eu-west-1'];
const SERVICE_STACK = 'mrdp-integ-routed-app';
const PIPELINE_NAME = 'mrdp-integ-region-without-codepipeline';

const app = integApp();
const stack = new Stack(app, 'MrdpIntegRouted', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });

const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app'));

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  // the sample's buildspec packages the template for each region into ARTIFACT_BUCKET_<REGION>,
  // ca-west-1's staging bucket included
  buildStep: PipelineBuild.codeBuild(),
  targets: TARGET_REGIONS.map(region => RegionTarget.cloudFormation({
    region,
    stackName: SERVICE_STACK,
    templatePath: `${region}.template.yaml`,
    capabilities: [CfnCapabilities.ANONYMOUS_IAM],
    deploymentManagedPolicies: [sampleAppDeployPolicy(stack, SERVICE_STACK, TARGET_REGIONS)],
  })),
});
pipeline.node.addDependency(upload);

const { assertionStack, checks } = assertionStacks(stack, TARGET_REGIONS);
const integ = new IntegTest(app, 'RegionWithoutCodePipeline', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The deployed pipeline: stores only where CodePipeline is offered; ca-west-1 reached by CodeBuild in us-west-2.
const definition = integ.assertions.awsApiCall('CodePipeline', 'getPipeline', { name: PIPELINE_NAME });
definition.expect(ExpectedResult.objectLike({
  pipeline: Match.objectLike({
    artifactStores: { 'us-west-2': Match.objectLike({}), 'us-east-1': Match.objectLike({}), 'eu-west-1': Match.objectLike({}) },
    // CodeBuild actions without a region of their own: they run in the pipeline's region
    stages: Match.arrayWith([Match.objectLike({
      name: 'Deploy',
      actions: Match.arrayWith([
        Match.objectLike({ name: `${ROUTED_REGION}.${SERVICE_STACK}.CreateChangeSet`, runOrder: 2, actionTypeId: Match.objectLike({ provider: 'CodeBuild' }) }),
        Match.objectLike({ name: `${ROUTED_REGION}.${SERVICE_STACK}.ExecuteChangeSet`, runOrder: 4, actionTypeId: Match.objectLike({ provider: 'CodeBuild' }) }),
      ]),
    })]),
  }),
}));

// 2. An execution succeeds.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 3. Each region's service answers with its own region, then its stack is deleted.
TARGET_REGIONS.forEach((region, i) => {
  const checksService = expectServiceInRegion(checks[i], region, SERVICE_STACK);
  if (region === ROUTED_REGION) {
    // before the service is checked and deleted: its stack was made by the route's change set in ca-west-1
    const byChangeSet = new AwsApiCall(checks[i], 'StackFromRouteChangeSet', {
      service: 'CloudFormation',
      api: 'describeStacks',
      parameters: { StackName: SERVICE_STACK },
    });
    byChangeSet.expect(ExpectedResult.objectLike({
      Stacks: [Match.objectLike({ ChangeSetId: Match.stringLikeRegexp(`:${ROUTED_REGION}:.*changeSet/multi-region-delivery/`) })],
    }));
    byChangeSet.next(checksService);
  }
  fixAssertionSalt(checks[i]);
});

app.synth();
