import { IConstruct } from 'constructs';
import { DeploymentWindow } from '../deployment-window';
import { validationError } from './errors';
import { GateSettings, checkAlarmRegions } from './gates';
import { DeploymentGroupRef, PlannedStep, StackRef, sameDeploymentGroup, sameStack } from './protocol';
import { offers, partitionOf } from './region-services';
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
  /** The pipeline's account and region. */
  readonly account: string;
  readonly homeRegion: string;
  /** The stacks of the construct itself (the pipeline's, the artifact stores'), which no target may deploy. */
  readonly ownStacks: (region: string) => StackRef[];
  /** When the pipeline is synthesized: a window must open at some time after it. */
  readonly now: Date;
  /** The build's further outputs, which targets may read. */
  readonly secondaryOutputs: string[];
}

/** The record of `target` in a pipeline that holds `existing`; throws when the target cannot join it. */
export function resolveTarget(target: RegionTarget, existing: ResolvedTarget[], rules: TargetRules): ResolvedTarget {
  const kind = target._kind;
  const what = `target ${kind.description}`;
  let gates = target._gates;
  if (target.gates) {
    rules.checkGates(gates, what);
    checkAlarmRegions(gates, kind.region, what, rules.account);
  } else {
    gates = rules.defaultGates;
    checkAlarmRegions(gates, kind.region, `defaultGates applied to ${what}`, rules.account);
  }
  checkPartition(kind.region, rules, what);
  checkAlarmsReachable(gates, kind.region, what, rules.owner);
  const missing = kind.secondaryInputs.filter(name => !rules.secondaryOutputs.includes(name));
  if (missing.length > 0) {
    throw validationError(`${rules.owner}: ${what} reads the build output '${missing[0]}', which the build does not produce; ` +
      `name it in PipelineBuild.codeBuild({ secondaryOutputs }) (the build's outputs: ${['the main one', ...rules.secondaryOutputs].join(', ')}).`, rules.scope);
  }
  checkNotOwnStack(kind.stacks, rules, what);
  if (target.window && target.window.nextOpenings(rules.now, 1).length === 0) {
    throw validationError(`${rules.owner}: the window of ${what}, ${target.window}, never opens after ${rules.now.toISOString()}; ` +
      'CodePipeline would wait for it forever. Give a window that opens again (check its year field).', rules.scope);
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

/**
 * A pipeline's cross-region actions and artifact stores stay in its partition: the construct writes
 * store ARNs and stacks with the home region's partition (`arn:aws:...`), which do not exist in
 * `aws-cn` or `aws-us-gov`.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partitions)
 */
function checkPartition(region: string, rules: TargetRules, what: string): void {
  const partition = partitionOf(region);
  const home = partitionOf(rules.homeRegion);
  if (partition && home && partition !== home) {
    throw validationError(`${rules.owner}: ${what} is in ${region}, of the partition ${partition}, but the pipeline is in ${rules.homeRegion}, ` +
      `of the partition ${home}; a pipeline delivers within its own partition. Deliver to ${partition} with a pipeline there.`, rules.scope);
  }
}

/**
 * An alarm gate is a CloudWatchAlarm rule placed in the alarm's region, and CodePipeline is not
 * documented to place rules where it is not offered (it places no action there); the construct does
 * not risk a pipeline that cannot be created, so alarm gates are refused there. Rollback on failure
 * and windows work in every region.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
 */
function checkAlarmsReachable(gates: GateSettings | undefined, region: string, what: string, owner: string): void {
  if ((gates?.alarms ?? []).length > 0 && offers('codepipeline', region) === false) {
    throw new Error(`${owner}: ${what} has alarm gates, but ${region} has no CodePipeline to read its alarms in ` +
      '(a CloudWatchAlarm rule runs in the alarm\'s region); keep rollbackOnFailure and drop the alarms of this target, ' +
      'or watch them from a target in a region with CodePipeline.');
  }
}

/** Throws when the target would deploy over a stack of the construct itself. */
function checkNotOwnStack(stacks: StackRef[], rules: TargetRules, what: string): void {
  for (const stack of stacks) {
    if (rules.ownStacks(stack.region).some(own => sameStack(own, stack))) {
      throw validationError(`${rules.owner}: ${what} would deploy the stack '${stack.stackName}' in ${stack.region}, which is one of the ` +
        'pipeline\'s own stacks (the pipeline\'s stack or an artifact store\'s); give the target\'s stack another name.', rules.scope);
    }
  }
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
