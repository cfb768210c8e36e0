package io.github.cdkmultiregion.consumer;

import io.github.cdkmultiregion.deliverypipeline.DeploymentPlan;
import io.github.cdkmultiregion.deliverypipeline.MultiRegionDeliveryPipeline;
import io.github.cdkmultiregion.deliverypipeline.MultiRegionDeliveryPipelineProps;
import io.github.cdkmultiregion.deliverypipeline.PipelineBuild;
import io.github.cdkmultiregion.deliverypipeline.PipelineSource;
import io.github.cdkmultiregion.deliverypipeline.RegionTarget;
import io.github.cdkmultiregion.deliverypipeline.S3SourceProps;
import io.github.cdkmultiregion.deliverypipeline.StackSetTargetProps;
import io.github.cdkmultiregion.deliverypipeline.TemplateValidation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.ManagedPolicyProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.PolicyStatementProps;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketProps;

/**
 * The stack set example (example/stackset.ts), written in Java against the jar that jsii-pacmak
 * builds (dist/java/): one template, the job queue of service-x, deployed as a self-managed stack set
 * to three regions, one region after another, from a pipeline in us-west-2. It must synthesize exactly
 * the same templates, and print the same plan, as the TypeScript example; test/consumers/compare.py
 * checks that.
 *
 * <p>Argument: the output directory. RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start.
 */
public final class StackSetApp {
  private StackSetApp() {
  }

  /** The stack set example app, synthesizing into {@code outdir}, and its pipeline. */
  public static ConsumerApp create(final String outdir) {
    App app = new App(AppProps.builder().outdir(outdir).build());
    Stack stack = new Stack(app, "DeliveryPipeline", StackProps.builder()
        .env(Environment.builder().account("111111111111").region("us-west-2").build())
        .build());

    Bucket sourceBucket = new Bucket(stack, "SourceBucket", BucketProps.builder()
        .versioned(true)
        .enforceSsl(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .build());

    // one region after another, in this order (the CloudFormationStackSet action's only order)
    List<String> regions = List.of("eu-west-1", "eu-central-1", "ap-southeast-2");

    // what the template (an SQS queue named service-x-jobs) creates, granted to the stack set's
    // execution role and nothing else: the SQS actions of a queue's life cycle, on that queue in each region
    ManagedPolicy deployPolicy = new ManagedPolicy(stack, "DeployPolicy", ManagedPolicyProps.builder()
        .description("What the service-x-jobs stack set creates in each region")
        .statements(List.of(new PolicyStatement(PolicyStatementProps.builder()
            .actions(List.of(
                "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
                "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue"))
            .resources(regions.stream().map(region -> "arn:aws:sqs:" + region + ":111111111111:service-x-jobs").toList())
            .build())))
        .build());

    MultiRegionDeliveryPipeline pipeline = new MultiRegionDeliveryPipeline(stack, "Pipeline",
        MultiRegionDeliveryPipelineProps.builder()
            .source(PipelineSource.s3(S3SourceProps.builder()
                .bucket(sourceBucket)
                .objectKey("service-x/source.zip")
                .build()))
            // the buildspec.yml in the zip writes stackset.template.yaml
            .buildStep(PipelineBuild.codeBuild())
            .validation(TemplateValidation.cfnLintAndGuard())
            .targets(List.of(
                RegionTarget.stackSet(StackSetTargetProps.builder()
                    .stackSetName("service-x-jobs")
                    .description("The job queue of service-x")
                    .templatePath("stackset.template.yaml")
                    .regions(regions)
                    .parameters(Map.of("RetentionPeriodSeconds", "1209600"))
                    .deploymentManagedPolicies(List.of(deployPolicy))
                    // eu-west-1 first, then a person approves the other two regions
                    .initialRegionCount(1)
                    .approval(true)
                    // every account of a region at once (here one: the pipeline's), and the first failure stops
                    .maxConcurrentPercentage(100)
                    .failureTolerancePercentage(0)
                    .build())))
            .build());
    return new ConsumerApp(app, pipeline);
  }

  /** Synthesizes the stack set example into {@code outdir} and prints its stacks, plan and schedule. */
  public static void run(final String outdir) {
    ConsumerApp example = create(outdir);
    Output.printStacks(example.app().synth());
    DeploymentPlan plan = example.pipeline().getPlan();
    System.out.printf("%nDeployment plan (critical path: %d sequential steps)%n%n", plan.getCriticalPath().intValue());
    System.out.println(plan.toTable());
    Instant now = Output.releaseStart();
    System.out.printf("If a release started now (%s), each stage would start at the earliest:%n%n", Output.iso(now));
    System.out.println(plan.toScheduleTable(now));
  }

  public static void main(final String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: StackSetApp OUTDIR");
    }
    run(args[0]);
  }
}
