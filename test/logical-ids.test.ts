import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { cfnTarget, pipelineStack, sourceBucket, testApp } from './testutil';
import { ArtifactEncryption, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget } from '../src';

/*
 * Construct IDs are part of the API: a logical ID that changes replaces the resource on the next
 * deployment. Every ID derives from what a resource is for (a region, a policy set, a window and
 * gates), never from a position in the target list or from a stage name that changes when a region
 * joins; these tests make each such edit and check that every role, policy, bucket and key keeps its
 * logical ID (and every role its managed policies).
 */

const KEPT_TYPES = ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::KMS::Alias'];

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
};

/** Every kept resource of every stack of the app, with the managed policies of each role. */
function resourcesOf(names: string[]): Map<string, string> {
  const app: App = testApp();
  const stack = pipelineStack(app);
  new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    artifactStores: { encryption: ArtifactEncryption.KMS },
    targets: names.map(name => TARGETS[name](stack)),
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
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834RoleB6FB88EC',
      'CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092',
      'PipelineBuildCodePipelineActionRole183A2F80',
      'PipelineBuildProjectRole3F29B700',
      'PipelineEventsRole96280D9B',
      'PipelineRoleB27FAA37',
      'PipelineSourceCodePipelineActionRole2429A955',
      'PipelineTargetsDeployActionRoleB56262A9',
      'PipelineTargetsDeploymentRole74A038EF',
      'PipelineTargetsGroup60d56970ActionRole15063F51',
    ]);
    expect(ids('AWS::S3::Bucket')).toEqual(['PipelineArtifactStoreBucketA4DDD734', 'SourceBucketDDD2130A']);
    expect(ids('AWS::CodePipeline::Pipeline')).toEqual(['Pipeline9850B417']);
  });
});
