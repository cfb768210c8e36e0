package io.github.cdkmultiregion.consumer;

import io.github.cdkmultiregion.deliverypipeline.DeploymentPlan;
import java.time.Instant;

/**
 * The example's targets as regional pipelines (example/regional.ts), written in Java: the same app as
 * {@link ExampleApp} with {@code DeliveryTopology.regionalPipelines()}. It must synthesize exactly the
 * same templates, and print the same plan, as the TypeScript example; test/consumers/compare.py
 * checks that.
 *
 * <p>Argument: the output directory. RELEASE_START=2026-11-20T12:00:00Z fixes the schedule's start.
 */
public final class RegionalApp {
  private RegionalApp() {
  }

  /** Synthesizes the regional pipelines into {@code outdir} and prints their stacks, plan and schedule. */
  public static void run(final String outdir) {
    ConsumerApp example = ExampleApp.create(outdir, true);
    Output.printStacks(example.app().synth());
    DeploymentPlan plan = example.pipeline().getPlan();
    System.out.printf("%nDeployment plan (critical path: %d sequential steps)%n%n", plan.getCriticalPath().intValue());
    System.out.println(plan.toTable());
    Instant now = Output.releaseStart();
    System.out.printf("If a release started now (%s), each region's pipeline would start each stage at the earliest:%n%n", Output.iso(now));
    System.out.println(plan.toScheduleTable(now));
  }

  public static void main(final String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: RegionalApp OUTDIR");
    }
    run(args[0]);
  }
}
