/**
 * Synthesizes the example's targets as regional pipelines (example/app.ts with
 * `DeliveryTopology.regionalPipelines()`) into example/cdk.out/regional-pipelines, or into the
 * directory given as the first argument, and prints the plan: a home pipeline that builds, validates
 * and publishes the release, and a pipeline in every target region. The schedule starts at
 * RELEASE_START when it is set, so the output can be compared.
 * Run it with `npx ts-node example/regional.ts [OUTDIR]`; test/consumers/run.sh compares it with the
 * Python and Java versions of the same program.
 */
import * as path from 'path';
import { exampleApp } from './app';

const { app, pipeline } = exampleApp(process.argv[2] ?? `${__dirname}/cdk.out/regional-pipelines`, { regional: true });
const assembly = app.synth();
console.log(`Synthesized ${assembly.stacks.length} stacks into ${path.relative(process.cwd(), assembly.directory)}:`);
for (const s of assembly.stacks) {
  console.log(`  ${s.stackName.padEnd(52)} ${s.environment.region}`);
}
const plan = pipeline.plan;
console.log(`\nDeployment plan (critical path: ${plan.criticalPath} sequential steps)\n`);
console.log(plan.toTable());
const now = process.env.RELEASE_START ? new Date(process.env.RELEASE_START) : new Date();
console.log(`If a release started now (${now.toISOString()}), each region's pipeline would start each stage at the earliest:\n`);
console.log(plan.toScheduleTable(now));
