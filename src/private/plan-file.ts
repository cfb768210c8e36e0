import * as fs from 'fs';
import * as path from 'path';
import { Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DeploymentPlan } from '../deployment-plan';

/**
 * The file name of a pipeline's plan in the cloud assembly: its construct path with every character
 * that is not a letter, digit, `.`, `_` or `-` replaced by `-` (`DeliveryPipeline/Pipeline` gives
 * `DeliveryPipeline-Pipeline.plan.md`).
 */
export function planFileName(constructPath: string): string {
  return `${constructPath.replace(/[^A-Za-z0-9._-]+/g, '-')}.plan.md`;
}

/** The plan as a Markdown document: both diagrams, the table, and the schedule of a release started `now`. */
export function planDocument(constructPath: string, plan: DeploymentPlan, now: Date): string {
  const fence = (language: string, body: string) => ['```' + language, body.trimEnd(), '```', ''];
  return [
    `# Deployment plan of ${constructPath}`,
    '',
    `Written at synthesis (${now.toISOString()}) by cdk-multi-region-delivery-pipeline, from the pipeline's layout. ` +
      `Critical path: ${plan.criticalPath} sequential steps.`,
    '',
    '## Stages',
    '',
    ...fence('mermaid', plan.toMermaid()),
    '## Actions',
    '',
    ...fence('text', plan.toTable()),
    `## A release started at synthesis (${now.toISOString()})`,
    '',
    'Each stage at the earliest, assuming actions take no time and bakes their whole time.',
    '',
    ...fence('mermaid', plan.toGantt(now)),
    ...fence('text', plan.toScheduleTable(now)),
  ].join('\n');
}

/**
 * Where the plan of the pipeline `scope` goes: in the cloud assembly directory of its App or Stage
 * (`Stage.of(scope).outdir`, the directory its templates are written to), or nowhere outside a Stage.
 */
export function planFilePath(scope: IConstruct): string | undefined {
  const stage = Stage.of(scope);
  return stage ? path.join(stage.outdir, planFileName(scope.node.path)) : undefined;
}

/**
 * Writes the plan document of the pipeline `scope`. Called by the pipeline's Aspect: Aspects run at
 * the start of synthesis (`app.synth()`, `cdk synth`), after every target was added and before the
 * templates are written, and the assembly directory exists from the moment the App or Stage was
 * created (its `outdir`, or the CLI's `CDK_OUTDIR`). Both are documented, public APIs at every
 * aws-cdk-lib of the peer range; `attachCustomSynthesis`, the synthesis hook aws-cdk-lib uses for
 * its own reports, is reserved for AWS's libraries.
 */
export function writePlanFile(file: string, constructPath: string, plan: DeploymentPlan, now: Date): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, planDocument(constructPath, plan, now));
}
