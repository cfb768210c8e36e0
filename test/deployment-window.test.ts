import { Lazy } from 'aws-cdk-lib';
import { DeploymentWindow } from '../src';
import { cfnTarget, fixture } from './testutil';

/** Shorthand: ISO strings of the openings, to compare whole schedules at once. */
function openings(window: DeploymentWindow, from: string, count?: number): Array<[string, string]> {
  return window.nextOpenings(new Date(from), count).map(o => [o.opensAt.toISOString(), o.closesAt.toISOString()]);
}

describe('DeploymentWindow.cron: accepted forms', () => {
  test('the design example keeps its expression and time zone for CodePipeline', () => {
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
    expect(window.expression).toBe('* * 1-4 ? * MON-FRI *');
    expect(window.timeZone).toBe('Europe/Dublin');
    expect(window.toString()).toBe('cron(* * 1-4 ? * MON-FRI *) Europe/Dublin');
  });

  test('time zone defaults to UTC', () => {
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI');
    expect(window.timeZone).toBe('UTC');
    expect(window.toString()).toBe('cron(* * 1-4 ? * MON-FRI) UTC');
  });

  test('six fields (no year) are accepted as given', () => {
    expect(DeploymentWindow.cron('* 0-29 9-17 ? * 2-6').expression).toBe('* 0-29 9-17 ? * 2-6');
  });

  test('white space between fields is sent as single spaces', () => {
    expect(DeploymentWindow.cron('  *  *\t1-4 ? *   MON-FRI * ').expression).toBe('* * 1-4 ? * MON-FRI *');
  });

  test('day-of-month with day-of-week ? is accepted', () => {
    const window = DeploymentWindow.cron('* * * 1,15 * ?');
    expect(window.isOpenAt(new Date('2026-05-15T12:00:00Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2026-05-16T12:00:00Z'))).toBe(false);
  });

  test('names are not case sensitive', () => {
    const window = DeploymentWindow.cron('* * * ? jan-mar,dec mon-fri');
    expect(window.isOpenAt(new Date('2026-01-05T12:00:00Z'))).toBe(true); // Monday in January
    expect(window.isOpenAt(new Date('2026-04-06T12:00:00Z'))).toBe(false); // Monday in April
  });

  test('numeric day-of-week uses Quartz numbering: 1 = SUN, 2-6 = MON-FRI, 7 = SAT', () => {
    const weekdays = DeploymentWindow.cron('* * * ? * 2-6');
    expect(weekdays.isOpenAt(new Date('2026-03-02T12:00:00Z'))).toBe(true); // Monday
    expect(weekdays.isOpenAt(new Date('2026-03-06T12:00:00Z'))).toBe(true); // Friday
    expect(weekdays.isOpenAt(new Date('2026-03-07T12:00:00Z'))).toBe(false); // Saturday
    expect(weekdays.isOpenAt(new Date('2026-03-01T12:00:00Z'))).toBe(false); // Sunday
    expect(DeploymentWindow.cron('* * * ? * 1').isOpenAt(new Date('2026-03-01T12:00:00Z'))).toBe(true);
    expect(DeploymentWindow.cron('* * * ? * 7').isOpenAt(new Date('2026-03-07T12:00:00Z'))).toBe(true);
  });

  test('*/n steps start at the bottom of the field', () => {
    expect(openings(DeploymentWindow.cron('* */20 9 ? * *'), '2026-05-01T00:00:00Z')).toEqual([
      ['2026-05-01T09:00:00.000Z', '2026-05-01T09:01:00.000Z'],
      ['2026-05-01T09:20:00.000Z', '2026-05-01T09:21:00.000Z'],
      ['2026-05-01T09:40:00.000Z', '2026-05-01T09:41:00.000Z'],
    ]);
  });

  test('v/n steps start at v (Quartz: 5/15 = 5, 20, 35, 50)', () => {
    expect(openings(DeploymentWindow.cron('* 5/15 9 ? * *'), '2026-05-01T09:06:00Z')).toEqual([
      ['2026-05-01T09:20:00.000Z', '2026-05-01T09:21:00.000Z'],
      ['2026-05-01T09:35:00.000Z', '2026-05-01T09:36:00.000Z'],
      ['2026-05-01T09:50:00.000Z', '2026-05-01T09:51:00.000Z'],
    ]);
  });

  test('a-b/n steps', () => {
    const window = DeploymentWindow.cron('* * 8-18/5 ? * *');
    expect([8, 13, 18].map(h => window.isOpenAt(new Date(Date.UTC(2026, 4, 1, h, 30))))).toEqual([true, true, true]);
    expect(window.isOpenAt(new Date('2026-05-01T09:30:00Z'))).toBe(false);
  });

  test('L in day-of-month is the last day of the month', () => {
    expect(openings(DeploymentWindow.cron('* * * L * ?'), '2026-02-01T00:00:00Z', 2)).toEqual([
      ['2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03-31T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
    ]);
  });

  test('L-3 is the third-to-last day of the month', () => {
    expect(openings(DeploymentWindow.cron('* * * L-3 * ?', 'Asia/Tokyo'), '2026-02-01T00:00:00Z', 2)).toEqual([
      ['2026-02-24T15:00:00.000Z', '2026-02-25T15:00:00.000Z'], // 25 February, Tokyo
      ['2026-03-27T15:00:00.000Z', '2026-03-28T15:00:00.000Z'], // 28 March, Tokyo
    ]);
  });

  test('LW is the last weekday of the month', () => {
    // 28 February 2026 is a Saturday
    expect(openings(DeploymentWindow.cron('* * * LW * ?'), '2026-02-01T00:00:00Z', 1)).toEqual([
      ['2026-02-27T00:00:00.000Z', '2026-02-28T00:00:00.000Z'],
    ]);
  });

  test('15W is the weekday nearest the 15th', () => {
    // 15 August 2026 is a Saturday
    expect(openings(DeploymentWindow.cron('* * * 15W * ?'), '2026-08-01T00:00:00Z', 1)).toEqual([
      ['2026-08-14T00:00:00.000Z', '2026-08-15T00:00:00.000Z'],
    ]);
  });

  test('6L in day-of-week is the last Friday of the month', () => {
    expect(openings(DeploymentWindow.cron('* * * ? * 6L'), '2026-05-01T00:00:00Z', 1)).toEqual([
      ['2026-05-29T00:00:00.000Z', '2026-05-30T00:00:00.000Z'],
    ]);
  });

  test('L alone in day-of-week means Saturday', () => {
    const window = DeploymentWindow.cron('* * * ? * L');
    expect(window.isOpenAt(new Date('2026-05-02T12:00:00Z'))).toBe(true); // Saturday
    expect(window.isOpenAt(new Date('2026-05-01T12:00:00Z'))).toBe(false); // Friday
  });

  test('FRI#3 (and 6#3) is the third Friday of the month', () => {
    const expected = [['2026-05-15T00:00:00.000Z', '2026-05-16T00:00:00.000Z']];
    expect(openings(DeploymentWindow.cron('* * * ? * FRI#3'), '2026-05-01T00:00:00Z', 1)).toEqual(expected);
    expect(openings(DeploymentWindow.cron('* * * ? * 6#3'), '2026-05-01T00:00:00Z', 1)).toEqual(expected);
  });

  test('year ranges and steps', () => {
    const window = DeploymentWindow.cron('* * * ? * * 2026-2030/2');
    expect(window.isOpenAt(new Date('2028-06-01T00:00:00Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2027-06-01T00:00:00Z'))).toBe(false);
  });

  test('IANA aliases and Etc zones that Intl knows are accepted', () => {
    expect(DeploymentWindow.cron('* * 9-16 ? * *', 'Asia/Kolkata').timeZone).toBe('Asia/Kolkata');
    expect(DeploymentWindow.cron('* * 9-16 ? * *', 'Etc/UTC').timeZone).toBe('Etc/UTC');
  });

  test('unresolved tokens are not validated, but cannot be evaluated', () => {
    const window = DeploymentWindow.cron(
      Lazy.string({ produce: () => 'not a cron' }),
      Lazy.string({ produce: () => 'not a zone' }),
    );
    expect(window.expression).toMatch(/^\$\{Token\[/);
    expect(() => window.isOpenAt(new Date('2026-05-01T00:00:00Z'))).toThrow(/unresolved token/);
  });
});

describe("AWS's own example: a seconds field of 0", () => {
  test('is accepted and means the whole minute; a minutes field of 0 means the first minute of the hour', () => {
    const window = DeploymentWindow.cron('0 0 9-17 ? * MON-FRI *', 'America/Los_Angeles');
    expect(window.expression).toBe('0 0 9-17 ? * MON-FRI *');
    // Monday 2026-11-23, 09:00:30 in Los Angeles (17:00:30 UTC): second 30 of an allowed minute
    expect(window.isOpenAt(new Date('2026-11-23T17:00:30Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2026-11-23T17:01:00Z'))).toBe(false);
    expect(window.nextOpenings(new Date('2026-11-23T17:00:30Z'), 2).map(o => [o.opensAt.toISOString(), o.closesAt.toISOString()])).toEqual([
      ['2026-11-23T17:00:30.000Z', '2026-11-23T17:01:00.000Z'],
      ['2026-11-23T18:00:00.000Z', '2026-11-23T18:01:00.000Z'],
    ]);
  });
});

describe('DeploymentWindow.cron: rejected forms', () => {
  const reject = (expression: string, message: RegExp) =>
    expect(() => DeploymentWindow.cron(expression)).toThrow(message);

  test('seconds other than * and 0 (only one copy of the page documents 0-59)', () => {
    reject('0-59 * * ? * *', /seconds field '0-59' is not allowed: only '\*' and '0' are accepted/);
    reject('30 * * ? * *', /seconds field '30'/);
  });
  test('too few fields', () => reject('* 1-4 ? * MON-FRI', /'\* 1-4 \? \* MON-FRI': it has 5 fields, expected 6 or 7/));
  test('too many fields', () => reject('* * * ? * * * *', /it has 8 fields, expected 6 or 7/));
  test('both day fields set', () => {
    reject('* * * * * *', /day-of-month '\*' and day-of-week '\*' are both set: exactly one of them must be '\?'/);
  });
  test('both day fields ?', () => reject('* * * ? * ?', /both '\?': exactly one of them must be '\?'/));
  test('minute 60', () => reject('* 60 * ? * *', /minutes field '60': value '60' is out of range \(0-59\)/));
  test('hour 24', () => reject('* * 24 ? * *', /hours field '24': value '24' is out of range \(0-23\)/));
  test('day-of-month 0', () => reject('* * * 0 * ?', /day-of-month field '0': value '0' is out of range \(1-31\)/));
  test('day-of-month 32', () => reject('* * * 32 * ?', /value '32' is out of range \(1-31\)/));
  test('month 0 (0-11 numbering of the older page)', () => {
    reject('* * * 1 0 ?', /month field '0': value '0' is out of range \(1-12 or JAN-DEC\)/);
  });
  test('month 13', () => reject('* * * 1 13 ?', /month field '13': value '13' is out of range/));
  test('unknown month name', () => reject('* * * 1 JANUARY ?', /'JANUARY' is not a month name \(use JAN-DEC\)/));
  test('day-of-week 0 (Unix numbering)', () => {
    reject('* * * ? * 0', /day-of-week field '0': value '0' is out of range \(1-7 or SUN-SAT\)/);
  });
  test('day-of-week 8', () => reject('* * * ? * 1-8', /day-of-week field '1-8': value '8' is out of range/));
  test('unknown day name', () => reject('* * * ? * FOO', /'FOO' is not a day-of-week name \(use SUN-SAT\)/));
  test('year before 1970', () => reject('* * * ? * * 1969', /year field '1969': value '1969' is out of range \(1970-2199\)/));
  test('year after 2199', () => reject('* * * ? * * 2200', /value '2200' is out of range \(1970-2199\)/));
  test('backwards range', () => {
    reject('* * 22-3 ? * *', /hours field '22-3': range '22-3' runs backwards.*write '22-23,0-3'/);
  });
  test('backwards day range', () => reject('* * * ? * FRI-MON', /range 'FRI-MON' runs backwards.*'FRI-SAT,SUN-MON'/));
  test('step 0', () => reject('* 0/0 * ? * *', /step '0' in '0\/0' must be a whole number from 1 to 59/));
  test('step too large', () => reject('* * */24 ? * *', /step '24' in '\*\/24' must be a whole number from 1 to 23/));
  test('two slashes', () => reject('* 1/2/3 * ? * *', /'1\/2\/3' has more than one '\/'/));
  test('a range with two dashes', () => reject('* 1-2-3 * ? * *', /minutes field '1-2-3': '1-2-3' is not a value, a range 'a-b' or a step 'a\/n'/));
  test('? in a day-of-month list', () => reject('* * * 1,? * ?', /day-of-month field '1,\?': '\?' must stand alone/));
  test('? in a day-of-week list', () => reject('* * * ? * MON,?', /day-of-week field 'MON,\?': '\?' must stand alone/));
  test('day 8 before #', () => reject('* * * ? * 8#2', /day-of-week field '8#2': value '8' is out of range \(1-7 or SUN-SAT\)/));
  test('empty list item', () => reject('* 1,,2 * ? * *', /minutes field '1,,2' has an empty list item/));
  test('not a number', () => reject('* * 1a ? * *', /hours field '1a': '1a' is not a valid hours value/));
  test('L outside the day fields', () => reject('* * L ? * *', /hours field 'L': 'L' is not allowed in the hours field/));
  test('? outside the day fields', () => reject('* * * 1 ? ?', /month field '\?': '\?' is not allowed in the month field/));
  test('W in day-of-week', () => reject('* * * ? * 2W', /day-of-week field '2W': 'W' is not allowed in the day-of-week field/));
  test('# in day-of-month', () => reject('* * * 1#2 * ?', /day-of-month field '1#2': '#' is not allowed in the day-of-month field/));
  test('L in a day-of-month list', () => reject('* * * 1,L * ?', /day-of-month field '1,L': 'L' and 'W' must stand alone/));
  test('W in a day-of-month range', () => reject('* * * 1W-5 * ?', /day-of-month field '1W-5': .*not a valid use of 'L' or 'W'/));
  test('# in a day-of-week list', () => reject('* * * ? * MON#2,FRI', /day-of-week field 'MON#2,FRI': 'L' and '#' must stand alone/));
  test('#6', () => reject('* * * ? * 6#6', /day-of-week field '6#6': '#6' must be from #1 to #5/));
  test('L-31', () => reject('* * * L-31 * ?', /day-of-month field 'L-31': offset '31' in 'L-n' must be from 1 to 30/));
  test('L-n before the 1st of a short month', () => {
    reject('* * * L-28 * ?', /'L-28' falls before the 1st in FEB/);
  });
  test('32W', () => reject('* * * 32W * ?', /day-of-month field '32W': value '32' in 'nW' is out of range/));
  test('30 FEB', () => reject('* * * 30 FEB ?', /day-of-month field '30': day 30 never occurs in month FEB/));
  test('day 31 in 30-day months only', () => {
    reject('* * * 31 4,6,9,11 ?', /day 31 never occurs in month APR,JUN,SEP,NOV/);
  });
  test('31W in April', () => reject('* * * 31W APR ?', /day-of-month field '31W': day 31 never occurs in month APR/));
  test('29 February in a year that is not a leap year', () => {
    reject('* * * 29 2 ? 2027', /29 February never occurs in year 2027 \(no leap year\)/);
  });
  test('several problems are reported in one message, with the format and the AWS page', () => {
    expect(() => DeploymentWindow.cron('5 60 25 ? 13 MON 1960')).toThrow(
      new RegExp(
        "\\(1\\) cron expression '5 60 25 \\? 13 MON 1960': seconds field '5'.*" +
        "\\(2\\) .*minutes field '60'.*\\(3\\) .*hours field '25'.*\\(4\\) .*month field '13'.*\\(5\\) .*year field '1960'.*" +
        'rule-reference-DeploymentWindow\\.html',
      ),
    );
  });
  test('cron and time zone problems are reported together', () => {
    expect(() => DeploymentWindow.cron('* * * * * *', 'PST')).toThrow(/\(1\) .*both set.*\(2\) time zone 'PST'/);
  });
});

describe('time zones', () => {
  const reject = (timeZone: string, message: RegExp) =>
    expect(() => DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', timeZone)).toThrow(message);

  test('EST', () => reject('EST', /time zone 'EST' is an abbreviation; IANA time zone names such as 'Europe\/Dublin'.*did you mean 'America\/New_York'/));
  test('CET', () => reject('CET', /time zone 'CET' is an ambiguous abbreviation.*'Europe\/Dublin'/));
  test('IST', () => reject('IST', /time zone 'IST' is an ambiguous abbreviation.*'Asia\/Kolkata' or 'Europe\/Dublin' or 'Asia\/Jerusalem'/));
  test('PST', () => reject('PST', /time zone 'PST' is an abbreviation.*'America\/Los_Angeles'/));
  test('a legacy name without a region', () => reject('Japan', /time zone 'Japan' is an abbreviation or legacy name.*did you mean 'Asia\/Tokyo'/));
  test('GMT', () => reject('GMT', /time zone 'GMT' is not accepted; use 'UTC'/));
  test('a fixed offset', () => reject('UTC+05:30', /time zone 'UTC\+05:30' is a fixed UTC offset/));
  test('a misspelled name', () => reject('Europe/Dubln', /unknown time zone 'Europe\/Dubln'.*did you mean 'Europe\/Dublin'/));
  test('wrong case', () => reject('europe/dublin', /time zone 'europe\/dublin' is not spelled as in the IANA database; did you mean 'Europe\/Dublin'/));
  test('an unknown region', () => reject('Mars/Olympus_Mons', /unknown time zone 'Mars\/Olympus_Mons'/));
  test('empty', () => reject('', /time zone '' is empty/));
  // CodePipeline documents Region/City and Region/City_City only
  test('a three-part IANA name, with the documented alias', () => reject('America/Argentina/Buenos_Aires',
    /time zone 'America\/Argentina\/Buenos_Aires' is not of the form Region\/City or Region\/City_City .* use 'America\/Buenos_Aires', the same zone/));
  test('an Etc offset zone', () => reject('Etc/GMT-5', /time zone 'Etc\/GMT-5' is not of the form Region\/City/));
  test('a hyphenated city', () => reject('America/Port-au-Prince', /time zone 'America\/Port-au-Prince' is not of the form Region\/City/));
});

describe('DeploymentWindow.daily and DeploymentWindow.weekdays', () => {
  test('daily renders an hour range', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    expect(window.expression).toBe('* * 1-4 ? * * *');
    expect(window.timeZone).toBe('Europe/Dublin');
  });

  test('daily of one hour, and a whole day', () => {
    expect(DeploymentWindow.daily({ startHour: 9, endHour: 10 }).expression).toBe('* * 9 ? * * *');
    expect(DeploymentWindow.daily({ startHour: 0, endHour: 24 }).expression).toBe('* * * ? * * *');
    expect(DeploymentWindow.daily({ startHour: 20, endHour: 24 }).expression).toBe('* * 20-23 ? * * *');
    expect(DeploymentWindow.daily({ startHour: 9, endHour: 10 }).timeZone).toBe('UTC');
  });

  test('daily that spans midnight renders an hour list', () => {
    expect(DeploymentWindow.daily({ startHour: 22, endHour: 4 }).expression).toBe('* * 22-23,0-3 ? * * *');
    expect(DeploymentWindow.daily({ startHour: 23, endHour: 1 }).expression).toBe('* * 23,0 ? * * *');
  });

  test('daily that spans midnight opens at startHour and closes at endHour the next day', () => {
    const window = DeploymentWindow.daily({ startHour: 22, endHour: 4, timeZone: 'UTC' });
    expect(openings(window, '2026-05-01T12:00:00Z', 2)).toEqual([
      ['2026-05-01T22:00:00.000Z', '2026-05-02T04:00:00.000Z'],
      ['2026-05-02T22:00:00.000Z', '2026-05-03T04:00:00.000Z'],
    ]);
  });

  test('weekdays renders MON-FRI', () => {
    expect(DeploymentWindow.weekdays({ startHour: 9, endHour: 17, timeZone: 'America/New_York' }).expression)
      .toBe('* * 9-16 ? * MON-FRI *');
    expect(DeploymentWindow.weekdays({ startHour: 20, endHour: 24 }).expression).toBe('* * 20-23 ? * MON-FRI *');
  });

  test('weekdays that span midnight are rejected', () => {
    expect(() => DeploymentWindow.weekdays({ startHour: 22, endHour: 4 })).toThrow(
      /DeploymentWindow.weekdays: a window from 22:00 to 4:00 spans midnight.*one CodePipeline cron expression cannot express that/,
    );
  });

  test('startHour out of range', () => {
    expect(() => DeploymentWindow.daily({ startHour: 24, endHour: 4 })).toThrow(/startHour 24 must be a whole number from 0 to 23/);
    expect(() => DeploymentWindow.daily({ startHour: -1, endHour: 4 })).toThrow(/startHour -1 must be/);
  });

  test('fractional hours', () => {
    expect(() => DeploymentWindow.weekdays({ startHour: 1.5, endHour: 4 })).toThrow(/startHour 1.5 must be a whole number/);
  });

  test('endHour out of range', () => {
    expect(() => DeploymentWindow.daily({ startHour: 1, endHour: 0 })).toThrow(/endHour 0 must be a whole number from 1 to 24/);
    expect(() => DeploymentWindow.daily({ startHour: 1, endHour: 25 })).toThrow(/endHour 25 must be a whole number from 1 to 24/);
  });

  test('startHour equal to endHour', () => {
    expect(() => DeploymentWindow.daily({ startHour: 5, endHour: 5 })).toThrow(/startHour and endHour are both 5/);
  });

  test('an invalid time zone', () => {
    expect(() => DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'CST' }))
      .toThrow(/DeploymentWindow.daily: time zone 'CST' is an ambiguous abbreviation/);
  });
});

describe('nextOpenings', () => {
  test('Europe/Dublin weekdays skip the weekend (default count 3)', () => {
    // Friday 27 March 2026, after the window; Dublin switches to summer time (UTC+1) on Sunday 29 March
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
    expect(openings(window, '2026-03-27T12:00:00Z')).toEqual([
      ['2026-03-30T00:00:00.000Z', '2026-03-30T04:00:00.000Z'],
      ['2026-03-31T00:00:00.000Z', '2026-03-31T04:00:00.000Z'],
      ['2026-04-01T00:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ]);
  });

  test('from inside a window, the first opening starts at from exactly', () => {
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
    expect(openings(window, '2026-03-26T02:30:15.250Z', 1)).toEqual([
      ['2026-03-26T02:30:15.250Z', '2026-03-26T05:00:00.000Z'],
    ]);
  });

  test('from the closing moment, the next opening is the next day', () => {
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
    expect(openings(window, '2026-03-26T05:00:00Z', 1)).toEqual([
      ['2026-03-27T01:00:00.000Z', '2026-03-27T05:00:00.000Z'],
    ]);
  });

  test('a minute field of 0 allows only the first minute of each hour', () => {
    const window = DeploymentWindow.cron('* 0 1-4 ? * MON-FRI *', 'Europe/Dublin');
    expect(openings(window, '2026-03-26T00:00:00Z', 2)).toEqual([
      ['2026-03-26T01:00:00.000Z', '2026-03-26T01:01:00.000Z'],
      ['2026-03-26T02:00:00.000Z', '2026-03-26T02:01:00.000Z'],
    ]);
  });

  test('Europe/Dublin, spring forward: 01:00-01:59 does not exist on 29 March', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    expect(openings(window, '2026-03-28T00:00:00Z')).toEqual([
      ['2026-03-28T01:00:00.000Z', '2026-03-28T05:00:00.000Z'], // GMT, 4 hours
      ['2026-03-29T01:00:00.000Z', '2026-03-29T04:00:00.000Z'], // 02:00-05:00 IST, 3 hours
      ['2026-03-30T00:00:00.000Z', '2026-03-30T04:00:00.000Z'], // IST, 4 hours
    ]);
  });

  test('Europe/Dublin, fall back: 01:00-01:59 happens twice on 25 October', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    expect(openings(window, '2026-10-24T12:00:00Z', 2)).toEqual([
      ['2026-10-25T00:00:00.000Z', '2026-10-25T05:00:00.000Z'], // 01:00 IST to 05:00 GMT, 5 hours
      ['2026-10-26T01:00:00.000Z', '2026-10-26T05:00:00.000Z'],
    ]);
  });

  test('Europe/Dublin, a whole Sunday lasts 23 hours in March and 25 hours in October', () => {
    const window = DeploymentWindow.cron('* * * ? * SUN', 'Europe/Dublin');
    expect(openings(window, '2026-03-28T12:00:00Z', 1)).toEqual([
      ['2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z'],
    ]);
    expect(openings(window, '2026-10-24T12:00:00Z', 1)).toEqual([
      ['2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    ]);
  });

  test('America/New_York, a window across midnight on the night clocks spring forward', () => {
    // Saturday 7 March 2026; on Sunday 8 March 02:00 EST becomes 03:00 EDT
    const window = DeploymentWindow.daily({ startHour: 22, endHour: 4, timeZone: 'America/New_York' });
    expect(openings(window, '2026-03-07T12:00:00Z')).toEqual([
      ['2026-03-08T03:00:00.000Z', '2026-03-08T08:00:00.000Z'], // 22:00 EST to 04:00 EDT, 5 hours
      ['2026-03-09T02:00:00.000Z', '2026-03-09T08:00:00.000Z'], // EDT, 6 hours
      ['2026-03-10T02:00:00.000Z', '2026-03-10T08:00:00.000Z'],
    ]);
  });

  test('Australia/Sydney, southern-hemisphere fall back on 5 April', () => {
    // 03:00 AEDT (UTC+11) becomes 02:00 AEST (UTC+10)
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 4, timeZone: 'Australia/Sydney' });
    expect(openings(window, '2026-04-04T00:00:00Z', 2)).toEqual([
      ['2026-04-04T14:00:00.000Z', '2026-04-04T18:00:00.000Z'], // 4 hours: 02:00-02:59 twice
      ['2026-04-05T15:00:00.000Z', '2026-04-05T18:00:00.000Z'],
    ]);
  });

  test('Asia/Kolkata, a half-hour UTC offset', () => {
    const window = DeploymentWindow.weekdays({ startHour: 9, endHour: 17, timeZone: 'Asia/Kolkata' });
    expect(openings(window, '2026-05-01T00:00:00Z', 2)).toEqual([
      ['2026-05-01T03:30:00.000Z', '2026-05-01T11:30:00.000Z'], // Friday
      ['2026-05-04T03:30:00.000Z', '2026-05-04T11:30:00.000Z'], // Monday
    ]);
  });

  test('the year field: no opening before the year starts', () => {
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI 2027', 'Europe/Dublin');
    expect(openings(window, '2026-06-01T00:00:00Z', 1)).toEqual([
      ['2027-01-01T01:00:00.000Z', '2027-01-01T05:00:00.000Z'], // Friday 1 January 2027, GMT
    ]);
  });

  test('the year field: a window open all year closes when the year ends (local time)', () => {
    const window = DeploymentWindow.cron('* * * ? * * 2026', 'America/New_York');
    expect(openings(window, '2026-11-30T12:00:00Z')).toEqual([
      ['2026-11-30T12:00:00.000Z', '2027-01-01T05:00:00.000Z'],
    ]);
  });

  test('the year field: a window in the past has no openings', () => {
    expect(DeploymentWindow.cron('* * * ? * * 2020').nextOpenings(new Date('2026-01-01T00:00:00Z'))).toEqual([]);
  });

  test('a window that never closes cannot report a closing time', () => {
    expect(() => DeploymentWindow.daily({ startHour: 0, endHour: 24 }).nextOpenings(new Date('2026-01-01T00:00:00Z')))
      .toThrow(/stays open for more than 400 days/);
  });

  test('count must be a positive whole number', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5 });
    expect(() => window.nextOpenings(new Date('2026-01-01T00:00:00Z'), 0)).toThrow(/count 0 must be a whole number from 1 to 1000/);
    expect(window.nextOpenings(new Date('2026-01-01T00:00:00Z'), 5)).toHaveLength(5);
  });

  test('an invalid date is rejected', () => {
    expect(() => DeploymentWindow.daily({ startHour: 1, endHour: 5 }).nextOpenings(new Date('nonsense')))
      .toThrow(/from is not a valid Date/);
  });
});

describe('isOpenAt', () => {
  const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');

  test('boundaries of a window (Thursday 26 March 2026, GMT)', () => {
    expect(window.isOpenAt(new Date('2026-03-26T00:59:59.999Z'))).toBe(false);
    expect(window.isOpenAt(new Date('2026-03-26T01:00:00.000Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2026-03-26T04:59:59.999Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2026-03-26T05:00:00.000Z'))).toBe(false);
  });

  test('the same local hours after the change to summer time', () => {
    // Monday 30 March 2026: 01:00 IST is 00:00 UTC
    expect(window.isOpenAt(new Date('2026-03-30T00:00:00Z'))).toBe(true);
    expect(window.isOpenAt(new Date('2026-03-30T04:00:00Z'))).toBe(false);
  });

  test('closed at the weekend', () => {
    expect(window.isOpenAt(new Date('2026-03-28T02:00:00Z'))).toBe(false);
  });

  test('an invalid date is rejected', () => {
    expect(() => window.isOpenAt(new Date(NaN))).toThrow(/moment is not a valid Date/);
  });
});

describe('the schedule says how fields of 0 are read', () => {
  test('a note under the schedule table when a window has a seconds or minutes field of 0', () => {
    const f = fixture([]);
    f.pipeline.addTarget(cfnTarget('us-west-1', 'svc', { window: DeploymentWindow.cron('0 0 9-17 ? * MON-FRI *', 'America/Los_Angeles') }));
    const table = f.pipeline.plan.toScheduleTable(new Date('2026-11-23T00:00:00Z'));
    expect(table).toMatch(/Note: a seconds field of 0 is read as the whole minute .*; a minutes field of 0 as the first minute of each allowed hour only/);
    const plain = fixture([]);
    plain.pipeline.addTarget(cfnTarget('us-west-1', 'svc', { window: DeploymentWindow.cron('* * 9-17 ? * MON-FRI *', 'America/Los_Angeles') }));
    expect(plain.pipeline.plan.toScheduleTable(new Date('2026-11-23T00:00:00Z'))).not.toMatch(/Note:/);
  });
});
