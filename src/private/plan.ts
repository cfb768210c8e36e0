import { DeploymentPlan, PlannedAction } from '../deployment-plan';
import { DeploymentWindow } from '../deployment-window';
import { describeConditions } from './gates';
import { LaidOutStage } from './layout';
import { describeBake } from './waves';

/**
 * The deployment plan of a layout: every action of every stage, in run order within its stage; an
 * action routed to a region without CodePipeline says how (`CodeBuild in <pipeline region>`); every
 * action names its account (the pipeline's, unless its target is in another).
 */
export function planOf(stages: LaidOutStage[], homeRegion: string, homeAccount?: string): DeploymentPlan {
  return planOfPipelines([{ stages }], homeRegion, homeAccount);
}

/** One pipeline of the plan: with regional pipelines, `home` or the region of a regional pipeline. */
export interface PipelineStages {
  readonly pipeline?: string;
  readonly stages: LaidOutStage[];
}

/**
 * The deployment plan of several pipelines (the home pipeline, then every regional pipeline), each
 * action and stage tagged with its pipeline; stages are known by pipeline and name.
 */
export function planOfPipelines(pipelines: PipelineStages[], homeRegion: string, homeAccount?: string): DeploymentPlan {
  const rows: PlannedAction[] = [];
  const windows: { [stageKey: string]: DeploymentWindow } = {};
  const gates: { [stageKey: string]: string[] } = {};
  const bakes: { [stageKey: string]: number } = {};
  for (const { pipeline, stages } of pipelines) {
    rows.push(...planRows(pipeline, stages, homeRegion, homeAccount, windows, gates, bakes));
  }
  return new DeploymentPlan(rows, windows, gates, bakes);
}

function planRows(pipeline: string | undefined, stages: LaidOutStage[], homeRegion: string, homeAccount: string | undefined,
  windows: { [stageKey: string]: DeploymentWindow },
  gates: { [stageKey: string]: string[] }, bakes: { [stageKey: string]: number }): PlannedAction[] {
  const rows: PlannedAction[] = [];
  for (const stage of stages) {
    const key = pipeline === undefined ? stage.stageName : `${pipeline}/${stage.stageName}`;
    const inStage = stage.placements.flatMap(placement => placement.steps.map(({ step, actionName }) => ({
      stageName: stage.stageName,
      actionName,
      region: placement.region,
      ...(placement.account ?? homeAccount ? { account: placement.account ?? homeAccount } : {}),
      runOrder: step.runOrder,
      kind: step.kind,
      stackName: step.stackName,
      window: stage.window?.toString(),
      detail: step.detail,
      ...(step.regions ? { regions: step.regions } : {}),
      ...(step.route === 'codebuild' ? { route: `CodeBuild in ${homeRegion}` } : {}),
      ...(stage.wave !== undefined ? { wave: stage.wave } : {}),
      ...(pipeline !== undefined ? { pipeline } : {}),
    })));
    rows.push(...inStage.sort((a, b) => a.runOrder - b.runOrder));
    if (stage.window) {
      windows[key] = stage.window;
    }
    if (stage.bake) {
      // the bake's condition replaces the stage's own on-success alarms (and includes them)
      const own = describeConditions({ ...stage.conditions, onSuccessAlarms: [] });
      const onFailure = own.filter(line => line.startsWith('on failure'));
      gates[key] = [...own.filter(line => !onFailure.includes(line)), describeBake(stage.bake), ...onFailure];
      bakes[key] = stage.bake.minutes;
    } else {
      gates[key] = describeConditions(stage.conditions);
    }
  }
  return rows;
}
