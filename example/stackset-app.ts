/**
 * The stack set example (example/stackset.ts synthesizes it and prints its plan; the Python and Java
 * consumers in test/consumers/ write the same program and must synthesize the same templates): one
 * template, the job queue of service-x, deployed as a self-managed stack set to three regions, one
 * region after another, from a pipeline in us-west-2.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, TemplateValidation } from '../src';

/** The stack set example app, synthesizing into `outdir`, and its pipeline. */
export function stackSetExampleApp(outdir: string): { app: App; pipeline: MultiRegionDeliveryPipeline } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'DeliveryPipeline', { env: { account: '111111111111', region: 'us-west-2' } });

  const sourceBucket = new s3.Bucket(stack, 'SourceBucket', {
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });

  // one region after another, in this order: the CloudFormationStackSet action's only order ("Regions are
  // updated in the order in which they are entered",
  // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html)
  const regions = ['eu-west-1', 'eu-central-1', 'ap-southeast-2'];

  // what the template (an SQS queue named service-x-jobs) creates, granted to the stack set's
  // execution role and nothing else: the SQS actions of a queue's life cycle (create, read and change
  // attributes and tags, delete), on that queue's ARN in each region, as SQS's permission reference
  // names them (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html).
  // Which of them CloudFormation's AWS::SQS::Queue handler calls is in the resource type's schema
  // (`aws cloudformation describe-type --type RESOURCE --type-name AWS::SQS::Queue`), not on that page.
  const deployPolicy = new iam.ManagedPolicy(stack, 'DeployPolicy', {
    description: 'What the service-x-jobs stack set creates in each region',
    statements: [new iam.PolicyStatement({
      actions: [
        'sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes',
        'sqs:ListQueueTags', 'sqs:TagQueue', 'sqs:UntagQueue',
      ],
      resources: regions.map(region => `arn:aws:sqs:${region}:111111111111:service-x-jobs`),
    })],
  });

  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket, objectKey: 'service-x/source.zip' }),
    // the buildspec.yml in the zip writes stackset.template.yaml
    buildStep: PipelineBuild.codeBuild(),
    validation: TemplateValidation.cfnLintAndGuard(),
    targets: [
      RegionTarget.stackSet({
        stackSetName: 'service-x-jobs',
        description: 'The job queue of service-x',
        templatePath: 'stackset.template.yaml',
        regions,
        // the template's own parameter: how long the queue keeps a message (14 days, SQS's maximum)
        parameters: { RetentionPeriodSeconds: '1209600' },
        deploymentManagedPolicies: [deployPolicy],
        // eu-west-1 first, then a person approves the other two regions
        initialRegionCount: 1,
        approval: true,
        // every account of a region at once (here one: the pipeline's), and the first failure stops
        maxConcurrentPercentage: 100,
        failureTolerancePercentage: 0,
      }),
    ],
  });
  return { app, pipeline };
}
