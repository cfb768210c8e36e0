import { DeploymentWindow, WindowOpening } from './deployment-window';

/**
 * What an action of the pipeline does.
 */
export enum PlannedActionKind {
  /** Fetches the source revision (always in the pipeline's region). */
  SOURCE = 'Source',
  /** Builds the source with CodeBuild (in the pipeline's region). */
  BUILD = 'Build',
  /** Checks the templates the CloudFormation targets deploy, before any region (in the pipeline's region). */
  VALIDATE = 'Validate',
  /** Creates or updates the target's infrastructure stack directly (CloudFormation CREATE_UPDATE). */
  INFRASTRUCTURE = 'Infrastructure',
  /** Creates (or replaces) a change set for the target's stack (CloudFormation CHANGE_SET_REPLACE). */
  CREATE_CHANGE_SET = 'CreateChangeSet',
  /** Waits for a person to approve the change set. */
  APPROVAL = 'Approval',
  /** Executes the change set (CloudFormation CHANGE_SET_EXECUTE). */
  EXECUTE_CHANGE_SET = 'ExecuteChangeSet',
  /** Deploys a revision to an EC2/on-premises deployment group (CodePipeline provider `CodeDeploy`). */
  CODEDEPLOY = 'CodeDeploy',
  /** Deploys a task set to an ECS service, blue/green, through CodeDeploy (CodePipeline provider `CodeDeployToECS`). */
  ECS_BLUE_GREEN = 'EcsBlueGreen',
}

/**
 * One action of the deployment plan.
 */
export interface PlannedAction {
  /** Name of the stage that holds the action. */
  readonly stageName: string;
  /** Name of the action inside its stage. */
  readonly actionName: string;
  /** Region the action runs in. */
  readonly region: string;
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
}

/**
 * One stage of the deployment plan.
 */
export interface PlannedStage {
  /** Name of the stage. */
  readonly stageName: string;
  /** Regions the stage's actions run in, in the order they appear. */
  readonly regions: string[];
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
   * The earliest moment the stage can start: the release's start for stages without a window, else
   * the window's first opening at or after the previous stage's start.
   * @default - the window never opens again
   */
  readonly earliestStart?: Date;
  /**
   * The window's next openings from the moment the stage is reached.
   * @default - no window
   */
  readonly nextOpenings?: WindowOpening[];
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
    gates: { [stageName: string]: string[] } = {}) {
    this.actions = actions;
    this.windows = windows;
    const stages: PlannedStage[] = [];
    for (const stageName of [...new Set(actions.map(a => a.stageName))]) {
      const inStage = actions.filter(a => a.stageName === stageName);
      stages.push({
        stageName,
        regions: [...new Set(inStage.map(a => a.region))],
        actionCount: inStage.length,
        sequentialSteps: new Set(inStage.map(a => a.runOrder)).size,
        window: inStage.find(a => a.window !== undefined)?.window,
        gates: gates[stageName] ?? [],
      });
    }
    this.stages = stages;
  }

  /**
   * Number of sequential steps from the first stage to the last: the sum over stages of their distinct run orders.
   * This is what grows the wall-clock time of a release, not the number of regions.
   */
  public get criticalPath(): number {
    return this.stages.reduce((sum, s) => sum + s.sequentialSteps, 0);
  }

  /** Actions that run in `region`. */
  public actionsIn(region: string): PlannedAction[] {
    return this.actions.filter(a => a.region === region);
  }

  /**
   * When each stage would start if a release started at `from`, assuming actions take no time:
   * a stage without a window starts when the one before it does; a windowed stage starts at its
   * window's first opening at or after that. Openings are computed in each window's time zone.
   *
   * @param from when the release starts
   * @param openings how many next openings to list per window; defaults to 3
   */
  public schedule(from: Date, openings?: number): ScheduledStage[] {
    const result: ScheduledStage[] = [];
    let reached: Date | undefined = from;
    for (const stage of this.stages) {
      const window = this.windows[stage.stageName];
      if (!window) {
        result.push({ stageName: stage.stageName, regions: stage.regions, earliestStart: reached });
        continue;
      }
      const next: WindowOpening[] = reached ? window.nextOpenings(reached, openings ?? 3) : [];
      reached = next[0]?.opensAt;
      result.push({
        stageName: stage.stageName,
        regions: stage.regions,
        window: window.toString(),
        timeZone: window.timeZone,
        earliestStart: reached,
        nextOpenings: next,
      });
    }
    return result;
  }

  /**
   * The schedule for a release starting at `from`, as a plain-text table: each stage with its window,
   * the earliest start in UTC and in the window's local time.
   *
   * @param from when the release starts
   */
  public toScheduleTable(from: Date): string {
    const header = ['Stage', 'Regions', 'Window', 'Earliest start (UTC)', 'Local time'];
    const rows = this.schedule(from, 1).map(s => [
      s.stageName,
      s.regions.join(' '),
      s.window ?? '-',
      s.earliestStart ? formatInZone(s.earliestStart, 'UTC') : 'never',
      s.earliestStart && s.timeZone ? `${formatInZone(s.earliestStart, s.timeZone)} ${s.timeZone}` : '-',
    ]);
    return renderTable(header, rows) + zeroFieldNote(Object.values(this.windows));
  }

  /**
   * The plan as a plain-text table, one row per action (with a Detail column when an action has one,
   * such as the source and the variables it hands to the build).
   */
  public toTable(): string {
    const withDetail = this.actions.some(a => a.detail !== undefined);
    const header = ['Stage', 'Order', 'Region', 'Kind', 'Stack', 'Action', 'Window', ...(withDetail ? ['Detail'] : [])];
    const rows = this.actions.map(a => [
      a.stageName, String(a.runOrder), a.region, a.kind, a.stackName ?? '-', a.actionName, a.window ?? '-',
      ...(withDetail ? [a.detail ?? '-'] : []),
    ]);
    return renderTable(header, rows);
  }
}

/**
 * How the schedule reads a seconds or minutes field of `0`, when a window has one. CodePipeline's page
 * reproduces Quartz's cron reference, where a field holds the values it allows; its field table lists
 * only `*` for seconds while its own example writes `0 0 9-17 ? * MON-FRI *`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */
function zeroFieldNote(windows: DeploymentWindow[]): string {
  const fields = windows.map(w => w.expression.trim().split(/\s+/));
  const notes = [
    ...(fields.some(f => f[0] === '0') ? ['a seconds field of 0 is read as the whole minute (the field table allows only *, AWS\'s example writes 0)'] : []),
    ...(fields.some(f => f[1] === '0') ? ['a minutes field of 0 as the first minute of each allowed hour only (Quartz, as the page reproduces it)'] : []),
  ];
  return notes.length > 0 ? `\nNote: ${notes.join('; ')}.\n` : '';
}

function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** `2026-11-23 01:00 Mon` in `timeZone`. */
function formatInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find(p => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('weekday')}`;
}
