import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, HOME_REGION, cfnLint, cfnTarget, fixture, flatten, pipelineTemplate } from './testutil';
import {
  DeploymentWindow, MachineImageBuildOptions, MachineImageDistribution, MultiRegionDeliveryPipeline, MultiRegionDeliveryPipelineProps,
  PipelineBuild, PipelineSource, PlannedActionKind, Rollout, TemplateValidation,
} from '../src';
import { imageCopyScript } from '../src/private/image-copy-script';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const OPTIONS: MachineImageBuildOptions = { imageIdVariable: 'IMAGE_ID', parameterName: '/service-x/image-id', keepImages: 5 };
const KEY_EU = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function withImage(options: Partial<MachineImageBuildOptions> = {}, props: Partial<MultiRegionDeliveryPipelineProps> = {}, regions = REGIONS) {
  return fixture(regions, { machineImage: MachineImageDistribution.fromBuild({ ...OPTIONS, ...options }), ...props });
}

function pipelineOf(template: Template): any {
  return Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties;
}

function stageNames(template: Template): string[] {
  return pipelineOf(template).Stages.map((s: any) => s.Name);
}

function distributeActions(template: Template): any[] {
  return pipelineOf(template).Stages.find((s: any) => s.Name === 'Distribute').Actions;
}

function environmentOf(action: any): { [name: string]: string } {
  return Object.fromEntries(JSON.parse(action.Configuration.EnvironmentVariables).map((v: any) => [v.name, v.value]));
}

/** The distribution project's resource and its role's policy statements, with ARNs flattened to text. */
function distribution(template: Template): { project: any; statements: any[] } {
  const projects = template.findResources('AWS::CodeBuild::Project');
  const id = Object.keys(projects).find(k => k.startsWith('PipelineMachineImageProject'))!;
  const roleId = projects[id].Properties.ServiceRole['Fn::GetAtt'][0];
  const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId)) as any;
  const flat = (r: any) => Array.isArray(r) ? r.map(flatten) : flatten(r);
  return { project: projects[id], statements: policy.Properties.PolicyDocument.Statement.map((s: any) => ({ ...s, Resource: flat(s.Resource) })) };
}

const statementFor = (statements: any[], action: string, condition?: string) =>
  statements.filter(s => [s.Action].flat().includes(action) && (condition === undefined || JSON.stringify(s.Condition ?? {}).includes(condition)));

const ec2 = (region: string, type: string) => `arn:\${AWS::Partition}:ec2:${region}::${type}/*`;

describe('the Distribute stage', () => {
  test('comes after Build and Validate and before every deploy stage, windows and waves included', () => {
    const f = withImage({}, { validation: TemplateValidation.cfnLintAndGuard() });
    f.pipeline.addTarget(cfnTarget('eu-central-1', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 4, timeZone: 'Europe/Berlin' }) }));
    expect(stageNames(pipelineTemplate(f))).toEqual(['Source', 'Build', 'Validate', 'Distribute', 'Deploy', 'Deploy.eu-central-1']);

    const waves = withImage({}, { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest' }]) });
    expect(stageNames(pipelineTemplate(waves))).toEqual(['Source', 'Build', 'Distribute', 'canary', 'rest']);
  });

  test('one CodeBuild action per region side by side (run order 1) in the pipeline\'s region, the pipeline\'s region first', () => {
    const t = pipelineTemplate(withImage());
    const actions = distributeActions(t);
    expect(actions.map((a: any) => a.Name)).toEqual([HOME_REGION, ...REGIONS].map(r => `${r}.CopyImage`));
    expect(actions.map((a: any) => a.RunOrder)).toEqual([1, 1, 1, 1]);
    expect(actions.every((a: any) => a.Region === undefined && a.ActionTypeId.Provider === 'CodeBuild')).toBe(true);
    // one project, one shared action role, the build output as input
    expect(new Set(actions.map((a: any) => JSON.stringify(a.Configuration.ProjectName))).size).toBe(1);
    expect(new Set(actions.map((a: any) => JSON.stringify(a.RoleArn))).size).toBe(1);
    expect(actions[0].RoleArn['Fn::GetAtt'][0]).toMatch(/^PipelineTargetsDistributeActionRole/);
    expect(actions.every((a: any) => a.InputArtifacts[0].Name === 'Build')).toBe(true);
    expect(t.findResources('AWS::CodeBuild::Project', { Properties: { Description: Match.stringLikeRegexp('machine image') } })).not.toEqual({});
  });

  test('each action hands the script its region, the build\'s exported image ID, the execution, the revision and the region\'s key', () => {
    const actions = distributeActions(pipelineTemplate(withImage({ kmsKeyArns: { 'eu-west-1': KEY_EU } })));
    expect(environmentOf(actions[2])).toEqual({
      TARGET_REGION: 'eu-west-1',
      SOURCE_IMAGE_ID: '#{Build.IMAGE_ID}',
      EXECUTION_ID: '#{codepipeline.PipelineExecutionId}',
      SOURCE_REVISION: '#{Source.VersionId}',
      KMS_KEY_ID: KEY_EU,
    });
    expect(environmentOf(actions[0]).TARGET_REGION).toBe(HOME_REGION);
    expect(environmentOf(actions[0]).KMS_KEY_ID).toBe('');
    // the build action's namespace, which `#{Build.IMAGE_ID}` refers to
    const build = pipelineOf(pipelineTemplate(withImage())).Stages.find((s: any) => s.Name === 'Build').Actions[0];
    expect(build.Namespace).toBe('Build');
  });

  test('the project runs the script with bash and holds the distribution\'s settings', () => {
    const { project } = distribution(pipelineTemplate(withImage({ encrypted: true, timeout: Duration.hours(5) })));
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(spec.env.shell).toBe('bash');
    expect(spec.phases.build.commands).toEqual([imageCopyScript()]);
    const env = Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
    expect(env).toEqual({
      SOURCE_REGION: HOME_REGION,
      PARAMETER_NAME: '/service-x/image-id',
      KEEP_IMAGES: '5',
      TAG_KEY: 'multi-region-delivery:distribution',
      DISTRIBUTION_ID: expect.stringMatching(/^[0-9a-f]{16}$/),
      IMAGE_NAME_PREFIX: 'service-x/image-id.',
      ENCRYPTED: 'true',
    });
    expect(project.Properties.TimeoutInMinutes).toBe(300);
  });

  test('`regions` limits the copies to those target regions (and the pipeline\'s region)', () => {
    const f = withImage({ regions: ['eu-west-1'] });
    expect(distributeActions(pipelineTemplate(f)).map((a: any) => a.Name)).toEqual([`${HOME_REGION}.CopyImage`, 'eu-west-1.CopyImage']);
  });

  test('a target added later may be named in `regions`', () => {
    const f = withImage({ regions: ['eu-north-1'] }, {}, ['us-east-1']);
    f.pipeline.addTarget(cfnTarget('eu-north-1'));
    expect(distributeActions(pipelineTemplate(f)).map((a: any) => a.Name)).toEqual([`${HOME_REGION}.CopyImage`, 'eu-north-1.CopyImage']);
  });

  test('a target in the pipeline\'s region gets the same-region copy only once', () => {
    const f = withImage({}, {}, [HOME_REGION, 'us-east-1']);
    expect(distributeActions(pipelineTemplate(f)).map((a: any) => a.Name)).toEqual([`${HOME_REGION}.CopyImage`, 'us-east-1.CopyImage']);
  });

  test('`maxParallelCopies` runs the regions in batches, the pipeline\'s region first', () => {
    const actions = distributeActions(pipelineTemplate(withImage({ maxParallelCopies: 2 })));
    expect(actions.map((a: any) => [a.Name, a.RunOrder])).toEqual([
      [`${HOME_REGION}.CopyImage`, 1], ['us-east-1.CopyImage', 1], ['eu-west-1.CopyImage', 2], ['ap-southeast-2.CopyImage', 2],
    ]);
    const plan = withImage({ maxParallelCopies: 1 }).pipeline.plan;
    expect(plan.stages.find(s => s.stageName === 'Distribute')!.sequentialSteps).toBe(4);
  });

  test('construct IDs of the project and its roles are stable', () => {
    const t = pipelineTemplate(withImage());
    const ids = Object.keys(t.toJSON().Resources).filter(id => /MachineImage|Distribute/.test(id)).sort();
    expect(ids).toEqual([
      'PipelineMachineImageProjectAAAEA2C0', 'PipelineMachineImageProjectRole76A5E084', 'PipelineMachineImageProjectRoleDefaultPolicy4BC95028',
      // the stage action role holds its grants inline (private/inline-policy-role.ts)
      'PipelineTargetsDistributeActionRole66E3E3AD',
    ]);
  });
});

/**
 * The ssm:GetParameters statements of the template, as [policy or role ID without its hash, resources]:
 * policies attached to roles, and the grants roles hold inline (stage action roles).
 */
function parameterReads(t: Template): [string, string[]][] {
  const reads = (id: string, statements: any[]): [string, string[]][] => statements
    .filter((st: any) => [st.Action].flat().includes('ssm:GetParameters'))
    .map((st: any) => [id.replace(/[0-9A-F]{8}$/, ''), [st.Resource].flat().map(flatten)]);
  return [
    ...Object.entries(t.findResources('AWS::IAM::Policy')).flatMap(([id, p]: [string, any]) => reads(id, p.Properties.PolicyDocument.Statement)),
    ...Object.entries(t.findResources('AWS::IAM::Role')).flatMap(([id, r]: [string, any]) =>
      (r.Properties.Policies ?? []).flatMap((p: any) => reads(id, p.PolicyDocument.Statement))),
  ];
}

describe('the distribution\'s role', () => {
  const { statements } = distribution(pipelineTemplate(withImage({ kmsKeyArns: { 'eu-west-1': KEY_EU } })));

  test('no test report permissions: its buildspec has no reports section', () => {
    expect(statements.flatMap(s => [s.Action].flat()).filter((a: string) => /Report/.test(a))).toEqual([]);
  });

  test('ec2:CopyImage from the pipeline\'s region only, into each region, in a request to that region', () => {
    const copies = statementFor(statements, 'ec2:CopyImage');
    expect(copies).toHaveLength(4);
    for (const region of REGIONS) {
      expect(copies).toContainEqual({
        Action: 'ec2:CopyImage',
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:RequestedRegion': region } },
        Resource: [ec2(HOME_REGION, 'image'), ec2(HOME_REGION, 'snapshot'), ec2(region, 'image'), ec2(region, 'snapshot')],
      });
    }
    expect(copies).toContainEqual({
      Action: 'ec2:CopyImage',
      Effect: 'Allow',
      Condition: { StringEquals: { 'aws:RequestedRegion': HOME_REGION } },
      Resource: [ec2(HOME_REGION, 'image'), ec2(HOME_REGION, 'snapshot')],
    });
  });

  test('ec2:CreateTags only within CopyImage; deregistering and deleting snapshots only of the distribution\'s copies', () => {
    const all = [HOME_REGION, ...REGIONS].flatMap(r => [ec2(r, 'image'), ec2(r, 'snapshot')]);
    expect(statementFor(statements, 'ec2:CreateTags')).toEqual([{
      Action: 'ec2:CreateTags', Effect: 'Allow', Condition: { StringEquals: { 'ec2:CreateAction': 'CopyImage' } }, Resource: all,
    }]);
    expect(statementFor(statements, 'ec2:DeregisterImage')).toEqual([{
      Action: ['ec2:DeregisterImage', 'ec2:DeleteSnapshot'],
      Effect: 'Allow',
      Condition: { StringEquals: { 'aws:ResourceTag/multi-region-delivery:distribution': expect.stringMatching(/^[0-9a-f]{16}$/) } },
      Resource: all,
    }]);
    expect(statementFor(statements, 'ec2:DescribeImages')).toEqual([{ Action: 'ec2:DescribeImages', Effect: 'Allow', Resource: '*' }]);
  });

  test('ssm:PutParameter and GetParameter on exactly the parameter, in each region', () => {
    expect(statementFor(statements, 'ssm:PutParameter')).toEqual([{
      Action: ['ssm:PutParameter', 'ssm:GetParameter'],
      Effect: 'Allow',
      Resource: [HOME_REGION, ...REGIONS].map(r => `arn:\${AWS::Partition}:ssm:${r}:${ACCOUNT}:parameter/service-x/image-id`),
    }]);
    expect(statements.filter(s => [s.Action].flat().some((a: string) => a.startsWith('ssm:'))).length).toBe(1);
  });

  test('a parameter without hierarchy gets its ARN without a doubled slash', () => {
    const s = distribution(pipelineTemplate(withImage({ parameterName: 'service-x-image' }))).statements;
    expect(statementFor(s, 'ssm:PutParameter')[0].Resource[0]).toBe(`arn:\${AWS::Partition}:ssm:${HOME_REGION}:${ACCOUNT}:parameter/service-x-image`);
  });

  test('exactly what EBS encryption needs on the named keys, CreateGrant only for AWS resources', () => {
    expect(statementFor(statements, 'kms:Decrypt')).toEqual([{
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Effect: 'Allow',
      Resource: KEY_EU,
    }]);
    expect(statementFor(statements, 'kms:CreateGrant')).toEqual([{
      Action: 'kms:CreateGrant', Effect: 'Allow', Condition: { Bool: { 'kms:GrantIsForAWSResource': true } }, Resource: KEY_EU,
    }]);
  });

  test('each deploy stage\'s action role (the caller of CreateChangeSet) may read the parameter in its regions', () => {
    const f = withImage({ regions: ['us-east-1', 'eu-west-1', 'eu-central-1'] });
    f.pipeline.addTarget(cfnTarget('eu-central-1', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 4, timeZone: 'Europe/Berlin' }) }));
    const t = pipelineTemplate(f);
    const reads = parameterReads(t);
    const arn = (region: string) => `arn:\${AWS::Partition}:ssm:${region}:${ACCOUNT}:parameter/service-x/image-id`;
    expect(reads).toEqual([
      ['PipelineTargetsDeployActionRole', [arn('us-east-1'), arn('eu-west-1')]],
      [expect.stringMatching(/^PipelineTargetsGroup.*ActionRole$/), [arn('eu-central-1')]],
    ]);
  });

  test('a target reached through the CodeBuild route (no CodePipeline in ca-west-1): the route\'s role may read the parameter there', () => {
    const t = pipelineTemplate(withImage({}, {}, ['us-east-1', 'ca-west-1']));
    const reads = parameterReads(t);
    const arn = (region: string) => `arn:\${AWS::Partition}:ssm:${region}:${ACCOUNT}:parameter/service-x/image-id`;
    expect(reads).toEqual(expect.arrayContaining([
      [expect.stringMatching(/^PipelineTargetsRouteProjectRoleDefaultPolicy$/), [arn('ca-west-1')]],
    ]));
    expect(reads.find(([id]) => id === 'PipelineTargetsDeployActionRole')![1]).toEqual([arn('us-east-1'), arn('ca-west-1')]);
  });

  test('no KMS permissions without named keys', () => {
    const s = distribution(pipelineTemplate(withImage({ encrypted: true }))).statements;
    expect(s.filter(st => [st.Action].flat().some((a: string) => a.startsWith('kms:')))).toEqual([]);
  });
});

describe('the plan', () => {
  test('shows the distribution per region, in the pipeline\'s region through CodeBuild, before the deploy stages', () => {
    const plan = withImage().pipeline.plan;
    const rows = plan.actions.filter(a => a.kind === PlannedActionKind.DISTRIBUTE_IMAGE);
    expect(rows.map(r => [r.stageName, r.actionName, r.region, r.runOrder, r.route])).toEqual([HOME_REGION, ...REGIONS].map(region =>
      ['Distribute', `${region}.CopyImage`, region, 1, `CodeBuild in ${HOME_REGION}`]));
    expect(rows[0].detail).toBe(`copy of #{Build.IMAGE_ID} from ${HOME_REGION}, parameter /service-x/image-id, keep 5`);
    expect(plan.stages.map(s => s.stageName)).toEqual(['Source', 'Build', 'Distribute', 'Deploy']);
    expect(plan.toTable()).toMatch(/eu-west-1\s+DistributeImage/);
  });

  test('matches the rendered pipeline action for action', () => {
    const f = withImage();
    const planned = f.pipeline.plan.actions.map(a => `${a.stageName}/${a.actionName}/${a.runOrder}`).sort();
    const rendered = pipelineOf(pipelineTemplate(f)).Stages.flatMap((s: any) => s.Actions.map((a: any) => `${s.Name}/${a.Name}/${a.RunOrder ?? 1}`)).sort();
    expect(planned).toEqual(rendered);
  });
});

describe('rejected inputs', () => {
  const fails = (options: Partial<MachineImageBuildOptions>, props: Partial<MultiRegionDeliveryPipelineProps> = {}) => () => {
    const f = withImage(options, props);
    f.app.synth();
  };

  test('no build', () => {
    expect(() => withImage({}, { buildStep: undefined }).app.synth()).toThrow(
      /machineImage distributes the image the build bakes, but the pipeline has no build; add a `buildStep`/);
  });

  test.each([
    ['service x', /parameterName 'service x' is not a name Systems Manager accepts: it may contain only letters, digits/],
    ['service-x/image-id', /parameterName 'service-x\/image-id' .* must start with '\/'/],
    ['/service-x//image-id', /has an empty level/],
    ['/service-x/', /has an empty level/],
    ['/aws/service/ami', /names starting with 'aws' or 'ssm' \(any case\) are reserved/],
    ['SSM-image', /names starting with 'aws' or 'ssm'/],
    ['/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/'), /it has 16 levels; Systems Manager accepts at most 15/],
    ['/' + 'a'.repeat(1011), /it has 1012 characters; Systems Manager accepts 1 to 1,011/],
    ['', /it has 0 characters/],
  ])('parameter name %j', (parameterName, message) => {
    expect(fails({ parameterName })).toThrow(message);
  });

  // the longest ARN prefix of the regions that get the parameter (us-west-2 and REGIONS): ap-southeast-2's
  const prefix = 'arn:aws:ssm:ap-southeast-2:123456789012:parameter';

  test('a parameter name of 15 levels, or whose ARN has 1,011 characters in every region, is accepted', () => {
    const fifteen = '/' + Array.from({ length: 15 }, (_, i) => `l${i}`).join('/');
    expect(fails({ parameterName: fifteen })).not.toThrow();
    expect(fails({ parameterName: '/' + 'a'.repeat(1011 - prefix.length - 1) })).not.toThrow();
  });

  test('a parameter name whose ARN is over 1,011 characters in a region is refused, naming the region (the limit counts the ARN)', () => {
    expect(fails({ parameterName: '/' + 'a'.repeat(1011 - prefix.length) })).toThrow(
      /is too long for Systems Manager in ap-southeast-2: its ARN there has 1012 characters, and the name's limit of 1,011 counts the whole ARN; shorten it by 1/);
  });

  test.each([0, -1, 1.5])('keepImages %d', keepImages => {
    expect(fails({ keepImages })).toThrow(new RegExp(`keepImages ${keepImages} is not valid; keep a whole number of at least 1`));
  });

  test.each(['IMAGE-ID', '1IMAGE', 'CODEBUILD_IMAGE', '', 'A'.repeat(129), '#{Build.IMAGE_ID}'])('imageIdVariable %j', imageIdVariable => {
    expect(fails({ imageIdVariable })).toThrow(/imageIdVariable '.*' is not a name the build can export/);
  });

  test('a region that is not a target region, a region of another partition, an empty or repeated list', () => {
    expect(fails({ regions: ['eu-north-1'] })).toThrow(/region eu-north-1 in regions is not a target region of the pipeline \(us-east-1, eu-west-1, ap-southeast-2\)/);
    expect(fails({ regions: ['cn-north-1'] })).toThrow(/region cn-north-1 cannot receive copies: it is in the partition aws-cn, the pipeline in aws, and EC2 copies images within a partition only/);
    expect(fails({ regions: [] })).toThrow(/regions is empty/);
    expect(fails({ regions: ['eu-west-1', 'eu-west-1'] })).toThrow(/regions names eu-west-1 more than once/);
  });

  test('keys: of a region without a copy, not a key ARN, in another region', () => {
    expect(fails({ kmsKeyArns: { 'eu-north-1': KEY_EU } })).toThrow(/kmsKeyArns names region eu-north-1, which receives no copy/);
    expect(fails({ kmsKeyArns: { 'eu-west-1': 'alias/ebs' } })).toThrow(/kmsKeyArns\['eu-west-1'\] 'alias\/ebs' is not a KMS key ARN/);
    expect(fails({ kmsKeyArns: { 'us-east-1': KEY_EU } })).toThrow(/kmsKeyArns\['us-east-1'\] '.*' is a key in eu-west-1; EBS encrypts a region's copies with a key in that region/);
  });

  test.each([0, 2.5])('maxParallelCopies %d', maxParallelCopies => {
    expect(fails({ maxParallelCopies })).toThrow(new RegExp(`maxParallelCopies ${maxParallelCopies} is not valid; give a whole number of at least 1`));
  });

  test('a timeout of exactly 8 hours is accepted (the bound is inclusive)', () => {
    expect(fails({ timeout: Duration.hours(8) })).not.toThrow();
  });

  test.each([Duration.minutes(4), Duration.minutes(481), Duration.hours(37), Duration.seconds(90)])('timeout %s', timeout => {
    expect(fails({ timeout })).toThrow(/timeout .* is not valid; give whole minutes from 5 to 480 \(8 hours: CodeBuild allows longer builds, but CodePipeline/);
  });

  test('several problems in one message, with the pipeline\'s path', () => {
    expect(fails({ parameterName: 'ssm-x', keepImages: 0 })).toThrow(/MultiRegionDeliveryPipeline PipelineStack\/Pipeline: parameterName 'ssm-x' .*; keepImages 0 is not valid/);
  });

  test('a wave may not be named Distribute', () => {
    expect(() => Rollout.waves([{ name: 'Distribute' }])).toThrow(/the name 'Distribute' is taken by a stage of the pipeline/);
  });
});

describe('checks of the synthesized templates', () => {
  const f = withImage({ kmsKeyArns: { 'eu-west-1': KEY_EU } }, { validation: TemplateValidation.cfnLintAndGuard() });
  NagSuppressions.addResourceSuppressions(f.stack.node.findChild('SourceBucket'), [{ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s source bucket.' }]);
  Aspects.of(f.app).add(new AwsSolutionsChecks({ verbose: true }));
  const assembly = f.app.synth();

  test('cdk-nag AwsSolutions finds nothing unsuppressed', () => {
    const out: string[] = [];
    for (const stack of f.app.node.children.filter(c => c instanceof Stack) as Stack[]) {
      const annotations = Annotations.fromStack(stack);
      out.push(...[...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
        .map(x => `${stack.stackName} ${x.id}: ${String(x.entry.data).split('\n')[0]}`));
    }
    expect(out).toEqual([]);
  });

  test('cfn-lint finds nothing in the pipeline stack', () => {
    expect(cfnLint({ PipelineStack: assembly.getStackByName('PipelineStack').template })).toBe('');
  }, 120_000);

  test('the pipeline passes the CodePipeline API model check', () => {
    const template = assembly.getStackByName('PipelineStack').template;
    const pipeline = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any;
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
  });
});

describe('a pipeline without machineImage', () => {
  test('has no Distribute stage and no distribution project', () => {
    const t = pipelineTemplate(fixture(REGIONS));
    expect(stageNames(t)).not.toContain('Distribute');
    expect(Object.keys(t.findResources('AWS::CodeBuild::Project')).some(id => id.includes('MachineImage'))).toBe(false);
  });

  test('MultiRegionDeliveryPipeline accepts the prop from the public API', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: HOME_REGION } });
    const bucket = new s3.Bucket(stack, 'B', { versioned: true });
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'P', {
      source: PipelineSource.s3({ bucket, objectKey: 'a.zip' }),
      targets: [cfnTarget('eu-west-1')],
      machineImage: MachineImageDistribution.fromBuild(OPTIONS),
      buildStep: PipelineBuild.codeBuild(),
    });
    expect(MachineImageDistribution.fromBuild(OPTIONS).parameterName).toBe('/service-x/image-id');
    expect(pipeline.plan.actions.some(a => a.kind === PlannedActionKind.DISTRIBUTE_IMAGE)).toBe(true);
  });
});
