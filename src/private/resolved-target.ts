import { IConstruct } from 'constructs';
import { PlannedActionKind } from '../deployment-plan';
import { DeploymentWindow } from '../deployment-window';
import { checkAccount, checkQualifier } from './cross-account';
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
  /** Where the target's actions run: its region, or for a target of several regions (a stack set) the pipeline's. */
  readonly region: string;
  /** Every region the target deploys to: `[region]`, or a stack set's regions. */
  readonly regions: string[];
  /** The target's account when it is not the pipeline's (undefined for the pipeline's account). */
  readonly account?: string;
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
  const effectiveGates = target.gates ? target._gates : rules.defaultGates;
  if (kind.regions && (effectiveGates?.alarms ?? []).length > 0) {
    throw validationError(`${rules.owner}: ${target.gates ? `${what} has` : `the pipeline's defaultGates give ${what}`} alarm gates, which a target of ` +
      'several regions (a stack set, whose one action runs in the pipeline\'s region) cannot have; give the target gates of its own ' +
      'without alarms, such as `gates: { rollbackOnFailure: true }`.', rules.scope);
  }
  checkAccount(target.account, what, rules.scope);
  checkQualifier(target.bootstrapQualifier, what, rules.scope);
  const account = target.account !== undefined && target.account !== rules.account ? target.account : undefined;
  if (account !== undefined) {
    checkOtherAccount(target, account, rules, what);
  }
  let gates = target._gates;
  if (target.gates) {
    rules.checkGates(gates, what);
    checkAlarmRegions(gates, kind.region, what, rules.account);
  } else {
    gates = rules.defaultGates;
    checkAlarmRegions(gates, kind.region, `defaultGates applied to ${what}`, rules.account);
  }
  for (const region of kind.regions ?? [kind.region]) {
    checkPartition(region, rules, what);
  }
  checkAlarmsReachable(gates, kind.region, what, rules.owner);
  const missing = kind.secondaryInputs.filter(name => !rules.secondaryOutputs.includes(name));
  if (missing.length > 0) {
    throw validationError(`${rules.owner}: ${what} reads the build output '${missing[0]}', which the build does not produce; ` +
      `name it in PipelineBuild.codeBuild({ secondaryOutputs }) (the build's outputs: ${['the main one', ...rules.secondaryOutputs].join(', ')}).`, rules.scope);
  }
  checkNotOwnStack(account ? [] : kind.stacks, rules, what);
  if (target.window && target.window.nextOpenings(rules.now, 1).length === 0) {
    throw validationError(`${rules.owner}: the window of ${what}, ${target.window}, never opens after ${rules.now.toISOString()}; ` +
      'CodePipeline would wait for it forever. Give a window that opens again (check its year field).', rules.scope);
  }
  const record: ResolvedTarget = {
    target,
    // a target of another account: its account in the construct ID, description and action names,
    // so the same stack name in the same region of two accounts is two targets
    id: account ? `${kind.id}@${account}` : kind.id,
    description: account ? `${kind.description} (account ${account})` : kind.description,
    // a target of several regions runs its actions in the pipeline's region
    region: kind.regions ? rules.homeRegion : kind.region,
    regions: kind.regions ?? [kind.region],
    ...(account ? { account } : {}),
    stacks: account ? kind.stacks.map(stack => ({ ...stack, account })) : kind.stacks,
    deploymentGroup: kind.deploymentGroup,
    steps: account ? kind.steps.map(step => step.subject !== undefined ? { ...step, subject: `${account}.${step.subject}` } : step) : kind.steps,
    templatePaths: kind.templatePaths,
    window: target.window,
    gates,
  };
  checkUnique(record, existing, rules);
  return record;
}

/**
 * What a target in another account cannot have: a kind that does not deploy across accounts, a
 * route through CodeBuild (which runs in the pipeline's account), an infrastructure stack (run
 * with CREATE_UPDATE, which the bootstrap deploy role may not do). Alarms of the target's account are
 * refused by checkAlarmRegions: a CloudWatchAlarm rule's configuration holds only `AlarmName`, and a
 * rule's `roleArn` is documented as "the pipeline role ARN associated with the rule", so nothing lets
 * a rule read an alarm of another account.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_RuleDeclaration.html
 */
function checkOtherAccount(target: RegionTarget, account: string, rules: TargetRules, what: string): void {
  const kind = target._kind;
  const where = `${what} deploys to account ${account}, the pipeline is in ${rules.account}`;
  if (!kind.acceptsOtherAccounts) {
    throw validationError(`${rules.owner}: ${where}; this kind of target deploys only to the pipeline's account ` +
      '(CodeDeploy and ECS blue/green targets would need a CodeDeploy action role of the target account, which the CDK bootstrap does not provide). ' +
      'Deploy it from a pipeline in its own account, or drop `account`. Targets in other accounts: RegionTarget.cloudFormation().', rules.scope);
  }
  // https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml (DeploymentActionRole)
  if (kind.steps.some(step => step.kind === PlannedActionKind.INFRASTRUCTURE)) {
    throw validationError(`${rules.owner}: ${where}, and has an infrastructure stack, which CodePipeline deploys directly (CREATE_UPDATE: ` +
      'cloudformation:CreateStack and UpdateStack); the bootstrap deploy role of the target account may only create and execute change sets. ' +
      'Deploy the infrastructure stack as a target of its own (RegionTarget.cloudFormation() in the same account and region), or from a pipeline in its account.', rules.scope);
  }
  if (kind.steps.some(step => step.route !== undefined)) {
    throw validationError(`${rules.owner}: ${where}, and ${kind.region} has no CodePipeline: the construct reaches it through CodeBuild in the ` +
      `pipeline's region (${rules.homeRegion}), which runs with roles of the pipeline's account. Deploy ${kind.region} of account ${account} from a pipeline in its own account.`, rules.scope);
  }
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
  for (const stack of stacks.filter(s => s.account === undefined)) {
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
      throw validationError(`${owner}: stack '${stack.stackName}' in ${stack.region}${stack.account ? ` of account ${stack.account}` : ''} is deployed by target ${other.description} already; ` +
        `target ${record.description} cannot deploy it too. Give each stack in a region a distinct name.`, scope);
    }
  }
  const group = record.deploymentGroup;
  if (existing.some(r => r.id === record.id || (group && r.deploymentGroup && sameDeploymentGroup(r.deploymentGroup, group)))) {
    throw validationError(`${owner}: target ${record.description} is in the pipeline already; ` +
      'each deployment group, and each stack of a region, can be a target once.', scope);
  }
}
