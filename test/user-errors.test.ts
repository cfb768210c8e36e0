import { inspect } from 'util';
import { App, Errors, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ACCOUNT, cfnTarget, fixture, pipelineStack, sourceBucket, testApp } from './testutil';
import { MultiRegionDeliveryPipeline, PipelineSource } from '../src';

/** The error `fn` throws (fails the test when it throws nothing). */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('user errors: the message and the construct path, no stack trace', () => {
  test('a pipeline stack without env: a ValidationError at the pipeline\'s path', () => {
    const app = new App();
    const stack = new Stack(app, 'NoEnv');
    const error = errorOf(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
    }));
    expect(error.message).toMatch(/stack NoEnv must have a concrete account and region/);
    expect(error.name).toBe('ValidationError');
    // aws-cdk-lib's public test for its own validation errors recognises it
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as any).constructPath).toBe('NoEnv/Pipeline');
    // what Node (and so the CDK CLI) prints: the message and the path, no frame of this library
    expect(error.stack).toBe(`ValidationError: ${error.message}\n    at path [NoEnv/Pipeline]`);
    expect(error.stack).not.toMatch(/\.ts:\d+|node_modules/);
    // Node prints an uncaught error with util.inspect: the same two lines, nothing appended
    expect(inspect(error)).toBe(error.stack);
  });

  test('an error found at synthesis (a duplicate target) names the pipeline\'s path', () => {
    const f = fixture(['eu-west-1']);
    const error = errorOf(() => f.pipeline.addTarget(cfnTarget('eu-west-1')));
    expect(error.message).toMatch(/is deployed by target service-x@eu-west-1 already/);
    expect(Errors.isValidationError(error)).toBe(true);
    expect(error.stack).toMatch(/^ValidationError: .*\n {4}at path \[PipelineStack\/Pipeline\]$/);
  });

  test('an error about an alarm names the alarm\'s path', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const other = new Stack(app, 'Alarms', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    const alarm = new cloudwatch.Alarm(other, 'Errors', {
      metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Errors' }), threshold: 1, evaluationPeriods: 1,
    });
    const error = errorOf(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1', 'service-x', { gates: { alarms: [alarm] } })],
    }));
    expect(error.message).toMatch(/is in eu-central-1, but the target deploys to eu-west-1/);
    expect(error.stack).toMatch(/\n {4}at path \[Alarms\/Errors\]$/);
  });
});
