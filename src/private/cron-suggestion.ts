/**
 * What a 5-field cron (Unix: minute hour day-of-month month day-of-week) most likely meant as a
 * CodePipeline window.
 *
 * A 5-field cron lists the moments a job *starts* (`0 1 * * MON`: 01:00 on Mondays). A window lists
 * every moment deploying is *allowed*, seconds and minutes included. Translating field by field
 * (`* 0 1 ? * MON *`) gives a window open for one minute a week, so the suggestion opens the whole of
 * each hour named (`* * 1 ? * MON *`: 01:00:00 to 01:59:59 on Mondays).
 */

/** Unix day-of-week numbers (0-7, 0 and 7 are Sunday) to Quartz's (1-7, 1 is Sunday). */
function quartzDayOfWeek(field: string): string | undefined {
  if (field === '*') { return '?'; }
  const items = field.split(',').map(item => {
    if (/^[A-Za-z]{3}(-[A-Za-z]{3})?$/.test(item)) { return item.toUpperCase(); }
    const range = /^(\d)(?:-(\d))?$/.exec(item);
    if (!range) { return undefined; }
    const convert = (day: string) => (Number(day) % 7) + 1;
    const from = convert(range[1]);
    if (range[2] === undefined) { return `${from}`; }
    const to = convert(range[2]);
    // 0-7 or 1-7 and the like cover Sunday at both ends: Quartz ranges run upwards
    return to < from ? (to === 1 && from === 2 ? '*' : undefined) : `${from}-${to}`;
  });
  return items.every(i => i !== undefined) ? items.join(',') : undefined;
}

/**
 * The window a 5-field cron names, in CodePipeline's 7-field form, or undefined when there is no
 * plain equivalent (both day fields set: Unix ORs them, CodePipeline wants one of them `?`).
 */
export function windowForFiveFieldCron(fields: string[]): string | undefined {
  if (fields.length !== 5) { return undefined; }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (!/^[\d*,\-/]+$/.test(minute) || !/^[\d*,\-/]+$/.test(hour)) { return undefined; }
  let dom = dayOfMonth;
  let dow: string | undefined = '?';
  if (dayOfWeek !== '*') {
    if (dayOfMonth !== '*') { return undefined; }
    dom = '?';
    dow = quartzDayOfWeek(dayOfWeek);
    if (dow === undefined) { return undefined; }
  }
  // a minute list in a 5-field cron names start times: the window is the whole of each hour named
  return `* * ${hour} ${dom} ${month} ${dow} *`;
}
