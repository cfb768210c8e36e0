import { IConstruct } from 'constructs';
import { DeploymentWindow } from '../deployment-window';
import { validationError } from './errors';
import { GateSettings, checkAlarmRegions } from './gates';
import { DeploymentGroupRef, PlannedStep, StackRef, sameDeploymentGroup, sameStack } from './protocol';
import { RegionTarget } from '../targets/region-target';

/**
 * A target as the pipeline holds it: checked once, when it is added, with the gates that apply to it
 * resolved. The layout works on these records only.
 */
export interface ResolvedTarget {
  /** The target, bound when the pipeline is built. */
  readonly target: RegionTarget;
  /** Construct ID of the target's constructs (stable: from what it deploys and where). */
  readonly id: string;
  /** For people, in messages and descriptions. */
  readonly description: string;
  readonly region: string;
  readonly stacks: StackRef[];
  readonly deploymentGroup?: DeploymentGroupRef;
  readonly steps: PlannedStep[];
  readonly templatePaths: string[];
  readonly window?: DeploymentWindow;
  /** The target's own gates, or else the pipeline's default gates. */
  readonly gates?: GateSettings;
}

/** What a pipeline asks of every target. */
export interface TargetRules {
  /** For messages: `MultiRegionDeliveryPipeline <path>`. */
  readonly owner: string;
  /** The pipeline construct, which user errors are about. */
  readonly scope: IConstruct;
  /** The pipeline's default gates (checked), for targets without gates of their own. */
  readonly defaultGates?: GateSettings;
  /** Throws when the gates need what the pipeline cannot do (rollback in PARALLEL mode). */
  readonly checkGates: (gates: GateSettings | undefined, what: string) => void;
}

/** The record of `target` in a pipeline that holds `existing`; throws when the target cannot join it. */
export function resolveTarget(target: RegionTarget, existing: ResolvedTarget[], rules: TargetRules): ResolvedTarget {
  const kind = target._kind;
  const what = `target ${kind.description}`;
  let gates = target._gates;
  if (target.gates) {
    rules.checkGates(gates, what);
  } else {
    gates = rules.defaultGates;
    checkAlarmRegions(gates, kind.region, `defaultGates applied to ${what}`);
  }
  const record: ResolvedTarget = {
    target,
    id: kind.id,
    description: kind.description,
    region: kind.region,
    stacks: kind.stacks,
    deploymentGroup: kind.deploymentGroup,
    steps: kind.steps,
    templatePaths: kind.templatePaths,
    window: target.window,
    gates,
  };
  checkUnique(record, existing, rules);
  return record;
}

/** Throws when `record` deploys a stack or a deployment group that another target deploys already. */
function checkUnique(record: ResolvedTarget, existing: ResolvedTarget[], { owner, scope }: TargetRules): void {
  for (const stack of record.stacks) {
    const other = existing.find(r => r.stacks.some(s => sameStack(s, stack)));
    if (other) {
      throw validationError(`${owner}: stack '${stack.stackName}' in ${stack.region} is deployed by target ${other.description} already; ` +
        `target ${record.description} cannot deploy it too. Give each stack in a region a distinct name.`, scope);
    }
  }
  const group = record.deploymentGroup;
  if (existing.some(r => r.id === record.id || (group && r.deploymentGroup && sameDeploymentGroup(r.deploymentGroup, group)))) {
    throw validationError(`${owner}: target ${record.description} is in the pipeline already; ` +
      'each deployment group, and each stack of a region, can be a target once.', scope);
  }
}
