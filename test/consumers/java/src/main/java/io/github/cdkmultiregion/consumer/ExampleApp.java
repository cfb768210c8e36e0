package io.github.cdkmultiregion.consumer;

import io.github.cdkmultiregion.deliverypipeline.CloudFormationTargetProps;
import io.github.cdkmultiregion.deliverypipeline.CodeBuildOptions;
import io.github.cdkmultiregion.deliverypipeline.DailyWindowOptions;
import io.github.cdkmultiregion.deliverypipeline.DeliveryTopology;
import io.github.cdkmultiregion.deliverypipeline.DeploymentGates;
import io.github.cdkmultiregion.deliverypipeline.DeploymentPlan;
import io.github.cdkmultiregion.deliverypipeline.DeploymentWindow;
import io.github.cdkmultiregion.deliverypipeline.InfrastructureStackProps;
import io.github.cdkmultiregion.deliverypipeline.MultiRegionDeliveryPipeline;
import io.github.cdkmultiregion.deliverypipeline.MultiRegionDeliveryPipelineProps;
import io.github.cdkmultiregion.deliverypipeline.PipelineBuild;
import io.github.cdkmultiregion.deliverypipeline.PipelineSource;
import io.github.cdkmultiregion.deliverypipeline.RegionTarget;
import io.github.cdkmultiregion.deliverypipeline.Rollout;
import io.github.cdkmultiregion.deliverypipeline.RolloutWave;
import io.github.cdkmultiregion.deliverypipeline.S3SourceProps;
import io.github.cdkmultiregion.deliverypipeline.TemplateValidation;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.CfnCapabilities;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.codebuild.BuildSpec;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketProps;

/**
 * The three-region example pipeline of example/main.ts (and, with {@code regional}, the same targets
 * as regional pipelines, example/regional.ts: see {@link RegionalApp}), written in Java against the
 * jar that jsii-pacmak builds (dist/java/). It must synthesize exactly the same templates as the
 * TypeScript example; test/consumers/compare.py checks that.
 *
 * <p>Argument: the output directory. RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start.
 */
public final class ExampleApp {
  private ExampleApp() {
  }

  /**
   * An insertion-ordered map. BuildSpec.fromObject renders the map as JSON in iteration order, so a
   * Map.of(...) (unspecified order) would give a different build spec string than TypeScript does.
   */
  private static Map<String, Object> map(final Object... keysAndValues) {
    Map<String, Object> result = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      result.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return result;
  }

  /**
   * The example app, synthesizing into {@code outdir}, and its pipeline. With {@code regional}, the
   * same targets as regional pipelines: each region deploys on its own, as soon as the release
   * arrives and its window opens, so there are no waves (a canary goes first by its window instead).
   */
  public static ConsumerApp create(final String outdir, final boolean regional) {
    App app = new App(AppProps.builder().outdir(outdir).build());
    Stack stack = new Stack(app, "DeliveryPipeline", StackProps.builder()
        .env(Environment.builder().account("111111111111").region("us-west-2").build())
        .build());

    Bucket sourceBucket = new Bucket(stack, "SourceBucket", BucketProps.builder()
        .versioned(true)
        .enforceSsl(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .build());

    List<CfnCapabilities> capabilities = List.of(CfnCapabilities.AUTO_EXPAND, CfnCapabilities.NAMED_IAM);

    MultiRegionDeliveryPipeline pipeline = new MultiRegionDeliveryPipeline(stack, "Pipeline",
        MultiRegionDeliveryPipelineProps.builder()
            .source(PipelineSource.s3(S3SourceProps.builder()
                .bucket(sourceBucket)
                .objectKey("service-x/source.zip")
                .build()))
            .buildStep(PipelineBuild.codeBuild(CodeBuildOptions.builder()
                // package the template once per region, into that region's artifact store
                .buildSpec(BuildSpec.fromObject(map(
                    "version", "0.2",
                    "phases", map(
                        "build", map(
                            "commands", List.of(
                                "for region in $TARGET_REGIONS; do "
                                    + "var=\"ARTIFACT_BUCKET_$(echo $region | tr a-z- A-Z_)\"; "
                                    + "aws cloudformation package --region \"$region\" --template-file template.yaml "
                                    + "--s3-bucket \"$(printenv $var)\" --output-template-file \"$region.template.yaml\"; "
                                    + "done"))),
                    "artifacts", map("files", List.of("*.template.yaml", "network.yaml")))))
                .build()))
            // cfn-lint and CloudFormation Guard check every template before any region is touched
            .validation(TemplateValidation.cfnLintAndGuard())
            // a failed region is rolled back to its last successful deployment
            .defaultGates(DeploymentGates.builder().rollbackOnFailure(true).build())
            // regional pipelines (a pipeline per region, no waves), or one pipeline in which us-east-1
            // goes first and is watched for 30 minutes before the other regions may start (null: left out)
            .topology(regional ? DeliveryTopology.regionalPipelines() : null)
            .rollout(regional ? null : Rollout.waves(List.of(
                RolloutWave.builder().name("canary").regions(List.of("us-east-1")).bakeTime(Duration.minutes(30)).build(),
                RolloutWave.builder().name("rest").build())))
            .targets(List.of(
                RegionTarget.cloudFormation(CloudFormationTargetProps.builder()
                    .region("us-east-1")
                    .stackName("service-x")
                    .templatePath("us-east-1.template.yaml")
                    .capabilities(capabilities)
                    .gates(DeploymentGates.builder()
                        .rollbackOnFailure(true)
                        .alarms(List.of(Alarm.fromAlarmArn(stack, "CanaryErrors", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:service-x-errors")))
                        .build())
                    .build()),
                // follow the night: Sydney's night comes first, then Dublin's
                RegionTarget.cloudFormation(CloudFormationTargetProps.builder()
                    .region("ap-southeast-2")
                    .stackName("service-x")
                    .templatePath("ap-southeast-2.template.yaml")
                    .capabilities(capabilities)
                    .window(DeploymentWindow.daily(DailyWindowOptions.builder()
                        .startHour(1).endHour(5).timeZone("Australia/Sydney").build()))
                    .build()),
                RegionTarget.cloudFormation(CloudFormationTargetProps.builder()
                    .region("eu-west-1")
                    .stackName("service-x")
                    .templatePath("eu-west-1.template.yaml")
                    .capabilities(capabilities)
                    .infrastructure(InfrastructureStackProps.builder()
                        .stackName("service-x-network").templatePath("network.yaml").build())
                    .approval(true)
                    .window(DeploymentWindow.cron("* * 1-4 ? * MON-FRI *", "Europe/Dublin"))
                    .build())))
            .build());

    return new ConsumerApp(app, pipeline);
  }

  /** Synthesizes the example into {@code outdir} and prints its stacks, plan and schedule, as example/main.ts does. */
  public static void run(final String outdir) {
    ConsumerApp example = create(outdir, false);
    Output.printStacks(example.app().synth());
    System.out.printf("Plan file: %s%n", example.pipeline().getPlanFile());
    DeploymentPlan plan = example.pipeline().getPlan();
    System.out.printf("%nDeployment plan (critical path: %d sequential steps)%n%n", plan.getCriticalPath().intValue());
    System.out.println(plan.toTable());
    Instant now = Output.releaseStart();
    System.out.printf("If a release started now (%s), each stage would start at the earliest:%n%n", Output.iso(now));
    System.out.println(plan.toScheduleTable(now));
    System.out.println("The plan as a Mermaid flowchart (plan.toMermaid()):\n");
    System.out.println(plan.toMermaid());
    System.out.println("The schedule as a Mermaid Gantt chart (plan.toGantt(now)):\n");
    System.out.println(plan.toGantt(now));
  }

  public static void main(final String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ExampleApp OUTDIR");
    }
    run(args[0]);
  }
}
