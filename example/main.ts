/**
 * Synthesizes the three-region example pipeline (example/app.ts) into example/cdk.out and prints the
 * deployment plan. Run it with `npx projen example`.
 */
import { exampleApp } from './app';
import { synthesizeAndPrint } from './output';

const { app, pipeline } = exampleApp(`${__dirname}/cdk.out`);
const { plan, now } = synthesizeAndPrint(app, pipeline, { planFile: true });
console.log('The plan as a Mermaid flowchart (plan.toMermaid()):\n');
console.log(plan.toMermaid());
console.log('The schedule as a Mermaid Gantt chart (plan.toGantt(now)):\n');
console.log(plan.toGantt(now));
