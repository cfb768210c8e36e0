import { createHash } from 'crypto';
import { RegionTarget, TargetStep } from '../region-target';

/**
 * CodePipeline's structural quotas.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
export const MAX_ACTIONS_PER_STAGE = 50;
export const MAX_STAGES_PER_PIPELINE = 50;
export const MAX_ACTIONS_PER_PIPELINE = 500;
/** Action and stage names: `[A-Za-z0-9.@\-_]+`, at most 100 characters. */
export const MAX_NAME_LENGTH = 100;

/** One action of a deploy stage, named and ordered. */
export interface LaidOutAction {
  readonly target: RegionTarget;
  readonly step: TargetStep;
  readonly actionName: string;
}

/** One deploy stage and the targets it deploys. */
export interface LaidOutStage {
  readonly stageName: string;
  readonly targets: RegionTarget[];
  readonly actions: LaidOutAction[];
}

/**
 * How the targets are laid out into deploy stages: every target in one `Deploy` stage, side by side,
 * each in its own run orders. This is computed from the targets alone, never from the rendered
 * pipeline, so the plan and the rendering cannot disagree.
 *
 * @param leadingStages stages before the deploy stages (source, build), counted against the quotas
 * @param leadingActions actions in those stages
 */
export function layOutDeployStages(targets: RegionTarget[], leadingStages: number, leadingActions: number): LaidOutStage[] {
  const stage: LaidOutStage = {
    stageName: 'Deploy',
    targets: [...targets],
    actions: targets.flatMap(target => target._steps().map(step => ({ target, step, actionName: actionName(target, step) }))),
  };
  const stages = targets.length > 0 ? [stage] : [];
  checkQuotas(stages, leadingStages, leadingActions);
  return stages;
}

function checkQuotas(stages: LaidOutStage[], leadingStages: number, leadingActions: number): void {
  const problems: string[] = [];
  for (const stage of stages) {
    if (stage.actions.length > MAX_ACTIONS_PER_STAGE) {
      problems.push(`stage '${stage.stageName}' would hold ${stage.actions.length} actions for ${stage.targets.length} targets, ` +
        `over CodePipeline's quota of ${MAX_ACTIONS_PER_STAGE} actions per stage`);
    }
  }
  const stageCount = leadingStages + stages.length;
  if (stageCount > MAX_STAGES_PER_PIPELINE) {
    problems.push(`the pipeline would have ${stageCount} stages, over CodePipeline's quota of ${MAX_STAGES_PER_PIPELINE} stages per pipeline`);
  }
  const actionCount = leadingActions + stages.reduce((n, s) => n + s.actions.length, 0);
  if (actionCount > MAX_ACTIONS_PER_PIPELINE) {
    problems.push(`the pipeline would have ${actionCount} actions, over CodePipeline's quota of ${MAX_ACTIONS_PER_PIPELINE} actions per pipeline`);
  }
  if (problems.length > 0) {
    throw new Error(`MultiRegionDeliveryPipeline: ${problems.join('; ')}. ` +
      'Use fewer targets, drop optional steps (approval, infrastructure stack), or split the regions over several pipelines. ' +
      'See https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html');
  }
}

/**
 * `eu-west-1.service-x.CreateChangeSet`; long stack names are shortened with a hash so the name fits
 * CodePipeline's 100 characters and stays unique and stable.
 */
function actionName(target: RegionTarget, step: TargetStep): string {
  const subject = step.stackName ?? 'target';
  const full = `${target.region}.${subject}.${step.name}`;
  if (full.length <= MAX_NAME_LENGTH) {
    return full;
  }
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  const room = MAX_NAME_LENGTH - target.region.length - step.name.length - hash.length - 4;
  return `${target.region}.${subject.slice(0, room)}-${hash}.${step.name}`;
}
