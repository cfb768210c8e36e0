import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ACCOUNT, HOME_REGION, cfnTarget, fixture, pipelineStack, pipelineTemplate, sourceBucket, testApp, roleStatements } from './testutil';
import {
  DeploymentWindow, MultiRegionDeliveryPipeline, PipelineSource, PlannedActionKind, RegionTarget, TemplateValidation, ValidationSeverity,
} from '../src';

/** The rendered stages of the fixture's pipeline. */
function stages(template: Template): any[] {
  return (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
}

/** A metric alarm in the pipeline's stack (its region). */
function homeAlarm(stack: Stack, id = 'Errors'): cloudwatch.IAlarm {
  return new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'Service', metricName: id }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

/** An alarm of another region, imported by ARN. */
function importedAlarm(stack: Stack, region: string, name: string): cloudwatch.IAlarm {
  return cloudwatch.Alarm.fromAlarmArn(stack, `${name}-${region}`, `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`);
}

describe('Validate stage', () => {
  test('runs cfn-lint and cfn-guard on every template the targets deploy, between build and deploy', () => {
    const f = fixture(['us-east-1'], { validation: TemplateValidation.cfnLintAndGuard() });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { infrastructure: { stackName: 'net', templatePath: 'network.yaml' } }));
    const template = pipelineTemplate(f);
    expect(stages(template).map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Validate', 'Deploy']);
    const validate = stages(template)[2];
    expect(validate.Actions).toEqual([expect.objectContaining({
      Name: 'Validate',
      ActionTypeId: expect.objectContaining({ Category: 'Build', Provider: 'CodeBuild' }),
      InputArtifacts: [{ Name: 'Build' }],
    })]);
    const projects = template.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('cfn-lint') } });
    expect(Object.keys(projects)).toHaveLength(1);
    const spec = JSON.parse((Object.values(projects)[0] as any).Properties.Source.BuildSpec);
    const install = spec.phases.install.commands.join('\n');
    expect(install).toContain('pip install --disable-pip-version-check --no-cache-dir "cfn-lint==1.58.0"');
    expect(install).toContain('releases/download/3.2.0/cfn-guard-v3-x86_64-ubuntu-latest.tar.gz');
    expect(install).toContain('9f8c4d9f15f7dd54a37ea70a5237ba00aba682fb1e6521a744d12259961dfc13  /tmp/cfn-guard-v3-x86_64-ubuntu-latest.tar.gz" | sha256sum -c -');
    const build = spec.phases.build.commands.join('\n');
    expect(build).toContain('cfn-lint --non-zero-exit-code warning -- us-east-1.template.yaml network.yaml eu-west-1.template.yaml');
    expect(build).toContain('for t in us-east-1.template.yaml network.yaml eu-west-1.template.yaml; do');
    expect(build).toContain('cfn-guard validate --rules /tmp/rules.guard --data "/tmp/guard/$i/template.yaml"');
    expect(spec.env.variables.GUARD_RULES).toBe(TemplateValidation.DEFAULT_GUARD_RULES);
    expect(TemplateValidation.DEFAULT_GUARD_RULES).toMatch(/rule S3_BUCKET_NO_PUBLIC_ACCESS/);
    expect(TemplateValidation.DEFAULT_GUARD_RULES).toMatch(/rule S3_BUCKET_TLS_ONLY/);
    expect(TemplateValidation.DEFAULT_GUARD_RULES).toMatch(/rule EBS_VOLUME_ENCRYPTED/);
  });

  test('Guard checks every template, whatever its name: each as a copy named .yaml, failing the stage on any failure', () => {
    // cfn-guard 3 skips data files it does not recognize by extension and then passes; a stand-in for it here
    // does the same, and records what it checked
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'cfn-guard'), [
      '#!/bin/bash',
      'data="${@: -3:1}"',
      'case "$data" in *.yaml|*.yml|*.json|*.jsn|*.template) ;; *) exit 0 ;; esac',
      'cat "$data" >> "$CHECKED"',
      'grep -q BAD "$data" && exit 19',
      'exit 0',
    ].join('\n'), { mode: 0o755 });
    const templates = ['packaged.out', 'stack.json', 'nested/app.template'];
    const f = fixture([], { validation: TemplateValidation.cfnLintAndGuard() });
    templates.forEach((t, i) => f.pipeline.addTarget(cfnTarget(['us-east-1', 'eu-west-1', 'ap-southeast-2'][i], 'svc', { templatePath: t })));
    const spec = JSON.parse((Object.values(pipelineTemplate(f).findResources('AWS::CodeBuild::Project',
      { Properties: { Description: Match.stringLikeRegexp('cfn-lint') } }))[0] as any).Properties.Source.BuildSpec);
    const guardCommand = spec.phases.build.commands[2];
    const run = (contents: string[]) => {
      const dir = fs.mkdtempSync(path.join(work, 'src-'));
      templates.forEach((t, i) => {
        fs.mkdirSync(path.dirname(path.join(dir, t)), { recursive: true });
        fs.writeFileSync(path.join(dir, t), contents[i]);
      });
      const checked = path.join(dir, 'checked.txt');
      fs.rmSync('/tmp/guard', { recursive: true, force: true });
      const result = spawnSync('bash', ['-c', guardCommand], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CHECKED: checked } });
      return { status: result.status, checked: fs.existsSync(checked) ? fs.readFileSync(checked, 'utf-8') : '' };
    };
    expect(run(['one\n', 'two\n', 'three\n'])).toEqual({ status: 0, checked: 'one\ntwo\nthree\n' });
    expect(run(['BAD\n', 'two\n', 'three\n']).status).toBe(1);
    expect(run(['one\n', 'two\n', 'BAD\n']).status).toBe(1);
  });

  test('the Guard archive can come from another HTTPS address, still checked against its SHA-256', () => {
    const f = fixture(['us-east-1'], {
      validation: TemplateValidation.cfnLintAndGuard({ guardArchiveUrl: 'https://artifacts.example.com/guard/cfn-guard-v3-x86_64-ubuntu-latest.tar.gz' }),
    });
    const spec = JSON.parse((Object.values(pipelineTemplate(f).findResources('AWS::CodeBuild::Project',
      { Properties: { Description: Match.stringLikeRegexp('cfn-lint') } }))[0] as any).Properties.Source.BuildSpec);
    expect(spec.phases.install.commands[1]).toContain("'https://artifacts.example.com/guard/cfn-guard-v3-x86_64-ubuntu-latest.tar.gz'");
    expect(spec.phases.install.commands[2]).toContain('9f8c4d9f15f7dd54a37ea70a5237ba00aba682fb1e6521a744d12259961dfc13');
    expect(() => TemplateValidation.cfnLintAndGuard({ guardArchiveUrl: 'http://example.com/guard.tar.gz' })).toThrow(/guardArchiveUrl 'http:\/\/example.com\/guard.tar.gz' is not an HTTPS URL/);
  });

  test('failOn, own rules and pinned versions are written into the buildspec', () => {
    const f = fixture(['us-east-1'], {
      validation: TemplateValidation.cfnLintAndGuard({
        failOn: ValidationSeverity.ERROR,
        guardRules: 'rule ALWAYS { Resources !empty }',
        cfnLintVersion: '1.51.0',
        guardVersion: '3.1.2',
        guardSha256: 'a'.repeat(64),
      }),
    });
    const projects = pipelineTemplate(f).findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('cfn-lint') } });
    const spec = JSON.parse((Object.values(projects)[0] as any).Properties.Source.BuildSpec);
    expect(spec.phases.build.commands[1]).toBe('cfn-lint --non-zero-exit-code error -- us-east-1.template.yaml');
    expect(spec.phases.install.commands[0]).toContain('cfn-lint==1.51.0');
    expect(spec.phases.install.commands[1]).toContain('/download/3.1.2/');
    expect(spec.phases.install.commands[2]).toContain('a'.repeat(64));
    expect(spec.env.variables.GUARD_RULES).toBe('rule ALWAYS { Resources !empty }');
  });

  test('the project reads the pipeline region\'s artifact store only, with no action on *', () => {
    const f = fixture(['us-east-1'], { validation: TemplateValidation.cfnLintAndGuard() });
    const template = pipelineTemplate(f);
    const roles = template.findResources('AWS::IAM::Role');
    const roleId = Object.keys(roles).find(id => /^PipelineValidateProjectRole/.test(id))!;
    const statements = roleStatements(template, new RegExp(`^${roleId}$`));
    const actions = statements.flatMap((s: any) => ([] as string[]).concat(s.Action));
    expect(actions).not.toContain('*');
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 'logs:PutLogEvents']));
    expect(actions.filter(a => /^s3:(Put|Delete)/.test(a))).toEqual([]);
  });

  test('appears in the plan as VALIDATE and counts against the quotas; 33 regions still fit', () => {
    const f = fixture(['us-east-1', 'eu-west-1'], { validation: TemplateValidation.cfnLintAndGuard() });
    const validate = f.pipeline.plan.actions.find(a => a.stageName === 'Validate')!;
    expect(validate).toEqual(expect.objectContaining({ kind: PlannedActionKind.VALIDATE, region: HOME_REGION, runOrder: 1 }));
    expect(validate.detail).toMatch(/cfn-lint 1\.58\.0 \(fails on warning\), cfn-guard 3\.2\.0 on us-east-1\.template\.yaml, eu-west-1\.template\.yaml/);

    const regions = RegionInfoRegions();
    const big = fixture(regions, { validation: TemplateValidation.cfnLintAndGuard() });
    expect(big.pipeline.plan.stages.map(s => [s.stageName, s.actionCount])).toEqual([
      ['Source', 1], ['Build', 1], ['Validate', 1], ['Deploy', 34], ['Deploy.2', 32],
    ]);
    Template.fromStack(big.stack);
  });

  test('49 windowed stages fit without validation but not with it (the Validate stage is counted)', () => {
    const regions = RegionInfoRegions();
    const windowed = (validation?: TemplateValidation) => {
      const f = fixture([], { validation, buildStep: undefined });
      regions.slice(0, 33).forEach((r, i) => f.pipeline.addTarget(cfnTarget(r, 'svc', { window: DeploymentWindow.cron(`* ${i} * ? * * *`, 'UTC') })));
      regions.slice(0, 16).forEach((r, i) => f.pipeline.addTarget(cfnTarget(r, 'svc2', { window: DeploymentWindow.cron(`* ${33 + i} * ? * * *`, 'UTC') })));
      return f;
    };
    expect(windowed().pipeline.plan.stages).toHaveLength(50);
    expect(() => windowed(TemplateValidation.cfnLintAndGuard()).pipeline.plan).toThrow(/51 stages .* over CodePipeline's quota of 50/);
  });

  test('rejects unpinned versions, a new Guard version without checksum, and a pipeline without CloudFormation targets', () => {
    expect(() => TemplateValidation.cfnLintAndGuard({ cfnLintVersion: 'latest' })).toThrow(/cfnLintVersion 'latest' is not a pinned version/);
    expect(() => TemplateValidation.cfnLintAndGuard({ guardVersion: '3.1.2' })).toThrow(/guardVersion '3.1.2' needs guardSha256/);
    expect(() => TemplateValidation.cfnLintAndGuard({ guardVersion: '3.1.2', guardSha256: 'abc' })).toThrow(/is not a SHA-256/);
    expect(() => TemplateValidation.cfnLintAndGuard({ guardRules: ' ' })).toThrow(/guardRules is empty/);
    const f = fixture([], { validation: TemplateValidation.cfnLintAndGuard() });
    f.pipeline.addTarget(RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'fleet' }));
    expect(() => f.pipeline.plan).toThrow(/validation is set, but no target deploys a CloudFormation template/);
    expect(() => f.pipeline.buildPipeline()).toThrow(/validation is set, but no target deploys a CloudFormation template/);
  });
});

describe('rollback and alarm gates', () => {
  test('rollbackOnFailure puts an onFailure ROLLBACK on the target\'s own stage', () => {
    const f = fixture(['us-east-1']);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { gates: { rollbackOnFailure: true } }));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy', 'Deploy.eu-west-1']);
    expect(rendered[2].OnFailure).toBeUndefined();
    expect(rendered[3].OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(f.pipeline.plan.stages[3].gates).toEqual(['on failure: roll back']);
  });

  test('defaultGates apply to every target without gates of its own, in the Deploy stage', () => {
    const f = fixture(['us-east-1', 'eu-west-1'], { defaultGates: { rollbackOnFailure: true } });
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    expect(rendered[2].OnFailure).toEqual({ Result: 'ROLLBACK' });
  });

  test('an alarm gate is checked before entry (FAIL) and on success (ROLLBACK), in the alarm\'s region, with least-privilege IAM', () => {
    const f = fixture([]);
    const alarm = importedAlarm(f.stack, 'eu-west-1', 'service-x-errors');
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { gates: { alarms: [alarm], alarmWaitTime: Duration.minutes(10), rollbackOnFailure: true } }));
    const template = pipelineTemplate(f);
    const stage = stages(template)[2];
    expect(stage.Name).toBe('Deploy.eu-west-1');
    const rule = (name: string) => ({
      Name: name,
      Region: 'eu-west-1',
      RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
      Configuration: { AlarmName: 'service-x-errors', AlarmStates: 'ALARM', WaitTime: '10' },
    });
    expect(stage.BeforeEntry).toEqual({ Conditions: [{ Result: 'FAIL', Rules: [rule('EntryAlarm.1.1')] }] });
    expect(stage.OnSuccess).toEqual({ Conditions: [{ Result: 'ROLLBACK', Rules: [rule('SuccessAlarm.1.1')] }] });
    expect(stage.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(roleStatements(template)).toEqual(expect.arrayContaining([
      { Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: expect.anything() },
    ]));
    expect(f.pipeline.plan.stages[2].gates).toEqual([
      'before entry: fail if in alarm: service-x-errors@eu-west-1 (waits 10 min)',
      'on success: roll back if in alarm: service-x-errors@eu-west-1 (waits 10 min)',
      'on failure: roll back',
    ]);
  });

  test('never in the same entry as a window: a windowed stage checks its alarms on success only', () => {
    const f = fixture([]);
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window, gates: { alarms: [importedAlarm(f.stack, 'eu-west-1', 'errs')] } }));
    const stage = stages(pipelineTemplate(f))[2];
    expect(stage.BeforeEntry.Conditions).toHaveLength(1);
    expect(stage.BeforeEntry.Conditions[0].Rules.map((r: any) => r.RuleTypeId.Provider)).toEqual(['DeploymentWindow']);
    expect(stage.OnSuccess.Conditions[0].Rules.map((r: any) => r.RuleTypeId.Provider)).toEqual(['CloudWatchAlarm']);
  });

  test('an alarm in the pipeline\'s region is referenced, and targets with different alarms get stages of their own', () => {
    const f = fixture([]);
    const alarm = homeAlarm(f.stack);
    f.pipeline.addTarget(cfnTarget(HOME_REGION, 'a', { gates: { alarms: [alarm] } }));
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'b', { gates: { alarms: [importedAlarm(f.stack, 'eu-west-1', 'b-errors')] } }));
    f.pipeline.addTarget(cfnTarget('us-east-1', 'c'));
    const rendered = stages(pipelineTemplate(f));
    expect(rendered.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Deploy', `Deploy.${HOME_REGION}`, 'Deploy.eu-west-1']);
    expect(rendered[3].BeforeEntry.Conditions[0].Rules[0].Configuration.AlarmName).toEqual({ Ref: expect.stringMatching(/^Errors/) });
    expect(rendered[4].OnSuccess.Conditions[0].Rules[0].Name).toBe('SuccessAlarm.3.1');
  });

  describe('rejected combinations', () => {
    test('ROLLBACK in PARALLEL execution mode', () => {
      expect(() => fixture(['us-east-1'], { executionMode: codepipeline.ExecutionMode.PARALLEL, defaultGates: { rollbackOnFailure: true } }))
        .toThrow(/PARALLEL execution mode, where CodePipeline offers no stage rollback/);
      const f = fixture(['us-east-1'], { executionMode: codepipeline.ExecutionMode.PARALLEL });
      expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'svc', { gates: { alarms: [importedAlarm(f.stack, 'eu-west-1', 'x')] } })))
        .toThrow(/PARALLEL execution mode/);
    });

    test('more than 5 alarms (rules) in one condition', () => {
      const f = fixture([]);
      const alarms = [1, 2, 3, 4, 5, 6].map(i => importedAlarm(f.stack, 'eu-west-1', `a${i}`));
      expect(() => cfnTarget('eu-west-1', 'svc', { gates: { alarms } })).toThrow(/6 alarms given; a stage condition holds at most 5 rules/);
    });

    test('an alarm of another region than the target', () => {
      const f = fixture([]);
      expect(() => cfnTarget('eu-west-1', 'svc', { gates: { alarms: [importedAlarm(f.stack, 'us-east-1', 'x')] } }))
        .toThrow(/alarm x is in us-east-1, but the target deploys to eu-west-1/);
      expect(() => RegionTarget.codeDeploy({
        region: 'eu-west-1', applicationName: 'a', deploymentGroupName: 'g', gates: { alarms: [importedAlarm(f.stack, 'us-east-1', 'y')] },
      })).toThrow(/alarm y is in us-east-1/);
      const g = fixture([], { defaultGates: { alarms: [importedAlarm(f.stack, 'us-east-1', 'z')] } });
      expect(() => g.pipeline.addTarget(cfnTarget('eu-west-1'))).toThrow(/defaultGates applied to target service-x@eu-west-1: alarm z is in us-east-1/);
    });

    test('an alarm of another region without a literal name, a composite alarm, a repeated alarm, a bad wait time', () => {
      const app = testApp();
      const other = new Stack(app, 'Alarms', { env: { account: ACCOUNT, region: 'eu-west-1' } });
      const f = fixture([]);
      f.pipeline.addTarget(cfnTarget('eu-west-1', 'svc', { gates: { alarms: [homeAlarm(other)] } }));
      expect(() => f.pipeline.buildPipeline()).toThrow(/has no literal name; the pipeline in us-west-2 refers to it by name/);
      const metric = homeAlarm(f.stack, 'M');
      const composite = new cloudwatch.CompositeAlarm(f.stack, 'Composite', { alarmRule: cloudwatch.AlarmRule.fromAlarm(metric, cloudwatch.AlarmState.ALARM) });
      expect(() => cfnTarget(HOME_REGION, 'svc', { gates: { alarms: [composite] } })).toThrow(/is a composite alarm/);
      expect(() => cfnTarget(HOME_REGION, 'svc', { gates: { alarms: [metric, metric] } })).toThrow(/is given twice/);
      expect(() => cfnTarget(HOME_REGION, 'svc', { gates: { alarms: [metric], alarmWaitTime: Duration.seconds(30) } })).toThrow(/whole number of minutes/);
      expect(() => cfnTarget(HOME_REGION, 'svc', { gates: { alarmWaitTime: Duration.minutes(3) } })).toThrow(/alarmWaitTime is given without alarms/);
    });
  });
});

describe('notifications', () => {
  test('a created topic: KMS-encrypted, TLS-only, notified of failures, approvals and successes', () => {
    const f = fixture(['us-east-1'], { notifications: {} });
    const template = pipelineTemplate(f);
    expect(f.pipeline.notificationTopic).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'codestar-notifications.amazonaws.com' },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        })]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'codestar-notifications.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: [
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-manual-approval-needed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
      ],
      Targets: [{ TargetType: 'SNS', TargetAddress: { Ref: Match.stringLikeRegexp('NotificationTopic') } }],
    });
  });

  test('the user\'s topic and events', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', `arn:aws:sns:${HOME_REGION}:${ACCOUNT}:releases`);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      targets: [cfnTarget('us-east-1')],
      notifications: { topic, events: [codepipeline.PipelineNotificationEvents.STAGE_EXECUTION_FAILED] },
    });
    expect(pipeline.notificationTopic).toBe(topic);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: ['codepipeline-pipeline-stage-execution-failed'],
      Targets: [{ TargetType: 'SNS', TargetAddress: `arn:aws:sns:${HOME_REGION}:${ACCOUNT}:releases` }],
    });
  });
});

function RegionInfoRegions(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RegionInfo } = require('aws-cdk-lib/region-info');
  return RegionInfo.regions
    .filter((r: any) => r.partition === 'aws' && r.name !== HOME_REGION && !r.name.startsWith('us-gov'))
    .map((r: any) => r.name);
}
