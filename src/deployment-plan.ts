/**
 * What an action of the pipeline does.
 */
export enum PlannedActionKind {
  /** Fetches the source revision (always in the pipeline's region). */
  SOURCE = 'Source',
  /** Builds the source with CodeBuild (in the pipeline's region). */
  BUILD = 'Build',
  /** Creates or updates the target's infrastructure stack directly (CloudFormation CREATE_UPDATE). */
  INFRASTRUCTURE = 'Infrastructure',
  /** Creates (or replaces) a change set for the target's stack (CloudFormation CHANGE_SET_REPLACE). */
  CREATE_CHANGE_SET = 'CreateChangeSet',
  /** Waits for a person to approve the change set. */
  APPROVAL = 'Approval',
  /** Executes the change set (CloudFormation CHANGE_SET_EXECUTE). */
  EXECUTE_CHANGE_SET = 'ExecuteChangeSet',
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

  /** @internal */
  constructor(actions: PlannedAction[]) {
    this.actions = actions;
    const stages: PlannedStage[] = [];
    for (const stageName of [...new Set(actions.map(a => a.stageName))]) {
      const inStage = actions.filter(a => a.stageName === stageName);
      stages.push({
        stageName,
        regions: [...new Set(inStage.map(a => a.region))],
        actionCount: inStage.length,
        sequentialSteps: new Set(inStage.map(a => a.runOrder)).size,
        window: inStage.find(a => a.window !== undefined)?.window,
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
   * The plan as a plain-text table, one row per action.
   */
  public toTable(): string {
    const header = ['Stage', 'Order', 'Region', 'Kind', 'Stack', 'Action', 'Window'];
    const rows = this.actions.map(a => [
      a.stageName, String(a.runOrder), a.region, a.kind, a.stackName ?? '-', a.actionName, a.window ?? '-',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
  }
}
