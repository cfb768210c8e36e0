import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { PlannedActionKind } from '../deployment-plan';
import { DeploymentWindow } from '../deployment-window';
import { validationError } from './errors';
import { GateSettings, StageConditions, sameGates, stageConditions } from './gates';
import { NamedStep, PipelinePlugin, PlannedStep } from './protocol';
import { ResolvedTarget } from './resolved-target';

/**
 * CodePipeline's structural quotas.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
export const MAX_ACTIONS_PER_STAGE = 50;
export const MAX_STAGES_PER_PIPELINE = 50;
export const MAX_ACTIONS_PER_PIPELINE = 500;
/** Action and stage names: `[A-Za-z0-9.@\-_]+`, at most 100 characters. */
export const MAX_NAME_LENGTH = 100;

/** A plug-in in its stage: where its constructs go and its steps, named. */
export interface Placement {
  readonly plugin: PipelinePlugin;
  /** The construct path below the pipeline construct where the plug-in creates its constructs. */
  readonly scopePath: string[];
  readonly region: string;
  readonly steps: NamedStep[];
  /** The window of the stage, for the plan. */
  readonly window?: DeploymentWindow;
}

/** One stage of the pipeline, with the plug-ins it binds. */
export interface LaidOutStage {
  readonly stageName: string;
  /**
   * Construct ID of what the stage's targets share (their action role): derived from the stage's
   * window and gates and its part number, never from its name or position, which change when a
   * region joins.
   */
  readonly id: string;
  readonly placements: Placement[];
  /** The stage's number among the deploy stages (1, 2, ...; 0 for source, build and validation): its rule names carry it. */
  readonly deployNumber: number;
  /** The window the stage's entry condition waits for. */
  readonly window?: DeploymentWindow;
  /** Where the window and the gates go: entry, on success, on failure. */
  readonly conditions: StageConditions;
}

/** A plug-in of the leading stages (source, build, validation) with what the plan says of it. */
export interface LeadingPlugin {
  readonly plugin: PipelinePlugin;
  readonly detail?: string;
}

/** What the layout is computed from. */
export interface LayoutInput {
  readonly owner: string;
  /** The pipeline construct, which user errors are about. */
  readonly scope: IConstruct;
  readonly homeRegion: string;
  readonly source: LeadingPlugin;
  readonly build?: LeadingPlugin;
  readonly validation?: LeadingPlugin;
  readonly targets: ResolvedTarget[];
  readonly defaultGates?: GateSettings;
}

/**
 * The whole pipeline, stage by stage: `Source`, `Build`, `Validate`, then the deploy stages.
 *
 * Stage conditions belong to a stage, so targets are grouped by their window and their safety gates.
 * Targets without a window and with the pipeline's default gates (or none) run side by side in one
 * `Deploy` stage, each in its own run orders (split into `Deploy`, `Deploy.2`, ... past
 * CodePipeline's 50 actions per stage). The other targets are grouped by window (same cron and time
 * zone) and gates (same rollback setting, same alarms) into stages after `Deploy`, named after their
 * regions, in the order in which each group first appears in the target list (so the list order is
 * the rollout order, for example a follow-the-night rollout).
 *
 * This is computed from the records alone, never from the rendered pipeline, so the plan and the
 * rendering cannot disagree.
 */
export function layOut(input: LayoutInput): LaidOutStage[] {
  const leading = leadingStages(input);
  const deploy = deployStages(input.targets, input.defaultGates);
  checkQuotas(input, leading, deploy);
  return [...leading, ...deploy];
}

function leadingStages(input: LayoutInput): LaidOutStage[] {
  const stage = (name: string, kind: PlannedActionKind, leading: LeadingPlugin, scopePath: string[]): LaidOutStage => ({
    stageName: name,
    id: name,
    deployNumber: 0,
    placements: [{
      plugin: leading.plugin,
      scopePath,
      region: input.homeRegion,
      steps: [{ step: { name, kind, runOrder: 1, detail: leading.detail }, actionName: name }],
    }],
    conditions: stageConditions(undefined, undefined, input.homeRegion),
  });
  if (input.validation && !input.targets.some(t => t.templatePaths.length > 0)) {
    throw validationError(`${input.owner}: validation is set, but no target deploys a CloudFormation template; ` +
      'add a RegionTarget.cloudFormation() target or drop `validation`.', input.scope);
  }
  return [
    // the source's constructs (its trigger) live in the pipeline construct itself
    stage('Source', PlannedActionKind.SOURCE, input.source, []),
    ...(input.build ? [stage('Build', PlannedActionKind.BUILD, input.build, ['Build'])] : []),
    ...(input.validation ? [stage('Validate', PlannedActionKind.VALIDATE, input.validation, ['Validate'])] : []),
  ];
}

/** Targets that share a stage: same window, same gates. */
interface TargetGroup {
  readonly window?: DeploymentWindow;
  readonly gates?: GateSettings;
  readonly targets: ResolvedTarget[];
}

function deployStages(targets: ResolvedTarget[], defaultGates: GateSettings | undefined): LaidOutStage[] {
  const groups: TargetGroup[] = [];
  for (const target of targets) {
    const group = groups.find(g => sameWindow(g.window, target.window) && sameGates(g.gates, target.gates));
    if (group) {
      group.targets.push(target);
    } else {
      groups.push({ window: target.window, gates: target.gates, targets: [target] });
    }
  }
  // targets without a window, with no gates or the pipeline's default gates: the `Deploy` stage(s)
  const main = groups.find(g => !g.window && sameGates(g.gates, defaultGates));
  const usedNames = new Set<string>();
  const stages: LaidOutStage[] = [];
  for (const group of main ? [main, ...groups.filter(g => g !== main)] : groups) {
    const name = group === main ? 'Deploy' : groupStageName(group.targets, usedNames);
    const id = group === main ? 'Deploy' : `Group-${groupHash(group)}`;
    splitByQuota(group.targets).forEach((part, i) => {
      const partName = i === 0 ? name : fitName(`${name}.${i + 1}`);
      usedNames.add(partName);
      stages.push(stageOf(partName, i === 0 ? id : `${id}.${i + 1}`, stages.length + 1, part, group));
    });
  }
  return stages;
}

function sameWindow(a: DeploymentWindow | undefined, b: DeploymentWindow | undefined): boolean {
  return a === b || (!!a && !!b && a.expression === b.expression && a.timeZone === b.timeZone);
}

/** A short, stable digest of what the group's stage checks: its window and its gates. */
function groupHash(group: TargetGroup): string {
  const content = {
    window: group.window ? [group.window.expression, group.window.timeZone] : null,
    rollbackOnFailure: group.gates?.rollbackOnFailure ?? false,
    waitMinutes: group.gates?.waitMinutes ?? null,
    alarms: (group.gates?.alarms ?? []).map(a => a.node.path).sort(),
  };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 8);
}

/**
 * Splits targets that run side by side into as few consecutive stages as CodePipeline's 50 actions
 * per stage allow, keeping each target's actions together (they are ordered by run order) and the
 * targets in their given order, and balancing the stages: 33 targets of 2 actions give stages of
 * 17 and 16 targets, not 25 and 8. Only the quota adds stages, so the critical path grows by one
 * stage per 50 actions, not per region.
 */
function splitByQuota(targets: ResolvedTarget[]): ResolvedTarget[][] {
  const sizes = targets.map(t => t.steps.length);
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
function pack(targets: ResolvedTarget[], sizes: number[], capacity: number): ResolvedTarget[][] {
  const parts: ResolvedTarget[][] = [[]];
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

function stageOf(stageName: string, id: string, deployNumber: number, targets: ResolvedTarget[], group: TargetGroup): LaidOutStage {
  return {
    stageName,
    id,
    deployNumber,
    window: group.window,
    conditions: stageConditions(group.window, group.gates, targets[0].region),
    placements: targets.map(target => ({
      plugin: target.target,
      scopePath: ['Targets', target.id],
      region: target.region,
      window: group.window,
      steps: target.steps.map(step => ({ step, actionName: actionName(target.region, step) })),
    })),
  };
}

/**
 * `Deploy.eu-west-1`, `Deploy.us-east-1.us-east-2`, or for many regions `Deploy.af-south-1_and_25_more`
 * (the first region and how many more), leaving room for a part number (`.2`) under 100 characters.
 */
function groupStageName(targets: ResolvedTarget[], used: Set<string>): string {
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

function checkQuotas({ owner, scope }: LayoutInput, leading: LaidOutStage[], deploy: LaidOutStage[]): void {
  const problems: string[] = [];
  const actionsIn = (stage: LaidOutStage) => stage.placements.reduce((n, p) => n + p.steps.length, 0);
  for (const stage of deploy) {
    if (actionsIn(stage) > MAX_ACTIONS_PER_STAGE) {
      problems.push(`stage '${stage.stageName}' would hold ${actionsIn(stage)} actions for ${stage.placements.length} targets, ` +
        `over CodePipeline's quota of ${MAX_ACTIONS_PER_STAGE} actions per stage`);
    }
  }
  const stageCount = leading.length + deploy.length;
  if (stageCount > MAX_STAGES_PER_PIPELINE) {
    const windows = deploy.filter(s => s.window).length;
    problems.push(`the pipeline would have ${stageCount} stages (${windows} of them for distinct deployment windows), ` +
      `over CodePipeline's quota of ${MAX_STAGES_PER_PIPELINE} stages per pipeline; let regions share windows`);
  }
  const actionCount = [...leading, ...deploy].reduce((n, s) => n + actionsIn(s), 0);
  if (actionCount > MAX_ACTIONS_PER_PIPELINE) {
    problems.push(`the pipeline would have ${actionCount} actions, over CodePipeline's quota of ${MAX_ACTIONS_PER_PIPELINE} actions per pipeline`);
  }
  if (problems.length > 0) {
    throw validationError(`${owner}: ${problems.join('; ')}. ` +
      'Use fewer targets, drop optional steps (approval, infrastructure stack), or split the regions over several pipelines. ' +
      'See https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html', scope);
  }
}

/**
 * `eu-west-1.service-x.CreateChangeSet` for a target's step; long subjects are shortened with a hash
 * so the name fits CodePipeline's 100 characters and stays unique and stable. A step without a
 * subject (source, build, validation) is named after the step.
 */
function actionName(region: string, step: PlannedStep): string {
  const subject = step.subject;
  if (subject === undefined) {
    return step.name;
  }
  const full = `${region}.${subject}.${step.name}`;
  if (full.length <= MAX_NAME_LENGTH) {
    return full;
  }
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  const room = MAX_NAME_LENGTH - region.length - step.name.length - hash.length - 4;
  return `${region}.${subject.slice(0, room)}-${hash}.${step.name}`;
}
