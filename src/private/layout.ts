import { createHash } from 'crypto';
import { DeploymentGates } from '../deployment-gates';
import { DeploymentWindow } from '../deployment-window';
import { RegionTarget, TargetStep } from '../region-target';
import { StageConditions, StageGates, gatesKey, resolveGates, stageConditions } from './gates';

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
  /** The window the stage's entry condition waits for. */
  readonly window?: DeploymentWindow;
  /** The safety gates of the stage's targets (all the same). */
  readonly gates?: StageGates;
  /** Where the window and the gates go: entry, on success, on failure. */
  readonly conditions: StageConditions;
}

/**
 * How the targets are laid out into deploy stages. Stage conditions belong to a stage, so targets are
 * grouped by their window and their safety gates. Targets without a window and without gates of their
 * own (or with the pipeline's default gates) run side by side in one `Deploy` stage, each in its own run orders (split into `Deploy`, `Deploy.2`, ... past CodePipeline's
 * 50 actions per stage). Targets with a window are grouped by window (same cron
 * and time zone) into one stage per window, after the `Deploy` stage, in the order in which their
 * windows first appear in the target list (so the list order is the rollout order, for example a
 * follow-the-night rollout). Targets with gates of their own are grouped the same way, by window and
 * gates (same rollback setting, same alarms), into stages named after their regions.
 *
 * This is computed from the targets alone, never from the rendered pipeline, so the plan and the
 * rendering cannot disagree.
 *
 * @param leadingStages stages before the deploy stages (source, build), counted against the quotas
 * @param leadingActions actions in those stages
 */
export function layOutDeployStages(targets: RegionTarget[], leadingStages: number, leadingActions: number,
  defaultGates?: DeploymentGates): LaidOutStage[] {
  const groups = new Map<string, { window?: DeploymentWindow; gates?: StageGates; targets: RegionTarget[] }>();
  for (const target of targets) {
    const gates = target.gates
      ? resolveGates(target.gates, target.region, `target ${target.description}`)
      : resolveGates(defaultGates, target.region, `defaultGates applied to target ${target.description}`);
    const key = `${target.window ? windowKey(target.window) : ''}\u0001${gatesKey(gates)}`;
    const group = groups.get(key) ?? { window: target.window, gates, targets: [] };
    group.targets.push(target);
    groups.set(key, group);
  }

  const stages: LaidOutStage[] = [];
  const usedNames = new Set<string>();
  // targets without a window, with no gates or the pipeline's default gates: the `Deploy` stage(s)
  const defaultKey = `\u0001${gatesKey(resolveGates(defaultGates, targets[0]?.region ?? '', 'defaultGates', true))}`;
  const main = groups.get(defaultKey);
  if (main) {
    groups.delete(defaultKey);
    splitByQuota(main.targets).forEach((part, i) => {
      const name = i === 0 ? 'Deploy' : `Deploy.${i + 1}`;
      usedNames.add(name);
      stages.push(stageOf(name, part, undefined, main.gates));
    });
  }
  for (const group of groups.values()) {
    const parts = splitByQuota(group.targets);
    const name = windowStageName(group.targets, usedNames);
    parts.forEach((part, i) => {
      const partName = i === 0 ? name : fitName(`${name}.${i + 1}`);
      usedNames.add(partName);
      stages.push(stageOf(partName, part, group.window, group.gates));
    });
  }
  checkQuotas(stages, leadingStages, leadingActions);
  return stages;
}

/**
 * Splits targets that run side by side into as few consecutive stages as CodePipeline's 50 actions
 * per stage allow, keeping each target's actions together (they are ordered by run order) and the
 * targets in their given order, and balancing the stages: 33 targets of 2 actions give stages of
 * 17 and 16 targets, not 25 and 8. Only the quota adds stages, so the critical path grows by one
 * stage per 50 actions, not per region.
 */
function splitByQuota(targets: RegionTarget[]): RegionTarget[][] {
  const sizes = targets.map(t => t._steps().length);
  const total = sizes.reduce((a, b) => a + b, 0);
  const largest = Math.max(0, ...sizes);
  if (total <= MAX_ACTIONS_PER_STAGE || largest > MAX_ACTIONS_PER_STAGE) {
    return [targets]; // fits, or cannot fit at all (reported by checkQuotas)
  }
  for (let count = Math.ceil(total / MAX_ACTIONS_PER_STAGE); ; count++) {
    for (let capacity = Math.max(largest, Math.ceil(total / count)); capacity <= MAX_ACTIONS_PER_STAGE; capacity++) {
      const parts = pack(targets, sizes, capacity);
      if (parts.length <= count) {
        return parts;
      }
    }
  }
}

/** Fills stages in order, each with at most `capacity` actions. */
function pack(targets: RegionTarget[], sizes: number[], capacity: number): RegionTarget[][] {
  const parts: RegionTarget[][] = [[]];
  let used = 0;
  targets.forEach((target, i) => {
    if (used + sizes[i] > capacity) {
      parts.push([]);
      used = 0;
    }
    parts[parts.length - 1].push(target);
    used += sizes[i];
  });
  return parts;
}

function stageOf(stageName: string, targets: RegionTarget[], window?: DeploymentWindow, gates?: StageGates): LaidOutStage {
  return {
    stageName,
    targets,
    window,
    gates,
    conditions: stageConditions(window, gates),
    actions: targets.flatMap(target => target._steps().map(step => ({ target, step, actionName: actionName(target, step) }))),
  };
}

function windowKey(window: DeploymentWindow): string {
  return `${window.expression}\u0000${window.timeZone}`;
}

/**
 * `Deploy.eu-west-1`, `Deploy.us-east-1.us-east-2`, or for many regions `Deploy.af-south-1_and_25_more`
 * (the first region and how many more), leaving room for a part number (`.2`) under 100 characters.
 */
function windowStageName(targets: RegionTarget[], used: Set<string>): string {
  const regions = [...new Set(targets.map(t => t.region))];
  const all = `Deploy.${regions.join('.')}`;
  const base = all.length <= MAX_NAME_LENGTH - 4 ? all : fitName(`Deploy.${regions[0]}_and_${regions.length - 1}_more`);
  let name = base;
  for (let n = 2; used.has(name); n++) {
    name = `${base}.${n}`;
  }
  used.add(name);
  return name;
}

function fitName(name: string): string {
  if (name.length <= MAX_NAME_LENGTH) { return name; }
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - hash.length - 1)}-${hash}`;
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
    const windows = stages.filter(s => s.window).length;
    problems.push(`the pipeline would have ${stageCount} stages (${windows} of them for distinct deployment windows), ` +
      `over CodePipeline's quota of ${MAX_STAGES_PER_PIPELINE} stages per pipeline; let regions share windows`);
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
  const subject = step.subject ?? step.stackName ?? 'target';
  const full = `${target.region}.${subject}.${step.name}`;
  if (full.length <= MAX_NAME_LENGTH) {
    return full;
  }
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  const room = MAX_NAME_LENGTH - target.region.length - step.name.length - hash.length - 4;
  return `${target.region}.${subject.slice(0, room)}-${hash}.${step.name}`;
}
