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
  const rows: PlannedAction[] = [];
  const windows: { [stageName: string]: DeploymentWindow } = {};
  const gates: { [stageName: string]: string[] } = {};
  const bakes: { [stageName: string]: number } = {};
  for (const stage of stages) {
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
    })));
    rows.push(...inStage.sort((a, b) => a.runOrder - b.runOrder));
    if (stage.window) {
      windows[stage.stageName] = stage.window;
    }
    if (stage.bake) {
      // the bake's condition replaces the stage's own on-success alarms (and includes them)
      const own = describeConditions({ ...stage.conditions, onSuccessAlarms: [] });
      const onFailure = own.filter(line => line.startsWith('on failure'));
      gates[stage.stageName] = [...own.filter(line => !onFailure.includes(line)), describeBake(stage.bake), ...onFailure];
      bakes[stage.stageName] = stage.bake.minutes;
    } else {
      gates[stage.stageName] = describeConditions(stage.conditions);
    }
  }
  return new DeploymentPlan(rows, windows, gates, bakes);
}
