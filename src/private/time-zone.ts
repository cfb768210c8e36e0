/**
 * Validation of the `TimeZone` of a DeploymentWindow rule.
 *
 * CodePipeline also accepts `UTC+05:30` style offsets and 3-5 letter abbreviations such as `EST`
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html),
 * but the same page warns that abbreviations are ambiguous (CST is Central, China and Cuba Standard
 * Time), and fixed offsets do not follow daylight saving time. This library accepts only IANA names
 * (`Europe/Dublin`) and `UTC`, which Node's `Intl` can also evaluate.
 */

/** Common abbreviations and the IANA names they usually stand for. */
const ABBREVIATIONS: Record<string, string[]> = {
  EST: ['America/New_York'],
  EDT: ['America/New_York'],
  CST: ['America/Chicago', 'Asia/Shanghai', 'America/Havana'],
  CDT: ['America/Chicago'],
  MST: ['America/Denver', 'America/Phoenix'],
  MDT: ['America/Denver'],
  PST: ['America/Los_Angeles'],
  PDT: ['America/Los_Angeles'],
  AKST: ['America/Anchorage'],
  HST: ['Pacific/Honolulu'],
  BST: ['Europe/London'],
  IST: ['Asia/Kolkata', 'Europe/Dublin', 'Asia/Jerusalem'],
  WET: ['Europe/Lisbon'],
  CET: ['Europe/Paris', 'Europe/Berlin'],
  CEST: ['Europe/Paris', 'Europe/Berlin'],
  EET: ['Europe/Athens', 'Europe/Helsinki'],
  MSK: ['Europe/Moscow'],
  JST: ['Asia/Tokyo'],
  KST: ['Asia/Seoul'],
  SGT: ['Asia/Singapore'],
  HKT: ['Asia/Hong_Kong'],
  AEST: ['Australia/Sydney', 'Australia/Brisbane'],
  AEDT: ['Australia/Sydney'],
  ACST: ['Australia/Adelaide', 'Australia/Darwin'],
  AWST: ['Australia/Perth'],
  NZST: ['Pacific/Auckland'],
  NZDT: ['Pacific/Auckland'],
};

const UTC_SYNONYMS = ['GMT', 'UCT', 'Z', 'ZULU', 'UNIVERSAL', 'GREENWICH'];

let supported: Set<string> | undefined;
function supportedZones(): Set<string> {
  if (!supported) {
    supported = new Set(Intl.supportedValuesOf('timeZone'));
  }
  return supported;
}

/** The canonical name Intl resolves `name` to, or undefined if Intl does not know it. */
function resolve(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function quoteList(names: string[]): string {
  return names.map(n => `'${n}'`).join(' or ');
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const zone of supportedZones()) {
    const d = distance(name.toLowerCase(), zone.toLowerCase());
    if (d < bestDistance) {
      best = zone;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The form CodePipeline documents for time zone names: "The value matches a time zone in the format
 * Region/City or Region/City_City. For example, America/New_York or Europe/Berlin."
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html).
 * IANA names of other forms (`America/Argentina/Buenos_Aires`, `Etc/GMT-5`, `America/Port-au-Prince`)
 * are not documented as accepted, so they could be refused at deploy time: they are rejected, with
 * a documented name for the same zone where one exists.
 */
const DOCUMENTED_FORM = /^[A-Za-z]+\/[A-Za-z]+(?:_[A-Za-z]+)*$/;

function documentedFormProblem(name: string): string | undefined {
  if (DOCUMENTED_FORM.test(name)) { return undefined; }
  const alias = [resolve(name), ...supportedZones()].find(zone => zone !== undefined && DOCUMENTED_FORM.test(zone)
    && resolve(zone) === resolve(name) && sameRules(zone, name));
  return `time zone '${name}' is not of the form Region/City or Region/City_City that CodePipeline documents for the DeploymentWindow rule, ` +
    `so it may be refused at deploy time; ${alias ? `use '${alias}', the same zone, or ` : 'use '}a Region/City zone with the same rules, or 'UTC'`;
}

/** True when two zone names have the same UTC offsets over a year (so one can stand for the other). */
function sameRules(a: string, b: string): boolean {
  const offset = (zone: string, month: number) => new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(Date.UTC(2026, month, 15))).find(p => p.type === 'timeZoneName')?.value;
  return [0, 3, 6, 9].every(month => offset(a, month) === offset(b, month));
}

const ACCEPTED = "IANA time zone names such as 'Europe/Dublin' or 'America/New_York', and 'UTC', are accepted";

/**
 * Returns a problem description for an invalid time zone name, or undefined when it is valid.
 */
export function timeZoneProblem(name: string): string | undefined {
  if (name === 'UTC') {
    return undefined;
  }
  if (name.trim() === '') {
    return `time zone '${name}' is empty; ${ACCEPTED}`;
  }
  if (/^(UTC|GMT)\s*[+-]/i.test(name)) {
    return `time zone '${name}' is a fixed UTC offset, which does not follow daylight saving time; ${ACCEPTED}`;
  }
  if (!name.includes('/')) {
    const upper = name.toUpperCase();
    if (upper === 'UTC' || UTC_SYNONYMS.includes(upper)) {
      return `time zone '${name}' is not accepted; use 'UTC'`;
    }
    const suggestions = ABBREVIATIONS[upper];
    if (suggestions) {
      const ambiguous = suggestions.length > 1 ? ' is an ambiguous abbreviation' : ' is an abbreviation';
      return `time zone '${name}'${ambiguous}; ${ACCEPTED} (did you mean ${quoteList(suggestions)}?)`;
    }
    const canonical = resolve(name);
    const hint = canonical && canonical.includes('/') ? ` (did you mean '${canonical}'?)` : '';
    return `time zone '${name}' is an abbreviation or legacy name; ${ACCEPTED}${hint}`;
  }
  if (supportedZones().has(name) || resolve(name) !== undefined) {
    const formProblem = documentedFormProblem(name);
    if (formProblem) { return formProblem; }
  }
  if (supportedZones().has(name)) {
    return undefined;
  }
  const canonical = resolve(name);
  if (canonical !== undefined) {
    if (canonical.toLowerCase() === name.toLowerCase() && canonical !== name) {
      return `time zone '${name}' is not spelled as in the IANA database; did you mean '${canonical}'?`;
    }
    // aliases that Intl knows but does not list, such as 'Asia/Kolkata' or 'Etc/UTC';
    // IANA names capitalise every part ('America/Argentina/Buenos_Aires', 'Etc/GMT-5')
    if (name.split('/').every(part => /^[A-Z][A-Za-z0-9_+-]*$/.test(part))) {
      return undefined;
    }
    return `time zone '${name}' is not spelled as in the IANA database; did you mean '${canonical}'?`;
  }
  const suggestion = closest(name);
  return `unknown time zone '${name}'; ${ACCEPTED}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
}
