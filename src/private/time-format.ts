/**
 * One formatter per time zone, made once per process: building an `Intl.DateTimeFormat` costs far
 * more than formatting with it, and the plan formats every stage's start (in UTC and its window's zone).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-11-23 01:00 Mon` in `timeZone` (an IANA name, or `UTC`). */
export function formatInZone(date: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(date);
  const get = (type: string) => parts.find(p => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('weekday')}`;
}
