import { App, Aspects, CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { cfnTarget, fixture, pipelineStack, sourceBucket, testApp } from './testutil';
import {
  ArtifactEncryption, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, Rollout, TemplateValidation,
} from '../src';

function findings(app: App, level: 'error' | 'warning'): string[] {
  // the source bucket is the user's, not the construct's
  for (const stack of app.node.children.filter(c => c instanceof Stack) as Stack[]) {
    const bucket = stack.node.tryFindChild('SourceBucket');
    if (bucket) {
      NagSuppressions.addResourceSuppressions(bucket, [{ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s source bucket.' }]);
    }
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  const out: string[] = [];
  for (const stack of app.node.children.filter(c => c instanceof Stack) as Stack[]) {
    const annotations = Annotations.fromStack(stack);
    const found = level === 'error'
      ? annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))
      : annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    out.push(...found.map(f => `${stack.stackName} ${f.id}: ${String(f.entry.data).split('\n')[0]}`));
  }
  return out;
}

describe('cdk-nag AwsSolutions', () => {
  test('the default configuration has no unsuppressed error or warning', () => {
    const f = fixture(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    expect(findings(f.app, 'error')).toEqual([]);
    expect(findings(f.app, 'warning')).toEqual([]);
  });

  test('the KMS configuration with infrastructure stacks, approvals and managed policies has none either', () => {
    const f = fixture(['us-east-1'], { artifactStores: { encryption: ArtifactEncryption.KMS } });
    const policy = new iam.ManagedPolicy(f.stack, 'DeployPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: ['arn:aws:sqs:eu-west-1:111111111111:service-x-queue'] })],
    });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', {
      infrastructure: { stackName: 'service-x-network', templatePath: 'n.yaml' },
      approval: true,
      capabilities: [CfnCapabilities.NAMED_IAM],
      deploymentManagedPolicies: [policy],
    }));
    expect(findings(f.app, 'error')).toEqual([]);
  });

  test('a connection source with full clone, and windowed targets, has none either', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.connection('my-org/service-x', 'main', {
        connectionArn: 'arn:aws:codeconnections:us-west-2:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
        fullClone: true,
        filePathsIncludes: ['src/**', 'templates/**'],
      }),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'America/New_York' }) })],
    });
    pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }) }));
    expect(findings(app, 'error')).toEqual([]);
    expect(findings(app, 'warning')).toEqual([]);
  });

  test('the explanations cover only the pipeline\'s own wildcards: one a user adds is still reported', () => {
    const f = fixture(['eu-west-1'], {
      buildStep: PipelineBuild.codeBuild({
        // the same action group the construct's own grants use: still reported, as the user wrote it
        rolePolicy: [new iam.PolicyStatement({ actions: ['s3:GetObject*'], resources: ['arn:aws:s3:::someone-elses-bucket/*'] })],
      }),
    });
    expect(findings(f.app, 'error')).toEqual([
      expect.stringMatching(/PipelineStack \/PipelineStack\/Pipeline\/Build\/RolePolicy\/Resource: AwsSolutions-IAM5\[Action::s3:GetObject\*\]/),
      expect.stringMatching(/PipelineStack \/PipelineStack\/Pipeline\/Build\/RolePolicy\/Resource: AwsSolutions-IAM5\[Resource::arn:aws:s3:::someone-elses-bucket\/\*\]/),
    ]);
  });

  test('a mixed CloudFormation, CodeDeploy and ECS blue/green configuration has none either', () => {
    const f = fixture(['eu-west-1']);
    f.pipeline.addTarget(RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet', approval: true }));
    f.pipeline.addTarget(RegionTarget.codeDeploy({
      region: 'eu-west-1',
      applicationName: 'web',
      deploymentGroupName: 'web-fleet',
      window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }),
    }));
    f.pipeline.addTarget(RegionTarget.ecsBlueGreen({
      region: 'ap-southeast-2',
      applicationName: 'web-ecs',
      deploymentGroupName: 'web-ecs-dg',
      taskDefinitionTemplateFile: 'taskdef.json',
      appSpecTemplateFile: 'appspec.yaml',
    }));
    f.pipeline.addTarget(RegionTarget.ecsBlueGreen({
      region: 'us-east-1',
      applicationName: 'web-ecs',
      deploymentGroupName: 'web-ecs-dg',
      taskDefinitionTemplateFile: 'taskdef.json',
      appSpecTemplateFile: 'appspec.yaml',
      taskRoles: [iam.Role.fromRoleArn(f.stack, 'TaskRole', 'arn:aws:iam::111111111111:role/web-task')],
    }));
    expect(findings(f.app, 'error')).toEqual([]);
    expect(findings(f.app, 'warning')).toEqual([]);
  });

  test.each([
    ['S3-managed', ArtifactEncryption.S3_MANAGED],
    ['KMS', ArtifactEncryption.KMS],
  ])('the full-featured configuration (%s stores: validation, rollback and alarm gates, notifications) has none either', (_name, encryption) => {
    const app = testApp();
    const stack = pipelineStack(app);
    const homeAlarm = new cloudwatch.Alarm(stack, 'Errors', {
      metric: new cloudwatch.Metric({ namespace: 'Service', metricName: 'Errors' }), threshold: 1, evaluationPeriods: 1,
    });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      artifactStores: { encryption },
      validation: TemplateValidation.cfnLintAndGuard(),
      defaultGates: { rollbackOnFailure: true },
      notifications: {},
      targets: [
        cfnTarget('us-east-1'),
        cfnTarget('us-west-2', 'service-x', { gates: { alarms: [homeAlarm], rollbackOnFailure: true } }),
        cfnTarget('eu-west-1', 'service-x', {
          window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }),
          gates: { alarms: [cloudwatch.Alarm.fromAlarmArn(stack, 'EuAlarm', 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:service-x-errors')] },
        }),
      ],
    });
    expect(findings(app, 'error')).toEqual([]);
    expect(findings(app, 'warning')).toEqual([]);
  });

  test('a rollout in waves with bakes on alarms of several regions has none either', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const regionAlarm = (region: string) => cloudwatch.Alarm.fromAlarmArn(stack, `Alarm-${region}`, `arn:aws:cloudwatch:${region}:111111111111:alarm:errors`);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      rollout: Rollout.waves([
        { name: 'canary', regions: ['us-east-1'], bakeTime: Duration.minutes(30) },
        { name: 'wave-1', regions: ['eu-west-1', 'ap-southeast-2'], bakeTime: Duration.hours(1) },
        { name: 'rest' },
      ]),
      targets: [
        ...['us-east-1', 'eu-west-1', 'ap-southeast-2'].map(region => cfnTarget(region, 'service-x', { gates: { alarms: [regionAlarm(region)], rollbackOnFailure: true } })),
        cfnTarget('sa-east-1'),
        cfnTarget('eu-central-1', 'service-x', { window: DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Berlin' }) }),
      ],
    });
    expect(findings(app, 'error')).toEqual([]);
    expect(findings(app, 'warning')).toEqual([]);
  });

  test('each of the pipeline\'s policies carries one IAM5 explanation, with the reasons of the wildcards it holds only', () => {
    const f = fixture(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    expect(findings(f.app, 'error')).toEqual([]);
    const template = Template.fromStack(f.stack);
    const explained = Object.entries({ ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::Role') })
      .map(([id, r]: [string, any]) => [id, (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).filter((x: any) => x.id === 'AwsSolutions-IAM5')] as [string, any[]])
      .filter(([, iam5]) => iam5.length > 0);
    expect(explained.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^PipelineBuildProjectRoleDefaultPolicy/), expect.stringMatching(/^PipelineRoleDefaultPolicy/),
      expect.stringMatching(/^PipelineStoreCleanerRole/), expect.stringMatching(/^PipelineTargetsDeployActionRole/),
      expect.stringMatching(/^PipelineTargetsDeploymentRole/),
    ]);
    for (const [id, iam5] of explained.filter(([x]) => !/StoreCleaner/.test(x))) {
      expect({ id, count: iam5.length }).toEqual({ id, count: 1 });
      expect(iam5[0].reason).toMatch(/^Wildcards written by the pipeline: .+\.$/);
    }
    const reasonOf = (pattern: RegExp) => explained.find(([id]) => pattern.test(id))![1][0].reason as string;
    // the deployment role reads the stores only: no stack, no CodeBuild clause
    expect(reasonOf(/DeploymentRole/)).toMatch(/store buckets/);
    expect(reasonOf(/DeploymentRole/)).not.toMatch(/named stacks|CodeBuild/);
    expect(reasonOf(/BuildProjectRole/)).toMatch(/CodeBuild log streams/);
    expect(reasonOf(/DeployActionRole/)).toMatch(/generated IDs of the named stacks/);
  });

  test('the checks do find problems (the test can fail)', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad', { env: { account: '111111111111', region: 'us-west-2' } });
    new iam.Role(stack, 'Admin', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')],
    });
    expect(findings(app, 'error').join('\n')).toMatch(/AwsSolutions-IAM4/);
  });
});
