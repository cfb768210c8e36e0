/**
 * Shared setup for the integration tests (not a test itself: integ-runner only runs `integ.*.ts`).
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PipelineSource } from '../src';

/**
 * The account to deploy to: set CDK_INTEG_ACCOUNT for a real run. integ-runner sets it to a dummy
 * ('12345678') when it only synthesizes; that is not an account ID (cfn-lint rejects the ARNs it
 * makes), so anything but 12 digits falls back to a fixed account and keeps snapshots stable.
 */
export const INTEG_ACCOUNT = /^\d{12}$/.test(process.env.CDK_INTEG_ACCOUNT ?? '') ? process.env.CDK_INTEG_ACCOUNT! : '111111111111';

/** The pipeline's region in every integration test. */
export const INTEG_HOME_REGION = 'us-west-2';

/**
 * An app with the feature flags pinned, so snapshots do not change when aws-cdk-lib's defaults do,
 * and without creation stack traces, so snapshots carry no absolute paths.
 */
export function integApp(): App {
  return new App({
    context: {
      'aws:cdk:disable-creation-stack-traces': true,
      '@aws-cdk/aws-iam:minimizePolicies': true,
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      '@aws-cdk/aws-codepipeline:defaultPipelineTypeToV2': true,
      '@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse': true,
      '@aws-cdk/pipelines:reduceStageRoleTrustScope': true,
      '@aws-cdk/aws-lambda:createNewPoliciesWithAddToRolePolicy': true,
      '@aws-cdk/core:enablePartitionLiterals': true,
    },
  });
}

/**
 * Assertion calls outside the IntegTest's own assertion stack (for example in another region) get a
 * new salt on every synthesis, which integ-runner only ignores in the assertion stack. A fixed salt
 * keeps their snapshot stable; each integration run deploys them afresh, so they still run.
 */
export function fixAssertionSalt(stack: Stack): void {
  for (const node of stack.node.findAll()) {
    if (CfnResource.isCfnResource(node) && node.cfnResourceType.startsWith('Custom::DeployAssert@')) {
      node.addPropertyOverride('salt', 'integ-snapshot');
    }
  }
}

/**
 * A versioned source bucket holding `directory`, zipped as one object, for a pipeline's S3 source.
 * The object is uploaded by the test itself (an asset copied as-is) before the pipeline exists, so
 * the execution that starts when the pipeline is created finds it: make the pipeline depend on
 * `upload`.
 */
export function uploadedSource(stack: Stack, directory: string): { source: PipelineSource; upload: Construct } {
  const bucket = new s3.Bucket(stack, 'SourceBucket', {
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });
  const archive = new s3assets.Asset(stack, 'SourceArchive', { path: directory });
  const upload = new s3deploy.BucketDeployment(stack, 'UploadSource', {
    sources: [s3deploy.Source.bucket(archive.bucket, archive.s3ObjectKey)],
    destinationBucket: bucket,
    extract: false,
  });
  return { source: PipelineSource.s3({ bucket, objectKey: archive.s3ObjectKey }), upload };
}

/**
 * The stacks that assert on a pipeline in `stack`: the IntegTest's assertion stack in the pipeline's
 * region, deployed after `stack`, and one check stack per region, deployed after the assertion
 * stack (so a region's checks run once the assertions on the pipeline passed).
 */
export function assertionStacks(stack: Stack, regions: string[]): { assertionStack: Stack; checks: Stack[] } {
  const app = stack.node.scope as Construct;
  const assertionStack = new Stack(app, `${stack.node.id}Assertions`, { env: { account: INTEG_ACCOUNT, region: INTEG_HOME_REGION } });
  assertionStack.addDependency(stack, 'the assertions watch the pipeline');
  const checks = regions.map(region => {
    const check = new Stack(app, `${stack.node.id}Check-${region}`, { env: { account: INTEG_ACCOUNT, region } });
    check.addDependency(assertionStack, 'checks run after the pipeline execution succeeded');
    return check;
  });
  return { assertionStack, checks };
}

/** Waits (up to 45 minutes) until an execution of the pipeline has succeeded. */
export function expectExecutionSucceeds(integ: IntegTest, pipelineName: string): void {
  integ.assertions.awsApiCall('CodePipeline', 'listPipelineExecutions', { pipelineName })
    .expect(ExpectedResult.objectLike({
      pipelineExecutionSummaries: Match.arrayWith([Match.objectLike({ status: 'Succeeded' })]),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(45), interval: Duration.minutes(1) });
}
