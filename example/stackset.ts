/**
 * Synthesizes the stack set example (example/stackset-app.ts) into example/cdk.out/stackset, or into
 * the directory given as the first argument, and prints its deployment plan and schedule (from
 * RELEASE_START when it is set, so the output can be compared). Run it with
 * `npx ts-node example/stackset.ts [OUTDIR]`; test/consumers/run.sh compares it with the Python and
 * Java versions of the same program.
 */
import * as path from 'path';
import { stackSetExampleApp } from './stackset-app';

const { app, pipeline } = stackSetExampleApp(process.argv[2] ?? `${__dirname}/cdk.out/stackset`);
const assembly = app.synth();
console.log(`Synthesized ${assembly.stacks.length} stacks into ${path.relative(process.cwd(), assembly.directory)}:`);
for (const s of assembly.stacks) {
  console.log(`  ${s.stackName.padEnd(52)} ${s.environment.region}`);
}
const plan = pipeline.plan;
console.log(`\nDeployment plan (critical path: ${plan.criticalPath} sequential steps)\n`);
console.log(plan.toTable());
const now = process.env.RELEASE_START ? new Date(process.env.RELEASE_START) : new Date();
console.log(`If a release started now (${now.toISOString()}), each stage would start at the earliest:\n`);
console.log(plan.toScheduleTable(now));
