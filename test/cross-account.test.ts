import { Aspects, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { TemplateResources, checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, HOME_REGION, cfnLint, cfnTarget, fixture, flatten } from './testutil';
import { ArtifactEncryption, DeploymentWindow, RegionTarget, Rollout } from '../src';

const OTHER = '222222222222';
const KMS = { artifactStores: { encryption: ArtifactEncryption.KMS } };
const deployRole = (region: string, qualifier = 'hnb659fds') => `arn:aws:iam::${OTHER}:role/cdk-${qualifier}-deploy-role-${OTHER}-${region}`;
const execRole = (region: string, qualifier = 'hnb659fds') => `arn:aws:iam::${OTHER}:role/cdk-${qualifier}-cfn-exec-role-${OTHER}-${region}`;

/** A KMS pipeline in us-west-2 with a target in its own account (us-east-1) and targets of OTHER in eu-west-1 and us-west-2. */
function crossAccountFixture() {
  const f = fixture(['us-east-1'], KMS);
  f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER, approval: true }));
  f.pipeline.addTarget(cfnTarget(HOME_REGION, 'service-x', { account: OTHER, bootstrapQualifier: 'custom1' }));
  const assembly = f.app.synth();
  const template = (name: string) => Template.fromJSON(assembly.getStackByName(name).template);
  return { ...f, assembly, template };
}

function pipelineActions(template: Template): any[] {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
  return pipeline.Properties.Stages.flatMap((s: any) => s.Actions);
}

function statementsOf(template: Template, type: string, property: string): any[] {
  return Object.values(template.findResources(type)).flatMap((r: any) => r.Properties[property].Statement);
}

/** Statements of a resource policy that name principals of `account`. */
function grantsTo(statements: any[], account: string): any[] {
  return statements.filter(s => JSON.stringify(s.Principal ?? {}).includes(`:${account}:`) || JSON.stringify(s.Principal ?? {}).includes(`::${account}:`));
}

describe('targets in other accounts', () => {
  const f = crossAccountFixture();
  const home = f.template('PipelineStack');
  const euStore = f.template(`PipelineStack-${HOME_REGION}-artifacts-eu-west-1`);

  test('the actions run with the target account\'s bootstrap deploy role, CloudFormation with its cfn-exec role', () => {
    const byName = Object.fromEntries(pipelineActions(home).map(a => [a.Name, a]));
    expect(byName[`eu-west-1.${OTHER}.service-x.CreateChangeSet`].RoleArn).toBe(deployRole('eu-west-1'));
    expect(byName[`eu-west-1.${OTHER}.service-x.CreateChangeSet`].Configuration.RoleArn).toBe(execRole('eu-west-1'));
    expect(byName[`eu-west-1.${OTHER}.service-x.ExecuteChangeSet`].RoleArn).toBe(deployRole('eu-west-1'));
    expect(byName[`${HOME_REGION}.${OTHER}.service-x.CreateChangeSet`].RoleArn).toBe(deployRole(HOME_REGION, 'custom1'));
    expect(byName[`${HOME_REGION}.${OTHER}.service-x.CreateChangeSet`].Configuration.RoleArn).toBe(execRole(HOME_REGION, 'custom1'));
    // the approval stays in the pipeline's account; the target of the pipeline's account keeps the construct's roles
    expect(JSON.stringify(byName[`eu-west-1.${OTHER}.service-x.Approve`].RoleArn)).not.toContain(OTHER);
    expect(JSON.stringify(byName['us-east-1.service-x.CreateChangeSet'])).not.toContain(OTHER);
  });

  test('synthesis names the bootstrap each target account needs', () => {
    const infos = Annotations.fromStack(f.stack).findInfo('*', Match.stringLikeRegexp('bootstrap it before the pipeline runs')).map(i => String(i.entry.data));
    expect(infos).toEqual([
      expect.stringContaining(`cdk bootstrap aws://${OTHER}/eu-west-1 --trust ${ACCOUNT} --cloudformation-execution-policies <policy ARNs>`),
      expect.stringMatching(new RegExp(`cdk bootstrap aws://${OTHER}/${HOME_REGION} --trust ${ACCOUNT} .* --qualifier custom1$`)),
    ]);
  });

  test('the pipeline\'s role may assume exactly the deploy roles of the other account', () => {
    const statements = statementsOf(home, 'AWS::IAM::Policy', 'PolicyDocument');
    const other = statements.flatMap(s => [s.Resource].flat()).filter(r => JSON.stringify(r).includes(OTHER));
    expect(new Set(other)).toEqual(new Set([deployRole('eu-west-1'), deployRole(HOME_REGION, 'custom1')]));
    const assume = statements.filter(s => JSON.stringify(s.Resource).includes(OTHER));
    expect(assume.every(s => s.Action === 'sts:AssumeRole')).toBe(true);
  });

  test('every role the construct creates is trusted by the pipeline\'s role or a service, never by another account', () => {
    const roles = home.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles) as any[]) {
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust).not.toContain(OTHER);
      expect(trust).not.toMatch(/:root/);
    }
    expect(Object.keys(f.template(`PipelineStack-${HOME_REGION}-artifacts-eu-west-1`).findResources('AWS::IAM::Role')).every(id => id.startsWith('CustomS3AutoDeleteObjects'))).toBe(true);
  });

  test('the stores\' keys let only the target account\'s roles decrypt and describe', () => {
    for (const [template, region] of [[euStore, 'eu-west-1'], [home, HOME_REGION]] as const) {
      const qualifier = region === HOME_REGION ? 'custom1' : 'hnb659fds';
      const grants = grantsTo(statementsOf(template, 'AWS::KMS::Key', 'KeyPolicy'), OTHER);
      expect(grants.length).toBeGreaterThan(0);
      for (const s of grants) {
        expect([s.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
        // the account as principal, the roles in a condition: the store deploys before the target account is bootstrapped
        expect(flatten(s.Principal.AWS)).toMatch(new RegExp(`^arn:(aws|\\$\\{AWS::Partition\\}):iam::${OTHER}:root$`));
        expect(s.Condition.ArnEquals['aws:PrincipalArn'].sort()).toEqual([deployRole(region, qualifier), execRole(region, qualifier)].sort());
      }
    }
  });

  test('the stores\' buckets let only the target account\'s roles read', () => {
    for (const [template, region] of [[euStore, 'eu-west-1'], [home, HOME_REGION]] as const) {
      const qualifier = region === HOME_REGION ? 'custom1' : 'hnb659fds';
      const grants = grantsTo(statementsOf(template, 'AWS::S3::BucketPolicy', 'PolicyDocument'), OTHER);
      expect(grants.length).toBeGreaterThan(0);
      for (const s of grants) {
        expect(s.Effect).toBe('Allow');
        expect([s.Action].flat().sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
        expect(flatten(s.Principal.AWS)).toMatch(new RegExp(`^arn:(aws|\\$\\{AWS::Partition\\}):iam::${OTHER}:root$`));
        expect(s.Condition.ArnEquals['aws:PrincipalArn'].sort()).toEqual([deployRole(region, qualifier), execRole(region, qualifier)].sort());
      }
    }
    // a store where no target of another account acts grants it nothing
    const usEast = f.template(`PipelineStack-${HOME_REGION}-artifacts-us-east-1`);
    expect(JSON.stringify(usEast.toJSON())).not.toContain(OTHER);
  });

  test('the artifact store of another region is declared with its key ARN (aliases are not resolved across accounts)', () => {
    const pipeline = Object.values(home.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
    const stores = Object.fromEntries(pipeline.Properties.ArtifactStores.map((s: any) => [s.Region, s.ArtifactStore.EncryptionKey.Id]));
    expect(stores['eu-west-1']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineStoreKeyArneuwest1/), 'KeyMetadata.Arn'] });
    expect(stores['us-east-1']).toMatch(/:alias\//);
    expect(stores[HOME_REGION]).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineArtifactStoreKey/), 'Arn'] });
    home.hasResourceProperties('Custom::AWS', {
      Create: Match.stringLikeRegexp('"action":"describeKey".*"region":"eu-west-1"'),
    });
  });

  test('the plan names the account of every action and adds an Account column', () => {
    const plan = f.pipeline.plan;
    expect(plan.actions.every(a => a.account === ACCOUNT || a.account === OTHER)).toBe(true);
    expect(plan.actions.filter(a => a.account === OTHER).map(a => a.actionName)).toEqual([
      `eu-west-1.${OTHER}.service-x.CreateChangeSet`, `${HOME_REGION}.${OTHER}.service-x.CreateChangeSet`,
      `eu-west-1.${OTHER}.service-x.Approve`,
      `eu-west-1.${OTHER}.service-x.ExecuteChangeSet`, `${HOME_REGION}.${OTHER}.service-x.ExecuteChangeSet`,
    ]);
    expect(plan.toTable().split('\n')[0]).toMatch(/^Stage\s+Order\s+Account\s+Region/);
    expect(plan.toTable()).toMatch(new RegExp(`Deploy\\s+2\\s+${OTHER}\\s+eu-west-1\\s+CreateChangeSet`));
  });

  test('the schedule names the accounts of every stage, with an Accounts column', () => {
    const deploy = f.pipeline.plan.schedule(new Date('2026-12-07T00:00:00Z')).find(s => s.stageName === 'Deploy')!;
    expect(deploy.accounts).toEqual([ACCOUNT, OTHER]);
    expect(f.pipeline.plan.stages.find(s => s.stageName === 'Source')!.accounts).toEqual([ACCOUNT]);
    const table = f.pipeline.plan.toScheduleTable(new Date('2026-12-07T00:00:00Z'));
    expect(table.split('\n')[0]).toMatch(/^Stage\s+Accounts\s+Regions/);
    expect(table).toMatch(new RegExp(`Deploy\\s+${ACCOUNT} ${OTHER}\\s+us-east-1`));
  });

  test('a pipeline of one account has no Account column', () => {
    const one = fixture(['us-east-1']);
    expect(one.pipeline.plan.toTable()).not.toContain('Account');
    expect(one.pipeline.plan.toScheduleTable(new Date())).not.toContain('Account');
    expect(one.pipeline.plan.actions.every(a => a.account === ACCOUNT)).toBe(true);
  });

  test('the pipeline passes the CodePipeline API model check', () => {
    const resources = f.assembly.getStackByName('PipelineStack').template.Resources as TemplateResources;
    const problems = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline')
      .flatMap(([id, r]) => checkPipeline((r as any).Properties, resources).map(p => `${id}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('cfn-lint finds nothing in the pipeline stack and the store stacks', () => {
    expect(cfnLint(Object.fromEntries(['PipelineStack', `PipelineStack-${HOME_REGION}-artifacts-eu-west-1`, `PipelineStack-${HOME_REGION}-artifacts-us-east-1`]
      .map(name => [name, f.assembly.getStackByName(name).template])))).toBe('');
  }, 120_000);
});

describe('cdk-nag', () => {
  test('a pipeline with targets in other accounts has no unsuppressed finding', () => {
    const f = fixture(['us-east-1'], KMS);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER }));
    f.pipeline.addTarget(cfnTarget(HOME_REGION, 'service-y', { account: OTHER }));
    NagSuppressions.addResourceSuppressions(f.stack.node.findChild('SourceBucket'), [{ id: 'AwsSolutions-S1', reason: 'Test fixture: the user\'s source bucket.' }]);
    Aspects.of(f.app).add(new AwsSolutionsChecks({ verbose: true }));
    f.app.synth();
    const found = (f.app.node.children.filter(c => c instanceof Stack) as Stack[]).flatMap(stack => {
      const a = Annotations.fromStack(stack);
      return [...a.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...a.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))]
        .map(x => `${stack.stackName} ${x.id}: ${String(x.entry.data).split('\n')[0]}`);
    });
    expect(found).toEqual([]);
  });
});

describe('with windows, gates and waves', () => {
  test('a target in another account takes a window, rollback and a wave like any other', () => {
    const f = fixture(['us-east-1'], {
      ...KMS,
      rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest' }]),
    });
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', {
      account: OTHER,
      window: DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin'),
      gates: { rollbackOnFailure: true },
    }));
    const plan = f.pipeline.plan;
    const change = plan.actions.find(a => a.account === OTHER && a.kind === 'CreateChangeSet')!;
    expect(change.wave).toBe('rest');
    expect(change.window).toMatch(/Europe\/Dublin/);
    const assembly = f.app.synth();
    const template = assembly.getStackByName('PipelineStack').template;
    const stage = (Object.values(template.Resources) as any[]).find(r => r.Type === 'AWS::CodePipeline::Pipeline')
      .Properties.Stages.find((s: any) => s.Actions.some((a: any) => a.Name === change.actionName));
    expect(stage.OnFailure).toEqual({ Result: 'ROLLBACK' });
    expect(stage.BeforeEntry.Conditions[0].Rules[0].RuleTypeId.Provider).toBe('DeploymentWindow');
    expect(stage.Actions.find((a: any) => a.Name === change.actionName).RoleArn).toBe(deployRole('eu-west-1'));
    const problems = checkPipeline((Object.values(template.Resources) as any[]).find(r => r.Type === 'AWS::CodePipeline::Pipeline').Properties,
      template.Resources as TemplateResources);
    expect(problems).toEqual([]);
  });
});

describe('uniqueness includes the account', () => {
  test('the same stack in the same region of two accounts is two targets', () => {
    const f = fixture(['eu-west-1'], KMS);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER }));
    expect(f.pipeline.plan.actions.filter(a => a.kind === 'CreateChangeSet').map(a => `${a.account}/${a.actionName}`)).toEqual([
      `${ACCOUNT}/eu-west-1.service-x.CreateChangeSet`, `${OTHER}/eu-west-1.${OTHER}.service-x.CreateChangeSet`,
    ]);
  });

  test('the same stack twice in one account is refused, naming the account', () => {
    const f = fixture(['eu-west-1'], KMS);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-y', { account: OTHER }));
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-y', { account: OTHER })))
      .toThrow(new RegExp(`stack 'service-y' in eu-west-1 of account ${OTHER} is deployed by target`));
  });

  test('the pipeline\'s own account given explicitly is the pipeline\'s account', () => {
    const f = fixture(['eu-west-1']);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: ACCOUNT }))).toThrow(/is deployed by target/);
    const g = fixture([]);
    g.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: ACCOUNT }));
    expect(JSON.stringify(Template.fromStack(g.stack).toJSON())).not.toContain('cdk-hnb659fds-deploy-role');
  });

  test('a stack named like an artifact store stack may be deployed in another account', () => {
    const f = fixture(['eu-west-1'], KMS);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', `PipelineStack-${HOME_REGION}-artifacts-eu-west-1`, { account: OTHER }))).not.toThrow();
  });
});

describe('rejected input', () => {
  test.each([
    ['12345678901', /account '12345678901' is not an AWS account ID; give the 12 digits/],
    ['1234567890123', /account '1234567890123' is not an AWS account ID/],
    ['abcdefghijkl', /account 'abcdefghijkl' is not an AWS account ID/],
    [' 222222222222', /account ' 222222222222' is not an AWS account ID/],
  ])('a malformed account %p', (account, message) => {
    const f = fixture([], KMS);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account }))).toThrow(message);
  });

  test('an account token', () => {
    const f = fixture([], KMS);
    const token = Token.asString({ Ref: 'TargetAccount' });
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: token })))
      .toThrow(/account is a token \(\$\{Token\[.*\]\}\); give the target's account as a literal of 12 digits/);
  });

  test.each(['', 'with space', 'elevenchars', 'a/b'])('a malformed bootstrap qualifier %p', qualifier => {
    const f = fixture([], KMS);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER, bootstrapQualifier: qualifier })))
      .toThrow(new RegExp(`bootstrapQualifier '${qualifier}' is not a CDK bootstrap qualifier; .*1 to 10 letters`));
  });

  test('a target in another account with S3-managed stores names the target and the option to set', () => {
    const f = fixture(['us-east-1']);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER }));
    expect(() => f.app.synth()).toThrow(new RegExp(`target service-x@eu-west-1 deploys to account ${OTHER}, the pipeline is in ${ACCOUNT}.*` +
      'Set `artifactStores: \\{ encryption: ArtifactEncryption.KMS \\}`'));
  });

  test('CodeDeploy and ECS blue/green targets in another account', () => {
    const f = fixture([], KMS);
    expect(() => f.pipeline.addTarget(RegionTarget.codeDeploy({ region: 'eu-west-1', applicationName: 'web', deploymentGroupName: 'fleet', account: OTHER })))
      .toThrow(new RegExp(`target web.fleet@eu-west-1 deploys to account ${OTHER}, the pipeline is in ${ACCOUNT}; this kind of target deploys only to the pipeline's account`));
    expect(() => f.pipeline.addTarget(RegionTarget.ecsBlueGreen({
      region: 'eu-west-1',
      applicationName: 'api',
      deploymentGroupName: 'svc',
      account: OTHER,
      taskDefinitionTemplateFile: 'taskdef.json',
      appSpecTemplateFile: 'appspec.yaml',
    }))).toThrow(/this kind of target deploys only to the pipeline's account/);
  });

  test('a target in another account in a region without CodePipeline', () => {
    const f = fixture([], KMS);
    expect(() => f.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', { account: OTHER })))
      .toThrow(new RegExp(`deploys to account ${OTHER}.*ca-west-1 has no CodePipeline.*through CodeBuild`));
  });

  test('an infrastructure stack on a target in another account', () => {
    const f = fixture([], KMS);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER, infrastructure: { stackName: 'network', templatePath: 'network.yaml' } })))
      .toThrow(/has an infrastructure stack, which CodePipeline deploys directly \(CREATE_UPDATE.*may only create and execute change sets/);
  });

  test('an alarm gate of the target\'s account', () => {
    const f = fixture([], KMS);
    const alarm = cloudwatch.Alarm.fromAlarmArn(f.stack, 'Alarm', `arn:aws:cloudwatch:eu-west-1:${OTHER}:alarm:errors`);
    expect(() => f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', { account: OTHER, gates: { alarms: [alarm] } })))
      .toThrow(new RegExp(`alarm errors is in account ${OTHER}, the pipeline in ${ACCOUNT}; alarm gates read alarms of the pipeline's account`));
  });

  test('a deployment role or managed policies on a target in another account', () => {
    const f = fixture([], KMS);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', {
      account: OTHER, deploymentManagedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSLambda_FullAccess')],
    }));
    expect(() => f.app.synth()).toThrow(/deploymentRole and deploymentManagedPolicies apply to targets in the pipeline's account; .*cfn-exec-role-222222222222-eu-west-1/);
  });
});
