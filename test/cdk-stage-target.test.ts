import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  App, Aspects, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, ISynthesisSession, LegacyStackSynthesizer, Stack, Stage,
  SynthesizeStackArtifactOptions, Tags,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { checkPipeline } from './api-model/codepipeline-model';
import { cdkExampleApp } from '../example/cdk-app';
import { DataStack, serviceStage } from './cdk-app/service';
import { ACCOUNT, HOME_REGION, cfnLint, pipelineStack, roleStatements, sourceBucket, testApp, withResource, withoutTemplateChecks } from './testutil';
import {
  CdkDeployRoles, CdkStageTargetOptions, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource,
  PlannedActionKind, RegionTarget, TemplateValidation,
} from '../src';

interface CdkFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly pipeline: MultiRegionDeliveryPipeline;
}

/** A pipeline in us-west-2 that synthesizes the app and delivers a two-stack stage to each region. */
function cdkFixture(regions: string[] = ['us-east-1', 'eu-west-1'], options: CdkStageTargetOptions = {}): CdkFixture {
  const app = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
    buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] }),
    targets: regions.map(region => RegionTarget.cdkStage(serviceStage(app, stageId(region), region), options)),
  });
  return { app, stack, pipeline };
}

/** `us-east-1` to `UsEast1`. */
function stageId(region: string): string {
  return region.split('-').map(part => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

function pipelineResource(template: Template): any {
  return Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
}

function actionsOf(template: Template): any[] {
  return pipelineResource(template).Stages.flatMap((s: any) => s.Actions.map((a: any) => ({ ...a, stage: s.Name })));
}

function action(template: Template, name: string): any {
  const found = actionsOf(template).find(a => a.Name === name);
  if (!found) { throw new Error(`no action ${name}`); }
  return found;
}

function projectOf(template: Template, publish: any): any {
  return template.findResources('AWS::CodeBuild::Project')[publish.Configuration.ProjectName.Ref].Properties;
}

const DEPLOY_ROLE = (region: string) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-deploy-role-${ACCOUNT}-${region}`;
const EXEC_ROLE = (region: string) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${region}`;

describe('RegionTarget.cdkStage: stacks in dependency order', () => {
  const f = cdkFixture();
  const template = Template.fromStack(f.stack);

  test('each region publishes its assets (1), then deploys Data (2, 4), then Service, which depends on it (5, 7)', () => {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const id = stageId(region);
      const rows = f.pipeline.plan.actions.filter(a => a.region === region).map(a => [a.actionName, a.runOrder, a.kind, a.stackName]);
      expect(rows).toEqual([
        [`${region}.${id}.PublishAssets`, 1, PlannedActionKind.PUBLISH_ASSETS, undefined],
        [`${region}.${id}-Data.CreateChangeSet`, 2, PlannedActionKind.CREATE_CHANGE_SET, `${id}-Data`],
        [`${region}.${id}-Data.ExecuteChangeSet`, 4, PlannedActionKind.EXECUTE_CHANGE_SET, `${id}-Data`],
        [`${region}.${id}-Service.CreateChangeSet`, 5, PlannedActionKind.CREATE_CHANGE_SET, `${id}-Service`],
        [`${region}.${id}-Service.ExecuteChangeSet`, 7, PlannedActionKind.EXECUTE_CHANGE_SET, `${id}-Service`],
      ]);
    }
  });

  test('the plan names each stack\'s dependencies and what is published', () => {
    const service = f.pipeline.plan.actions.find(a => a.actionName === 'us-east-1.UsEast1-Service.CreateChangeSet');
    expect(service?.detail).toBe('after UsEast1-Data');
    const publish = f.pipeline.plan.actions.find(a => a.kind === PlannedActionKind.PUBLISH_ASSETS);
    // each stack's template is a file asset too (DefaultStackSynthesizer), plus the function's code
    expect(publish?.detail).toBe('3 files and 1 image of 2 stacks, with cdk-assets');
  });

  test('the rendered run orders are the plan\'s', () => {
    const rendered = actionsOf(template).filter(a => a.stage === 'Deploy').map(a => [a.Name, a.RunOrder]);
    const planned = f.pipeline.plan.actions.filter(a => a.stageName === 'Deploy').map(a => [a.actionName, a.runOrder]);
    expect(rendered.sort()).toEqual(planned.sort());
  });

  test('templates are read from the stage\'s nested assembly in the build output, where synthesis writes them', () => {
    const create = action(template, 'us-east-1.UsEast1-Service.CreateChangeSet');
    expect(create.Configuration.TemplatePath).toMatch(/^Build::assembly-UsEast1\/UsEast1Service[0-9A-F]{8}\.template\.json$/);
    expect(create.InputArtifacts).toEqual([{ Name: 'Build' }]);
    f.app.synth();
    const file = path.join(f.app.outdir, create.Configuration.TemplatePath.replace(/^Build::/, ''));
    expect(JSON.parse(fs.readFileSync(file, 'utf-8')).Resources).toBeDefined();
  });

  test('every stack gets the capabilities CDK Pipelines passes', () => {
    for (const a of actionsOf(template).filter(x => x.Configuration?.ActionMode === 'CHANGE_SET_REPLACE')) {
      expect(a.Configuration.Capabilities).toBe('CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND');
    }
  });

  test('the deploy actions run in the stage\'s region with the bootstrap deploy role, and pass the execution role', () => {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const id = stageId(region);
      const create = action(template, `${region}.${id}-Data.CreateChangeSet`);
      expect(create.Region).toBe(region);
      expect(create.RoleArn).toBe(DEPLOY_ROLE(region));
      expect(create.Configuration.RoleArn).toBe(EXEC_ROLE(region));
      expect(action(template, `${region}.${id}-Data.ExecuteChangeSet`).RoleArn).toBe(DEPLOY_ROLE(region));
    }
  });

  test('the pipeline\'s role may assume the deploy roles', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Action === 'sts:AssumeRole');
    const resources = statements.flatMap((s: any) => [s.Resource].flat());
    expect(resources).toEqual(expect.arrayContaining([DEPLOY_ROLE('us-east-1'), DEPLOY_ROLE('eu-west-1')]));
  });

  test('the region\'s artifact store lets its deploy role read the artifacts (the bootstrap policy reads other accounts\' buckets only)', () => {
    const store = Template.fromJSON(f.app.synth().getStackByName(`PipelineStack-${HOME_REGION}-artifacts-eu-west-1`).template);
    store.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { AWS: DEPLOY_ROLE('eu-west-1') },
          Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetBucketLocation', 's3:ListBucket'],
        })]),
      },
    });
  });
});

describe('RegionTarget.cdkStage in the pipeline\'s own region', () => {
  test('the pipeline\'s artifact store lets the region\'s deploy role read the artifacts (aws-cdk-lib\'s grant to a role that adds grants to resources)', () => {
    const f = cdkFixture([HOME_REGION]);
    const template = Template.fromStack(f.stack);
    const policies = Object.entries(template.findResources('AWS::S3::BucketPolicy')).filter(([id]) => id.startsWith('PipelineArtifactStore'));
    expect(policies).toHaveLength(1);
    const reads = (policies[0][1] as any).Properties.PolicyDocument.Statement
      .filter((st: any) => st.Effect === 'Allow' && st.Principal?.AWS === DEPLOY_ROLE(HOME_REGION));
    expect(reads.map((st: any) => [st.Action].flat()).flat().sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
  });
});

describe('RegionTarget.cdkStage: asset publishing', () => {
  const f = cdkFixture();
  const template = Template.fromStack(f.stack);

  test.each(['us-east-1', 'eu-west-1'])('%s: one CodeBuild action publishes every manifest of the stage, in the pipeline\'s region', region => {
    const publish = action(template, `${region}.${stageId(region)}.PublishAssets`);
    expect(publish.ActionTypeId).toEqual({ Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' });
    expect(publish.Region).toBeUndefined();
    expect(publish.RunOrder).toBe(1);
    expect(publish.InputArtifacts).toEqual([{ Name: 'Build' }]);
    const project = projectOf(template, publish);
    const spec = JSON.parse(project.Source.BuildSpec);
    expect(spec.phases.install.commands).toEqual(['npm install --global --no-fund --no-audit cdk-assets@4.7.3']);
    const commands: string[] = spec.phases.build.commands;
    expect(commands).toHaveLength(2);
    f.app.synth();
    for (const command of commands) {
      const manifest = /^cdk-assets --path "(.+)" publish$/.exec(command)![1];
      const contents = JSON.parse(fs.readFileSync(path.join(f.app.outdir, manifest), 'utf-8'));
      const destinations = [...Object.values<any>(contents.files ?? {}), ...Object.values<any>(contents.dockerImages ?? {})]
        .flatMap(asset => Object.values<any>(asset.destinations));
      expect(destinations.map(d => d.region)).toEqual(destinations.map(() => region));
    }
  });

  test('a stage with a container image publishes in privileged mode (docker build)', () => {
    const project = projectOf(template, action(template, 'us-east-1.UsEast1.PublishAssets'));
    expect(project.Environment.PrivilegedMode).toBe(true);
  });

  test('a stage without container images publishes unprivileged', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = new Stage(app, 'DataOnly', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DataStack(stage, 'Data');
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      targets: [RegionTarget.cdkStage(stage)],
    });
    const t = Template.fromStack(stack);
    expect(projectOf(t, action(t, 'us-east-1.DataOnly.PublishAssets')).Environment.PrivilegedMode).toBe(false);
  });

  test.each(['us-east-1', 'eu-west-1'])('%s: the publishing project may assume exactly that region\'s bootstrap publishing roles', region => {
    const project = projectOf(template, action(template, `${region}.${stageId(region)}.PublishAssets`));
    const roleId = project.ServiceRole['Fn::GetAtt'][0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId)) as any;
    const assume = policy.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: [
        `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-file-publishing-role-${ACCOUNT}-${region}`,
        `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-image-publishing-role-${ACCOUNT}-${region}`,
      ],
    }]);
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => !/^(logs|codebuild):/.test(a)).sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*', 'sts:AssumeRole']);
    // its buildspec has no reports section: no test report permissions
    expect(actions.filter((a: string) => /Report/.test(a))).toEqual([]);
  });

  test('cdkAssetsVersion pins another cdk-assets release', () => {
    const g = cdkFixture(['us-east-1'], { cdkAssetsVersion: '4.0.0' });
    const t = Template.fromStack(g.stack);
    const spec = JSON.parse(projectOf(t, action(t, 'us-east-1.UsEast1.PublishAssets')).Source.BuildSpec);
    expect(spec.phases.install.commands).toEqual(['npm install --global --no-fund --no-audit cdk-assets@4.0.0']);
  });
});

describe('RegionTarget.cdkStage: options', () => {
  test('approval: a manual approval between each stack\'s change set and its execution', () => {
    const f = cdkFixture(['us-east-1'], { approval: true });
    const rows = f.pipeline.plan.actions.filter(a => a.region === 'us-east-1').map(a => [a.actionName, a.runOrder]);
    expect(rows).toEqual([
      ['us-east-1.UsEast1.PublishAssets', 1],
      ['us-east-1.UsEast1-Data.CreateChangeSet', 2],
      ['us-east-1.UsEast1-Data.Approve', 3],
      ['us-east-1.UsEast1-Data.ExecuteChangeSet', 4],
      ['us-east-1.UsEast1-Service.CreateChangeSet', 5],
      ['us-east-1.UsEast1-Service.Approve', 6],
      ['us-east-1.UsEast1-Service.ExecuteChangeSet', 7],
    ]);
  });

  test('a window puts the stage, publishing included, in the window\'s stage', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    const f = cdkFixture(['eu-west-1'], { window });
    const stages = new Set(f.pipeline.plan.actions.filter(a => a.region === 'eu-west-1').map(a => a.stageName));
    expect([...stages]).toEqual(['Deploy.eu-west-1']);
  });

  test('pipelineRoles: the stage\'s action role deploys, and CloudFormation uses the library\'s deployment role with the managed policies', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const policy = new iam.ManagedPolicy(stack, 'ServicePolicy', {
      statements: [new iam.PolicyStatement({ actions: ['lambda:GetFunction'], resources: [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:x`] })],
    });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      targets: [RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'), {
        deployRoles: CdkDeployRoles.pipelineRoles({ deploymentManagedPolicies: [policy] }),
      })],
    });
    const t = Template.fromStack(stack);
    const create = action(t, 'us-east-1.UsEast1-Service.CreateChangeSet');
    expect(create.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineTargetsDeployActionRole/), 'Arn'] });
    const deploymentRoleId = create.Configuration.RoleArn['Fn::GetAtt'][0];
    expect(t.toJSON().Resources[deploymentRoleId].Properties.ManagedPolicyArns).toEqual([{ Ref: expect.stringMatching(/^ServicePolicy/) }]);
    const statements = roleStatements(t, new RegExp(`^${deploymentRoleId}$`));
    expect(statements).toEqual(expect.arrayContaining([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/*`]] } },
      {
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-1:${ACCOUNT}:repository/cdk-hnb659fds-container-assets-${ACCOUNT}-us-east-1`]] },
      },
      {
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:${ACCOUNT}:parameter/cdk-bootstrap/hnb659fds/version`]] },
      },
    ]));
    // no bootstrap deploy role is involved
    expect(JSON.stringify(t.toJSON())).not.toContain('deploy-role');
  });

  test('PipelineBuild.cdkSynth hands on the whole cloud assembly directory', () => {
    const f = cdkFixture(['us-east-1']);
    const t = Template.fromStack(f.stack);
    const build = action(t, 'Build');
    const spec = JSON.parse(projectOf(t, build).Source.BuildSpec);
    expect(spec).toEqual({
      version: '0.2',
      phases: { build: { commands: ['npm ci', 'npx cdk synth'] } },
      artifacts: { 'base-directory': 'cdk.out', 'files': ['**/*'] },
    });
    expect(f.pipeline.plan.actions.find(a => a.kind === PlannedActionKind.BUILD)).toBeDefined();
  });

  test('PipelineBuild.cdkSynth with install commands and another output directory', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ installCommands: ['npm i -g aws-cdk'], commands: ['cdk synth -o out/asm'], outputDirectory: 'out/asm' }),
      targets: [RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'))],
    });
    const t = Template.fromStack(stack);
    const spec = JSON.parse(projectOf(t, action(t, 'Build')).Source.BuildSpec);
    expect(spec.phases.install.commands).toEqual(['npm i -g aws-cdk']);
    expect(spec.artifacts['base-directory']).toBe('out/asm');
  });
});

describe('RegionTarget.cdkStage: rejected inputs', () => {
  function pipelineWith(stack: Stack, targets: RegionTarget[], build = true): MultiRegionDeliveryPipeline {
    return new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: build ? PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }) : undefined,
      targets,
    });
  }

  test('a stage without an account', () => {
    const app = testApp();
    const stage = new Stage(app, 'NoAccount', { env: { region: 'us-east-1' } });
    new DataStack(stage, 'Data');
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/RegionTarget.cdkStage\(NoAccount\): stack NoAccount-Data has no concrete account .*Set `env: \{ account/);
  });

  test('a stage without a region', () => {
    const app = testApp();
    const stage = new Stage(app, 'NoRegion', { env: { account: ACCOUNT } });
    new DataStack(stage, 'Data');
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/stack NoRegion-Data has no concrete region \(account '111111111111', region 'unknown-region'\)/);
  });

  test('a stage in another partition than the pipeline', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = new Stage(app, 'China', { env: { account: ACCOUNT, region: 'cn-north-1' } });
    new DataStack(stage, 'Data');
    expect(() => pipelineWith(stack, [RegionTarget.cdkStage(stage)]))
      .toThrow(/target China@cn-north-1 is in cn-north-1, of the partition aws-cn, but the pipeline is in us-west-2, of the partition aws/);
  });

  test('the same stage twice', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = serviceStage(app, 'UsEast1', 'us-east-1');
    expect(() => pipelineWith(stack, [RegionTarget.cdkStage(stage), RegionTarget.cdkStage(stage)]))
      .toThrow(/stack 'UsEast1-Data' in us-east-1 is deployed by target UsEast1@us-east-1 already/);
  });

  test('a stack of a stage that another target deploys too', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = serviceStage(app, 'UsEast1', 'us-east-1');
    const cfn = RegionTarget.cloudFormation({ region: 'us-east-1', stackName: 'UsEast1-Service', templatePath: 'x.yaml' });
    expect(() => pipelineWith(stack, [cfn, RegionTarget.cdkStage(stage)]))
      .toThrow(/stack 'UsEast1-Service' in us-east-1 is deployed by target UsEast1-Service@us-east-1 already/);
  });

  test('two stacks of the stage with one stack name', () => {
    const app = testApp();
    const stage = new Stage(app, 'Twice', { env: { account: ACCOUNT, region: 'us-east-1' } });
    withResource(new Stack(stage, 'A', { stackName: 'same' }));
    withResource(new Stack(stage, 'B', { stackName: 'same' }));
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/two stacks of the stage are named 'same'/);
  });

  test.each([
    ['LegacyStackSynthesizer', () => new LegacyStackSynthesizer()],
    ['CliCredentialsStackSynthesizer', () => new CliCredentialsStackSynthesizer()],
  ])('a stack with %s', (name, synthesizer) => {
    const app = testApp();
    const stage = new Stage(app, 'Legacy', { env: { account: ACCOUNT, region: 'us-east-1' } });
    withResource(new Stack(stage, 'Old', { synthesizer: synthesizer() }));
    expect(() => RegionTarget.cdkStage(stage)).toThrow(new RegExp(`stack Legacy-Old \\(Legacy/Old\\) uses ${name}, which cannot be deployed this way.*DefaultStackSynthesizer`));
  });

  test('a DefaultStackSynthesizer subclass that names no bootstrap roles: refused with the bootstrap roles, accepted with the library\'s', () => {
    class WithoutRoles extends DefaultStackSynthesizer {
      protected emitArtifact(session: ISynthesisSession, options: SynthesizeStackArtifactOptions = {}): void {
        super.emitArtifact(session, { ...options, assumeRoleArn: undefined, cloudFormationExecutionRoleArn: undefined });
      }
    }
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = new Stage(app, 'Custom', { env: { account: ACCOUNT, region: 'us-east-1' } });
    withResource(new Stack(stage, 'Data', { synthesizer: new WithoutRoles() }));
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/stack Custom-Data names no bootstrap deploy or execution role in the cloud assembly; deploy it with CdkDeployRoles.pipelineRoles\(\)/);
    pipelineWith(stack, [RegionTarget.cdkStage(stage, { deployRoles: CdkDeployRoles.pipelineRoles() })]);
    const create = action(Template.fromStack(stack), 'us-east-1.Custom-Data.CreateChangeSet');
    expect(create.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineTargetsDeployActionRole/), 'Arn'] });
  });

  test('a stage without stacks', () => {
    const app = testApp();
    const stage = new Stage(app, 'Empty', { env: { account: ACCOUNT, region: 'us-east-1' } });
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/RegionTarget.cdkStage\(Empty\): the stage has no stacks/);
  });

  test('a stack without resources', () => {
    const app = testApp();
    const stage = new Stage(app, 'Hollow', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DataStack(stage, 'Data');
    new Stack(stage, 'Nothing');
    withoutTemplateChecks('the stage holds an empty stack on purpose', () => {
      expect(() => RegionTarget.cdkStage(stage)).toThrow(/RegionTarget.cdkStage\(Hollow\): stack Hollow-Nothing has no resources, and CloudFormation refuses a template without any/);
    });
  });

  test('a stage holding another stage', () => {
    const app = testApp();
    const outer = new Stage(app, 'Outer', { env: { account: ACCOUNT, region: 'us-east-1' } });
    new DataStack(outer, 'Data');
    const inner = new Stage(outer, 'Inner');
    new DataStack(inner, 'Data');
    expect(() => RegionTarget.cdkStage(outer)).toThrow(/the stage holds another stage, Outer\/Inner/);
  });

  test('a stage whose stacks are in two regions', () => {
    const app = testApp();
    const stage = new Stage(app, 'Split', { env: { account: ACCOUNT, region: 'us-east-1' } });
    withResource(new Stack(stage, 'A'));
    withResource(new Stack(stage, 'B', { env: { account: ACCOUNT, region: 'eu-west-1' } }));
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/the stage's stacks are in 2 environments \(111111111111\/us-east-1, 111111111111\/eu-west-1\)/);
  });

  test('a stage in a region without CodePipeline', () => {
    const app = testApp();
    const stage = new Stage(app, 'Calgary', { env: { account: ACCOUNT, region: 'ca-west-1' } });
    new DataStack(stage, 'Data');
    expect(() => RegionTarget.cdkStage(stage)).toThrow(/the stage is in ca-west-1, where CodePipeline is not offered/);
  });

  test('a stage in another account than the pipeline', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = serviceStage(app, 'Other', 'us-east-1', { account: '222222222222' });
    pipelineWith(stack, [RegionTarget.cdkStage(stage)]);
    // deployed with that account's bootstrap roles (test/cdk-stage-cross-account.test.ts), which need customer managed keys
    expect(() => app.synth()).toThrow(/target Other@us-east-1 deploys to account 222222222222, the pipeline is in 111111111111: .*ArtifactEncryption.KMS/);
  });

  test('a pipeline without a build', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    pipelineWith(stack, [RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'))], false);
    expect(() => app.synth()).toThrow(/the pipeline has no build, so there is no cloud assembly to deploy.*PipelineBuild.cdkSynth/);
  });

  test('a stage of another app', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    pipelineWith(stack, [RegionTarget.cdkStage(serviceStage(testApp(), 'UsEast1', 'us-east-1'))]);
    expect(() => app.synth()).toThrow(/the stage belongs to another app than the pipeline/);
  });

  test('a change set name CloudFormation refuses', () => {
    const app = testApp();
    expect(() => RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'), { changeSetName: '1 bad' })).toThrow(/change set name '1 bad' is not valid/);
  });

  test('a cdk-assets version that is no npm version', () => {
    const app = testApp();
    expect(() => RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'), { cdkAssetsVersion: '4; rm -rf /' }))
      .toThrow(/cdkAssetsVersion '4; rm -rf \/' is not an npm version/);
  });

  test('pipelineRoles with both a deployment role and managed policies', () => {
    const stack = pipelineStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com') });
    expect(() => CdkDeployRoles.pipelineRoles({ deploymentRole: role, deploymentManagedPolicies: [] }))
      .toThrow(/give either deploymentRole or deploymentManagedPolicies, not both/);
  });

  test('cdkSynth without commands, or with an output directory outside the source', () => {
    expect(() => PipelineBuild.cdkSynth({ commands: [] })).toThrow(/commands is empty/);
    expect(() => PipelineBuild.cdkSynth({ commands: ['x'], outputDirectory: '../out' })).toThrow(/outputDirectory '..\/out' is not a relative directory/);
    expect(() => PipelineBuild.cdkSynth({ commands: ['x'], outputDirectory: '/abs' })).toThrow(/outputDirectory '\/abs'/);
  });

  test('termination protection is reported on the pipeline, since CodePipeline\'s CloudFormation actions cannot set it', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = new Stage(app, 'Protected', { env: { account: ACCOUNT, region: 'us-east-1' } });
    withResource(new Stack(stage, 'Data', { terminationProtection: true }));
    pipelineWith(stack, [RegionTarget.cdkStage(stage)]);
    Annotations.fromStack(stack).hasWarning('/PipelineStack/Pipeline/Targets/Protected@us-east-1',
      Match.stringLikeRegexp("Protected-Data has termination protection, which CodePipeline's CloudFormation actions cannot set"));
  });

  test('aspects of the app, which do not reach a stage synthesized on its own, are reported', () => {
    const app = testApp();
    Tags.of(app).add('team', 'payments');
    const stack = pipelineStack(app);
    const stage = serviceStage(app, 'UsEast1', 'us-east-1');
    pipelineWith(stack, [RegionTarget.cdkStage(stage)]);
    Annotations.fromStack(stack).hasWarning('/PipelineStack/Pipeline/Targets/UsEast1@us-east-1',
      Match.stringLikeRegexp('the app has aspects \\(tags, checks\\), which do not reach the stage'));
  });

  test('no warning for tags on the stage itself', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const stage = serviceStage(app, 'UsEast1', 'us-east-1');
    Tags.of(stage).add('team', 'payments');
    pipelineWith(stack, [RegionTarget.cdkStage(stage)]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('aspects'))).toEqual([]);
  });
});

describe('RegionTarget.cdkStage: stable construct IDs', () => {
  function logicalIds(regions: string[]): string[] {
    const f = cdkFixture(regions);
    return Object.keys(Template.fromStack(f.stack).toJSON().Resources);
  }

  test('the publishing project of a stage is named after the stage and its region, never its position', () => {
    const ids = logicalIds(['us-east-1', 'eu-west-1']);
    expect(ids.filter(id => /PublishAssets/.test(id)).sort()).toEqual([
      expect.stringMatching(/^PipelineTargetsEuWest1euwest1PublishAssets[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineTargetsEuWest1euwest1PublishAssetsRole[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineTargetsEuWest1euwest1PublishAssetsRoleDefaultPolicy[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineTargetsUsEast1useast1PublishAssets[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineTargetsUsEast1useast1PublishAssetsRole[0-9A-F]{8}$/),
      expect.stringMatching(/^PipelineTargetsUsEast1useast1PublishAssetsRoleDefaultPolicy[0-9A-F]{8}$/),
    ]);
  });

  test('adding a region in front keeps every existing logical ID', () => {
    const before = logicalIds(['eu-west-1']);
    const after = logicalIds(['us-east-1', 'eu-west-1']);
    expect(before.filter(id => !after.includes(id))).toEqual([]);
  });
});

describe('RegionTarget.cdkStage with a Validate stage', () => {
  test('cfn-lint and Guard check every stack template of every stage', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      buildStep: PipelineBuild.cdkSynth({ commands: ['npx cdk synth'] }),
      validation: TemplateValidation.cfnLintAndGuard(),
      targets: [RegionTarget.cdkStage(serviceStage(app, 'UsEast1', 'us-east-1'))],
    });
    const detail = pipeline.plan.actions.find(a => a.kind === PlannedActionKind.VALIDATE)?.detail ?? '';
    expect(detail).toMatch(/assembly-UsEast1\/UsEast1Data[0-9A-F]{8}\.template\.json, assembly-UsEast1\/UsEast1Service[0-9A-F]{8}\.template\.json$/);
  });
});

describe('RegionTarget.cdkStage: checks of the pipeline', () => {
  test('cdk-nag AwsSolutions finds nothing unsuppressed, with the bootstrap or the library\'s roles', () => {
    for (const deployRoles of [CdkDeployRoles.bootstrap(), CdkDeployRoles.pipelineRoles()]) {
      const f = cdkFixture(['us-east-1', 'eu-west-1'], { deployRoles });
      NagSuppressions.addResourceSuppressions(f.stack.node.findChild('SourceBucket'), [{ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s source bucket.' }]);
      Aspects.of(f.app).add(new AwsSolutionsChecks({ verbose: true }));
      f.app.synth();
      const found = (f.app.node.children.filter(c => c instanceof Stack) as Stack[]).flatMap(stack => {
        const annotations = Annotations.fromStack(stack);
        return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
          .map(x => `${stack.stackName} ${x.id}: ${String(x.entry.data).split('\n')[0]}`);
      });
      expect(found).toEqual([]);
    }
  });

  test('the pipeline passes the CodePipeline API model check', () => {
    const f = cdkFixture(['us-east-1', 'eu-west-1', 'ap-southeast-2'], { approval: true });
    const template = f.app.synth().getStackByName('PipelineStack').template;
    const pipeline = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline');
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
  });

  test('the CDK-app variant of the example (example/cdk-app.ts) passes the API model check', () => {
    const { app } = cdkExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-example-')));
    const template = app.synth().getStackByName('DeliveryPipeline').template;
    const pipeline = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::CodePipeline::Pipeline');
    expect(pipeline.Properties.Stages.map((s: any) => s.Name)).toEqual(['Source', 'Build', 'Validate', 'canary', 'rest', 'rest.eu-west-1']);
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
  });

  test('cfn-lint finds nothing in the pipeline stack and an artifact store stack', () => {
    const f = cdkFixture(['us-east-1', 'eu-west-1']);
    const assembly = f.app.synth();
    expect(cfnLint(Object.fromEntries(['PipelineStack', `PipelineStack-${HOME_REGION}-artifacts-eu-west-1`]
      .map(name => [name, assembly.getStackByName(name).template])))).toBe('');
  }, 120_000);

  test('a bucket the user passes is untouched by the targets', () => {
    // the deploy role's read goes to the construct's own stores, never to the source bucket
    const f = cdkFixture(['us-east-1']);
    const source = Template.fromStack(f.stack).findResources('AWS::S3::BucketPolicy');
    const sourcePolicy = Object.entries(source).find(([id]) => id.startsWith('SourceBucket'))![1] as any;
    expect(JSON.stringify(sourcePolicy)).not.toContain('deploy-role');
  });
});
