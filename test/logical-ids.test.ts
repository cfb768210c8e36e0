import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { cfnTarget, pipelineStack, sourceBucket, testApp } from './testutil';
import { ArtifactEncryption, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget, Rollout, RolloutWave } from '../src';

/*
 * Construct IDs are part of the API: a logical ID that changes replaces the resource on the next
 * deployment. Every ID derives from what a resource is for (a region, a policy set, a window and
 * gates), never from a position in the target list or from a stage name that changes when a region
 * joins; these tests make each such edit and check that every role, policy, bucket and key keeps its
 * logical ID (and every role its managed policies).
 */

const KEPT_TYPES = ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::CodeBuild::Project'];

type TargetSpec = (stack: Stack) => RegionTarget;

const dublinNights = DeploymentWindow.weekdays({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
const sydneyNights = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Australia/Sydney' });

function policy(stack: Stack, name: string): iam.IManagedPolicy {
  return iam.ManagedPolicy.fromManagedPolicyName(stack, `Policy-${name}`, name);
}

const TARGETS: { [name: string]: TargetSpec } = {
  'us-east-1': stack => cfnTarget('us-east-1', 'service-x', { deploymentManagedPolicies: [policy(stack, 'service-x-deploy')] }),
  'eu-west-1': stack => cfnTarget('eu-west-1', 'service-x', { window: dublinNights, deploymentManagedPolicies: [policy(stack, 'service-x-eu-deploy')] }),
  'ap-southeast-2': () => cfnTarget('ap-southeast-2', 'service-x', { window: sydneyNights, gates: { rollbackOnFailure: true } }),
  'sa-east-1': stack => cfnTarget('sa-east-1', 'service-x', { deploymentManagedPolicies: [policy(stack, 'service-x-sa-deploy')] }),
  'eu-central-1': () => cfnTarget('eu-central-1', 'service-x', { window: dublinNights }),
  'web-fleet': () => RegionTarget.codeDeploy({ region: 'us-east-2', applicationName: 'web', deploymentGroupName: 'fleet', window: dublinNights }),
  // a region without CodePipeline: delivered through a CodeBuild route of its own
  'ca-west-1': () => cfnTarget('ca-west-1', 'service-x', { approval: true }),
  'mx-central-1': () => cfnTarget('mx-central-1', 'service-x', { window: dublinNights }),
};

/** Every kept resource of every stack of the app, with the managed policies of each role. */
function resourcesOf(names: string[], waves?: RolloutWave[]): Map<string, string> {
  return resourcesOfWith(TARGETS, names, waves);
}

function resourcesOfWith(specs: { [name: string]: TargetSpec }, names: string[], waves?: RolloutWave[]): Map<string, string> {
  const app: App = testApp();
  const stack = pipelineStack(app);
  new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    artifactStores: { encryption: ArtifactEncryption.KMS },
    targets: names.map(name => specs[name](stack)),
    rollout: waves ? Rollout.waves(waves) : undefined,
  });
  const found = new Map<string, string>();
  for (const artifact of app.synth().stacks) {
    const template = Template.fromJSON(artifact.template);
    for (const type of KEPT_TYPES) {
      for (const [id, resource] of Object.entries(template.findResources(type))) {
        found.set(`${artifact.stackName}/${id} (${type})`, JSON.stringify(resource.Properties?.ManagedPolicyArns ?? null));
      }
    }
  }
  return found;
}

/** The kept resources of `before` that are missing from `after`, or whose managed policies changed. */
function lost(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before].filter(([key, policies]) => after.get(key) !== policies).map(([key]) => key);
}

describe('logical IDs stay when targets change', () => {
  const base = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'web-fleet'];
  const before = resourcesOf(base);

  test('the base configuration has the resources the checks look at', () => {
    const roles = [...before.keys()].filter(k => k.includes('AWS::IAM::Role'));
    // three deployment roles (two policy sets and none), three stage action roles (Deploy, Dublin, Sydney)
    expect(roles.filter(k => k.includes('DeploymentRole'))).toHaveLength(3);
    expect(roles.filter(k => /Targets(Deploy|Group)[A-Za-z0-9]*ActionRole/.test(k))).toHaveLength(3);
    expect([...before.keys()].filter(k => k.includes('AWS::KMS::Key'))).toHaveLength(5);
  });

  test('adding a region first in the list', () => {
    expect(lost(before, resourcesOf(['sa-east-1', ...base]))).toEqual([]);
  });

  test('reordering the targets', () => {
    expect(lost(before, resourcesOf([...base].reverse()))).toEqual([]);
  });

  test('adding a region to an existing window group (which renames its stage)', () => {
    expect(lost(before, resourcesOf([...base, 'eu-central-1']))).toEqual([]);
  });

  test('removing a region only removes: no other resource gets a new logical ID', () => {
    const after = resourcesOf(base.filter(r => r !== 'eu-west-1'));
    expect([...after.keys()].filter(key => !before.has(key))).toEqual([]);
    expect(after.size).toBeLessThan(before.size);
  });
});

describe('logical IDs of the CodeBuild routes (regions without CodePipeline) stay when targets change', () => {
  const base = ['us-east-1', 'ca-west-1', 'eu-west-1'];
  const before = resourcesOf(base);

  test('the routed targets share one project and role (Targets/Route), whatever the targets', () => {
    expect([...before.keys()].filter(k => /Route/.test(k)).sort()).toEqual([
      'PipelineStack/PipelineTargetsRouteProject25EA59AF (AWS::CodeBuild::Project)',
      'PipelineStack/PipelineTargetsRouteProjectRoleDefaultPolicy23558D30 (AWS::IAM::Policy)',
      'PipelineStack/PipelineTargetsRouteProjectRoleF56D3831 (AWS::IAM::Role)',
    ]);
  });

  test('adding a routed region first, reordering, adding a windowed routed region', () => {
    expect(lost(before, resourcesOf(['mx-central-1', ...base]))).toEqual([]);
    expect(lost(before, resourcesOf([...base].reverse()))).toEqual([]);
    expect(lost(before, resourcesOf([...base, 'sa-east-1']))).toEqual([]);
  });
});

describe('logical IDs stay when waves change', () => {
  const targets = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'web-fleet', 'sa-east-1'];
  const waves: RolloutWave[] = [
    { name: 'canary', regions: ['us-east-1'] },
    { name: 'wave-1', regions: ['eu-west-1', 'ap-southeast-2'] },
    { name: 'rest' },
  ];
  const before = resourcesOf(targets, waves);

  test('the base rollout has a stage action role per wave stage', () => {
    const roles = [...before.keys()].filter(k => /Targets(Wave|Group)[A-Za-z0-9]*ActionRole[A-Z0-9]+ \(AWS::IAM::Role\)/.test(k));
    // canary; wave-1 (Dublin) and wave-1 (Sydney); rest (sa-east-1; the CodeDeploy fleet uses no stage action role)
    expect(roles).toHaveLength(4);
  });

  test('adding a wave before the others', () => {
    const first: RolloutWave = { name: 'pilot', regions: ['eu-central-1'] };
    expect(lost(before, resourcesOf([...targets, 'eu-central-1'], [first, ...waves]))).toEqual([]);
  });

  test('adding a region to a wave: joining a window group of the wave, or adding a stage to it', () => {
    for (const wave of ['wave-1', 'canary']) {
      const grown = waves.map(w => w.name === wave ? { ...w, regions: [...w.regions!, 'eu-central-1'] } : w);
      expect(lost(before, resourcesOf([...targets, 'eu-central-1'], grown))).toEqual([]);
    }
  });

  test('moving a region between waves keeps every role but that of the stage it leaves empty', () => {
    // sa-east-1 joins the canary's stage (same window and gates: its role stays); the rest's stage had only sa-east-1
    const moved = resourcesOf(targets, [{ name: 'canary', regions: ['us-east-1', 'sa-east-1'] }, ...waves.slice(1)]);
    const gone = lost(before, moved);
    // the role of the stage it leaves empty (its grants are inline: no policy resource of its own)
    expect(gone).toHaveLength(1);
    expect(gone.every(k => /TargetsGroup[0-9a-f]{8}ActionRole/.test(k))).toBe(true);
  });

  test('adding a region with alarms of its own to a wave: it joins the wave\'s stage, whose role stays', () => {
    const gatedTargets = { ...TARGETS };
    const withAlarm = (region: string) => (stack: Stack) => cfnTarget(region, 'service-x', {
      gates: { alarms: [cloudwatch.Alarm.fromAlarmArn(stack, `A-${region}`, `arn:aws:cloudwatch:${region}:111111111111:alarm:errors`)] },
    });
    gatedTargets['us-east-1'] = withAlarm('us-east-1');
    const one = resourcesOfWith(gatedTargets, ['us-east-1'], [{ name: 'canary' }]);
    gatedTargets['us-west-1'] = withAlarm('us-west-1');
    const two = resourcesOfWith(gatedTargets, ['us-east-1', 'us-west-1'], [{ name: 'canary' }]);
    expect(lost(one, two)).toEqual([]);
  });
});

describe('logical IDs of the default configuration (a change here replaces resources)', () => {
  test('shared roles, stores and the pipeline', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1'), cfnTarget('eu-west-1', 'service-x', { window: dublinNights })],
    });
    const ids = (type: string) => Object.keys(Template.fromStack(stack).findResources(type)).sort();
    expect(ids('AWS::IAM::Role')).toEqual([
      'PipelineBuildProjectRole3F29B700',
      'PipelineEventsRole96280D9B',
      'PipelineRoleB27FAA37',
      'PipelineStoreCleanerRole22C8FF46',
      'PipelineTargetsDeployActionRoleB56262A9',
      'PipelineTargetsDeploymentRole74A038EF',
      'PipelineTargetsGroup60d56970ActionRole15063F51',
    ]);
    expect(ids('AWS::S3::Bucket')).toEqual(['PipelineArtifactStoreBucketA4DDD734', 'SourceBucketDDD2130A']);
    expect(ids('AWS::CodePipeline::Pipeline')).toEqual(['Pipeline9850B417']);
    expect(ids('Custom::ArtifactStoreCleaner')).toEqual(['PipelineStoreCleaner65D87CD9']);
  });
});
