/**
 * The pipeline in us-west-2 of one account delivers the sample service in integ/sample-app/ to
 * us-east-1 and us-west-2 of a second account, with that account's CDK bootstrap roles, through
 * artifact stores encrypted with KMS keys whose policies let the second account's roles read.
 *
 * The second account comes from CDK_INTEG_CROSS_ACCOUNT, as aws-cdk's own cross-account integration
 * tests take it (a fixed placeholder when unset, so the snapshot is stable). Before a real run
 * (`npx projen integ:deploy` with credentials of the pipeline's account, CDK_INTEG_ACCOUNT and
 * CDK_INTEG_CROSS_ACCOUNT set), bootstrap the second account in both regions, trusting the first:
 *
 *   cdk bootstrap aws://$CDK_INTEG_CROSS_ACCOUNT/us-east-1 aws://$CDK_INTEG_CROSS_ACCOUNT/us-west-2 \
 *     --trust $CDK_INTEG_ACCOUNT --cloudformation-execution-policies <ARN of a policy allowing what integ/sample-app creates>
 *
 * The assertions prove the delivery: the pipeline's execution succeeds, and in each region of the
 * second account the service's stack exists and its URL answers with its region name (the check
 * stacks are deployed to the second account); each check then deletes the stack it found.
 */
import * as path from 'path';
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { CfnCapabilities, Stack } from 'aws-cdk-lib';
import { INTEG_ACCOUNT, INTEG_HOME_REGION, expectExecutionSucceeds, expectServiceInRegion, fixAssertionSalt, integApp, uploadedSource } from './integ-app';
import { ArtifactEncryption, MultiRegionDeliveryPipeline, PipelineBuild, RegionTarget } from '../src';

/** The second account: CDK_INTEG_CROSS_ACCOUNT when it is an account ID, else a placeholder. */
const CROSS_ACCOUNT = /^\d{12}$/.test(process.env.CDK_INTEG_CROSS_ACCOUNT ?? '') ? process.env.CDK_INTEG_CROSS_ACCOUNT! : '234567890123';
// the pipeline's own region (its store is in the pipeline's stack) and another region (a store stack)
const TARGET_REGIONS = ['us-east-1', INTEG_HOME_REGION];
const SERVICE_STACK = 'mrdp-integ-cross-account-app';
const PIPELINE_NAME = 'mrdp-integ-cross-account';

const app = integApp();
// the info naming each target account's bootstrap is recorded without a stack trace (absolute paths)
app.node.setContext('aws:cdk:disable-stack-trace', true);
const stack = new Stack(app, 'MrdpIntegCrossAccount', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });
const { source, upload } = uploadedSource(stack, path.join(__dirname, 'sample-app'));

const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  pipelineName: PIPELINE_NAME,
  source,
  buildStep: PipelineBuild.codeBuild(),
  // a role of another account reads the artifacts: customer managed keys
  artifactStores: { encryption: ArtifactEncryption.KMS },
  targets: TARGET_REGIONS.map(region => RegionTarget.cloudFormation({
    region,
    account: CROSS_ACCOUNT,
    stackName: SERVICE_STACK,
    templatePath: `${region}.template.yaml`,
    capabilities: [CfnCapabilities.ANONYMOUS_IAM],
  })),
});
pipeline.node.addDependency(upload);

// The assertion stack watches the pipeline in its account; the checks run in the second account.
const assertionStack = new Stack(app, 'MrdpIntegCrossAccountAssertions', { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });
assertionStack.addDependency(stack, 'the assertions watch the pipeline');
const checks = TARGET_REGIONS.map(region => {
  const check = new Stack(app, `MrdpIntegCrossAccountCheck-${region}`, { env: { account: CROSS_ACCOUNT, region } });
  check.addDependency(assertionStack, 'checks run after the pipeline execution succeeded');
  return check;
});

const integ = new IntegTest(app, 'CrossAccount', {
  testCases: [stack, ...checks],
  assertionStack,
  diffAssets: false,
  stackUpdateWorkflow: false,
});

// 1. The pipeline's execution succeeds: source, build, and both regions of the second account.
expectExecutionSucceeds(integ, PIPELINE_NAME);

// 2. In each region of the second account: the service's stack is there and answers with its region,
//    then it is deleted (the pipeline created it, so no CDK stack would delete it).
TARGET_REGIONS.forEach((region, i) => {
  expectServiceInRegion(checks[i], region, SERVICE_STACK);
  fixAssertionSalt(checks[i]);
});

app.synth();
