import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { IConstruct } from 'constructs';
import { DeploymentGates } from '../deployment-gates';
import { DeploymentWindow } from '../deployment-window';
import { validationError } from './errors';
import { MAX_RULES_PER_CONDITION, windowRule } from './window-rule';

/** An alarm of a gate and the region it is checked in. */
export interface GateAlarm {
  readonly alarm: cloudwatch.IAlarm;
  readonly region: string;
}

/** Safety gates, checked: what a target (or the pipeline's default) asks of its stage. */
export interface GateSettings {
  readonly rollbackOnFailure: boolean;
  readonly alarms: cloudwatch.IAlarm[];
  readonly waitMinutes?: number;
}

/** The gates as they are written into a stage: layout decides, render only writes them. */
export interface StageConditions {
  /** Entry: the window rule, or (never with a window) the alarm rules, result FAIL. */
  readonly beforeEntry?: { readonly window?: DeploymentWindow; readonly alarms: GateAlarm[] };
  /** On success: the alarm rules, result ROLLBACK. */
  readonly onSuccessAlarms: GateAlarm[];
  readonly rollbackOnFailure: boolean;
  readonly waitMinutes?: number;
}

/**
 * Where each gate goes. An entry holds exactly one condition, so a window and an alarm would share
 * it, and AWS warns that an alarm in the same entry condition as a DeploymentWindow rule may pass
 * before the window opens and is not checked again: a windowed stage checks its alarms on success only.
 * @param region the region of the stage's targets, where its alarms are read
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_BeforeEntryConditions.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
 */
export function stageConditions(window: DeploymentWindow | undefined, gates: GateSettings | undefined, region: string): StageConditions {
  const alarms = (gates?.alarms ?? []).map(alarm => ({ alarm, region }));
  const entryAlarms = window ? [] : alarms;
  return {
    beforeEntry: window || entryAlarms.length > 0 ? { window, alarms: entryAlarms } : undefined,
    onSuccessAlarms: alarms,
    rollbackOnFailure: gates?.rollbackOnFailure ?? false,
    waitMinutes: gates?.waitMinutes,
  };
}

/** Whether the gates roll the stage back (not allowed in PARALLEL mode). */
export function rollsBack(gates: GateSettings | undefined): boolean {
  return !!gates && (gates.rollbackOnFailure || gates.alarms.length > 0);
}

/** Whether two sets of gates ask the same of a stage (so their targets can share it). */
export function sameGates(a: GateSettings | undefined, b: GateSettings | undefined): boolean {
  if (!rollsBack(a) || !rollsBack(b)) {
    return !rollsBack(a) && !rollsBack(b);
  }
  return a!.rollbackOnFailure === b!.rollbackOnFailure
    && a!.waitMinutes === b!.waitMinutes
    && a!.alarms.length === b!.alarms.length
    && a!.alarms.every(alarm => b!.alarms.includes(alarm));
}

/**
 * Checks the gates a user gave (once, where they are given): alarm count, kinds, repeats and wait time.
 * The alarms' region is checked against each target with `checkAlarmRegions`.
 */
export function checkGates(gates: DeploymentGates | undefined, what: string): GateSettings | undefined {
  if (!gates) { return undefined; }
  const alarms = gates.alarms ?? [];
  if (alarms.length > MAX_RULES_PER_CONDITION) {
    throw new Error(`${what}: ${alarms.length} alarms given; a stage condition holds at most ${MAX_RULES_PER_CONDITION} rules ` +
      '(https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_Condition.html). Combine alarms into fewer, or use a composite metric alarm.');
  }
  alarms.forEach((alarm, i) => {
    if (!Token.isUnresolved(alarm.alarmArn) && !ALARM_ARN.test(alarm.alarmArn)) {
      throw new Error(`${what}: '${alarm.alarmArn}' (alarm ${alarm.node.path}) is not a CloudWatch alarm ARN; ` +
        'expected arn:aws:cloudwatch:<region>:<account>:alarm:<name>, the rule names the alarm by the name at its end.');
    }
    if (alarm instanceof cloudwatch.CompositeAlarm) {
      throw validationError(`${what}: alarm ${alarm.node.path} is a composite alarm; CodePipeline reads alarms with cloudwatch:DescribeAlarms, ` +
        'which returns composite alarms only when allowed on every alarm (*). Give metric alarms.', alarm);
    }
    if (alarms.indexOf(alarm) !== i) {
      throw validationError(`${what}: alarm ${alarmDisplayName(alarm)} is given twice.`, alarm);
    }
  });
  let waitMinutes: number | undefined;
  if (gates.alarmWaitTime !== undefined) {
    if (alarms.length === 0) {
      throw new Error(`${what}: alarmWaitTime is given without alarms; add alarms or drop alarmWaitTime.`);
    }
    waitMinutes = gates.alarmWaitTime.toMinutes({ integral: false });
    if (!Number.isInteger(waitMinutes) || waitMinutes < 1) {
      throw new Error(`${what}: alarmWaitTime must be a whole number of minutes, at least 1 (got ${gates.alarmWaitTime.toHumanString()}).`);
    }
  }
  return { rollbackOnFailure: gates.rollbackOnFailure ?? false, alarms, waitMinutes };
}

/**
 * A CloudWatch alarm ARN: `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
 */
const ALARM_ARN = /^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/;

/**
 * Throws unless every alarm of `gates` is in `region` (and, when given, `account`): an alarm gate
 * watches the region it guards, and the rule reads the alarm by name in the pipeline's account (its
 * configuration holds `AlarmName` only, so an alarm of another account would be looked up in the
 * pipeline's account).
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
 */
export function checkAlarmRegions(gates: GateSettings | undefined, region: string, what: string, account?: string): void {
  for (const alarm of gates?.alarms ?? []) {
    const alarmAccount = alarmEnv(alarm).account;
    if (account !== undefined && !Token.isUnresolved(alarmAccount) && alarmAccount !== account) {
      throw new Error(`${what}: alarm ${alarmDisplayName(alarm)} is in account ${alarmAccount}, the pipeline in ${account}; ` +
        'alarm gates read alarms of the pipeline\'s account. Give an alarm of that account.');
    }
    const alarmRegion = alarmEnv(alarm).region;
    if (Token.isUnresolved(alarmRegion)) {
      throw validationError(`${what}: the region of alarm ${alarm.node.path} is unresolved; define it in a stack with a concrete \`env\`, ` +
        'or import it with cloudwatch.Alarm.fromAlarmArn().', alarm);
    }
    if (alarmRegion !== region) {
      throw validationError(`${what}: alarm ${alarmDisplayName(alarm)} is in ${alarmRegion}, but the target deploys to ${region}; ` +
        'an alarm gate watches the region it guards. Give an alarm of that region.', alarm);
    }
  }
}

/** The alarm's region and account: from its ARN when literal (an imported alarm), else its stack's. */
export function alarmEnv(alarm: cloudwatch.IAlarm): { region: string; account: string } {
  if (!Token.isUnresolved(alarm.alarmArn)) {
    const arn = Arn.split(alarm.alarmArn, ArnFormat.COLON_RESOURCE_NAME);
    return { region: arn.region ?? alarm.env.region, account: arn.account ?? alarm.env.account };
  }
  return { region: alarm.env.region, account: alarm.env.account };
}

/** The alarm's name when literal, else its construct path. */
export function alarmDisplayName(alarm: cloudwatch.IAlarm): string {
  return Token.isUnresolved(alarm.alarmName) ? alarm.node.path : alarm.alarmName;
}

/** How the plan describes a stage's gates. */
export function describeConditions(conditions: StageConditions): string[] {
  const names = (alarms: GateAlarm[]) => alarms.map(a => `${alarmDisplayName(a.alarm)}@${a.region}`).join(', ');
  const wait = conditions.waitMinutes ? ` (waits ${conditions.waitMinutes} min)` : '';
  const out: string[] = [];
  if (conditions.beforeEntry && conditions.beforeEntry.alarms.length > 0) {
    out.push(`before entry: fail if in alarm: ${names(conditions.beforeEntry.alarms)}${wait}`);
  }
  if (conditions.onSuccessAlarms.length > 0) {
    out.push(`on success: roll back if in alarm: ${names(conditions.onSuccessAlarms)}${wait}`);
  }
  if (conditions.rollbackOnFailure) {
    out.push('on failure: roll back');
  }
  return out;
}

/**
 * The alarm's name and ARN as the pipeline's stack can use them: references inside that stack, literal
 * values (name from the construct, ARN built from region and account) for an alarm in another region.
 */
export function alarmReference(scope: IConstruct, gateAlarm: GateAlarm): { name: string; arn: string } {
  const alarm = gateAlarm.alarm;
  const stack = Stack.of(scope);
  if (gateAlarm.region === stack.region) {
    return { name: alarm.alarmName, arn: alarm.alarmArn };
  }
  if (Token.isUnresolved(alarm.alarmName)) {
    throw validationError(`alarm ${alarm.node.path} in ${gateAlarm.region} has no literal name; the pipeline in ${stack.region} refers to it by name. ` +
      'Set `alarmName` on the alarm.', alarm);
  }
  const envAccount = alarmEnv(alarm).account;
  const account = Token.isUnresolved(envAccount) ? stack.account : envAccount;
  if (account !== stack.account) {
    throw validationError(`alarm ${alarm.alarmName} is in account ${account}, the pipeline in ${stack.account}; alarm gates read alarms of the pipeline's account.`, alarm);
  }
  return { name: alarm.alarmName, arn: stack.formatArn({ service: 'cloudwatch', region: gateAlarm.region, account, resource: 'alarm', resourceName: alarm.alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) };
}

/**
 * The rendered conditions of a stage.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html (entry: FAIL or SKIP;
 * on success: ROLLBACK or FAIL; on failure: ROLLBACK or RETRY)
 */
export function renderConditions(scope: IConstruct, deployNumber: number, conditions: StageConditions): {
  beforeEntry?: codepipeline.Conditions;
  onSuccess?: codepipeline.Conditions;
  onFailure?: codepipeline.FailureConditions;
} {
  const alarmRules = (kind: string, alarms: GateAlarm[]) => alarms.map((a, i) => alarmRule(scope, kind, deployNumber, i, a, conditions.waitMinutes));
  const entry = conditions.beforeEntry;
  const entryRules = entry ? [...(entry.window ? [windowRule(entry.window, deployNumber)] : []), ...alarmRules('Entry', entry.alarms)] : [];
  return {
    beforeEntry: entryRules.length > 0 ? { conditions: [condition(codepipeline.Result.FAIL, entryRules)] } : undefined,
    onSuccess: conditions.onSuccessAlarms.length > 0
      ? { conditions: [condition(codepipeline.Result.ROLLBACK, alarmRules('Success', conditions.onSuccessAlarms))] }
      : undefined,
    onFailure: conditions.rollbackOnFailure ? { result: codepipeline.Result.ROLLBACK } : undefined,
  };
}

/**
 * The CloudWatchAlarm rule of `gateAlarm`, failing when the alarm is in ALARM, in the alarm's region.
 * Rule names are unique within the pipeline: kind, deploy stage number and alarm position.
 */
export function alarmRule(scope: IConstruct, kind: string, deployNumber: number, index: number, gateAlarm: GateAlarm,
  waitMinutes: number | undefined): codepipeline.Rule {
  const ref = alarmReference(scope, gateAlarm);
  return new codepipeline.Rule({
    name: `${kind}Alarm.${deployNumber}.${index + 1}`,
    provider: 'CloudWatchAlarm',
    version: '1',
    region: gateAlarm.region,
    configuration: {
      AlarmName: ref.name,
      AlarmStates: 'ALARM',
      ...(waitMinutes ? { WaitTime: String(waitMinutes) } : {}),
    },
  });
}

function condition(result: codepipeline.Result, rules: codepipeline.Rule[]): codepipeline.Condition {
  if (rules.length < 1 || rules.length > MAX_RULES_PER_CONDITION) {
    throw new Error(`internal: a stage condition holds 1 to ${MAX_RULES_PER_CONDITION} rules, got ${rules.length}`);
  }
  return { result, rules };
}
