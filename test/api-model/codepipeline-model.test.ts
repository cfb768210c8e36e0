import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { TemplateResources, checkPipeline, pipelineProblems, renderedLength, templateEntries } from './codepipeline-model';
import { DeploymentWindow, MultiRegionDeliveryPipeline, TemplateValidation } from '../../src';
import { cfnTarget, fixture } from '../testutil';

const problemsIn = pipelineProblems;

function pipelineTemplates(pipeline: MultiRegionDeliveryPipeline): any {
  const app = pipeline.node.root as any;
  const stack = pipeline.node.scopes.find(s => (s as any).templateFile !== undefined) as any;
  return app.synth().getStackByName(stack.stackName).template;
}

const INTEG = path.join(__dirname, '..', '..', 'integ');
const snapshotTemplates = fs.readdirSync(INTEG)
  .filter(dir => dir.endsWith('.snapshot'))
  .flatMap(dir => fs.readdirSync(path.join(INTEG, dir)).filter(f => f.endsWith('.template.json')).map(f => path.join(dir, f)));

describe("CodePipeline's API model", () => {
  test.each(snapshotTemplates)('integ snapshot %s', file => {
    expect(problemsIn(JSON.parse(fs.readFileSync(path.join(INTEG, file), 'utf-8')))).toEqual([]);
  });

  test('the example pipeline (example/main.ts, synthesized into example/cdk.out)', () => {
    const root = path.join(__dirname, '..', '..');
    execFileSync(path.join(root, 'node_modules', '.bin', 'ts-node'), [path.join(root, 'example', 'main.ts')], {
      cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', RELEASE_START: '2026-11-23T00:00:00Z' }, stdio: 'pipe',
    });
    const out = path.join(root, 'example', 'cdk.out');
    const templates = fs.readdirSync(out).filter(f => f.endsWith('.template.json'));
    const problems = templates.flatMap(f => problemsIn(JSON.parse(fs.readFileSync(path.join(out, f), 'utf-8'))));
    expect(templates.some(f => fs.readFileSync(path.join(out, f), 'utf-8').includes('AWS::CodePipeline::Pipeline'))).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);

  test('the integ snapshots hold pipelines to check', () => {
    const withPipelines = snapshotTemplates.filter(f => fs.readFileSync(path.join(INTEG, f), 'utf-8').includes('AWS::CodePipeline::Pipeline'));
    expect(withPipelines.length).toBeGreaterThanOrEqual(6);
  });

  test('33 regions with a build, a validation, windows, gates, approvals and infrastructure stacks', () => {
    const regions = [
      'us-east-1', 'us-east-2', 'us-west-1', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2', 'ap-northeast-1',
      'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
      'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1',
      'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1', 'sa-east-1', 'mx-central-1', 'ap-southeast-7', 'ca-west-1',
      'ap-east-2', 'ap-southeast-6',
    ];
    const f = fixture([], { validation: TemplateValidation.cfnLintAndGuard(), defaultGates: { rollbackOnFailure: true } });
    regions.forEach((region, i) => f.pipeline.addTarget(cfnTarget(region, 'service-x-with-a-long-stack-name', {
      approval: i % 3 === 0,
      infrastructure: i % 4 === 0 ? { stackName: 'service-x-network', templatePath: `${region}/network.template.yaml` } : undefined,
      window: i % 2 === 0 ? DeploymentWindow.daily({ startHour: i % 24, endHour: (i % 24) + 1 > 23 ? 23 : (i % 24) + 1, timeZone: 'UTC' }) : undefined,
    })));
    expect(problemsIn(pipelineTemplates(f.pipeline))).toEqual([]);
  });

  test('alarm gates in several stages', () => {
    const f = fixture([]);
    for (const region of ['us-west-2', 'us-west-2']) { void region; }
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmArn(f.stack, name, `arn:aws:cloudwatch:eu-west-1:111111111111:alarm:${name}`);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'a', { gates: { alarms: [alarm('a-errors')], alarmWaitTime: Duration.minutes(5) } }));
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'b', { gates: { alarms: [alarm('b-errors')] }, window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }) }));
    f.pipeline.addTarget(cfnTarget('us-east-1', 'c', { window: DeploymentWindow.daily({ startHour: 2, endHour: 5, timeZone: 'America/New_York' }) }));
    f.pipeline.addTarget(cfnTarget('us-east-2', 'd', { window: DeploymentWindow.daily({ startHour: 3, endHour: 5, timeZone: 'America/New_York' }) }));
    expect(problemsIn(pipelineTemplates(f.pipeline))).toEqual([]);
  });
});

describe('the check itself finds what the API rejects', () => {
  const resources: TemplateResources = { Bucket: { Type: 'AWS::S3::Bucket' }, Role: { Type: 'AWS::IAM::Role' }, Thing: { Type: 'Custom::Thing' } };
  const action = (extra: object = {}) => ({
    Name: 'Build', ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' }, RunOrder: 1, ...extra,
  });
  const pipeline = (stages: object[]) => ({
    RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
    ArtifactStore: { Type: 'S3', Location: { Ref: 'Bucket' } },
    Stages: stages,
  });

  test('a valid declaration passes', () => {
    expect(checkPipeline(pipeline([{ Name: 'Build', Actions: [action()] }]), resources)).toEqual([]);
  });

  test('a configuration value over 1,000 characters, literal or joined', () => {
    expect(checkPipeline(pipeline([{ Name: 'Build', Actions: [action({ Configuration: { EnvironmentVariables: 'x'.repeat(1001) } })] }]), resources))
      .toEqual([expect.stringMatching(/stages\[0\]\.actions\[0\]\.configuration\.EnvironmentVariables: 1001 characters, over the maximum of 1000/)]);
    const joined = { 'Fn::Join': ['', ['x'.repeat(950), { Ref: 'Bucket' }]] };
    expect(checkPipeline(pipeline([{ Name: 'Build', Actions: [action({ Configuration: { ProjectName: joined } })] }]), resources))
      .toEqual([expect.stringMatching(/ProjectName: up to 1013 characters/)]);
  });

  test('an unknown intrinsic counts as long, not as absent', () => {
    expect(checkPipeline(pipeline([{ Name: 'Build', Actions: [action({ Configuration: { ProjectName: { 'Fn::GetAtt': ['Thing', 'Name'] } } })] }]), resources))
      .toEqual([expect.stringMatching(/up to 2048 characters, over the maximum of 1000/)]);
  });

  test('a parameter is as long as its MaxLength; a part of a split string at most as long as the string', () => {
    const template = {
      Parameters: { Repo: { Type: 'String', MaxLength: 100 }, Free: { Type: 'String' } },
      Resources: { Bucket: { Type: 'AWS::S3::Bucket' } },
    };
    const entries = templateEntries(template);
    expect(renderedLength({ Ref: 'Repo' }, entries)).toBe(100);
    expect(renderedLength({ Ref: 'Free' }, entries)).toBe(2048);
    expect(renderedLength({ 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: 'Repo' }] }] }, entries)).toBe(100);
    expect(renderedLength({ 'Fn::Select': [0, ['ab', 'abcd']] }, entries)).toBe(4);
    expect(renderedLength({ 'Fn::Select': [0, { Ref: 'List' }] }, entries)).toBe(2048);
  });

  test('bad names, run orders, too many rules and repeated rule names', () => {
    const rule = (name: string) => ({ Name: name, RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' }, Configuration: { Cron: '* * * ? * * *' } });
    const problems = checkPipeline(pipeline([
      { Name: 'Deploy stage', Actions: [action({ Name: 'a/b', RunOrder: 1000 })], BeforeEntry: { Conditions: [{ Result: 'FAIL', Rules: [rule('Window')] }] } },
      { Name: 'Later', Actions: [action()], BeforeEntry: { Conditions: [{ Result: 'FAIL', Rules: ['1', '2', '3', '4', '5', '6'].map(rule).concat([rule('Window')]) }] } },
    ]), resources);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/stages\[0\]\.name: 'Deploy stage' does not match/),
      expect.stringMatching(/stages\[0\]\.actions\[0\]\.name: 'a\/b' does not match/),
      expect.stringMatching(/stages\[0\]\.actions\[0\]\.runOrder: 1000 is not an integer from 1 to 999/),
      expect.stringMatching(/stages\[1\]\.beforeEntry\.conditions\[0\]\.rules: 7 items, allowed 1 to 5/),
      expect.stringMatching(/rule name 'Window' is used more than once/),
    ]));
  });
});
