/**
 * Validation of the cron dialect that CodePipeline's `DeploymentWindow` rule accepts, and its
 * translation into a pattern for the evaluation library (croner).
 *
 * The rules follow the current CodePipeline reference:
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 * (6 required fields and an optional year; seconds `*` (the field table) or `0` (AWS's own example); minutes 0-59; hours 0-23;
 * day-of-month 1-31 with `? L W`; month 1-12 or JAN-DEC; day-of-week 1-7 or SUN-SAT with `? L #`;
 * year 1970-2199; `, - * /` in every field; names and letters are not case sensitive).
 *
 * The page reproduces the Quartz `CronExpression` reference. Where it is silent, we take the
 * restrictive side of Quartz so that nothing we accept is refused at deploy time:
 * exactly one of day-of-month and day-of-week is `?`; `L`, `W` and `#` stand alone in their field;
 * ranges run upwards (no `22-3` wrap-around, which the page does not document).
 */

import { DAY_NAMES, DAY_OF_MONTH, DAY_OF_WEEK, FIELDS, HOURS, MAX_DAYS_IN_MONTH, MINUTES, MIN_DAYS_IN_MONTH, MONTH, MONTH_NAMES, SECONDS, YEAR, FieldSpec } from './cron-fields';
import { windowForFiveFieldCron } from './cron-suggestion';

/** The AWS documentation page for the DeploymentWindow rule's cron format. */
export const CRON_DOC_URL = 'https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html';

/** One-line summary of the dialect, appended to every error message. */
export const CRON_FORMAT_SUMMARY =
  "CodePipeline expects 6 fields and an optional year: seconds ('*' or '0'), minutes (0-59), hours (0-23), " +
  'day-of-month (1-31, ? L W), month (1-12 or JAN-DEC), day-of-week (1-7 or SUN-SAT, ? L #), year (1970-2199), ' +
  "with exactly one of day-of-month and day-of-week set to '?'";

/** The outcome of parsing one expression. */
export interface ParsedCron {
  /** Problems found; empty when the expression is valid. */
  readonly problems: string[];
  /** Pattern for croner (7 fields, Quartz weekday numbering); set only when valid. */
  readonly cronerPattern?: string;
  /** Day offset for croner (`L-n` is rendered as `L` shifted by -n days). */
  readonly dayOffset: number;
  /** The minutes field allows all 60 minutes. */
  readonly allMinutes: boolean;
  /** The hours field allows all 24 hours. */
  readonly allHours: boolean;
}

/** The result of parsing one list item of a plain field. */
interface Item {
  /** croner text for this item */
  readonly text: string;
  /** values selected */
  readonly values: number[];
}

/**
 * Parses and validates a CodePipeline DeploymentWindow cron expression.
 */
export function parseCron(expression: string): ParsedCron {
  const problems: string[] = [];
  const invalid = (): ParsedCron => ({ problems, dayOffset: 0, allMinutes: false, allHours: false });

  const fields = expression.trim().split(/\s+/).filter(f => f !== '');
  if (fields.length < 6 || fields.length > 7) {
    const window = windowForFiveFieldCron(fields);
    problems.push(`it has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected 6 or 7` + (window === undefined ? '' :
      ` (a 5-field cron lists start times, a window every allowed second: for the hours '${fields.join(' ')}' names, write '${window}')`));
    return invalid();
  }
  const upper = fields.map(f => f.toUpperCase());

  // Seconds: AWS's documents disagree. The field table of the current page lists only '*'; its own
  // example is '0 0 9-17 ? * MON-FRI *'; another copy of the page lists 0-59 with ', - * /'. Accepted
  // are the two forms AWS itself uses, '*' and '0', and nothing that only one copy documents. Both
  // are evaluated alike: every second of a minute the other fields allow (a window is a span of
  // minutes; one second could not be relied on to catch an execution).
  if (upper[SECONDS] !== '*' && upper[SECONDS] !== '0') {
    problems.push(`seconds field '${fields[SECONDS]}' is not allowed: only '*' and '0' are accepted in the seconds field ` +
      "(CodePipeline's field table documents '*', its own example '0')");
  }

  const { sets, rendered } = parsePlainFields(fields, problems);
  checkOneDayFieldUnset(fields, upper, problems);
  const dom = parseDayOfMonth(fields[DAY_OF_MONTH], upper[DAY_OF_MONTH], sets[MONTH], sets[YEAR], problems);
  rendered[DAY_OF_MONTH] = dom?.text ?? '*';
  const dayOffset = dom?.dayOffset ?? 0;
  rendered[DAY_OF_WEEK] = parseDayOfWeek(fields[DAY_OF_WEEK], upper[DAY_OF_WEEK], problems) ?? '*';

  if (problems.length > 0) {
    return invalid();
  }
  return {
    problems,
    cronerPattern: rendered.join(' '),
    dayOffset,
    allMinutes: sets[MINUTES]?.length === 60,
    allHours: sets[HOURS]?.length === 24,
  };
}

/** The minutes, hours, month and (when given) year fields: their values and their croner text. */
function parsePlainFields(fields: string[], problems: string[]): { sets: Array<number[] | undefined>; rendered: string[] } {
  const sets: Array<number[] | undefined> = [];
  const rendered: string[] = ['*'];
  rendered[YEAR] = '*';
  for (const index of fields.length === 7 ? [MINUTES, HOURS, MONTH, YEAR] : [MINUTES, HOURS, MONTH]) {
    const result = parsePlainField(FIELDS[index], fields[index], fields[index], problems);
    sets[index] = result?.values;
    rendered[index] = result?.text ?? '*';
  }
  return { sets, rendered };
}

/** Day-of-month and day-of-week: exactly one of them is '?'. */
function checkOneDayFieldUnset(fields: string[], upper: string[], problems: string[]): void {
  const domText = upper[DAY_OF_MONTH];
  const dowText = upper[DAY_OF_WEEK];
  if (domText === '?' && dowText === '?') {
    problems.push("day-of-month and day-of-week are both '?': exactly one of them must be '?'");
  } else if (domText !== '?' && dowText !== '?') {
    problems.push(
      `day-of-month '${fields[DAY_OF_MONTH]}' and day-of-week '${fields[DAY_OF_WEEK]}' are both set: ` +
      "exactly one of them must be '?' (for example '* * 1-4 ? * MON-FRI' or '* * 1-4 1 * ?')",
    );
  }
}

/** Parses a field of `, - * /` items with numbers (and names). Returns undefined on problems. */
function parsePlainField(spec: FieldSpec, text: string, original: string, problems: string[]): Item | undefined {
  const before = problems.length;
  const texts: string[] = [];
  const values = new Set<number>();
  const items = text.split(',');
  for (const item of items) {
    const parsed = parseItem(spec, item, original, problems);
    if (parsed) {
      texts.push(parsed.text);
      parsed.values.forEach(v => values.add(v));
    }
  }
  if (problems.length > before) {
    return undefined;
  }
  return { text: texts.join(','), values: [...values].sort((a, b) => a - b) };
}

/** Parses one list item: `*`, `*\/s`, `v`, `a-b`, `v/s`, `a-b/s`. */
function parseItem(spec: FieldSpec, item: string, original: string, problems: string[]): Item | undefined {
  const where = `${spec.label} field '${original}'`;
  if (item === '') {
    problems.push(`${where} has an empty list item`);
    return undefined;
  }
  // names such as JUL or WED contain letters that are special characters elsewhere
  const bare = spec.names ? item.toUpperCase().replace(/[A-Z]{3}/g, '') : item.toUpperCase();
  const special = [...bare].find(c => '?LW#'.includes(c));
  if (special !== undefined) {
    // the day fields handle their own special characters before they get here
    const allowed = spec.specials === '' ? 'none' : spec.specials.split('').join(' ');
    problems.push(`${where}: '${special}' is not allowed in the ${spec.label} field (special characters allowed besides , - * /: ${allowed})`);
    return undefined;
  }

  const slash = item.split('/');
  if (slash.length > 2) {
    problems.push(`${where}: '${item}' has more than one '/'`);
    return undefined;
  }
  const [rangeText, stepText] = slash;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > spec.max - spec.min) {
      problems.push(`${where}: step '${stepText}' in '${item}' must be a whole number from 1 to ${spec.max - spec.min}`);
      return undefined;
    }
    step = Number(stepText);
  }

  const range = rangeText === '*'
    ? { start: spec.min, end: spec.max }
    : parseRange(spec, rangeText, item, where, stepText !== undefined, problems);
  if (range === undefined) {
    return undefined;
  }
  const { start, end } = range;
  // explicit bounds for '*/n': croner starts it at its own minimum (year 1, weekday 0), Quartz at the field's
  const text = stepText !== undefined ? `${start}-${end}/${step}`
    : rangeText === '*' ? '*'
      : start === end ? `${start}` : `${start}-${end}`;
  const values: number[] = [];
  for (let v = start; v <= end; v += step) {
    values.push(v);
  }
  return { text, values };
}

/** A value `v` or a range `a-b`; with a step, Quartz reads `v/n` as from v to the end of the field's range. */
function parseRange(spec: FieldSpec, rangeText: string, item: string, where: string, stepped: boolean,
  problems: string[]): { start: number; end: number } | undefined {
  const bounds = rangeText.split('-');
  if (bounds.length > 2) {
    problems.push(`${where}: '${item}' is not a value, a range 'a-b' or a step 'a/n'`);
    return undefined;
  }
  const low = parseValue(spec, bounds[0], item, where, problems);
  const high = bounds.length === 2 ? parseValue(spec, bounds[1], item, where, problems) : undefined;
  if (low === undefined || (bounds.length === 2 && high === undefined)) {
    return undefined;
  }
  if (high !== undefined && high < low) {
    problems.push(
      `${where}: range '${rangeText}' runs backwards; ranges must go from low to high ` +
      `(write '${bounds[0]}-${nameOf(spec, spec.max)},${nameOf(spec, spec.min)}-${bounds[1]}' to wrap around)`,
    );
    return undefined;
  }
  return { start: low, end: high ?? (stepped ? spec.max : low) };
}

function nameOf(spec: FieldSpec, value: number): string {
  return spec.names ? spec.names[value - spec.min] : `${value}`;
}

/** Parses a number or (for month and day-of-week) a three-letter name. */
function parseValue(spec: FieldSpec, text: string, item: string, where: string, problems: string[]): number | undefined {
  if (spec.names && /^[A-Z]+$/i.test(text)) {
    const index = spec.names.indexOf(text.toUpperCase());
    if (index < 0) {
      problems.push(`${where}: '${text}' is not a ${spec.label} name (use ${spec.names[0]}-${spec.names[spec.names.length - 1]})`);
      return undefined;
    }
    return spec.min + index;
  }
  if (!/^\d+$/.test(text)) {
    problems.push(`${where}: '${item}' is not a valid ${spec.label} value`);
    return undefined;
  }
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    problems.push(`${where}: value '${text}' is out of range (${spec.min}-${spec.max}${names})`);
    return undefined;
  }
  return value;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function monthList(months: number[]): string {
  return months.map(m => MONTH_NAMES[m - 1]).join(',');
}

/**
 * Day-of-month: `?`, `L`, `L-n`, `LW`, `nW`, or plain items. Checks that the days exist in at least
 * one of the selected months (and years, for 29 February).
 */
function parseDayOfMonth(
  original: string, text: string, months: number[] | undefined, years: number[] | undefined, problems: string[],
): { text: string; dayOffset: number } | undefined {
  const spec = FIELDS[DAY_OF_MONTH];
  const where = `day-of-month field '${original}'`;
  const allMonths = months ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  if (text === '?') {
    return { text: '*', dayOffset: 0 };
  }
  if (text === 'L' || text === 'LW') {
    return { text, dayOffset: 0 };
  }
  const lastOffset = /^L-(\d+)$/.exec(text);
  if (lastOffset) {
    return parseLastOffset(lastOffset[1], where, allMonths, problems);
  }
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) {
      problems.push(`${where}: value '${weekday[1]}' in 'nW' is out of range (1-31)`);
      return undefined;
    }
    checkDaysExist(where, [day], allMonths, years, problems);
    return { text, dayOffset: 0 };
  }
  if (/[LW]/.test(text) && text.includes(',')) {
    problems.push(`${where}: 'L' and 'W' must stand alone in the day-of-month field, not in a list`);
    return undefined;
  }
  if (text.includes('?')) {
    problems.push(`${where}: '?' must stand alone in the day-of-month field`);
    return undefined;
  }
  if (/[LW]/.test(text)) {
    problems.push(`${where}: '${original}' is not a valid use of 'L' or 'W' (use L, L-n, LW or nW)`);
    return undefined;
  }
  const plain = parsePlainField(spec, original, original, problems);
  if (plain === undefined) {
    return undefined;
  }
  if (text !== '*') {
    checkDaysExist(where, plain.values, allMonths, years, problems);
  }
  return { text: plain.text, dayOffset: 0 };
}

/** `L-n`: n days before the last day of the month, which must not fall before the 1st in any selected month. */
function parseLastOffset(offsetText: string, where: string, months: number[], problems: string[]): { text: string; dayOffset: number } | undefined {
  const offset = Number(offsetText);
  if (offset < 1 || offset > 30) {
    problems.push(`${where}: offset '${offsetText}' in 'L-n' must be from 1 to 30`);
    return undefined;
  }
  const tooShort = months.filter(m => MIN_DAYS_IN_MONTH[m - 1] - offset < 1);
  if (tooShort.length > 0) {
    problems.push(
      `${where}: 'L-${offset}' falls before the 1st in ${monthList(tooShort)}; ` +
      'use a smaller offset or leave those months out of the month field',
    );
    return undefined;
  }
  // croner has no 'L-n'; 'L' shifted by -n days is the same day (it never leaves the month, checked above)
  return { text: 'L', dayOffset: -offset };
}

/** Rejects day-of-month values that exist in none of the selected months (30 FEB, 31 in APR,JUN,SEP,NOV). */
function checkDaysExist(
  where: string, days: number[], months: number[], years: number[] | undefined, problems: string[],
): void {
  const pairs: Array<[number, number]> = [];
  for (const day of days) {
    for (const month of months) {
      if (day <= MAX_DAYS_IN_MONTH[month - 1]) {
        pairs.push([day, month]);
      }
    }
  }
  if (pairs.length === 0) {
    problems.push(`${where}: day ${days.join(',')} never occurs in month ${monthList(months)}`);
    return;
  }
  const onlyLeapDay = pairs.every(([day, month]) => day === 29 && month === 2);
  if (onlyLeapDay && years !== undefined && !years.some(isLeap)) {
    problems.push(`${where}: 29 February never occurs in year ${years.join(',')} (no leap year)`);
  }
}

/** Day-of-week: `?`, `L`, `nL`, `n#k`, or plain items. Returns the croner text. */
function parseDayOfWeek(original: string, text: string, problems: string[]): string | undefined {
  const spec = FIELDS[DAY_OF_WEEK];
  const where = `day-of-week field '${original}'`;
  if (text === '?') {
    return '*';
  }
  if (text === 'L') {
    // alone, 'L' means the last day of the week: 7 (SAT)
    return '7';
  }
  const special = /^([0-9]+|[A-Z]{3})(L|#([0-9]+))$/.exec(text);
  if (special) {
    const day = parseValue(spec, special[1], text, where, problems);
    if (day === undefined) {
      return undefined;
    }
    if (special[2] === 'L') {
      return `${day}#L`;
    }
    const nth = Number(special[3]);
    if (nth < 1 || nth > 5) {
      problems.push(`${where}: '#${special[3]}' must be from #1 to #5 (the nth ${DAY_NAMES[day - 1]} of the month)`);
      return undefined;
    }
    return `${day}#${nth}`;
  }
  if (text.includes('?')) {
    problems.push(`${where}: '?' must stand alone in the day-of-week field`);
    return undefined;
  }
  if (/[L#]/.test(text.replace(/[A-Z]{3}/g, ''))) {
    problems.push(`${where}: 'L' and '#' must stand alone in the day-of-week field (for example 6L or FRI#3), not in a list or range`);
    return undefined;
  }
  return parsePlainField(spec, original, original, problems)?.text;
}
