import { Cron } from 'croner';
import { ParsedCron } from './cron-dialect';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** How far `closingAfter` looks for the end of an open window. */
export const CLOSING_HORIZON_DAYS = 400;

/** Local wall-clock parts of an instant in a time zone. */
interface LocalTime {
  readonly hour: number;
  readonly minute: number;
  /** offset from UTC in milliseconds */
  readonly offset: number;
}

/**
 * Evaluates a validated window with croner. Croner does the calendar work (L, W, #, years, time
 * zones, DST); this class only turns "moments that match" into opening and closing times.
 *
 * Every question is asked through `nextRun`, because croner applies `dayOffset` (our `L-n`) there
 * and not in `match`.
 */
export class WindowEvaluator {
  private readonly cron: Cron;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly allMinutes: boolean;
  private readonly allHours: boolean;

  constructor(parsed: ParsedCron, private readonly timeZone: string) {
    if (parsed.cronerPattern === undefined) {
      throw new Error('internal error: evaluating an invalid cron expression');
    }
    this.cron = new Cron(parsed.cronerPattern, {
      paused: true,
      timezone: timeZone,
      // Quartz numbering, as in CodePipeline: 1 = SUN ... 7 = SAT
      alternativeWeekdays: true,
      // one of day-of-month / day-of-week is always '?' (rendered '*'), so AND keeps the other one
      domAndDow: true,
      mode: '7-part',
      dayOffset: parsed.dayOffset,
    });
    this.allMinutes = parsed.allMinutes;
    this.allHours = parsed.allHours;
    this.formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** First allowed whole second strictly after `ms`, or undefined if there is none. */
  public nextAllowedAfter(ms: number): number | undefined {
    return this.cron.nextRun(new Date(ms))?.getTime();
  }

  /** Whether the second containing `ms` is allowed. */
  public isAllowed(ms: number): boolean {
    const second = Math.floor(ms / 1000) * 1000;
    return this.nextAllowedAfter(second - 1) === second;
  }

  /**
   * The first moment after `opensAt` (an allowed moment) that is not allowed.
   * Throws if the window stays open for more than CLOSING_HORIZON_DAYS.
   */
  public closingAfter(opensAt: number): number {
    let t = Math.floor(opensAt / MINUTE) * MINUTE;
    const limit = t + CLOSING_HORIZON_DAYS * DAY;
    while (t < limit) {
      if (!this.isAllowed(t)) {
        return t;
      }
      t += this.allowedStretch(t);
    }
    throw new Error(
      `DeploymentWindow ${this.cron.getPattern()} (${this.timeZone}) stays open for more than ${CLOSING_HORIZON_DAYS} days ` +
      `from ${new Date(opensAt).toISOString()}; its closing time cannot be computed`,
    );
  }

  /**
   * Length of the stretch starting at the allowed minute `t` that is certainly allowed: the rest of
   * the local day when every minute and hour is allowed, the rest of the local hour when every minute
   * is, else one minute. Falls back to shorter steps when the UTC offset changes within the stretch.
   */
  private allowedStretch(t: number): number {
    if (!this.allMinutes) {
      return MINUTE;
    }
    const local = this.localTime(t);
    if (this.allHours) {
      const toMidnight = (24 * 60 - (local.hour * 60 + local.minute)) * MINUTE;
      if (this.localTime(t + toMidnight).offset === local.offset) {
        return toMidnight;
      }
    }
    const toNextHour = (60 - local.minute) * MINUTE;
    if (this.localTime(t + toNextHour).offset === local.offset) {
      return toNextHour;
    }
    return MINUTE;
  }

  private localTime(ms: number): LocalTime {
    const parts: Record<string, number> = {};
    for (const part of this.formatter.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') {
        parts[part.type] = Number(part.value);
      }
    }
    const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return { hour: parts.hour, minute: parts.minute, offset: wall - Math.floor(ms / 1000) * 1000 };
  }
}
