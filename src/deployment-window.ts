import { Token } from 'aws-cdk-lib';
import { CRON_DOC_URL, CRON_FORMAT_SUMMARY, parseCron } from './private/cron-dialect';
import { timeZoneProblem } from './private/time-zone';
import { WindowEvaluator } from './private/window-evaluator';

/**
 * Options for a window that opens at the same local time on each of its days.
 */
export interface DailyWindowOptions {
  /**
   * Hour (0-23) at which the window opens, local time in `timeZone`.
   */
  readonly startHour: number;

  /**
   * Hour (1-24) at which the window closes (exclusive).
   *
   * `endHour <= startHour` means the window spans midnight: `startHour: 22, endHour: 4` allows
   * 22:00:00 to 03:59:59.
   */
  readonly endHour: number;

  /**
   * IANA time zone in which the hours are read, for example `Europe/Dublin`.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
}

/**
 * One period during which a deployment window is open.
 */
export interface WindowOpening {
  /**
   * The first allowed moment: at or after the `from` given to `nextOpenings`, and equal to it when
   * `from` is inside the window.
   */
  readonly opensAt: Date;

  /**
   * The first moment after `opensAt` at which deploying is no longer allowed.
   */
  readonly closesAt: Date;
}

/**
 * When a stage may deploy: a CodePipeline `DeploymentWindow` rule (owner `AWS`, provider
 * `DeploymentWindow`, version 1), given as the cron that describes the moments when deploying is
 * allowed, and a time zone.
 *
 * `DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin')` allows 01:00:00 to 04:59:59
 * Dublin time on weekdays; a minute field of `0` would allow only the first minute of each hour.
 *
 * Expressions and time zones are validated when the window is created (at synthesis), unless they
 * are unresolved tokens.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */
export abstract class DeploymentWindow {
  /**
   * A window given as a CodePipeline cron expression of the moments when deploying is allowed.
   *
   * The expression has 6 fields and an optional year: seconds (`*`, or `0` as in AWS's own example: both
   * mean the whole minute), minutes (0-59),
   * hours (0-23), day-of-month (1-31, `? L W`), month (1-12 or JAN-DEC), day-of-week
   * (1-7 or SUN-SAT, `? L #`), year (1970-2199); exactly one of day-of-month and day-of-week is `?`.
   *
   * @param expression the cron expression, for example `* * 1-4 ? * MON-FRI *`
   * @param timeZone IANA time zone name, for example `Europe/Dublin`; defaults to `UTC`
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
   */
  public static cron(expression: string, timeZone?: string): DeploymentWindow {
    return new CronDeploymentWindow(expression, timeZone ?? 'UTC', 'DeploymentWindow.cron');
  }

  /**
   * A window that is open every day from `startHour` to `endHour` (local time).
   *
   * A window that spans midnight (`startHour: 22, endHour: 4`) is rendered as the hour list
   * `22-23,0-3`.
   *
   * @param options the hours and time zone of the window
   */
  public static daily(options: DailyWindowOptions): DeploymentWindow {
    return new CronDeploymentWindow(
      `* * ${hoursField('DeploymentWindow.daily', options)} ? * * *`,
      options.timeZone ?? 'UTC',
      'DeploymentWindow.daily',
    );
  }

  /**
   * A window that is open Monday to Friday from `startHour` to `endHour` (local time).
   *
   * A window that spans midnight would open Monday to Friday but close Tuesday to Saturday,
   * which one cron expression cannot express; it is rejected.
   *
   * @param options the hours and time zone of the window
   */
  public static weekdays(options: DailyWindowOptions): DeploymentWindow {
    const hours = hoursField('DeploymentWindow.weekdays', options);
    if (options.endHour <= options.startHour) {
      throw new Error(
        `DeploymentWindow.weekdays: a window from ${options.startHour}:00 to ${options.endHour}:00 spans midnight, ` +
        `so it would be open on MON-FRI from ${options.startHour}:00 but on TUE-SAT until ${options.endHour}:00; ` +
        'one CodePipeline cron expression cannot express that. Use hours that do not cross midnight ' +
        '(endHour up to 24), DeploymentWindow.daily(), or DeploymentWindow.cron() with the days and hours you want',
      );
    }
    return new CronDeploymentWindow(`* * ${hours} ? * MON-FRI *`, options.timeZone ?? 'UTC', 'DeploymentWindow.weekdays');
  }

  /**
   * The cron expression, as the `Cron` configuration of the CodePipeline rule receives it.
   */
  public abstract readonly expression: string;

  /**
   * The IANA time zone name, as the `TimeZone` configuration of the CodePipeline rule receives it;
   * `UTC` when none was given.
   */
  public abstract readonly timeZone: string;

  private cachedEvaluator?: WindowEvaluator;

  /**
   * The next periods during which the window is open, computed in the window's time zone.
   *
   * If `from` is inside the window, the first opening starts at `from`. Fewer openings are returned
   * when the window never opens again (for example when its year field lies in the past).
   *
   * @param from the moment to start from
   * @param count how many openings to return; defaults to 3
   */
  public nextOpenings(from: Date, count?: number): WindowOpening[] {
    const wanted = count ?? 3;
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > 1000) {
      throw new Error(`DeploymentWindow.nextOpenings: count ${wanted} must be a whole number from 1 to 1000`);
    }
    const evaluator = this.evaluator('nextOpenings');
    let cursor = checkDate(from, 'nextOpenings', 'from');
    const openings: WindowOpening[] = [];
    while (openings.length < wanted) {
      const opensAt = evaluator.isAllowed(cursor) ? cursor : evaluator.nextAllowedAfter(cursor);
      if (opensAt === undefined) {
        break;
      }
      const closesAt = evaluator.closingAfter(opensAt);
      openings.push({ opensAt: new Date(opensAt), closesAt: new Date(closesAt) });
      cursor = closesAt;
    }
    return openings;
  }

  /**
   * Whether deploying is allowed at `moment`.
   *
   * @param moment the moment to check
   */
  public isOpenAt(moment: Date): boolean {
    return this.evaluator('isOpenAt').isAllowed(checkDate(moment, 'isOpenAt', 'moment'));
  }

  /**
   * A readable form, for example `cron(* * 1-4 ? * MON-FRI *) Europe/Dublin`.
   */
  public toString(): string {
    return `cron(${this.expression}) ${this.timeZone}`;
  }

  private evaluator(method: string): WindowEvaluator {
    if (Token.isUnresolved(this.expression) || Token.isUnresolved(this.timeZone)) {
      throw new Error(`DeploymentWindow.${method}: cannot evaluate a window whose cron expression or time zone is an unresolved token`);
    }
    this.cachedEvaluator = this.cachedEvaluator ?? new WindowEvaluator(parseCron(this.expression), this.timeZone);
    return this.cachedEvaluator;
  }
}

class CronDeploymentWindow extends DeploymentWindow {
  public readonly expression: string;
  public readonly timeZone: string;

  constructor(expression: string, timeZone: string, caller: string) {
    super();
    const problems: string[] = [];
    let cronProblems = false;
    let normalized = expression;
    if (!Token.isUnresolved(expression)) {
      const parsed = parseCron(expression);
      cronProblems = parsed.problems.length > 0;
      problems.push(...parsed.problems.map(p => `cron expression '${expression}': ${p}`));
      // CodePipeline splits on white space; send single spaces
      normalized = expression.trim().split(/\s+/).join(' ');
    }
    if (!Token.isUnresolved(timeZone)) {
      const problem = timeZoneProblem(timeZone);
      if (problem) {
        problems.push(problem);
      }
    }
    if (problems.length > 0) {
      const summary = problems.length === 1 ? problems[0] : problems.map((p, i) => `(${i + 1}) ${p}`).join('; ');
      const help = cronProblems ? ` ${CRON_FORMAT_SUMMARY}; see ${CRON_DOC_URL}` : '';
      const stop = /[.?!]$/.test(summary) ? '' : '.';
      throw new Error(`${caller}: ${summary}${stop}${help}`);
    }
    this.expression = normalized;
    this.timeZone = timeZone;
  }
}

/** The hours field for `daily` / `weekdays`. */
function hoursField(caller: string, options: DailyWindowOptions): string {
  const { startHour, endHour } = options;
  const problems: string[] = [];
  if (Token.isUnresolved(startHour) || !Number.isInteger(startHour) || startHour < 0 || startHour > 23) {
    problems.push(`startHour ${startHour} must be a whole number from 0 to 23`);
  }
  if (Token.isUnresolved(endHour) || !Number.isInteger(endHour) || endHour < 1 || endHour > 24) {
    problems.push(`endHour ${endHour} must be a whole number from 1 to 24`);
  }
  if (problems.length === 0 && startHour === endHour) {
    problems.push(
      `startHour and endHour are both ${startHour}: a window must be shorter than 24 hours ` +
      '(for a window open all day use startHour 0 and endHour 24)',
    );
  }
  if (problems.length > 0) {
    throw new Error(`${caller}: ${problems.join('; ')}`);
  }
  const range = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);
  if (startHour === 0 && endHour === 24) {
    return '*';
  }
  if (startHour < endHour) {
    return range(startHour, endHour - 1);
  }
  // spans midnight: from startHour to 23, then from 0 to endHour - 1
  return `${range(startHour, 23)},${range(0, endHour - 1)}`;
}

function checkDate(date: Date, method: string, name: string): number {
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`DeploymentWindow.${method}: ${name} is not a valid Date`);
  }
  return ms;
}
