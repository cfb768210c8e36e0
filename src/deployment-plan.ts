import { DeploymentWindow, WindowOpening } from './deployment-window';
import { PlannedActionKind } from './planned-action-kind';
import { planFlowchart, planGantt } from './private/plan-diagrams';
import { HOME_PIPELINE, accountsOf, qualified, renderTable, stageKey, zeroFieldNote } from './private/plan-text';
import { formatInZone } from './private/time-format';

export { PlannedActionKind } from './planned-action-kind';

/**
 * One action of the deployment plan.
 */
export interface PlannedAction {
  /** Name of the stage that holds the action. */
  readonly stageName: string;
  /** Name of the action inside its stage. */
  readonly actionName: string;
  /**
   * Region the action deploys to (for the source, the build and the validation: the pipeline's
   * region, where they run). An action with a `route` runs in the pipeline's region instead; so does
   * a stack set's action, whose regions are in `regions`.
   */
  readonly region: string;
  /**
   * The regions an action that deploys to several at once reaches (a stack set's action), in the
   * order it deploys them. For a stack set's approval: the regions it holds back.
   * @default - the action deploys to `region` only
   */
  readonly regions?: string[];
  /**
   * The AWS account the action deploys to (for the source, the build and the validation: the
   * pipeline's account, where they run).
   * @default - the pipeline's account (plans of this library always name it)
   */
  readonly account?: string;
  /** Run order of the action inside its stage (1 to 999). */
  readonly runOrder: number;
  /** What the action does. */
  readonly kind: PlannedActionKind;
  /**
   * The CloudFormation stack the action deploys.
   * @default - the action deploys no stack
   */
  readonly stackName?: string;
  /**
   * Description of the deployment window the stage waits for.
   * @default - the stage has no window
   */
  readonly window?: string;
  /**
   * What the action works on, in words: for the source, the repository, branch or object and the
   * source variables handed to the build, for example `connection my-org/app@main (CommitId, BranchName)`.
   * @default - no detail
   */
  readonly detail?: string;
  /**
   * The rollout wave the action belongs to.
   * @default - the pipeline has no rollout waves
   */
  readonly wave?: string;
  /**
   * How the action reaches a region where CodePipeline is not offered (where CodePipeline can place
   * no action and no artifact store), for example `CodeBuild in us-west-2`: a CodeBuild action in
   * the pipeline's region that calls CloudFormation in `region` with the AWS CLI.
   * @default - a CodePipeline action in `region`
   */
  readonly route?: string;
  /**
   * With `DeliveryTopology.regionalPipelines()`: the pipeline that holds the action, `home` for the
   * home pipeline (source, build, validation, publish, regions without CodePipeline) or the region of
   * a regional pipeline, such as `eu-west-1`.
   * @default - the one pipeline of the single-pipeline topology
   */
  readonly pipeline?: string;
}

/**
 * One stage of the deployment plan.
 */
export interface PlannedStage {
  /** Name of the stage. */
  readonly stageName: string;
  /** Regions the stage's actions run in, in the order they appear. */
  readonly regions: string[];
  /**
   * Accounts the stage's actions deploy to, in the order they appear.
   * @default - the pipeline's account (plans of this library always name it)
   */
  readonly accounts?: string[];
  /** Number of actions in the stage. */
  readonly actionCount: number;
  /** Number of sequential steps in the stage (its highest run order's position among distinct run orders). */
  readonly sequentialSteps: number;
  /**
   * Description of the deployment window that the stage's entry condition waits for.
   * @default - no window
   */
  readonly window?: string;
  /**
   * The safety gates of the stage, in words: alarm checks before entry and on success, rollback on
   * failure. Empty when the stage has none.
   */
  readonly gates: string[];
  /**
   * The rollout wave of the stage.
   * @default - the pipeline has no rollout waves
   */
  readonly wave?: string;
  /**
   * On the last stage of a baking wave: how many minutes the wave's alarms are watched after the
   * stage succeeded, before the next stage may start.
   * @default - no bake
   */
  readonly bakeMinutes?: number;
  /**
   * With `DeliveryTopology.regionalPipelines()`: the pipeline that holds the stage (`home`, or the
   * region of a regional pipeline); stage names repeat across pipelines.
   * @default - the one pipeline of the single-pipeline topology
   */
  readonly pipeline?: string;
}

/**
 * One wave of the rollout, as the plan lays it out.
 */
export interface PlannedWave {
  /** Name of the wave. */
  readonly name: string;
  /** The wave's stages, in order. */
  readonly stageNames: string[];
  /** Regions the wave deploys to, in the order they appear. */
  readonly regions: string[];
  /**
   * How many minutes the wave's alarms are watched after its last stage succeeded.
   * @default - no bake
   */
  readonly bakeMinutes?: number;
}

/**
 * When a stage of the plan would start if a release started at a given moment.
 */
export interface ScheduledStage {
  /** Name of the stage. */
  readonly stageName: string;
  /** Regions the stage deploys to. */
  readonly regions: string[];
  /**
   * Accounts the stage deploys to.
   * @default - the pipeline's account (plans of this library always name it)
   */
  readonly accounts?: string[];
  /**
   * The rollout wave of the stage.
   * @default - the pipeline has no rollout waves
   */
  readonly wave?: string;
  /**
   * On the last stage of a baking wave: when the bake ends (the stage's earliest start plus the bake
   * time), the earliest moment the next stage can start.
   * @default - no bake
   */
  readonly bakeEnds?: Date;
  /**
   * The stage's deployment window.
   * @default - no window
   */
  readonly window?: string;
  /**
   * The IANA time zone of the window.
   * @default - no window
   */
  readonly timeZone?: string;
  /**
   * The earliest moment the stage can start: the previous stage's start (or the end of its bake) for
   * stages without a window, else the window's first opening at or after that.
   * @default - the window never opens again
   */
  readonly earliestStart?: Date;
  /**
   * The window's next openings from the moment the stage is reached.
   * @default - no window
   */
  readonly nextOpenings?: WindowOpening[];
  /**
   * With `DeliveryTopology.regionalPipelines()`: the pipeline that holds the stage (`home`, or the
   * region of a regional pipeline).
   * @default - the one pipeline of the single-pipeline topology
   */
  readonly pipeline?: string;
}

/**
 * Which action runs in which stage, region and run order: computed from the pipeline's layout,
 * before anything is rendered, so it can be printed, reviewed and tested.
 */
export class DeploymentPlan {
  /** Every action, in pipeline order (stage, then run order). */
  public readonly actions: PlannedAction[];
  /** Every stage, in pipeline order. */
  public readonly stages: PlannedStage[];

  private readonly windows: { [stageName: string]: DeploymentWindow };

  /** @internal */
  constructor(actions: PlannedAction[], windows: { [stageName: string]: DeploymentWindow } = {},
    gates: { [stageName: string]: string[] } = {}, bakes: { [stageName: string]: number } = {}) {
    this.actions = actions;
    this.windows = windows;
    const stages: PlannedStage[] = [];
    for (const key of [...new Set(actions.map(stageKey))]) {
      const inStage = actions.filter(a => stageKey(a) === key);
      const stageName = inStage[0].stageName;
      stages.push({
        stageName,
        regions: [...new Set(inStage.flatMap(a => a.regions ?? [a.region]))],
        ...accountsOf(inStage),
        actionCount: inStage.length,
        sequentialSteps: new Set(inStage.map(a => a.runOrder)).size,
        window: inStage.find(a => a.window !== undefined)?.window,
        gates: gates[key] ?? [],
        ...(inStage[0].wave !== undefined ? { wave: inStage[0].wave } : {}),
        ...(bakes[key] !== undefined ? { bakeMinutes: bakes[key] } : {}),
        ...(inStage[0].pipeline !== undefined ? { pipeline: inStage[0].pipeline } : {}),
      });
    }
    this.stages = stages;
  }

  /**
   * The rollout's waves, in order, each with its stages, regions and bake. Empty when the pipeline
   * has no rollout.
   */
  public get waves(): PlannedWave[] {
    const waves: PlannedWave[] = [];
    for (const stage of this.stages.filter(s => s.wave !== undefined)) {
      const last = waves[waves.length - 1];
      if (last && last.name === stage.wave) {
        waves[waves.length - 1] = {
          ...last,
          stageNames: [...last.stageNames, stage.stageName],
          regions: [...new Set([...last.regions, ...stage.regions])],
          ...(stage.bakeMinutes !== undefined ? { bakeMinutes: stage.bakeMinutes } : {}),
        };
      } else {
        waves.push({
          name: stage.wave!,
          stageNames: [stage.stageName],
          regions: stage.regions,
          ...(stage.bakeMinutes !== undefined ? { bakeMinutes: stage.bakeMinutes } : {}),
        });
      }
    }
    return waves;
  }

  /**
   * Number of sequential steps from the first stage to the last: the sum over stages of their distinct run orders.
   * This is what grows the wall-clock time of a release, not the number of regions. With regional
   * pipelines, the home pipeline's stages up to `Publish`, then the longest of the regional pipelines
   * and the home pipeline's later stages (they run side by side).
   */
  public get criticalPath(): number {
    const steps = (stages: PlannedStage[]) => stages.reduce((sum, s) => sum + s.sequentialSteps, 0);
    const published = this.stages.findIndex(s => s.pipeline === HOME_PIPELINE && s.stageName === 'Publish');
    if (published < 0) {
      return steps(this.stages);
    }
    const branches = [...new Set(this.stages.map(s => s.pipeline))]
      .map(pipeline => steps(this.stages.filter((s, i) => s.pipeline === pipeline && (pipeline !== HOME_PIPELINE || i > published))));
    return steps(this.stages.slice(0, published + 1)) + Math.max(...branches);
  }

  /** Actions that run in `region`. */
  public actionsIn(region: string): PlannedAction[] {
    return this.actions.filter(a => a.region === region);
  }

  /**
   * When each stage would start if a release started at `from`, assuming actions take no time and a
   * bake takes its whole bake time: a stage without a window starts when the one before it does (or
   * when its bake ends); a windowed stage starts at its window's first opening at or after that.
   * The first stage of a wave gives the wave's earliest start. Openings are computed in each
   * window's time zone.
   *
   * @param from when the release starts
   * @param openings how many next openings to list per window; defaults to 3
   */
  public schedule(from: Date, openings?: number): ScheduledStage[] {
    const result: ScheduledStage[] = [];
    // per pipeline: the moment its next stage is reached; a regional pipeline starts when the home
    // pipeline publishes the release, independently of every other region
    const reachedIn = new Map<string | undefined, Date | undefined>([[this.stages[0]?.pipeline, from]]);
    let published: Date | undefined = from;
    for (const stage of this.stages) {
      const reached: Date | undefined = reachedIn.has(stage.pipeline) ? reachedIn.get(stage.pipeline) : published;
      const window = this.windows[stageKey(stage)];
      const next: WindowOpening[] = window && reached ? window.nextOpenings(reached, openings ?? 3) : [];
      const start: Date | undefined = window ? next[0]?.opensAt : reached;
      const bakeEnds: Date | undefined = start && stage.bakeMinutes !== undefined
        ? new Date(start.getTime() + stage.bakeMinutes * 60_000) : undefined;
      result.push({
        stageName: stage.stageName,
        regions: stage.regions,
        ...(stage.accounts ? { accounts: stage.accounts } : {}),
        ...(stage.wave !== undefined ? { wave: stage.wave } : {}),
        ...(window ? { window: window.toString(), timeZone: window.timeZone } : {}),
        earliestStart: start,
        ...(bakeEnds ? { bakeEnds } : {}),
        ...(window ? { nextOpenings: next } : {}),
        ...(stage.pipeline !== undefined ? { pipeline: stage.pipeline } : {}),
      });
      if (stage.actionCount > 0 && this.actions.some(a => stageKey(a) === stageKey(stage) && a.kind === PlannedActionKind.PUBLISH)) {
        published = start;
      }
      reachedIn.set(stage.pipeline, bakeEnds ?? start);
    }
    return result;
  }

  /**
   * The schedule for a release starting at `from`, as a plain-text table: each stage with its window,
   * the earliest start in UTC and in the window's local time (and its accounts, when the plan spans
   * more than one).
   *
   * @param from when the release starts
   */
  public toScheduleTable(from: Date): string {
    const withWaves = this.stages.some(s => s.wave !== undefined);
    const withAccounts = new Set(this.stages.flatMap(s => s.accounts ?? [])).size > 1;
    const withPipelines = this.stages.some(s => s.pipeline !== undefined);
    const header = [...(withPipelines ? ['Pipeline'] : []), ...(withWaves ? ['Wave'] : []), 'Stage', ...(withAccounts ? ['Accounts'] : []), 'Regions', 'Window', 'Earliest start (UTC)', 'Local time',
      ...(withWaves ? ['Bake ends (UTC)'] : [])];
    const rows = this.schedule(from, 1).map(s => [
      ...(withPipelines ? [s.pipeline ?? '-'] : []),
      ...(withWaves ? [s.wave ?? '-'] : []),
      s.stageName,
      ...(withAccounts ? [(s.accounts ?? ['-']).join(' ')] : []),
      s.regions.join(' '),
      s.window ?? '-',
      s.earliestStart ? formatInZone(s.earliestStart, 'UTC') : 'never',
      s.earliestStart && s.timeZone ? `${formatInZone(s.earliestStart, s.timeZone)} ${s.timeZone}` : '-',
      ...(withWaves ? [s.bakeEnds ? formatInZone(s.bakeEnds, 'UTC') : '-'] : []),
    ]);
    return renderTable(header, rows) + zeroFieldNote(Object.values(this.windows));
  }

  /**
   * The plan as a Mermaid flowchart (left to right), for a README, a pull request or the plan file
   * written at synthesis: the stages in order, each holding one node per group of regions that run
   * the same steps (each step as `<run order> <kind> [<stack>]`), so that 33 regions with the same
   * steps make one node; a stage's deployment window and entry alarms drawn as a hexagon on the edge
   * into it, its on-success alarms or wave bake as a parallelogram on the edge out of it, its
   * rollback on failure as a dotted note; the stages of a rollout wave inside a box of the wave.
   * @see https://mermaid.js.org/syntax/flowchart.html
   */
  public toMermaid(): string {
    return planFlowchart(this.stages.map(qualified), this.actions.map(qualified));
  }

  /**
   * The schedule of a release started at `from` as a Mermaid Gantt chart, in UTC (as `schedule()`
   * computes it: actions take no time, bakes their whole time): when each stage starts, how long a
   * windowed stage waits for its window and the window's first opening, labelled with its local time
   * and time zone, and each bake; a stage whose window never opens again, and the stages after it,
   * as critical milestones.
   *
   * @param from when the release starts
   * @see https://mermaid.js.org/syntax/gantt.html
   */
  public toGantt(from: Date): string {
    return planGantt(this.schedule(from, 1).map(qualified), from);
  }

  /**
   * The plan as a plain-text table, one row per action (with an Account column when actions deploy
   * to more than one account, a Route column when an action reaches a region without CodePipeline, and a Detail column when an action has one, such as the source and
   * the variables it hands to the build).
   */
  public toTable(): string {
    const withDetail = this.actions.some(a => a.detail !== undefined);
    const withWaves = this.actions.some(a => a.wave !== undefined);
    const withRoutes = this.actions.some(a => a.route !== undefined);
    const withAccounts = new Set(this.actions.map(a => a.account).filter(a => a !== undefined)).size > 1;
    const withPipelines = this.actions.some(a => a.pipeline !== undefined);
    const header = [...(withPipelines ? ['Pipeline'] : []), ...(withWaves ? ['Wave'] : []), 'Stage', 'Order', ...(withAccounts ? ['Account'] : []), 'Region', 'Kind', 'Stack', 'Action', 'Window',
      ...(withRoutes ? ['Route'] : []), ...(withDetail ? ['Detail'] : [])];
    const rows = this.actions.map(a => [
      ...(withPipelines ? [a.pipeline ?? '-'] : []),
      ...(withWaves ? [a.wave ?? '-'] : []),
      a.stageName, String(a.runOrder), ...(withAccounts ? [a.account ?? '-'] : []), a.region, a.kind, a.stackName ?? '-', a.actionName, a.window ?? '-',
      ...(withRoutes ? [a.route ?? '-'] : []),
      ...(withDetail ? [a.detail ?? '-'] : []),
    ]);
    return renderTable(header, rows);
  }
}
