/**
 * Shared setup for the integration tests (not a test itself: integ-runner only runs `integ.*.ts`).
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';

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
