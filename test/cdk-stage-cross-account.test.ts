import { App, DefaultStackSynthesizer, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { checkPipeline } from './api-model/codepipeline-model';
import { DataStack, ServiceStack, serviceStage } from './cdk-app/service';
import { ACCOUNT, HOME_REGION, cfnLint, flatten, nagFindings, pipelineStack, sourceBucket, testApp, withResource } from './testutil';
import {
  ArtifactEncryption, CdkDeployRoles, CdkStageTargetOptions, DeliveryTopology, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource,
  RegionTarget,
} from '../src';

/*
 * CDK stages in another account than the pipeline's (single pipeline): deployed with that account's
 * bootstrap deploy and execution roles, assets published with its bootstrap publishing roles, the
 * artifact stores' bucket and key policies granting its roles as for RegionTarget.cloudFormation().
 */

const OTHER = '222222222222';
const deployRole = (region: string, qualifier = 'hnb659fds') => `arn:aws:iam::${OTHER}:role/cdk-${qualifier}-deploy-role-${OTHER}-${region}`;
const execRole = (region: string, qualifier = 'hnb659fds') => `arn:aws:iam::${OTHER}:role/cdk-${qualifier}-cfn-exec-role-${OTHER}-${region}`;
const publishingRoles = (account: string, region: string) => [
  `arn:aws:iam::${account}:role/cdk-hnb659fds-file-publishing-role-${account}-${region}`,
  `arn:aws:iam::${account}:role/cdk-hnb659fds-image-publishing-role-${account}-${region}`,
];

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly pipeline: MultiRegionDeliveryPipeline;
}

/** A KMS pipeline in us-west-2: a stage of its own account in us-east-1, stages of OTHER in eu-west-1 and in the pipeline's region. */
function crossAccountCdk(options: CdkStageTargetOptions = {}, encryption = ArtifactEncryption.KMS): Fixture {
  const app = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] }),
    artifactStores: { encryption },
    targets: [
      RegionTarget.cdkStage(serviceStage(app, 'Own', 'us-east-1')),
      RegionTarget.cdkStage(serviceStage(app, 'Other', 'eu-west-1', { account: OTHER }), { approval: true, ...options }),
      RegionTarget.cdkStage(serviceStage(app, 'OtherHome', HOME_REGION, { account: OTHER }), options),
    ],
  });
  return { app, stack, pipeline };
}

function actionsOf(template: any): any[] {
  const pipeline = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline');
  return pipeline.Properties.Stages.flatMap((s: any) => s.Actions);
}

/** Statements of the template's resource policies (bucket or key) that name principals of `account`. */
function grantsTo(template: any, type: string, property: string, account: string): any[] {
  return Object.values<any>(template.Resources).filter(r => r.Type === type).flatMap(r => r.Properties[property].Statement)
    .filter((s: any) => JSON.stringify(s.Principal ?? {}).includes(`::${account}:`));
}

describe('RegionTarget.cdkStage in another account (single pipeline)', () => {
  const f = crossAccountCdk();
  const assembly = f.app.synth();
  const home = assembly.getStackByName('PipelineStack').template;
  const euStore = assembly.getStackByName(`PipelineStack-${HOME_REGION}-artifacts-eu-west-1`).template;
  const byName = Object.fromEntries(actionsOf(home).map(a => [a.Name, a]));

  test('the target carries the stage\'s account: its construct ID, description and action names', () => {
    expect(f.pipeline.plan.actions.filter(a => a.region === 'eu-west-1').map(a => [a.actionName, a.runOrder])).toEqual([
      [`eu-west-1.${OTHER}.Other.PublishAssets`, 1],
      [`eu-west-1.${OTHER}.Other-Data.CreateChangeSet`, 2],
      [`eu-west-1.${OTHER}.Other-Data.Approve`, 3],
      [`eu-west-1.${OTHER}.Other-Data.ExecuteChangeSet`, 4],
      [`eu-west-1.${OTHER}.Other-Service.CreateChangeSet`, 5],
      [`eu-west-1.${OTHER}.Other-Service.Approve`, 6],
      [`eu-west-1.${OTHER}.Other-Service.ExecuteChangeSet`, 7],
    ]);
    expect(f.pipeline.plan.actions.find(a => a.actionName === `eu-west-1.${OTHER}.Other-Service.CreateChangeSet`)?.account).toBe(OTHER);
  });

  test('the change sets run with that account\'s bootstrap deploy role, CloudFormation with its execution role', () => {
    for (const [stage, region] of [['Other', 'eu-west-1'], ['OtherHome', HOME_REGION]]) {
      for (const stackName of [`${stage}-Data`, `${stage}-Service`]) {
        const create = byName[`${region}.${OTHER}.${stackName}.CreateChangeSet`];
        expect(create.RoleArn).toBe(deployRole(region));
        expect(create.Configuration.RoleArn).toBe(execRole(region));
        expect(create.Configuration.Capabilities).toBe('CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND');
        expect(byName[`${region}.${OTHER}.${stackName}.ExecuteChangeSet`].RoleArn).toBe(deployRole(region));
      }
    }
    // the approval and the publishing stay in the pipeline's account, and the stage of the pipeline's account keeps its own account's roles
    expect(JSON.stringify(byName[`eu-west-1.${OTHER}.Other-Data.Approve`].RoleArn)).not.toContain(OTHER);
    expect(byName['us-east-1.Own-Data.CreateChangeSet'].RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-deploy-role-${ACCOUNT}-us-east-1`);
  });

  test('the publishing project (pipeline\'s account) assumes exactly that account\'s bootstrap publishing roles', () => {
    const template = Template.fromJSON(home);
    const project = template.findResources('AWS::CodeBuild::Project')[byName[`eu-west-1.${OTHER}.Other.PublishAssets`].Configuration.ProjectName.Ref];
    const roleId = project.Properties.ServiceRole['Fn::GetAtt'][0];
    const policy = Object.values<any>(template.findResources('AWS::IAM::Policy')).find(p => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    const assume = policy.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: publishingRoles(OTHER, 'eu-west-1') }]);
  });

  test('the pipeline\'s role may assume exactly the other account\'s deploy roles of the regions it deploys to', () => {
    const statements = Object.values<any>(home.Resources).filter(r => r.Type === 'AWS::IAM::Policy').flatMap(r => r.Properties.PolicyDocument.Statement);
    const other = statements.filter(s => JSON.stringify(s.Resource).includes(`::${OTHER}:`) && !JSON.stringify(s.Resource).includes('publishing-role'));
    expect(other.every(s => s.Action === 'sts:AssumeRole')).toBe(true);
    const resources = other.flatMap(s => [s.Resource].flat()).filter(r => JSON.stringify(r).includes(`::${OTHER}:`));
    expect(new Set(resources)).toEqual(new Set([deployRole('eu-west-1'), deployRole(HOME_REGION)]));
  });

  test('the stores\' bucket and key policies let exactly that account\'s deploy and execution roles read (the account as principal, the roles in a condition)', () => {
    for (const [template, region] of [[euStore, 'eu-west-1'], [home, HOME_REGION]] as const) {
      const grants = [...grantsTo(template, 'AWS::S3::BucketPolicy', 'PolicyDocument', OTHER), ...grantsTo(template, 'AWS::KMS::Key', 'KeyPolicy', OTHER)];
      expect(grants.map(s => [s.Action].flat().sort())).toEqual([['s3:GetBucket*', 's3:GetObject*', 's3:List*'], ['kms:Decrypt', 'kms:DescribeKey']]);
      for (const s of grants) {
        expect(flatten(s.Principal.AWS)).toMatch(new RegExp(`^arn:(aws|\\$\\{AWS::Partition\\}):iam::${OTHER}:root$`));
        expect(s.Condition.ArnEquals['aws:PrincipalArn'].sort()).toEqual([deployRole(region), execRole(region)].sort());
      }
    }
    // no statement names a role of the other account as principal (S3 and KMS refuse roles that do not exist yet)
    expect(JSON.stringify([home, euStore])).not.toMatch(new RegExp(`"Principal":\\{"AWS":"arn:aws:iam::${OTHER}:role`));
    // the store of us-east-1, where only the pipeline's account deploys, grants it nothing
    expect(JSON.stringify(assembly.getStackByName(`PipelineStack-${HOME_REGION}-artifacts-us-east-1`).template)).not.toContain(OTHER);
  });

  test('synthesis names the bootstrap the stage\'s account needs', () => {
    const infos = Annotations.fromStack(f.stack).findInfo('*', Match.stringLikeRegexp('bootstrap it before the pipeline runs')).map(i => String(i.entry.data));
    expect(infos).toEqual([
      expect.stringContaining(`cdk bootstrap aws://${OTHER}/eu-west-1 --trust ${ACCOUNT} --cloudformation-execution-policies <policy ARNs>`),
      expect.stringContaining(`cdk bootstrap aws://${OTHER}/${HOME_REGION} --trust ${ACCOUNT}`),
    ]);
  });

  test('the pipeline passes the CodePipeline API model check, and cfn-lint finds nothing in any stack', () => {
    const pipeline = Object.values<any>(home.Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline');
    expect(checkPipeline(pipeline.Properties, home.Resources)).toEqual([]);
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template])))).toBe('');
  }, 120_000);

  test('cdk-nag finds nothing', () => {
    expect(nagFindings(crossAccountCdk().app)).toEqual([]);
  });

  test('a custom bootstrap qualifier of the stage\'s stacks is the one granted and used', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = new Stage(app, 'Custom', { env: { account: OTHER, region: 'eu-west-1' } });
    const data = new DataStack(stage, 'Data');
    new ServiceStack(stage, 'Service', { bucket: data.bucket });
    withResource(new Stack(stage, 'Extra', { synthesizer: new DefaultStackSynthesizer({ qualifier: 'team1' }) }));
    // a stage whose stacks name two qualifiers cannot be granted as one target
    expect(() => {
      new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
        buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
        artifactStores: { encryption: ArtifactEncryption.KMS },
        targets: [RegionTarget.cdkStage(stage)],
      });
      app.synth();
    }).toThrow(/stack Custom-Extra names the deploy role .*cdk-team1-deploy-role.* but a stage in account 222222222222 .* is deployed with that account's bootstrap roles/);

    const app2 = testApp();
    const stack2 = pipelineStack(app2);
    const stage2 = new Stage(app2, 'Team', { env: { account: OTHER, region: 'eu-west-1' } });
    withResource(new Stack(stage2, 'Only', { synthesizer: new DefaultStackSynthesizer({ qualifier: 'team1' }) }));
    new MultiRegionDeliveryPipeline(stack2, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack2), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      artifactStores: { encryption: ArtifactEncryption.KMS },
      targets: [RegionTarget.cdkStage(stage2)],
    });
    const template = app2.synth().getStackByName('PipelineStack').template;
    const create = actionsOf(template).find(a => a.Name === `eu-west-1.${OTHER}.Team-Only.CreateChangeSet`);
    expect([create.RoleArn, create.Configuration.RoleArn]).toEqual([deployRole('eu-west-1', 'team1'), execRole('eu-west-1', 'team1')]);
  });
});

describe('RegionTarget.cdkStage in another account: what is refused', () => {
  test('artifact stores without a customer managed key', () => {
    expect(() => crossAccountCdk({}, ArtifactEncryption.S3_MANAGED).app.synth())
      .toThrow(/target Other@eu-west-1 deploys to account 222222222222, the pipeline is in 111111111111: a role of another account can read .*ArtifactEncryption.KMS/);
  });

  test('the library\'s own roles, which CloudFormation of another account cannot use', () => {
    expect(() => crossAccountCdk({ deployRoles: CdkDeployRoles.pipelineRoles() }).app.synth())
      .toThrow(/RegionTarget.cdkStage\(Other\): CdkDeployRoles.pipelineRoles\(\) deploys with roles of the pipeline's account \(111111111111\).*Use CdkDeployRoles.bootstrap\(\)/);
  });

  test('an `account` other than the stage\'s', () => {
    const app = testApp();
    expect(() => RegionTarget.cdkStage(serviceStage(app, 'Other', 'eu-west-1', { account: OTHER }), { account: ACCOUNT }))
      .toThrow(/RegionTarget.cdkStage\(Other\): account '111111111111' is not the stage's account, 222222222222/);
  });

  test('a bootstrapQualifier the stage\'s stacks do not use', () => {
    expect(() => crossAccountCdk({ bootstrapQualifier: 'other1' }).app.synth())
      .toThrow(/stack Other-Data names the deploy role arn:aws:iam::222222222222:role\/cdk-hnb659fds-deploy-role-222222222222-eu-west-1 .*cdk-other1-deploy-role/);
  });

  test('regional pipelines, which deliver to the pipeline\'s account only for now', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      artifactStores: { encryption: ArtifactEncryption.KMS },
      topology: DeliveryTopology.regionalPipelines(),
      targets: [RegionTarget.cdkStage(serviceStage(app, 'Other', 'eu-west-1', { account: OTHER }))],
    })).toThrow(/target Other@eu-west-1 \(account 222222222222\) is in account 222222222222; targets in other accounts are delivered by the single pipeline only/);
  });
});
