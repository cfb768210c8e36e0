/**
 * What the example programs print (example/main.ts, regional.ts, stackset.ts): the synthesized
 * stacks, the deployment plan and the schedule of a release started at RELEASE_START (an ISO date;
 * default: now). The Python and Java consumers print the same (test/consumers), and
 * test/consumers/compare.py compares the outputs.
 */
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { DeploymentPlan, MultiRegionDeliveryPipeline } from '../src';

export interface PrintOptions {
  /** Print the plan file's path after the stacks. */
  readonly planFile?: boolean;
  /** Who starts what, in the schedule's heading. */
  readonly scheduleSubject?: string;
}

/** Synthesizes `app`, prints its stacks, the plan and the schedule, and returns the plan and the release start. */
export function synthesizeAndPrint(app: App, pipeline: MultiRegionDeliveryPipeline, options: PrintOptions = {}): { plan: DeploymentPlan; now: Date } {
  const assembly = app.synth();
  console.log(`Synthesized ${assembly.stacks.length} stacks into ${path.relative(process.cwd(), assembly.directory)}:`);
  for (const s of assembly.stacks) {
    console.log(`  ${s.stackName.padEnd(52)} ${s.environment.region}`);
  }
  if (options.planFile) {
    console.log(`Plan file: ${pipeline.planFile ? path.relative(process.cwd(), pipeline.planFile) : '-'}`);
  }
  const plan = pipeline.plan;
  console.log(`\nDeployment plan (critical path: ${plan.criticalPath} sequential steps)\n`);
  console.log(plan.toTable());
  const now = process.env.RELEASE_START ? new Date(process.env.RELEASE_START) : new Date();
  console.log(`If a release started now (${now.toISOString()}), ${options.scheduleSubject ?? 'each stage would start'} at the earliest:\n`);
  console.log(plan.toScheduleTable(now));
  return { plan, now };
}
