import { Token } from 'aws-cdk-lib';
import { DeploymentWindow, WindowOpening } from '../deployment-window';

/**
 * The shortest opening a window should have, in minutes.
 *
 * A `DeploymentWindow` rule gates the entry of a stage: a deployment starts only while the window is
 * open. CodePipeline does not document how often a stage waiting on its entry condition checks the
 * rule again (rule-reference-DeploymentWindow.html, concepts-how-it-works-conditions.html), so an
 * opening of a minute or two can pass between two checks and the release waits for the next one.
 * 15 minutes catches every minute-list mistake (a minute field such as `0` or `0,30` opens for one
 * minute at a time: the literal translation of a 5-field cron) and leaves any window of a quarter
 * of an hour or more alone, which is the finest grain change windows are usually planned at.
 */
export const MIN_OPENING_MINUTES = 15;

/**
 * The least time a week a window should be open, in hours.
 *
 * A release that misses a window waits for the next opening; with less than 3 hours a week (for
 * example one hour on one day), one failed or late build, or one maintenance day, delays a region
 * by a week or more. 3 hours is a few one-hour slots, or one weekly slot of a few hours.
 */
export const MIN_HOURS_PER_WEEK = 3;

/** Weeks over which the open time is averaged: months with an L, W or # day count once at least. */
const SAMPLE_WEEKS = 5;
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
/** More openings than this in the sample are all short ones (at most one per minute). */
const MAX_OPENINGS = 1000;

/** A problem of a window that does not stop synthesis: `id` completes `cdk-multi-region-delivery-pipeline:<id>`. */
export interface WindowWarning {
  readonly id: string;
  readonly message: string;
}

/**
 * Warnings for a window whose openings are too short to start a deployment in reliably, or that is
 * open for too little time a week, over the weeks after `from`.
 */
export function windowWarnings(window: DeploymentWindow, from: Date): WindowWarning[] {
  if (Token.isUnresolved(window.expression) || Token.isUnresolved(window.timeZone)) {
    return [];
  }
  const horizon = from.getTime() + SAMPLE_WEEKS * WEEK;
  const openings = openingsBefore(window, from, horizon);
  if (openings === undefined) {
    return [];
  }
  const warnings: WindowWarning[] = [];
  // an opening cut by the start or the end of the sample says nothing about the window's length
  const whole = openings.filter(o => o.opensAt.getTime() > from.getTime() && o.closesAt.getTime() <= horizon);
  const shortest = whole.reduce<number | undefined>((m, o) => Math.min(m ?? Infinity, o.closesAt.getTime() - o.opensAt.getTime()), undefined);
  if (shortest !== undefined && shortest < MIN_OPENING_MINUTES * MINUTE) {
    warnings.push({
      id: 'shortWindowOpening',
      message: `window ${window} opens for as little as ${formatMinutes(shortest / MINUTE)} at a time, ` +
        `shorter than ${MIN_OPENING_MINUTES} minutes; a deployment can start only while the window is open, and CodePipeline does not ` +
        'document how often a waiting stage checks it again. Allow every minute of the hours you mean (minute field \'*\'), ' +
        'for example \'* * 1 ? * MON *\' for 01:00-01:59 on Mondays.',
    });
  }
  const openMinutes = openings.reduce((sum, o) => sum + (Math.min(o.closesAt.getTime(), horizon) - o.opensAt.getTime()) / MINUTE, 0);
  const perWeek = openMinutes / SAMPLE_WEEKS;
  if (openings.length < MAX_OPENINGS && perWeek < MIN_HOURS_PER_WEEK * 60) {
    warnings.push({
      id: 'sparseWindow',
      message: openings.length === 0
        ? `window ${window} does not open in the next ${SAMPLE_WEEKS} weeks; a release would wait until it does.`
        : `window ${window} is open ${formatMinutes(perWeek)} a week on average over the next ${SAMPLE_WEEKS} weeks, ` +
          `less than ${MIN_HOURS_PER_WEEK} hours; a release that misses an opening waits for the next one. Widen the hours or add days.`,
    });
  }
  return warnings;
}

/**
 * The openings of `window` from `from` that start before `horizon` (at most MAX_OPENINGS), or
 * undefined for a window that stays open for more than a year (never too short).
 */
function openingsBefore(window: DeploymentWindow, from: Date, horizon: number): WindowOpening[] | undefined {
  const openings: WindowOpening[] = [];
  let cursor = from;
  while (openings.length < MAX_OPENINGS) {
    let next: WindowOpening | undefined;
    try {
      [next] = window.nextOpenings(cursor, 1);
    } catch {
      // the one evaluation error of a valid window: its closing time lies more than a year ahead
      return undefined;
    }
    if (next === undefined || next.opensAt.getTime() >= horizon) {
      break;
    }
    openings.push(next);
    cursor = next.closesAt;
  }
  return openings;
}

function formatMinutes(minutes: number): string {
  const whole = Math.round(minutes);
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  const parts = [hours > 0 ? `${hours} hour${hours === 1 ? '' : 's'}` : '', rest > 0 || hours === 0 ? `${rest} minute${rest === 1 ? '' : 's'}` : ''];
  return parts.filter(p => p !== '').join(' ');
}
