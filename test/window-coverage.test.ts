import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { cfnTarget, fixture } from './testutil';
import { DeploymentWindow } from '../src';
import { windowForFiveFieldCron } from '../src/private/cron-suggestion';
import { MIN_HOURS_PER_WEEK, MIN_OPENING_MINUTES, windowWarnings } from '../src/private/window-coverage';

// a Sunday noon, so that the sample starts outside every window below
const FROM = new Date('2026-11-22T12:00:00Z');
const idsOf = (expression: string, timeZone = 'UTC') => windowWarnings(DeploymentWindow.cron(expression, timeZone), FROM).map(w => w.id);

describe('windows too short to catch: warnings', () => {
  test('thresholds: openings of at least 15 minutes, at least 3 hours a week', () => {
    expect([MIN_OPENING_MINUTES, MIN_HOURS_PER_WEEK]).toEqual([15, 3]);
  });

  test('the literal translation of a 5-field cron opens for one minute a week: both warnings', () => {
    const warnings = windowWarnings(DeploymentWindow.cron('* 0 1 ? * MON *'), FROM);
    expect(warnings.map(w => w.id)).toEqual(['shortWindowOpening', 'sparseWindow']);
    expect(warnings[0].message).toMatch(/^window cron\(\* 0 1 \? \* MON \*\) UTC opens for as little as 1 minute at a time, shorter than 15 minutes/);
    expect(warnings[0].message).toMatch(/'\* \* 1 \? \* MON \*' for 01:00-01:59 on Mondays/);
    expect(warnings[1].message).toMatch(/is open 1 minute a week on average over the next 5 weeks, less than 3 hours/);
  });

  test('a minute list opens for minutes at a time, even when the week adds up to many hours', () => {
    // every half hour for one minute, all day: 48 minutes a day, 5.6 hours a week
    expect(idsOf('* 0,30 * ? * * *')).toEqual(['shortWindowOpening']);
  });

  test('openings of exactly 15 minutes are long enough', () => {
    expect(idsOf('* 0-14 * ? * * *')).toEqual([]);
  });

  test('openings of 14 minutes are not', () => {
    expect(idsOf('* 0-13 * ? * * *')).toEqual(['shortWindowOpening']);
  });

  test('one hour a week is too little; three hours a week are enough', () => {
    expect(idsOf('* * 1 ? * MON *')).toEqual(['sparseWindow']);
    expect(idsOf('* * 1 ? * MON,WED,FRI *')).toEqual([]);
    expect(idsOf('* * 1-2 ? * MON *')).toEqual(['sparseWindow']);
    expect(idsOf('* * 1-3 ? * MON *')).toEqual([]);
  });

  test('a window that never opens in the sample says so', () => {
    const [warning] = windowWarnings(DeploymentWindow.cron('* * 1 ? * MON 2020'), FROM);
    expect(warning).toEqual({ id: 'sparseWindow', message: expect.stringMatching(/does not open in the next 5 weeks/) });
  });

  test('the windows of the README and the example warn about nothing', () => {
    expect(idsOf('* * 1-4 ? * MON-FRI *', 'Europe/Dublin')).toEqual([]);
    expect(idsOf('* * 1-4 ? * * *', 'Australia/Sydney')).toEqual([]);
    expect(windowWarnings(DeploymentWindow.daily({ startHour: 22, endHour: 4, timeZone: 'America/New_York' }), FROM)).toEqual([]);
  });

  test('a window that is always open warns about nothing', () => {
    expect(idsOf('* * * ? * * *')).toEqual([]);
  });

  test('the messages do not depend on the day of synthesis', () => {
    const later = new Date('2027-03-10T08:30:00Z');
    const messages = (from: Date) => windowWarnings(DeploymentWindow.cron('* 0 1 ? * MON *'), from).map(w => w.message);
    expect(messages(later)).toEqual(messages(FROM));
  });

  test('the pipeline warns once per window, with a cdk-multi-region-delivery-pipeline: id', () => {
    const window = DeploymentWindow.cron('* 0 1 ? * MON *', 'Europe/Dublin');
    const f = fixture([], { targets: [cfnTarget('eu-west-1', 'a', { window }), cfnTarget('eu-west-1', 'b', { window })] });
    const annotations = Annotations.fromStack(f.stack);
    const short = annotations.findWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp('cdk-multi-region-delivery-pipeline:shortWindowOpening'));
    const sparse = annotations.findWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp('cdk-multi-region-delivery-pipeline:sparseWindow'));
    expect([short.length, sparse.length]).toEqual([1, 1]);
  });

  test('a pipeline with a wide window has no window warning', () => {
    const f = fixture([], { targets: [cfnTarget('eu-west-1', 'a', { window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5 }) })] });
    Annotations.fromStack(f.stack).hasNoWarning('/PipelineStack/Pipeline', Match.stringLikeRegexp('Window'));
  });
});

describe('a 5-field cron: the error suggests the window it names', () => {
  test('0 1 * * MON: 01:00-01:59 on Mondays', () => {
    expect(() => DeploymentWindow.cron('0 1 * * MON', 'Europe/Dublin')).toThrow(
      /'0 1 \* \* MON': it has 5 fields, expected 6 or 7 \(a 5-field cron lists start times, a window every allowed second: for the hours '0 1 \* \* MON' names, write '\* \* 1 \? \* MON \*'\)/);
  });

  test.each([
    ['0 1 * * MON', '* * 1 ? * MON *'],
    ['30 22 * * 1-5', '* * 22 ? * 2-6 *'], // Unix 1-5 (MON-FRI) is Quartz 2-6
    ['0 3 * * 0', '* * 3 ? * 1 *'], // Unix 0 and 7 are Sunday, Quartz 1
    ['0 3 * * 7', '* * 3 ? * 1 *'],
    ['0 2 1 * *', '* * 2 1 * ? *'],
    ['*/15 1-4 * * *', '* * 1-4 * * ? *'],
  ])('%s becomes %s', (cron, window) => {
    expect(windowForFiveFieldCron(cron.split(' '))).toBe(window);
    // and the suggestion is a valid window
    expect(DeploymentWindow.cron(window).expression).toBe(window);
  });

  test('no suggestion when both day fields are set (Unix ORs them) or for other field counts', () => {
    expect(windowForFiveFieldCron('0 1 1 * MON'.split(' '))).toBeUndefined();
    expect(windowForFiveFieldCron('* 1 * *'.split(' '))).toBeUndefined();
    expect(() => DeploymentWindow.cron('0 1 1 * MON')).toThrow(/it has 5 fields, expected 6 or 7\. CodePipeline expects/);
  });
});
