/**
 * The fields of the cron dialect of CodePipeline's `DeploymentWindow` rule: their ranges, names and
 * the special characters each allows, as listed in the AWS table.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */

export const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** Quartz numbering: 1 = SUN ... 7 = SAT. */
export const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Longest month length, February counted with 29 days. */
export const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Shortest month length, February counted with 28 days. */
export const MIN_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** names for min, min+1, ... */
  readonly names?: string[];
  /** special characters allowed besides `, - * /`, as listed in the AWS table */
  readonly specials: string;
}

export const FIELDS: FieldSpec[] = [
  { label: 'seconds', min: 0, max: 59, specials: '' },
  { label: 'minutes', min: 0, max: 59, specials: '' },
  { label: 'hours', min: 0, max: 23, specials: '' },
  { label: 'day-of-month', min: 1, max: 31, specials: '?LW' },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES, specials: '' },
  { label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, specials: '?L#' },
  { label: 'year', min: 1970, max: 2199, specials: '' },
];

export const SECONDS = 0;
export const MINUTES = 1;
export const HOURS = 2;
export const DAY_OF_MONTH = 3;
export const MONTH = 4;
export const DAY_OF_WEEK = 5;
export const YEAR = 6;
