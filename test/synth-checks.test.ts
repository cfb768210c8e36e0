import { App, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { ACCOUNT, cfnTarget, fixture, pipelineStack, sourceBucket, testApp } from './testutil';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget } from '../src';

/*
 * What the construct checks at synth time so that AWS does not refuse (or silently misread) it at
 * deploy time: issue "Correct on real AWS".
 */

const ecs = { taskDefinitionTemplateFile: 'taskdef.json', appSpecTemplateFile: 'appspec.yaml' };

function pipelineIn(app: App, region: string, stackName = 'DeliveryPipeline'): MultiRegionDeliveryPipeline {
  const stack = new Stack(app, `${stackName}-${region}`, { stackName, env: { account: ACCOUNT, region } });
  return new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    targets: [cfnTarget('us-east-1')],
  });
}

function storeStackNames(app: App): string[] {
  return app.synth().stacks.map(s => s.stackName).filter(name => name.includes('-artifacts-'));
}

describe('isolation between pipelines', () => {
  test('two pipeline stacks of one name in two regions get store stacks and buckets of their own', () => {
    const app = testApp();
    const west = pipelineIn(app, 'us-west-2');
    const europe = pipelineIn(app, 'eu-west-1');
    expect(storeStackNames(app).sort()).toEqual(['DeliveryPipeline-eu-west-1-artifacts-us-east-1', 'DeliveryPipeline-us-west-2-artifacts-us-east-1']);
    const westBucket = Stack.of(west.artifactBucket('us-east-1')).resolve((west.artifactBucket('us-east-1').node.defaultChild as any).bucketName);
    const europeBucket = Stack.of(europe.artifactBucket('us-east-1')).resolve((europe.artifactBucket('us-east-1').node.defaultChild as any).bucketName);
    expect(westBucket).not.toEqual(europeBucket);
    for (const name of [westBucket, europeBucket]) {
      expect(name).toMatch(/^mrdp-[0-9a-f]{10}-111111111111-us-east-1$/);
    }
  });

  test('store stack and bucket names are stable across synths', () => {
    const names = () => {
      const app = testApp();
      const pipeline = pipelineIn(app, 'us-west-2');
      const bucket = pipeline.artifactBucket('us-east-1');
      return [storeStackNames(app), Stack.of(bucket).resolve((bucket.node.defaultChild as any).bucketName)];
    };
    expect(names()).toEqual(names());
  });

  test('a long pipeline stack name keeps its store stack name within 128 characters, unique by a hash', () => {
    const app = testApp();
    pipelineIn(app, 'us-west-2', `Delivery${'x'.repeat(110)}`);
    pipelineIn(app, 'us-west-2', `Delivery${'x'.repeat(109)}y`);
    const names = storeStackNames(app);
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(128);
      expect(name).toMatch(/^Deliveryx+-[0-9a-f]{8}-us-west-2-artifacts-us-east-1$/);
    }
    expect(names[0]).not.toEqual(names[1]);
  });

  test('a target may not deploy over the pipeline\'s own stacks', () => {
    const f = fixture([]);
    expect(() => f.pipeline.addTarget(cfnTarget('us-east-1', 'PipelineStack-us-west-2-artifacts-us-east-1')))
      .toThrow(/would deploy the stack 'PipelineStack-us-west-2-artifacts-us-east-1' in us-east-1, which is one of the pipeline's own stacks/);
    expect(() => f.pipeline.addTarget(cfnTarget('us-west-2', 'PipelineStack')))
      .toThrow(/would deploy the stack 'PipelineStack' in us-west-2, which is one of the pipeline's own stacks/);
    expect(() => f.pipeline.addTarget(cfnTarget('us-east-1', 'service-x', { infrastructure: { stackName: 'PipelineStack-us-west-2-artifacts-us-east-1', templatePath: 'n.yaml' } })))
      .toThrow(/one of the pipeline's own stacks/);
    // the same names in other regions are not the pipeline's
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'PipelineStack'));
  });

  test('regions of another partition are rejected, naming the partition', () => {
    const f = fixture([]);
    expect(() => f.pipeline.addTarget(cfnTarget('cn-north-1'))).toThrow(/cn-north-1, of the partition aws-cn, but the pipeline is in us-west-2, of the partition aws/);
    expect(() => f.pipeline.addTarget(cfnTarget('us-gov-west-1'))).toThrow(/of the partition aws-us-gov/);
  });
});

describe('the same deployment group twice', () => {
  test('once as a construct with literal names and once by those names', () => {
    const app = testApp();
    const regional = new Stack(app, 'Web', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const application = new codedeploy.ServerApplication(regional, 'App', { applicationName: 'web' });
    const group = new codedeploy.ServerDeploymentGroup(regional, 'Group', { application, deploymentGroupName: 'fleet' });
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [RegionTarget.codeDeployGroup({ deploymentGroup: group })],
    });
    expect(() => pipeline.addTarget(RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'fleet' })))
      .toThrow(/target web.fleet@us-east-1 is in the pipeline already; each deployment group, and each stack of a region, can be a target once/);
    // another group of the application is another target
    pipeline.addTarget(RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'canary' }));
  });
});

describe('values AWS would refuse become synth-time errors naming the option', () => {
  test('CodeDeploy and ECS names that are tokens', () => {
    const token = Lazy.string({ produce: () => 'web' });
    expect(() => RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: token, deploymentGroupName: 'fleet' }))
      .toThrow(/RegionTarget.codeDeploy\(<token>\/fleet@us-east-1\): applicationName is a token .* give literal names, or pass the group itself with RegionTarget.codeDeployGroup/);
    expect(() => RegionTarget.ecsBlueGreen({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: token, ...ecs }))
      .toThrow(/deploymentGroupName is a token .* RegionTarget.ecsBlueGreenGroup/);
    expect(() => RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'fleet', deploymentConfigName: token }))
      .toThrow(/deploymentConfigName is a token/);
  });

  test('an empty taskRoles list', () => {
    expect(() => RegionTarget.ecsBlueGreen({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'bg', ...ecs, taskRoles: [] }))
      .toThrow(/taskRoles is empty; list the task's roles/);
  });

  test('a template path that leaves the artifact', () => {
    expect(() => cfnTarget('us-east-1', 'svc', { templatePath: '../t.yaml' })).toThrow(/template path '..\/t.yaml' must be relative .* no '..'/);
    expect(() => cfnTarget('us-east-1', 'svc', { templatePath: 'a/../../t.yaml' })).toThrow(/no '..'/);
    expect(() => RegionTarget.ecsBlueGreen({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'bg', ...ecs, appSpecTemplateFile: '../appspec.yaml' }))
      .toThrow(/appSpecTemplateFile: template path '..\/appspec.yaml'/);
    expect(cfnTarget('us-east-1', 'svc', { templatePath: 'a..b/t.yaml' }).region).toEqual('us-east-1');
  });

  test('store removal policy SNAPSHOT, and expirations that are not whole days of at least 1', () => {
    const props = (artifactStores: object) => () => fixture(['us-east-1'], { artifactStores });
    expect(props({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/artifactStores.removalPolicy snapshot is not supported by S3 buckets and KMS keys/);
    expect(props({ removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE })).toThrow(/artifactStores.removalPolicy retain-on-update-or-delete/);
    expect(props({ noncurrentVersionExpiration: Duration.days(0) })).toThrow(/artifactStores.noncurrentVersionExpiration must be a whole number of days, at least 1 \(got 0 days\)/);
    expect(props({ noncurrentVersionExpiration: Duration.hours(36) })).toThrow(/noncurrentVersionExpiration must be a whole number of days.*got 1 day 12 hours/);
    expect(props({ artifactExpiration: Duration.minutes(5) })).toThrow(/artifactStores.artifactExpiration must be a whole number of days/);
  });

  test('an alarm wait time that is not whole minutes, in the library\'s own words', () => {
    const f = fixture([]);
    const alarm = cloudwatch.Alarm.fromAlarmArn(f.stack, 'A', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:errors');
    expect(() => cfnTarget('us-east-1', 'svc', { gates: { alarms: [alarm], alarmWaitTime: Duration.seconds(90) } }))
      .toThrow(/alarmWaitTime must be a whole number of minutes, at least 1 \(got 1 minute 30 seconds\)/);
  });

  test('a malformed alarm ARN', () => {
    const f = fixture([]);
    const alarm = cloudwatch.Alarm.fromAlarmArn(f.stack, 'A', 'arn:aws:cloudwatch:us-east-1:111111111111:dashboard:errors');
    expect(() => cfnTarget('us-east-1', 'svc', { gates: { alarms: [alarm] } }))
      .toThrow(/'arn:aws:cloudwatch:us-east-1:111111111111:dashboard:errors' \(alarm PipelineStack\/A\) is not a CloudWatch alarm ARN/);
  });

  test('an alarm of another account is rejected like an alarm of another region', () => {
    const f = fixture([]);
    const alarm = cloudwatch.Alarm.fromAlarmArn(f.stack, 'A', 'arn:aws:cloudwatch:us-east-1:222222222222:alarm:errors');
    expect(() => f.pipeline.addTarget(cfnTarget('us-east-1', 'svc', { gates: { alarms: [alarm] } })))
      .toThrow(/alarm errors is in account 222222222222, the pipeline in 111111111111; alarm gates read alarms of the pipeline's account/);
    const g = fixture([], { defaultGates: { alarms: [alarm] } });
    expect(() => g.pipeline.addTarget(cfnTarget('us-east-1'))).toThrow(/defaultGates applied to target service-x@us-east-1: alarm errors is in account 222222222222/);
  });

  test('an empty list of notification events', () => {
    expect(() => fixture(['us-east-1'], { notifications: { events: [] } })).toThrow(/notifications.events is empty/);
  });

  test('a window that never opens again', () => {
    const f = fixture([]);
    const past = DeploymentWindow.cron('* * 1-4 ? * MON-FRI 2020-2021', 'Europe/Dublin');
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'svc', { window: past })))
      .toThrow(/the window of target svc@eu-west-1, cron\(\* \* 1-4 \? \* MON-FRI 2020-2021\) Europe\/Dublin, never opens after 20\d\d-.*CodePipeline would wait for it forever/);
  });
});

describe('artifact expiry', () => {
  test('current artifacts expire after 90 days by default, configurable; noncurrent versions after 30', () => {
    const rules = (f: ReturnType<typeof fixture>) => Template.fromStack(f.stack).findResources('AWS::S3::Bucket', {
      Properties: { BucketName: Match.anyValue() },
    });
    const byDefault = Object.values(rules(fixture(['us-east-1']))).find((b: any) => b.Properties.LifecycleConfiguration) as any;
    expect(byDefault.Properties.LifecycleConfiguration.Rules[0])
      .toMatchObject({ ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    const configured = Object.values(rules(fixture(['us-east-1'], { artifactStores: { artifactExpiration: Duration.days(400) } })))
      .find((b: any) => b.Properties.LifecycleConfiguration) as any;
    expect(configured.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toEqual(400);
  });
});

