import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { IConstruct } from 'constructs';
import { GateAlarm, StageConditions, alarmDisplayName, alarmRule } from './gates';
import { ResolvedTarget } from './resolved-target';
import { MAX_RULES_PER_CONDITION } from './window-rule';

/** Wave names name stages: at most 100 characters (longer derived names are shortened with a hash). */
export const MAX_WAVE_NAME_LENGTH = 100;
/** The names of the leading stages, which no wave may take. */
export const RESERVED_STAGE_NAMES = ['Source', 'Build', 'Validate', 'Distribute'];

/** A wave of `Rollout.waves()`, checked. */
export interface CheckedWave {
  readonly name: string;
  /** Undefined for the implicit last wave: every target region that no other wave names. */
  readonly regions?: string[];
  readonly bakeMinutes?: number;
}

/** The targets of one wave, in target order. */
export interface WaveTargets {
  readonly wave: CheckedWave;
  readonly targets: ResolvedTarget[];
}

/**
 * The bake of a wave, on its last stage: one CloudWatchAlarm rule per alarm of the wave, all with
 * the bake time as `WaitTime`, in the one `onSuccess` condition of that stage (which replaces the
 * stage's own on-success alarm condition, whose alarms it includes).
 */
export interface WaveBake {
  readonly wave: string;
  readonly minutes: number;
  readonly alarms: GateAlarm[];
  /** ROLLBACK when the stage holding the bake rolls back (its gates), else FAIL. */
  readonly rollback: boolean;
}

/** What targets of a wave must share to share a stage: the rollback setting and the alarm wait time. */
export function waveGroupKey(target: ResolvedTarget): { rollbackOnFailure: boolean; waitMinutes: number | null } {
  return { rollbackOnFailure: target.gates?.rollbackOnFailure ?? false, waitMinutes: target.gates?.waitMinutes ?? null };
}

/**
 * Whether `target` can join the wave's stage of `targets` (same window checked by the caller): same
 * rollback setting and wait time, and at most 5 alarms together (a condition's rules).
 */
export function sharesWaveStage(targets: ResolvedTarget[], target: ResolvedTarget): boolean {
  const key = JSON.stringify(waveGroupKey(target));
  if (JSON.stringify(waveGroupKey(targets[0])) !== key) { return false; }
  const alarms = new Set([...targets, target].flatMap(t => t.gates?.alarms ?? []));
  return alarms.size <= MAX_RULES_PER_CONDITION;
}

/**
 * The conditions of a stage shared by targets, from each target's own (`stageConditions`): the
 * alarms of all of them, each in its own region, each once; the rollback setting and wait time
 * they share. For targets with the same gates this is each target's own conditions.
 */
export function mergedConditions(each: StageConditions[]): StageConditions {
  const union = (lists: GateAlarm[][]) => lists.flat().filter((a, i, all) => all.findIndex(b => b.alarm === a.alarm) === i);
  const window = each[0].beforeEntry?.window;
  const entry = union(each.map(c => c.beforeEntry?.alarms ?? []));
  return {
    beforeEntry: window || entry.length > 0 ? { window, alarms: entry } : undefined,
    onSuccessAlarms: union(each.map(c => c.onSuccessAlarms)),
    rollbackOnFailure: each[0].rollbackOnFailure,
    waitMinutes: each.find(c => c.waitMinutes !== undefined)?.waitMinutes,
  };
}

/** The wave of `region`: the wave that names it, else the implicit last wave, else undefined. */
export function waveOf(waves: CheckedWave[], region: string): CheckedWave | undefined {
  return waves.find(w => w.regions?.includes(region)) ?? waves.find(w => w.regions === undefined);
}

/**
 * Throws unless every region of a target is in a wave, and all in one: a target of several regions
 * (a stack set) deploys them in one action, which cannot be split across waves.
 */
export function checkInOneWave(waves: CheckedWave[], regions: string[], what: string, owner: string): void {
  regions.forEach(region => checkInWave(waves, region, what, owner));
  const named = regions.map(region => ({ region, wave: waveOf(waves, region) }));
  const other = named.find(n => n.wave !== named[0].wave);
  if (other) {
    throw new Error(`${owner}: ${what} deploys to ${named[0].region} (wave '${named[0].wave?.name}') and ${other.region} ` +
      `(wave '${other.wave?.name}') in one operation, which cannot be split across waves; put all its regions in one wave, ` +
      'or use one stack set per wave.');
  }
}

/** Throws unless `target`'s region is in a wave. */
export function checkInWave(waves: CheckedWave[], region: string, what: string, owner: string): void {
  if (!waveOf(waves, region)) {
    throw new Error(`${owner}: ${what} deploys to ${region}, which is in no wave of the rollout ` +
      `(${waves.map(w => `${w.name}: ${w.regions!.join(', ')}`).join('; ')}), and there is no last wave without \`regions\` to take it; ` +
      'add the region to a wave, or add a last wave without regions.');
  }
}

/**
 * The targets wave by wave, in wave order. Throws when a wave names a region no target deploys to,
 * or when the implicit last wave gets no target: both would leave a wave (or part of it) empty.
 */
export function targetsByWave(waves: CheckedWave[], targets: ResolvedTarget[], owner: string): WaveTargets[] {
  const used = new Set(targets.flatMap(t => t.regions));
  const unused = waves.flatMap(w => (w.regions ?? []).filter(r => !used.has(r)).map(r => `'${r}' (wave '${w.name}')`));
  if (unused.length > 0) {
    throw new Error(`${owner}: the rollout names regions that no target deploys to: ${unused.join(', ')}; ` +
      `the targets deploy to ${[...used].join(', ') || 'no region'}. Add their targets or remove the regions from the waves.`);
  }
  const byWave = waves.map(wave => ({ wave, targets: targets.filter(t => waveOf(waves, t.regions[0]) === wave) }));
  const empty = byWave.find(w => w.targets.length === 0);
  if (empty && targets.length > 0) {
    throw new Error(`${owner}: wave '${empty.wave.name}' (every region no other wave names) has no target: every target is in another wave; ` +
      'remove the wave or give it regions.');
  }
  return byWave.filter(w => w.targets.length > 0);
}

/**
 * The bake of a wave whose stages have `conditions` (in order): watches every alarm of the wave's
 * stages, the last stage's own first. Throws when there is no alarm to watch or more than a
 * condition holds.
 */
export function bakeOf(wave: WaveTargets, conditions: StageConditions[], owner: string): WaveBake | undefined {
  const minutes = wave.wave.bakeMinutes;
  if (minutes === undefined) { return undefined; }
  const last = conditions[conditions.length - 1];
  const alarms: GateAlarm[] = [];
  for (const alarm of [last, ...conditions].flatMap(c => c.onSuccessAlarms)) {
    if (!alarms.some(a => a.alarm === alarm.alarm)) {
      alarms.push(alarm);
    }
  }
  const what = `${owner}: wave '${wave.wave.name}' has bakeTime ${minutes} minutes`;
  if (alarms.length === 0) {
    throw new Error(`${what}, but none of its targets (${wave.targets.map(t => t.description).join(', ')}) has an alarm to watch; ` +
      'give them alarm gates (`gates: { alarms }` or the pipeline\'s `defaultGates`), or drop bakeTime.');
  }
  if (alarms.length > MAX_RULES_PER_CONDITION) {
    throw new Error(`${what} and watches ${alarms.length} alarms (${alarms.map(a => alarmDisplayName(a.alarm)).join(', ')}), ` +
      `but the bake is one condition of at most ${MAX_RULES_PER_CONDITION} rules ` +
      '(https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_Condition.html); use fewer alarms in the wave, or split the wave.');
  }
  return {
    wave: wave.wave.name,
    minutes: Math.max(minutes, last.waitMinutes ?? 0),
    alarms,
    rollback: last.rollbackOnFailure || last.onSuccessAlarms.length > 0,
  };
}

/**
 * The `onSuccess` condition of a baking stage: rules `BakeAlarm.<deploy stage number>.<i>`, result
 * ROLLBACK or FAIL.
 *
 * Whether an on-success CloudWatchAlarm rule watches the alarm for its whole `WaitTime` is not
 * settled by the documentation. AWS's launch announcement of stage conditions describes exactly
 * this use: a condition "evaluated when all the actions in a stage have successfully completed"
 * that rolls back "if a CloudWatch alarm goes into ALARM state within 60 minutes"
 * (https://aws.amazon.com/about-aws/whats-new/2024/08/aws-codepipeline-stage-level-conditions-implement-pipeline-gates/).
 * The rule reference defines `WaitTime` only as "the wait time in minutes to allow for a state
 * change before running the rule result", and says that in an entry condition an alarm in OK when
 * first checked succeeds at once
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html).
 * Neither page says whether an on-success rule whose alarm is OK at the first check succeeds at once
 * (as documented for entry conditions) or keeps watching. We rely on the announced behaviour (a
 * watch for the whole time, which the plan's schedule assumes), and pick the configuration that
 * holds under either reading: AlarmStates ALARM with the bake as WaitTime, so a wave whose alarm is
 * in ALARM when it is checked never hands over to the next wave, and nothing can wait forever.
 */
export function renderBake(scope: IConstruct, deployNumber: number, bake: WaveBake): codepipeline.Conditions {
  return {
    conditions: [{
      result: bake.rollback ? codepipeline.Result.ROLLBACK : codepipeline.Result.FAIL,
      rules: bake.alarms.map((alarm, i) => alarmRule(scope, 'Bake', deployNumber, i, alarm, bake.minutes)),
    }],
  };
}

/** How the plan describes a bake. */
export function describeBake(bake: WaveBake): string {
  const names = bake.alarms.map(a => `${alarmDisplayName(a.alarm)}@${a.region}`).join(', ');
  return `on success: bake wave ${bake.wave} for ${bake.minutes} min, ${bake.rollback ? 'roll back' : 'fail'} if in alarm: ${names}`;
}
