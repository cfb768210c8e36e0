/**
 * Synthesizes the three-region example pipeline (example/app.ts) into example/cdk.out and prints the
 * deployment plan. Run it with `npx projen example`.
 */
import * as path from 'path';
import { exampleApp } from './app';

const { app, pipeline } = exampleApp(`${__dirname}/cdk.out`);
const assembly = app.synth();
console.log(`Synthesized ${assembly.stacks.length} stacks into ${path.relative(process.cwd(), assembly.directory)}:`);
for (const s of assembly.stacks) {
  console.log(`  ${s.stackName.padEnd(52)} ${s.environment.region}`);
}
console.log(`Plan file: ${pipeline.planFile ? path.relative(process.cwd(), pipeline.planFile) : '-'}`);
const plan = pipeline.plan;
console.log(`\nDeployment plan (critical path: ${plan.criticalPath} sequential steps)\n`);
console.log(plan.toTable());
const now = process.env.RELEASE_START ? new Date(process.env.RELEASE_START) : new Date();
console.log(`If a release started now (${now.toISOString()}), each stage would start at the earliest:\n`);
console.log(plan.toScheduleTable(now));
console.log('The plan as a Mermaid flowchart (plan.toMermaid()):\n');
console.log(plan.toMermaid());
console.log('The schedule as a Mermaid Gantt chart (plan.toGantt(now)):\n');
console.log(plan.toGantt(now));
