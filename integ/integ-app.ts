/**
 * Shared setup for the integration tests (not a test itself: integ-runner only runs `integ.*.ts`).
 */
import { AwsApiCall, ExpectedResult, HttpApiCall, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, ArnFormat, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { MultiRegionDeliveryPipeline, PipelineSource } from '../src';

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

/**
 * The integration test of a pipeline with regional pipelines (`DeliveryTopology.regionalPipelines()`):
 * builds the pipeline, and tests its stack, every regional pipeline's stack (deployed before the home
 * pipeline's, which depends on them) and a check stack per region (see `assertionStacks`).
 */
export function regionalIntegTest(id: string, stack: Stack, pipeline: MultiRegionDeliveryPipeline, regions: string[]):
{ integ: IntegTest; checks: Stack[] } {
  pipeline.buildPipeline();
  const regionalStacks = regions.map(region => Stack.of(pipeline.regionalPipeline(region)));
  const { assertionStack, checks } = assertionStacks(stack, regions);
  const integ = new IntegTest(stack.node.scope as Construct, id, {
    testCases: [stack, ...regionalStacks, ...checks],
    assertionStack,
    diffAssets: false,
    stackUpdateWorkflow: false,
  });
  return { integ, checks };
}

/** Waits (up to 45 minutes) until an execution of the pipeline has succeeded; returns the call, to chain checks after it. */
export function expectExecutionSucceeds(integ: IntegTest, pipelineName: string): IApiCall {
  return integ.assertions.awsApiCall('CodePipeline', 'listPipelineExecutions', { pipelineName })
    .expect(ExpectedResult.objectLike({
      pipelineExecutionSummaries: Match.arrayWith([Match.objectLike({ status: 'Succeeded' })]),
    }))
    .waitForAssertions({ totalTimeout: Duration.minutes(45), interval: Duration.minutes(1) });
}

/**
 * The permissions the sample service's template (integ/sample-app/) needs, and nothing else: a role
 * and a function with a URL, named after `stackName`, in `regions`. Give it a `managedPolicyName` when
 * a stack of another region (a regional pipeline's) attaches it: such a stack names it by its ARN.
 */
export function sampleAppDeployPolicy(stack: Stack, stackName: string, regions: string[], managedPolicyName?: string): iam.ManagedPolicy {
  const existing = stack.node.tryFindChild('SampleAppDeployPolicy');
  if (existing) { return existing as iam.ManagedPolicy; }
  return new iam.ManagedPolicy(stack, 'SampleAppDeployPolicy', {
    managedPolicyName,
    statements: [
      new iam.PolicyStatement({
        actions: ['iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:PassRole', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:TagRole', 'iam:UntagRole'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${stackName}-*` })],
      }),
      new iam.PolicyStatement({
        actions: [
          'lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
          'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:UntagResource', 'lambda:ListTags',
          'lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy',
          'lambda:CreateFunctionUrlConfig', 'lambda:DeleteFunctionUrlConfig', 'lambda:GetFunctionUrlConfig', 'lambda:UpdateFunctionUrlConfig',
        ],
        resources: regions.map(region => stack.formatArn({ service: 'lambda', region, resource: 'function', resourceName: `${stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }),
    ],
  });
}

/**
 * In the check stack of `region`: the sample service's stack is complete and its URL answers with
 * `region`; then the stack (created by the pipeline, so no CDK stack deletes it) is deleted and its
 * deletion awaited. Returns the first call of the chain.
 */
export function expectServiceInRegion(check: Stack, region: string, stackName: string): AwsApiCall {
  const describe = new AwsApiCall(check, 'DescribeService', {
    service: 'CloudFormation',
    api: 'describeStacks',
    parameters: { StackName: stackName },
    outputPaths: ['Stacks.0.StackId', 'Stacks.0.Outputs.0.OutputValue'],
  });
  describe.expect(ExpectedResult.objectLike({ Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'CREATE_COMPLETE' })]) }));
  const call = new HttpApiCall(check, 'CallService', { url: describe.getAttString('Stacks.0.Outputs.0.OutputValue') });
  call.expect(ExpectedResult.objectLike({ status: 200, body: { service: 'sample-app', region } }));
  const [remove, gone] = deleteServiceStack(check, stackName, describe.getAttString('Stacks.0.StackId'));
  describe.next(call).next(remove).next(gone);
  return describe;
}

/**
 * In `check`: deletes a stack the pipeline created (no CDK stack of the test owns it) and waits, up
 * to 15 minutes, until it is deleted. Returns the two calls, to chain after the checks of the stack.
 */
export function deleteServiceStack(check: Stack, stackName: string, stackId: string): [AwsApiCall, AwsApiCall] {
  const remove = new AwsApiCall(check, 'DeleteService', { service: 'CloudFormation', api: 'deleteStack', parameters: { StackName: stackName } });
  const gone = new AwsApiCall(check, 'ServiceDeleted', {
    service: 'CloudFormation',
    api: 'describeStacks',
    // a deleted stack can still be described by its ID
    parameters: { StackName: stackId },
  });
  gone.expect(ExpectedResult.objectLike({ Stacks: [Match.objectLike({ StackStatus: 'DELETE_COMPLETE' })] }));
  gone.waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });
  return [remove, gone];
}

/**
 * In the check stack of `region`: the sample CDK app's function (integ/sample-cdk-app/) answers with
 * its service name and `region`. Invoked by the assertion handler, which is granted exactly
 * `lambda:InvokeFunction` on it.
 */
export function expectSampleFunctionAnswers(check: Stack, region: string, functionName: string): AwsApiCall {
  const invoke = new AwsApiCall(check, 'InvokeFunction', { service: 'Lambda', api: 'invoke', parameters: { FunctionName: functionName } });
  invoke.provider.addToRolePolicy({
    Effect: 'Allow',
    Action: ['lambda:InvokeFunction'],
    Resource: [check.formatArn({ service: 'lambda', resource: 'function', resourceName: functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  });
  // the function's answer, decoded from JSON by the assertion handler
  invoke.expect(ExpectedResult.objectLike({ StatusCode: 200, Payload: { service: 'sample-cdk-app', region } }));
  withoutMadeUpInvokeAction(invoke);
  return invoke;
}

/**
 * AwsApiCall derives the IAM action of its handler from the API's name, and for Lambda's `invoke`
 * writes `lambda:Invoke`, which does not exist (cfn-lint W3037); grant the real action,
 * `lambda:InvokeFunction`, on the function yourself. Drops the made-up one from the stack's
 * assertion handler (integ-tests-alpha offers no public way to remove a statement; its handler keeps
 * them in `policies`, rendered at synthesis).
 */
export function withoutMadeUpInvokeAction(call: AwsApiCall): void {
  withoutMadeUpAction(call, 'lambda:Invoke');
}

/** The same for any action AwsApiCall makes up from an API's name (S3's `headObject` is authorized by `s3:GetObject`). */
export function withoutMadeUpAction(call: AwsApiCall, action: string): void {
  const statements: any[] | undefined = (call.provider as any).handler?.lambdaFunction?.policies;
  if (!statements) {
    throw new Error('integ-tests-alpha changed how the assertion handler holds its policy; revisit withoutMadeUpAction');
  }
  const kept = statements.filter(statement => JSON.stringify(statement.Action) !== JSON.stringify([action]));
  statements.splice(0, statements.length, ...kept);
}

/**
 * In the check stack of `region`: the release in the region's store carries the home execution's ID
 * and the source's version as object metadata, and their summary for the regional pipeline's history.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html (authorized by s3:GetObject)
 */
export function expectReleaseMetadata(check: Stack, bucketName: string): AwsApiCall {
  const head = new AwsApiCall(check, 'ReleaseMetadata', {
    service: 'S3',
    api: 'headObject',
    parameters: { Bucket: bucketName, Key: 'release/release.zip' },
  });
  withoutMadeUpAction(head, 's3:HeadObject');
  head.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:${check.partition}:s3:::${bucketName}/release/release.zip`] });
  head.expect(ExpectedResult.objectLike({
    Metadata: Match.objectLike({
      'pipeline-execution-id': Match.stringLikeRegexp('.+'),
      'source-version-id': Match.stringLikeRegexp('.+'),
      'codepipeline-artifact-revision-summary': Match.stringLikeRegexp('pipeline-execution-id='),
    }),
  }));
  return head;
}
