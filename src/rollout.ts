import { Duration } from 'aws-cdk-lib';
import { validateRegion } from './private/validation';
import { CheckedWave, MAX_WAVE_NAME_LENGTH, RESERVED_STAGE_NAMES } from './private/waves';

/**
 * One wave of a progressive rollout: regions deployed side by side, then watched for a while.
 */
export interface RolloutWave {
  /**
   * Name of the wave. It names the wave's stages (`canary`, `canary.eu-west-1`, `canary.2`), so it
   * follows CodePipeline's stage names: letters, digits, `.`, `@`, `-` and `_`, at most 100
   * characters; not `Source`, `Build` or `Validate`; unique in the rollout (ignoring case).
   * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StageDeclaration.html
   */
  readonly name: string;

  /**
   * The target regions of the wave. Every target of these regions belongs to the wave; a region is
   * in one wave at most.
   * @default - every target region that no other wave names (only the last wave may omit `regions`)
   */
  readonly regions?: string[];

  /**
   * How long to watch the wave's alarms once the wave has succeeded, before the next wave may start
   * (whole minutes, at least 1): an `onSuccess` condition of the wave's last stage with one
   * CloudWatchAlarm rule per alarm of the wave's targets and this `WaitTime`. An alarm in the bake
   * time fails that stage (and rolls it back when its gates roll back), so the later waves never
   * start. The wave's targets need alarm gates (their own `gates` or the pipeline's `defaultGates`).
   * @default - no bake: the next wave starts as soon as this one succeeded
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
   */
  readonly bakeTime?: Duration;
}

/**
 * The order in which the pipeline deploys its target regions.
 *
 * `Rollout.waves([...])` deploys the regions wave by wave: every stage of the first wave, then every
 * stage of the second, and so on, each wave optionally baked (its alarms watched for `bakeTime`)
 * before the next one starts. Waves order the stages of the one pipeline.
 */
export abstract class Rollout {
  /**
   * Waves of regions deployed in order, for example a canary region, then a few more, then the rest:
   *
   * `Rollout.waves([{ name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) }, { name: 'rest' }])`
   *
   * Inside a wave, targets keep their windows, gates and run orders. Targets with the same window,
   * rollback setting and alarm wait time share a stage even when their alarms differ (each alarm
   * in its own region, at most 5 a stage), so a wave's regions run side by side and an alarm in one
   * of them stops or rolls back the stage; other windows and gates give the wave more stages, and a
   * wave over 50 actions is split into consecutive stages. Checked here: at least one wave, valid and unique
   * names, valid regions each in one wave, only the last wave without `regions`, bake times in whole
   * minutes.
   */
  public static waves(waves: RolloutWave[]): Rollout {
    return new WaveRollout(checkWaves(waves));
  }

  /**
   * The waves, checked, in order.
   * @internal
   */
  public abstract readonly _waves: CheckedWave[];
}

class WaveRollout extends Rollout {
  constructor(public readonly _waves: CheckedWave[]) {
    super();
  }
}

function checkWaves(waves: RolloutWave[]): CheckedWave[] {
  if (waves.length === 0) {
    throw new Error('Rollout.waves: no wave given; give at least one wave, for example [{ name: \'canary\', regions: [\'us-east-1\'] }, { name: \'rest\' }].');
  }
  const regionWave = new Map<string, string>();
  const names = new Map<string, string>();
  return waves.map((wave, i) => {
    const what = `Rollout.waves: wave ${i + 1} ('${wave.name}')`;
    checkName(wave.name, what);
    const other = names.get(wave.name.toLowerCase());
    if (other !== undefined) {
      throw new Error(`${what}: the name '${wave.name}' is used by wave '${other}' already (names are compared ignoring case, as they name stages); give each wave its own name.`);
    }
    names.set(wave.name.toLowerCase(), wave.name);
    if (wave.regions === undefined && i !== waves.length - 1) {
      throw new Error(`${what}: has no regions, but only the last wave may omit \`regions\` (it then takes every other target region); ` +
        'give this wave its regions or move it last.');
    }
    for (const region of wave.regions ?? []) {
      validateRegion(region, what);
      const before = regionWave.get(region);
      if (before !== undefined) {
        throw new Error(`${what}: region '${region}' is in wave '${before}' already; a region is deployed in one wave only.`);
      }
      regionWave.set(region, wave.name);
    }
    if (wave.regions !== undefined && wave.regions.length === 0) {
      throw new Error(`${what}: \`regions\` is empty; give the wave's regions, or omit \`regions\` on the last wave to take every other target region.`);
    }
    return { name: wave.name, regions: wave.regions ? [...wave.regions] : undefined, bakeMinutes: bakeMinutes(wave.bakeTime, what) };
  });
}

function checkName(name: string, what: string): void {
  if (!/^[A-Za-z0-9.@\-_]+$/.test(name) || name.length > MAX_WAVE_NAME_LENGTH) {
    throw new Error(`${what}: the name '${name}' cannot name a stage; use 1 to ${MAX_WAVE_NAME_LENGTH} characters from letters, digits, '.', '@', '-' and '_'.`);
  }
  if (RESERVED_STAGE_NAMES.some(reserved => reserved.toLowerCase() === name.toLowerCase())) {
    throw new Error(`${what}: the name '${name}' is taken by a stage of the pipeline (${RESERVED_STAGE_NAMES.join(', ')}); choose another name.`);
  }
}

function bakeMinutes(bakeTime: Duration | undefined, what: string): number | undefined {
  if (bakeTime === undefined) { return undefined; }
  if (bakeTime.isUnresolved()) {
    throw new Error(`${what}: bakeTime is an unresolved token; give a literal duration such as Duration.minutes(30).`);
  }
  const minutes = bakeTime.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new Error(`${what}: bakeTime must be a whole number of minutes, at least 1 (got ${bakeTime.toHumanString()}); ` +
      'it becomes the WaitTime (minutes) of CodePipeline\'s CloudWatchAlarm rule.');
  }
  return minutes;
}
