import { createHash } from 'crypto';
import { IConstruct } from 'constructs';
import { PlannedActionKind } from '../deployment-plan';
import { DeploymentWindow } from '../deployment-window';
import { MachineImageDistribution } from '../machine-image';
import { validationError } from './errors';
import { GateSettings, StageConditions, sameGates, stageConditions } from './gates';
import { NamedStep, PipelinePlugin, PlannedStep } from './protocol';
import { ResolvedTarget } from './resolved-target';
import { CheckedWave, WaveBake, bakeOf, mergedConditions, sharesWaveStage, targetsByWave, waveGroupKey } from './waves';

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
  /** The account the plug-in deploys to, when not the pipeline's (private/cross-account.ts). */
  readonly account?: string;
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
  /** The rollout wave of the stage's targets. */
  readonly wave?: string;
  /** On the last stage of a baking wave: the bake, which replaces the stage's on-success condition. */
  readonly bake?: WaveBake;
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
  /** The waves of the rollout, checked, in order. */
  readonly waves?: CheckedWave[];
  /** The machine-image distribution: one action per region, in a `Distribute` stage before the deploy stages. */
  readonly machineImage?: MachineImageDistribution;
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
 * With a rollout (`Rollout.waves()`), the deploy stages come wave by wave: every stage of the first
 * wave, then every stage of the second, and so on. Inside a wave, targets are grouped exactly as
 * above, except that targets differing only in their alarms share a stage (see `waveStages`); the
 * wave's first stage is named after the wave, its others after the wave and their regions
 * (`canary`, `canary.eu-west-1`, `canary.2` for a quota split). A wave spans one stage per
 * distinct window and rollback setting of its targets, plus the alarm and quota splits; its bake
 * goes on its last stage.
 *
 * This is computed from the records alone, never from the rendered pipeline, so the plan and the
 * rendering cannot disagree.
 */
export function layOut(input: LayoutInput): LaidOutStage[] {
  const leading = leadingStages(input);
  const deploy = input.waves ? waveStages(input, input.waves) : deployStages(input.targets, input.defaultGates, { prefix: 'Deploy' });
  checkQuotas(input, leading, deploy);
  return [...leading, ...deploy];
}

export function leadingStages(input: LayoutInput): LaidOutStage[] {
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
    ...(input.machineImage ? [distributeStage(input, input.machineImage)] : []),
  ];
}

/** `Distribute`, before every deploy stage, so no region deploys before its copy is available (private/image-distribution.ts). */
function distributeStage(input: LayoutInput, machineImage: MachineImageDistribution): LaidOutStage {
  const targetRegions = [...new Set(input.targets.map(t => t.region))];
  const facts = { homeRegion: input.homeRegion, hasBuild: input.build !== undefined, targetRegions };
  const { placements } = machineImage._check(input.scope, input.owner, facts);
  return { stageName: 'Distribute', id: 'Distribute', deployNumber: 0, placements, conditions: stageConditions(undefined, undefined, input.homeRegion) };
}

/** Targets that share a stage: same window, same gates. */
interface TargetGroup {
  readonly window?: DeploymentWindow;
  readonly gates?: GateSettings;
  readonly targets: ResolvedTarget[];
}

/** How a run of deploy stages is named and numbered: the pipeline's, or one wave's. */
export interface Section {
  /** `Deploy`, or the wave's name. */
  readonly prefix: string;
  /** In a rollout, the wave: its targets that differ only in their alarms share a stage. */
  readonly wave?: string;
  /** Stage names taken by earlier sections. */
  readonly usedNames?: Set<string>;
  /** How many deploy stages come before. */
  readonly before?: number;
}

/**
 * The stages of each wave in turn, the bake on each wave's last stage. Inside a wave, targets with
 * the same window, rollback setting and alarm wait time share a stage even when their alarms differ
 * (each alarm watches its own region): the stage checks the alarms of all its regions, so the wave's
 * regions run side by side and an alarm in one of them stops and rolls back the stage. A stage
 * holds at most 5 alarms (a condition's rules); more start another stage. Construct IDs come from
 * the wave's name, window, rollback setting and wait time (never from alarms or positions), so
 * adding a wave or a region to a wave keeps the others' roles.
 */
function waveStages(input: LayoutInput, waves: CheckedWave[]): LaidOutStage[] {
  const usedNames = new Set<string>();
  const stages: LaidOutStage[] = [];
  for (const wave of targetsByWave(waves, input.targets, input.owner)) {
    const name = wave.wave.name;
    const inWave = deployStages(wave.targets, input.defaultGates, { prefix: name, wave: name, usedNames, before: stages.length });
    const bake = bakeOf(wave, inWave.map(s => s.conditions), input.owner);
    if (bake) {
      inWave[inWave.length - 1] = { ...inWave[inWave.length - 1], bake };
    }
    stages.push(...inWave);
  }
  return stages;
}

export function deployStages(targets: ResolvedTarget[], defaultGates: GateSettings | undefined, section: Section): LaidOutStage[] {
  const groups: TargetGroup[] = [];
  const joins = section.wave === undefined
    ? (group: TargetGroup, target: ResolvedTarget) => sameGates(group.gates, target.gates)
    : (group: TargetGroup, target: ResolvedTarget) => sharesWaveStage(group.targets, target);
  for (const target of targets) {
    const group = groups.find(g => sameWindow(g.window, target.window) && joins(g, target));
    if (group) {
      group.targets.push(target);
    } else {
      groups.push({ window: target.window, gates: target.gates, targets: [target] });
    }
  }
  // targets without a window, with no gates or the pipeline's default gates: the `Deploy` stage(s)
  const main = groups.find(g => !g.window && sameGates(g.gates, defaultGates));
  const usedNames = section.usedNames ?? new Set<string>();
  const stages: LaidOutStage[] = [];
  const ordered = main ? [main, ...groups.filter(g => g !== main)] : groups;
  for (const group of ordered) {
    // `Deploy` is the main group's; a wave's first stage is named after the wave, whatever its group
    const plain = group === main || (section.wave !== undefined && group === ordered[0]);
    const name = plain ? uniqueName(section.prefix, usedNames) : groupStageName(section.prefix, group.targets, usedNames);
    const id = groupId(group, groups, main, section.wave);
    splitByQuota(group.targets).forEach((part, i) => {
      const partName = i === 0 ? name : fitName(`${name}.${i + 1}`);
      usedNames.add(partName);
      const stage = stageOf(partName, i === 0 ? id : `${id}.${i + 1}`, (section.before ?? 0) + stages.length + 1, part, group);
      stages.push(section.wave ? { ...stage, wave: section.wave } : stage);
    });
  }
  return stages;
}

function sameWindow(a: DeploymentWindow | undefined, b: DeploymentWindow | undefined): boolean {
  return a === b || (!!a && !!b && a.expression === b.expression && a.timeZone === b.timeZone);
}

/**
 * The construct ID of a group's stage: `Deploy` for the main group of a pipeline without waves, else
 * `Group-<digest>` of what the stage checks: its window and gates, or in a wave the wave, window,
 * rollback setting and wait time (plus `-<n>` for the n-th stage of a wave with the same, when more
 * than 5 alarms overflow a stage).
 */
function groupId(group: TargetGroup, groups: TargetGroup[], main: TargetGroup | undefined, wave: string | undefined): string {
  if (wave === undefined) {
    return group === main ? 'Deploy' : `Group-${digest({
      window: windowKey(group.window),
      rollbackOnFailure: group.gates?.rollbackOnFailure ?? false,
      waitMinutes: group.gates?.waitMinutes ?? null,
      alarms: (group.gates?.alarms ?? []).map(a => a.node.path).sort(),
    })}`;
  }
  const key = (g: TargetGroup) => JSON.stringify({ wave, window: windowKey(g.window), gates: waveGroupKey(g.targets[0]) });
  const overflow = groups.slice(0, groups.indexOf(group)).filter(g => key(g) === key(group)).length;
  return `Group-${digest(key(group))}${overflow > 0 ? `-${overflow + 1}` : ''}`;
}

function windowKey(window: DeploymentWindow | undefined): string[] | null {
  return window ? [window.expression, window.timeZone] : null;
}

/** A short, stable digest of `content`. */
function digest(content: unknown): string {
  return createHash('sha256').update(typeof content === 'string' ? content : JSON.stringify(content)).digest('hex').slice(0, 8);
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
    conditions: mergedConditions(targets.map(target => stageConditions(group.window, target.gates, target.region))),
    placements: targets.map(target => ({
      plugin: target.target,
      scopePath: ['Targets', target.id],
      region: target.region,
      ...(target.account ? { account: target.account } : {}),
      window: group.window,
      steps: target.steps.map(step => ({ step, actionName: actionName(target.region, step) })),
    })),
  };
}

/**
 * `Deploy.eu-west-1`, `Deploy.us-east-1.us-east-2`, or for many regions `Deploy.af-south-1_and_25_more`
 * (the first region and how many more), leaving room for a part number (`.2`) under 100 characters.
 */
function groupStageName(prefix: string, targets: ResolvedTarget[], used: Set<string>): string {
  const regions = [...new Set(targets.flatMap(t => t.regions))];
  const all = `${prefix}.${regions.join('.')}`;
  return uniqueName(all.length <= MAX_NAME_LENGTH - 4 ? all : fitName(`${prefix}.${regions[0]}_and_${regions.length - 1}_more`), used);
}

/** `base`, or `base.2`, `base.3`, ... when taken (each fitted to 100 characters); marked as taken. */
function uniqueName(base: string, used: Set<string>): string {
  let name = fitName(base);
  for (let n = 2; used.has(name); n++) {
    name = fitName(`${base}.${n}`);
  }
  used.add(name);
  return name;
}

function fitName(name: string): string {
  if (name.length <= MAX_NAME_LENGTH) { return name; }
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

export function checkQuotas({ owner, scope }: LayoutInput, leading: LaidOutStage[], deploy: LaidOutStage[]): void {
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
export function actionName(region: string, step: PlannedStep): string {
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
