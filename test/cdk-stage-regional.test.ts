import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { checkPipeline } from './api-model/codepipeline-model';
import { serviceStage } from './cdk-app/service';
import { ACCOUNT, HOME_REGION, cfnLint, flatten, nagFindings, pipelineStack, sourceBucket, testApp } from './testutil';
import {
  ArtifactEncryption, CdkDeployRoles, CdkStageTargetOptions, DeliveryTopology, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild,
  PipelineSource, PlannedActionKind, RegionTarget, TemplateValidation,
} from '../src';

/*
 * CDK stages (RegionTarget.cdkStage) delivered by regional pipelines (DeliveryTopology.regionalPipelines()):
 * each region's pipeline publishes that region's assets in its own region, then deploys the region's
 * stacks in dependency order, with no cross-region action.
 */

const DUBLIN_NIGHT = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
/** us-east-1 always open, eu-west-1 behind its night, us-west-2 the pipeline's own region. */
const REGIONS = ['us-east-1', 'eu-west-1', HOME_REGION];
const regionalStackName = (region: string) => `PipelineStack-${HOME_REGION}-pipeline-${region}`;
const storeStackName = (region: string) => `PipelineStack-${HOME_REGION}-artifacts-${region}`;
const DEPLOY_ROLE = (region: string) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-deploy-role-${ACCOUNT}-${region}`;
const EXEC_ROLE = (region: string) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${region}`;
const PUBLISHING_ROLES = (region: string) => [
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-file-publishing-role-${ACCOUNT}-${region}`,
  `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-image-publishing-role-${ACCOUNT}-${region}`,
];

/** `us-east-1` to `UsEast1`. */
function stageId(region: string): string {
  return region.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

interface RegionalCdkFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly pipeline: MultiRegionDeliveryPipeline;
}

function regionalCdk(options: (region: string) => CdkStageTargetOptions = region => region === 'eu-west-1' ? { window: DUBLIN_NIGHT } : {},
  props: Partial<ConstructorParameters<typeof MultiRegionDeliveryPipeline>[2]> = {}): RegionalCdkFixture {
  const app = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] }),
    topology: DeliveryTopology.regionalPipelines(),
    targets: REGIONS.map(region => RegionTarget.cdkStage(serviceStage(app, stageId(region), region), options(region))),
    ...props,
  });
  return { app, stack, pipeline };
}

function pipelinesOf(template: any): [string, any][] {
  return Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline');
}

function onlyPipeline(template: any): any {
  const pipelines = pipelinesOf(template);
  expect(pipelines).toHaveLength(1);
  return pipelines[0][1].Properties;
}

function actionsOf(template: any): any[] {
  return (onlyPipeline(template).Stages as any[]).flatMap(s => s.Actions.map((a: any) => ({ ...a, stage: s.Name })));
}

/** Every statement of the template's policies and of its roles' inline policies, with the role's logical ID. */
function statementsOf(template: any): { role: string; statement: any }[] {
  return Object.entries<any>(template.Resources ?? {}).flatMap(([id, r]) => {
    if (r.Type === 'AWS::IAM::Policy') {
      const statements: any[] = r.Properties.PolicyDocument.Statement;
      return r.Properties.Roles.flatMap((role: any) => statements.map(statement => ({ role: role.Ref, statement })));
    }
    if (r.Type === 'AWS::IAM::Role') {
      return (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement.map((statement: any) => ({ role: id, statement })));
    }
    return [];
  });
}

describe('RegionTarget.cdkStage with regional pipelines', () => {
  const f = regionalCdk();
  const assembly = f.app.synth();
  const home = assembly.getStackByName('PipelineStack').template;
  const regional = Object.fromEntries(REGIONS.map(r => [r, assembly.getStackByName(regionalStackName(r)).template]));

  test('the home pipeline synthesizes the app and publishes the cloud assembly as the release; it publishes no asset and deploys nothing', () => {
    const stages = onlyPipeline(home).Stages as any[];
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Publish']);
    // the release publisher's Lambda actions, all in the pipeline's region
    expect(stages[2].Actions.map((a: any) => [a.Name, a.Region, a.ActionTypeId.Provider, a.InputArtifacts])).toEqual(REGIONS.map(r => [r, undefined, 'Lambda', [{ Name: 'Build' }]]));
    expect(JSON.stringify(home)).not.toMatch(/PublishAssets|cdk-assets|publishing-role/);
    // the only bootstrap role it names: its own region's deploy role, in its store's bucket policy (that region's pipeline reads the home store)
    expect([...new Set(JSON.stringify(home).match(/arn:aws:iam::\d+:role\/cdk-[^"]+/g))]).toEqual([DEPLOY_ROLE(HOME_REGION)]);
  });

  test('each regional pipeline: Release, Assets (that region\'s publishing), then the stacks in dependency order', () => {
    for (const region of REGIONS) {
      const id = stageId(region);
      const deployStage = region === 'eu-west-1' ? 'Deploy.eu-west-1' : 'Deploy';
      expect(actionsOf(regional[region]).map(a => [a.stage, a.Name, a.RunOrder, a.ActionTypeId.Provider])).toEqual([
        ['Release', 'Release', 1, 'S3'],
        ['Assets', `${region}.${id}.PublishAssets`, 1, 'CodeBuild'],
        [deployStage, `${region}.${id}-Data.CreateChangeSet`, 2, 'CloudFormation'],
        [deployStage, `${region}.${id}-Data.ExecuteChangeSet`, 4, 'CloudFormation'],
        [deployStage, `${region}.${id}-Service.CreateChangeSet`, 5, 'CloudFormation'],
        [deployStage, `${region}.${id}-Service.ExecuteChangeSet`, 7, 'CloudFormation'],
      ]);
    }
  });

  test('no cross-region action: every action runs in its pipeline\'s region and reads the release', () => {
    for (const region of REGIONS) {
      const actions = actionsOf(regional[region]);
      expect(actions.filter(a => a.Region !== undefined && a.Region !== region)).toEqual([]);
      expect(actions.filter(a => a.InputArtifacts).map(a => a.InputArtifacts)).toEqual(actions.filter(a => a.InputArtifacts).map(() => [{ Name: 'Source' }]));
      // and the template names no other target region
      const text = JSON.stringify(regional[region]);
      REGIONS.filter(r => r !== region && r !== HOME_REGION).forEach(other => expect(text).not.toContain(other));
    }
  });

  test('the change sets: template files of the stage\'s nested assembly in the release, the capabilities CDK Pipelines passes, the bootstrap roles', () => {
    for (const region of REGIONS) {
      const id = stageId(region);
      const create = actionsOf(regional[region]).find(a => a.Name === `${region}.${id}-Service.CreateChangeSet`);
      expect(create.Configuration).toMatchObject({
        StackName: `${id}-Service`,
        ActionMode: 'CHANGE_SET_REPLACE',
        ChangeSetName: 'multi-region-delivery',
        Capabilities: 'CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
        RoleArn: EXEC_ROLE(region),
        TemplatePath: expect.stringMatching(new RegExp(`^Source::assembly-${id}/${id}Service[0-9A-F]{8}\\.template\\.json$`)),
      });
      expect(create.RoleArn).toBe(DEPLOY_ROLE(region));
      const file = path.join(f.app.outdir, create.Configuration.TemplatePath.replace(/^Source::/, ''));
      expect(JSON.parse(fs.readFileSync(file, 'utf-8')).Resources).toBeDefined();
    }
  });

  test('publishing: a project in the regional stack runs cdk-assets on that stage\'s manifests, whose destinations are all in that region', () => {
    for (const region of REGIONS) {
      const template = Template.fromJSON(regional[region]);
      template.resourceCountIs('AWS::CodeBuild::Project', 1);
      const project = Object.values<any>(template.findResources('AWS::CodeBuild::Project'))[0].Properties;
      expect(project.Environment.PrivilegedMode).toBe(true);
      const commands: string[] = JSON.parse(project.Source.BuildSpec).phases.build.commands;
      expect(commands).toHaveLength(2);
      for (const command of commands) {
        const manifest = /^cdk-assets --path "(.+)" publish$/.exec(command)![1];
        expect(manifest.startsWith(`assembly-${stageId(region)}/`)).toBe(true);
        const contents = JSON.parse(fs.readFileSync(path.join(f.app.outdir, manifest), 'utf-8'));
        const destinations = [...Object.values<any>(contents.files ?? {}), ...Object.values<any>(contents.dockerImages ?? {})]
          .flatMap(asset => Object.values<any>(asset.destinations));
        expect(destinations.length).toBeGreaterThan(0);
        expect(destinations.map(d => d.region)).toEqual(destinations.map(() => region));
      }
    }
  });

  test('least privilege: the project assumes exactly its region\'s publishing roles and reads its region\'s store; nothing on *', () => {
    for (const region of REGIONS) {
      const statements = statementsOf(regional[region]);
      expect(statements.filter(({ statement }) => [statement.Resource].flat().includes('*'))).toEqual([]);
      const projectRole = Object.values<any>(regional[region].Resources).find(r => r.Type === 'AWS::CodeBuild::Project').Properties.ServiceRole['Fn::GetAtt'][0];
      const own = statements.filter(s => s.role === projectRole).map(s => s.statement);
      expect(own.filter(s => [s.Action].flat().includes('sts:AssumeRole'))).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: PUBLISHING_ROLES(region) }]);
      const buckets = own.flatMap(s => [s.Resource].flat()).map(r => flatten(r)).filter(r => r.includes(':s3:::'));
      const store = `arn:\\$\\{AWS::Partition\\}:s3:::mrdp-[0-9a-f]{10}-${ACCOUNT}-${region}`;
      expect(buckets.sort()).toEqual([expect.stringMatching(new RegExp(`^${store}$`)), expect.stringMatching(new RegExp(`^${store}/\\*$`))]);
      expect(own.flatMap(s => [s.Action].flat()).filter(a => !/^(logs|codebuild):/.test(a)).sort())
        .toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*', 'sts:AssumeRole']);
      // the pipeline's role may assume that region's deploy role, and no other region's
      const assumed = statements.flatMap(({ statement }) => [statement.Action].flat().includes('sts:AssumeRole') ? [statement.Resource].flat() : [])
        .filter(r => typeof r === 'string' && r.includes('deploy-role'));
      expect([...new Set(assumed)]).toEqual([DEPLOY_ROLE(region)]);
    }
  });

  test('the region\'s store lets the region\'s deploy role read the artifacts, in the store\'s own stack (the home stack for the pipeline\'s region)', () => {
    for (const region of REGIONS) {
      const storeTemplate = region === HOME_REGION ? home : assembly.getStackByName(storeStackName(region)).template;
      const reads = Object.values<any>(storeTemplate.Resources).filter(r => r.Type === 'AWS::S3::BucketPolicy')
        .flatMap(p => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Principal?.AWS === DEPLOY_ROLE(region));
      expect(reads.map((s: any) => s.Action)).toEqual([['s3:GetObject', 's3:GetObjectVersion', 's3:GetBucketLocation', 's3:ListBucket']]);
    }
  });

  test('the window is the entry condition of the deploy stage only: the assets are published as soon as the release arrives', () => {
    const conditionsOf = (region: string) => Object.fromEntries((onlyPipeline(regional[region]).Stages as any[])
      .map(s => [s.Name, (s.BeforeEntry?.Conditions ?? []).flatMap((c: any) => c.Rules).map((r: any) => r.RuleTypeId.Provider)]));
    expect(conditionsOf('eu-west-1')).toEqual({ 'Release': [], 'Assets': [], 'Deploy.eu-west-1': ['DeploymentWindow'] });
    expect(conditionsOf('us-east-1')).toEqual({ Release: [], Assets: [], Deploy: [] });
  });

  test('the plan lists each regional pipeline\'s stacks, and the schedule publishes at once and deploys at the window', () => {
    const rows = f.pipeline.plan.actions.filter(a => a.pipeline === 'eu-west-1').map(a => [a.stageName, a.kind, a.stackName, a.detail]);
    expect(rows).toEqual([
      ['Release', PlannedActionKind.SOURCE, undefined, expect.stringContaining('release/release.zip')],
      ['Assets', PlannedActionKind.PUBLISH_ASSETS, undefined, '3 files and 1 image of 2 stacks, with cdk-assets'],
      ['Deploy.eu-west-1', PlannedActionKind.CREATE_CHANGE_SET, 'EuWest1-Data', undefined],
      ['Deploy.eu-west-1', PlannedActionKind.EXECUTE_CHANGE_SET, 'EuWest1-Data', undefined],
      ['Deploy.eu-west-1', PlannedActionKind.CREATE_CHANGE_SET, 'EuWest1-Service', 'after EuWest1-Data'],
      ['Deploy.eu-west-1', PlannedActionKind.EXECUTE_CHANGE_SET, 'EuWest1-Service', 'after EuWest1-Data'],
    ]);
    expect(f.pipeline.plan.toTable()).toMatch(/^eu-west-1\s+Assets\s+1\s+eu-west-1\s+PublishAssets\s+-\s+eu-west-1\.EuWest1\.PublishAssets/m);
    const from = new Date('2026-12-01T12:00:00Z');
    const startOf = (pipeline: string, stage: string) =>
      f.pipeline.plan.schedule(from).find(s => s.pipeline === pipeline && s.stageName === stage)!.earliestStart?.toISOString();
    expect(startOf('eu-west-1', 'Assets')).toBe(from.toISOString());
    expect(startOf('eu-west-1', 'Deploy.eu-west-1')).toBe('2026-12-02T01:00:00.000Z');
  });

  test('every pipeline passes the CodePipeline API model check', () => {
    for (const template of [home, ...Object.values(regional)]) {
      for (const [id, pipeline] of pipelinesOf(template)) {
        expect([id, checkPipeline(pipeline.Properties, template.Resources)]).toEqual([id, []]);
      }
    }
  });

  test('cfn-lint finds nothing in any stack', () => {
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(stack => [stack.stackName, stack.template])))).toBe('');
  }, 120_000);

  test('the publishing project keeps a logical ID derived from the stage and its region', () => {
    const ids = Object.keys(regional['eu-west-1'].Resources).filter(id => /PublishAssets/.test(id));
    expect(ids).toHaveLength(3);
    expect(ids).toEqual(expect.arrayContaining([
      expect.stringMatching(/^PipelineStackPipeline[0-9A-F]{8}TargetsEuWest1euwest1PublishAssets[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineStackPipeline[0-9A-F]{8}TargetsEuWest1euwest1PublishAssetsRole[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineStackPipeline[0-9A-F]{8}TargetsEuWest1euwest1PublishAssetsRoleDefaultPolicy[0-9A-F]{8}$/),
    ]));
  });
});

describe('RegionTarget.cdkStage with regional pipelines: options', () => {
  test('cdk-nag finds nothing, with S3-managed or KMS stores, the bootstrap or the library\'s roles, windows and approvals', () => {
    for (const [encryption, deployRoles] of [
      [ArtifactEncryption.S3_MANAGED, CdkDeployRoles.bootstrap()],
      [ArtifactEncryption.KMS, CdkDeployRoles.pipelineRoles()],
    ] as const) {
      const f = regionalCdk(region => ({ deployRoles, approval: region === 'us-east-1', window: region === 'eu-west-1' ? DUBLIN_NIGHT : undefined }),
        { artifactStores: { encryption } });
      expect(nagFindings(f.app)).toEqual([]);
    }
  });

  test('KMS stores: the project encrypts with the region\'s store key, named by its alias, and the templates stay clean', () => {
    // the pipeline's own region too: its regional pipeline reads the home store (once a dependency cycle between the
    // store's key policy and the Publish role, test/regional-pipelines.test.ts)
    const app = testApp();
    const stack = pipelineStack(app);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      topology: DeliveryTopology.regionalPipelines(),
      artifactStores: { encryption: ArtifactEncryption.KMS },
      targets: [HOME_REGION, 'us-east-1', 'eu-west-1'].map(region => RegionTarget.cdkStage(serviceStage(app, stageId(region), region))),
    });
    const assembly = app.synth();
    const template = assembly.getStackByName(regionalStackName('eu-west-1')).template;
    const project = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CodeBuild::Project').Properties;
    expect(flatten(project.EncryptionKey)).toMatch(/^arn:aws:kms:eu-west-1:111111111111:alias\/PipelineStack-us-west-2-artifacts-eu-west-1\//);
    // no reference to another stack: everything the regional stack names is literal
    expect(JSON.stringify(template)).not.toMatch(/Fn::ImportValue/);
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template])))).toBe('');
  }, 120_000);

  test('pipelineRoles: the regional pipeline\'s deploy-stage role deploys and its deployment role reads that region\'s assets', () => {
    const f = regionalCdk(() => ({ deployRoles: CdkDeployRoles.pipelineRoles() }));
    const template = f.app.synth().getStackByName(regionalStackName('us-east-1')).template;
    const create = actionsOf(template).find(a => a.Name === 'us-east-1.UsEast1-Service.CreateChangeSet');
    expect(create.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/TargetsDeployActionRole/), 'Arn'] });
    const deploymentRole = create.Configuration.RoleArn['Fn::GetAtt'][0];
    const statements = statementsOf(template).filter(s => s.role === deploymentRole).map(s => s.statement);
    expect(statements.flatMap(s => [s.Resource].flat()).map(r => flatten(r))).toEqual(expect.arrayContaining([
      `arn:\${AWS::Partition}:s3:::cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/*`,
      `arn:\${AWS::Partition}:ecr:us-east-1:${ACCOUNT}:repository/cdk-hnb659fds-container-assets-${ACCOUNT}-us-east-1`,
    ]));
    expect(JSON.stringify(template)).not.toContain('deploy-role');
  });

  test('a stage and CloudFormation targets share a region\'s pipeline: Assets holds only the stage\'s publishing', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      validation: TemplateValidation.cfnLintAndGuard(),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [
        RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1')),
        RegionTarget.cloudFormation({ region: 'us-east-1', stackName: 'extra', templatePath: 'extra.template.json' }),
        RegionTarget.cloudFormation({ region: 'eu-west-1', stackName: 'extra', templatePath: 'extra.template.json' }),
      ],
    });
    const stages = pipeline.plan.stages.map(s => `${s.pipeline}/${s.stageName}`);
    expect(stages).toEqual(['home/Source', 'home/Build', 'home/Validate', 'home/Publish', 'us-east-1/Release', 'us-east-1/Assets', 'us-east-1/Deploy',
      'eu-west-1/Release', 'eu-west-1/Deploy']);
    expect(pipeline.plan.actions.filter(a => a.stageName === 'Assets').map(a => a.actionName)).toEqual(['us-east-1.UsEast1.PublishAssets']);
    app.synth();
  });
});

describe('what regional pipelines still refuse for a CDK stage', () => {
  function regionalWith(stage: (app: App) => Stage, build = true): () => void {
    return () => {
      const app = testApp();
      const stack = pipelineStack(app);
      new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
        buildStep: build ? PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }) : undefined,
        artifactStores: { encryption: ArtifactEncryption.KMS },
        topology: DeliveryTopology.regionalPipelines(),
        targets: [RegionTarget.cdkStage(stage(app))],
      });
      app.synth();
    };
  }

  test('a home pipeline without a build, whose release is the source and holds no cloud assembly', () => {
    expect(regionalWith(app => serviceStage(app, 'UsEast1', 'us-east-1'), false))
      .toThrow(/RegionTarget.cdkStage\(UsEast1\): the pipeline has no build, so there is no cloud assembly to deploy.*PipelineBuild.cdkSynth/);
  });

  test('a stage in another account than the pipeline (delivered by the single pipeline only, as every target kind)', () => {
    expect(regionalWith(app => serviceStage(app, 'Other', 'us-east-1', { account: '222222222222' })))
      .toThrow(/target Other@us-east-1 \(account 222222222222\) is in account 222222222222; targets in other accounts are delivered by the single pipeline only/);
  });

  test('a managed policy of the home stack without a literal name, for the library\'s deployment role in a regional stack', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const policy = new iam.ManagedPolicy(stack, 'ServicePolicy', {
      statements: [new iam.PolicyStatement({ actions: ['lambda:GetFunction'], resources: [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:x`] })],
    });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      topology: DeliveryTopology.regionalPipelines(),
      targets: [RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'), {
        deployRoles: CdkDeployRoles.pipelineRoles({ deploymentManagedPolicies: [policy] }),
      })],
    });
    expect(() => app.synth()).toThrow(/managed policy PipelineStack\/ServicePolicy \(deploymentManagedPolicies\) is defined in stack PipelineStack \(us-west-2\)/);
  });
});
