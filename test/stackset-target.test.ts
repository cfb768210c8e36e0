import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnCapabilities, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, HOME_REGION, cfnLint, cfnTarget, fixture, nagFindings, pipelineTemplate, policyDocuments } from './testutil';
import { stackSetExampleApp } from '../example/stackset-app';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineSource, PlannedActionKind, RegionTarget, Rollout, StackSetTargetProps } from '../src';
import { COMMERCIAL_REGIONS } from '../src/private/region-services';

const REGIONS = ['eu-west-1', 'eu-central-1', 'ap-southeast-2'];

function stackSet(extra: Partial<StackSetTargetProps> = {}): RegionTarget {
  return RegionTarget.stackSet({ stackSetName: 'service-x', templatePath: 'stackset.template.yaml', regions: REGIONS, ...extra });
}

/** A pipeline in us-west-2 whose only target is `target`. */
function withTarget(target: RegionTarget, props: Parameters<typeof fixture>[1] = {}) {
  const f = fixture([], props);
  f.pipeline.addTarget(target);
  return f;
}

function actionsOf(template: Template): any[] {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  return pipeline.Properties.Stages.flatMap((s: any) => s.Actions.map((a: any) => ({ ...a, Stage: s.Name })));
}

function action(template: Template, provider: string): any {
  return actionsOf(template).find(a => a.ActionTypeId.Provider === provider);
}

describe('RegionTarget.stackSet: the synthesized actions', () => {
  test('one CloudFormationStackSet action in the pipeline\'s region deploys every region, in the order given', () => {
    const t = pipelineTemplate(withTarget(stackSet({
      parameters: { Stage: 'prod' },
      capabilities: [CfnCapabilities.NAMED_IAM],
      description: 'service x',
      maxConcurrentPercentage: 50,
      failureTolerancePercentage: 10,
    })));
    const deploy = action(t, 'CloudFormationStackSet');
    expect(deploy).toMatchObject({
      Name: `${HOME_REGION}.service-x.DeployStackSet`,
      Stage: 'Deploy',
      RunOrder: 4,
      ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Version: '1' },
      InputArtifacts: [{ Name: 'Build' }],
      Configuration: {
        StackSetName: 'service-x',
        Description: 'service x',
        TemplatePath: 'Build::stackset.template.yaml',
        Parameters: 'ParameterKey=Stage,ParameterValue=prod',
        Capabilities: 'CAPABILITY_NAMED_IAM',
        PermissionModel: 'SELF_MANAGED',
        DeploymentTargets: ACCOUNT,
        Regions: 'eu-west-1,eu-central-1,ap-southeast-2',
        FailureTolerancePercentage: 10,
        MaxConcurrentPercentage: 50,
        ExecutionRoleName: expect.stringMatching(/^service-x-stackset-exec-[0-9a-f]{8}$/),
        AdministrationRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/TargetsStackSetservicexAdministrationRole/), 'Arn'] },
      },
    });
    // no Region key: the action runs in the pipeline's region; and only documented configuration keys
    expect(deploy.Region).toBeUndefined();
    expect(Object.keys(deploy.Configuration).sort()).toEqual([
      'AdministrationRoleArn', 'Capabilities', 'DeploymentTargets', 'Description', 'ExecutionRoleName', 'FailureTolerancePercentage',
      'MaxConcurrentPercentage', 'Parameters', 'PermissionModel', 'Regions', 'StackSetName', 'TemplatePath',
    ]);
    expect(action(t, 'CloudFormationStackInstances')).toBeUndefined();
  });

  test('initialRegionCount deploys the first regions with the stack set, the rest with CloudFormationStackInstances', () => {
    const t = pipelineTemplate(withTarget(stackSet({ initialRegionCount: 1, approval: true, accounts: [ACCOUNT] })));
    expect(action(t, 'CloudFormationStackSet').Configuration.Regions).toBe('eu-west-1');
    const instances = action(t, 'CloudFormationStackInstances');
    expect(action(t, 'CloudFormationStackSet').RunOrder).toBe(2);
    expect(instances).toMatchObject({
      Name: `${HOME_REGION}.service-x.DeployStackInstances`,
      RunOrder: 4,
      Configuration: { StackSetName: 'service-x', DeploymentTargets: ACCOUNT, Regions: 'eu-central-1,ap-southeast-2' },
    });
    expect(Object.keys(instances.Configuration).sort()).toEqual(['DeploymentTargets', 'Regions', 'StackSetName']);
    expect(action(t, 'Manual')).toMatchObject({ Name: `${HOME_REGION}.service-x.Approve`, RunOrder: 3 });
  });

  test('service-managed: organizational units, no roles of the construct', () => {
    const t = pipelineTemplate(withTarget(stackSet({ organizationalUnits: ['ou-ab12-cd34ef56', 'r-ab12'] })));
    const deploy = action(t, 'CloudFormationStackSet');
    expect(deploy.Configuration).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED', DeploymentTargets: 'ou-ab12-cd34ef56,r-ab12', Regions: REGIONS.join(','),
    });
    expect(deploy.Configuration.AdministrationRoleArn).toBeUndefined();
    expect(deploy.Configuration.ExecutionRoleName).toBeUndefined();
    const roles = Object.values(t.findResources('AWS::IAM::Role')).map((r: any) => r.Properties.Description ?? '');
    expect(roles.filter(d => d.includes('StackSets'))).toEqual([]);
  });

  test('a user\'s administration role and execution role name: the construct creates neither', () => {
    const f = fixture([]);
    const admin = iam.Role.fromRoleArn(f.stack, 'Admin', `arn:aws:iam::${ACCOUNT}:role/AWSCloudFormationStackSetAdministrationRole`, { mutable: false });
    f.pipeline.addTarget(stackSet({ accounts: [ACCOUNT, '222222222222'], administrationRole: admin, executionRoleName: 'AWSCloudFormationStackSetExecutionRole' }));
    const t = pipelineTemplate(f);
    expect(action(t, 'CloudFormationStackSet').Configuration).toMatchObject({
      AdministrationRoleArn: `arn:aws:iam::${ACCOUNT}:role/AWSCloudFormationStackSetAdministrationRole`,
      ExecutionRoleName: 'AWSCloudFormationStackSetExecutionRole',
      DeploymentTargets: `${ACCOUNT},222222222222`,
    });
    const descriptions = Object.values(t.findResources('AWS::IAM::Role')).map((r: any) => r.Properties.Description ?? '');
    expect(descriptions.filter(d => d.includes('StackSets'))).toEqual([]);
  });

  test('regions without CodePipeline are deployed from the pipeline\'s region, with no artifact store there', () => {
    const f = withTarget(stackSet({ regions: ['ca-west-1', 'mx-central-1', 'ap-east-2', 'ap-southeast-6', 'ap-southeast-7'] }));
    const t = pipelineTemplate(f);
    expect(action(t, 'CloudFormationStackSet').Configuration.Regions).toBe('ca-west-1,mx-central-1,ap-east-2,ap-southeast-6,ap-southeast-7');
    expect(f.pipeline.artifactStoreRegions).toEqual([HOME_REGION]);
    expect(actionsOf(t).every(a => a.Region === undefined)).toBe(true);
  });
});

describe('RegionTarget.stackSet: roles', () => {
  const t = pipelineTemplate(withTarget(stackSet()));
  const roles = t.findResources('AWS::IAM::Role');
  const [adminId, admin] = Object.entries(roles).find(([id]) => id.includes('AdministrationRole'))!;
  const [, execution] = Object.entries(roles).find(([id]) => id.includes('ExecutionRole'))!;

  test('the administration role is trusted by CloudFormation for this stack set only', () => {
    expect(admin.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'cloudformation.amazonaws.com' },
      Condition: { StringLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:${HOME_REGION}:${ACCOUNT}:stackset/service-x:*`]] } } },
    }]);
  });

  test('for opt-in regions, the administration role also trusts their regional CloudFormation principals', () => {
    const template = pipelineTemplate(withTarget(stackSet({ regions: ['eu-west-1', 'ap-east-1', 'me-south-1'] })));
    const [, role] = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) => id.includes('AdministrationRole'))!;
    const sourceArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:${HOME_REGION}:${ACCOUNT}:stackset/service-x:*`]] };
    // one statement (the pipeline's policies are minimized): every principal under the same condition
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: ['cloudformation.amazonaws.com', 'cloudformation.ap-east-1.amazonaws.com', 'cloudformation.me-south-1.amazonaws.com'] },
      Condition: { StringLike: { 'aws:SourceArn': sourceArn } },
    }]);
  });

  test('the administration role may only assume the execution role, by name, in the target accounts', () => {
    const statements = admin.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:role/${execution.Properties.RoleName}`]] },
    }]);
    // and no other policy is attached to it
    const attached = Object.values(t.findResources('AWS::IAM::Policy')).filter((p: any) => JSON.stringify(p.Properties.Roles).includes(adminId));
    expect(attached).toEqual([]);
  });

  test('the execution role is trusted by the administration role only and runs CloudFormation on the instance stacks only', () => {
    expect(execution.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [adminId, 'Arn'] } },
    }]);
    expect(execution.Properties.ManagedPolicyArns).toBeUndefined();
    expect(execution.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)).toEqual([
      {
        Action: 'cloudformation:*',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:*:${ACCOUNT}:stack/StackSet-service-x-*/*`]] },
      },
      // AWS's documented minimum for StackSets in a target account: cloudformation:*, s3:* and sns:* (stacksets-prereqs-self-managed)
      { Action: ['s3:*', 'sns:*'], Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('deploymentManagedPolicies are attached to the execution role, and to nothing else', () => {
    const f = fixture([]);
    const policy = new iam.ManagedPolicy(f.stack, 'DeployPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: [`arn:aws:sqs:eu-west-1:${ACCOUNT}:service-x-queue`] })],
    });
    f.pipeline.addTarget(stackSet({ deploymentManagedPolicies: [policy] }));
    const template = pipelineTemplate(f);
    const withPolicy = Object.entries(template.findResources('AWS::IAM::Role'))
      .filter(([, r]: [string, any]) => JSON.stringify(r.Properties.ManagedPolicyArns ?? []).includes('DeployPolicy'));
    expect(withPolicy.map(([id]) => id)).toEqual([expect.stringMatching(/ExecutionRole/)]);
  });

  test('the stage\'s action role may deploy this stack set and pass the administration role, nothing more of StackSets', () => {
    const statements = policyDocuments(t).flatMap((d: any) => d.Statement);
    const stackSetStatements = statements.filter((s: any) => JSON.stringify(s.Action).includes('StackSet') || JSON.stringify(s.Action).includes('PassRole'));
    expect(stackSetStatements).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Action: expect.arrayContaining(['cloudformation:CreateStackSet', 'cloudformation:UpdateStackSet', 'cloudformation:CreateStackInstances']),
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:${HOME_REGION}:${ACCOUNT}:stackset/service-x:*`]] },
      }),
      expect.objectContaining({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [adminId, 'Arn'] } }),
    ]));
    expect(JSON.stringify(stackSetStatements)).not.toContain('DeleteStackSet');
  });
});

describe('RegionTarget.stackSet: in the pipeline', () => {
  test('the plan has one row per stack-set action naming its regions, order and concurrency', () => {
    const f = withTarget(stackSet({ maxConcurrentPercentage: 25, initialRegionCount: 1 }));
    const rows = f.pipeline.plan.actions.filter(a => a.stageName === 'Deploy');
    expect(rows).toEqual([
      expect.objectContaining({
        actionName: `${HOME_REGION}.service-x.DeployStackSet`,
        kind: PlannedActionKind.STACK_SET,
        region: HOME_REGION,
        runOrder: 2,
        detail: 'stack set service-x to eu-west-1 (account of the pipeline; at most 25% of the accounts of a region at a time, failure tolerance 0%)',
      }),
      expect.objectContaining({
        actionName: `${HOME_REGION}.service-x.DeployStackInstances`,
        kind: PlannedActionKind.STACK_INSTANCES,
        runOrder: 4,
        detail: 'stack instances of service-x in eu-central-1 → ap-southeast-2, one region after another in this order ' +
          '(account of the pipeline; at most 25% of the accounts of a region at a time, failure tolerance 0%)',
      }),
    ]);
  });

  test('an approval is planned with the regions it holds back, so the stage lists only the stack set\'s regions', () => {
    const staged = withTarget(stackSet({ initialRegionCount: 1, approval: true })).pipeline.plan;
    expect(staged.actions.find(a => a.kind === PlannedActionKind.APPROVAL)).toMatchObject({ region: HOME_REGION, regions: ['eu-central-1', 'ap-southeast-2'] });
    expect(staged.stages.find(s => s.stageName === 'Deploy')!.regions).toEqual(['eu-west-1', 'eu-central-1', 'ap-southeast-2']);
    const inOneOperation = withTarget(stackSet({ approval: true })).pipeline.plan;
    expect(inOneOperation.actions.find(a => a.kind === PlannedActionKind.APPROVAL)!.regions).toEqual(['eu-west-1', 'eu-central-1', 'ap-southeast-2']);
    expect(inOneOperation.stages.find(s => s.stageName === 'Deploy')!.regions).toEqual(['eu-west-1', 'eu-central-1', 'ap-southeast-2']);
  });

  test('without a concurrency, the plan says one account at a time', () => {
    const row = withTarget(stackSet()).pipeline.plan.actions.find(a => a.kind === PlannedActionKind.STACK_SET)!;
    expect(row.runOrder).toBe(4);
    expect(row.detail).toBe('stack set service-x to eu-west-1 → eu-central-1 → ap-southeast-2, one region after another in this order ' +
      '(account of the pipeline; one account of a region at a time, failure tolerance 0%)');
  });

  test('the plan\'s stages and schedule name the stack set\'s regions, and its diagrams show its action', () => {
    const f = fixture(['us-east-1']);
    f.pipeline.addTarget(stackSet({ window: DeploymentWindow.daily({ startHour: 1, endHour: 4, timeZone: 'UTC' }) }));
    const plan = f.pipeline.plan;
    expect(plan.stages.find(s => s.stageName === 'Deploy')!.regions).toEqual(['us-east-1']);
    const stage = plan.stages.find(s => s.stageName !== 'Deploy' && s.regions.includes('eu-west-1'))!;
    expect(stage.regions).toEqual(REGIONS);
    const from = new Date('2026-11-23T12:00:00Z');
    const scheduled = plan.schedule(from).find(s => s.stageName === stage.stageName)!;
    expect(scheduled.regions).toEqual(REGIONS);
    expect(scheduled.earliestStart).toEqual(new Date('2026-11-24T01:00:00Z'));
    expect(plan.toScheduleTable(from)).toContain('eu-west-1 eu-central-1 ap-southeast-2');
    expect(plan.toMermaid()).toContain('4 StackSet');
    expect(plan.toTable()).toContain('stack set service-x to eu-west-1 → eu-central-1 → ap-southeast-2, one region after another in this order');
  });

  test('mixed with CloudFormation targets, behind a window in a stage of its own', () => {
    const f = fixture(['us-east-1']);
    const window = DeploymentWindow.cron('* * 1-4 ? * MON-FRI *', 'Europe/Dublin');
    f.pipeline.addTarget(stackSet({ window }));
    const plan = f.pipeline.plan;
    const row = plan.actions.find(a => a.kind === PlannedActionKind.STACK_SET)!;
    expect(row.stageName).toBe('Deploy.eu-west-1.eu-central-1.ap-southeast-2');
    expect(row.window).toBe(window.toString());
    expect(plan.actions.find(a => a.kind === PlannedActionKind.EXECUTE_CHANGE_SET)!.stageName).toBe('Deploy');
    const t = pipelineTemplate(f);
    const stage = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages
      .find((s: any) => s.Name === 'Deploy.eu-west-1.eu-central-1.ap-southeast-2');
    expect(stage.BeforeEntry.Conditions[0].Rules[0].RuleTypeId.Provider).toBe('DeploymentWindow');
  });

  test('rollback on failure works as for other targets', () => {
    const t = pipelineTemplate(withTarget(stackSet({ gates: { rollbackOnFailure: true } })));
    const stage = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages.find((s: any) => s.Name === 'Deploy.eu-west-1.eu-central-1.ap-southeast-2');
    expect(stage.OnFailure).toMatchObject({ Result: 'ROLLBACK' });
  });

  test('in a rollout, the stack set is in the wave of its regions', () => {
    const f = fixture(['us-east-1'], { rollout: Rollout.waves([{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest' }]) });
    f.pipeline.addTarget(stackSet());
    const row = f.pipeline.plan.actions.find(a => a.kind === PlannedActionKind.STACK_SET)!;
    expect(row.wave).toBe('rest');
    expect(row.stageName).toBe('rest');
  });

  test('the pipeline passes CodePipeline\'s API model', () => {
    const f = withTarget(stackSet({ initialRegionCount: 2, approval: true, parameters: { A: 'b' } }));
    f.pipeline.addTarget(cfnTarget('us-east-1'));
    const template = f.app.synth().getStackByName(f.stack.stackName).template;
    const [pipeline] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any[];
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
  });

  test('every commercial region in one stack set fits one action and passes the API model', () => {
    const f = withTarget(stackSet({ regions: COMMERCIAL_REGIONS }));
    const template = f.app.synth().getStackByName(f.stack.stackName).template;
    const [pipeline] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any[];
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
    const deploy = pipeline.Properties.Stages.flatMap((st: any) => st.Actions).find((a: any) => a.ActionTypeId.Provider === 'CloudFormationStackSet');
    expect(deploy.Configuration.Regions.split(',')).toEqual(COMMERCIAL_REGIONS);
    expect(f.pipeline.artifactStoreRegions).toEqual([HOME_REGION]);
  });

  test('cdk-nag AwsSolutions finds nothing unsuppressed', () => {
    const f = fixture([]);
    const policy = new iam.ManagedPolicy(f.stack, 'DeployPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: [`arn:aws:sqs:eu-west-1:${ACCOUNT}:service-x-queue`] })],
    });
    f.pipeline.addTarget(stackSet({ deploymentManagedPolicies: [policy], initialRegionCount: 1 }));
    f.pipeline.addTarget(stackSet({ stackSetName: 'service-y', organizationalUnits: ['ou-ab12-cd34ef56'] }));
    expect(nagFindings(f.app)).toEqual([]);
  });

  test('cfn-lint finds nothing in the pipeline stack', () => {
    const f = withTarget(stackSet({ initialRegionCount: 1 }));
    expect(cfnLint({ PipelineStack: f.app.synth().getStackByName(f.stack.stackName).template })).toBe('');
  }, 120_000);

  test('construct IDs stay stable (the roles are named after the stack set, not its position)', () => {
    const a = pipelineTemplate(withTarget(stackSet()));
    const f = fixture(['us-east-1', 'eu-north-1']);
    f.pipeline.addTarget(stackSet());
    const b = pipelineTemplate(f);
    const ids = (t: Template) => Object.keys(t.findResources('AWS::IAM::Role')).filter(id => id.includes('StackSet'));
    expect(ids(a).length).toBe(2);
    expect(ids(b)).toEqual(ids(a));
  });
});

describe('RegionTarget.stackSet: rejected inputs', () => {
  test.each<[string, Partial<StackSetTargetProps>, RegExp]>([
    ['a stack set name with an underscore', { stackSetName: 'service_x' }, /stack set name 'service_x' is not valid/],
    ['a stack set name starting with a digit', { stackSetName: '1service' }, /stack set name '1service' is not valid/],
    ['a stack set name of 129 characters', { stackSetName: `a${'b'.repeat(128)}` }, /at most 128 characters/],
    ['no regions', { regions: [] }, /regions is empty/],
    ['a malformed region', { regions: ['eu-west-01x'] }, /'eu-west-01x' is not a valid AWS region name/],
    ['a region twice', { regions: ['eu-west-1', 'eu-west-1'] }, /region 'eu-west-1' is listed more than once/],
    ['an absolute template path', { templatePath: '/stackset.yaml' }, /must be relative/],
    ['an 11-digit account', { accounts: ['12345678901'] }, /account '12345678901' is not an AWS account ID; expected 12 digits/],
    ['no accounts', { accounts: [] }, /accounts is empty/],
    ['an account twice', { accounts: [ACCOUNT, ACCOUNT], executionRoleName: 'exec' }, /account '111111111111' is listed more than once/],
    ['other accounts without an execution role name', { accounts: [ACCOUNT, '222222222222'] }, /create the role in every account and give its name as executionRoleName/],
    ['a malformed organizational unit', { organizationalUnits: ['ou-1'] }, /'ou-1' is not an organizational unit or root ID/],
    ['no organizational units', { organizationalUnits: [] }, /organizationalUnits has 0 entries; StackSets takes 1 to 50/],
    ['51 organizational units', { organizationalUnits: Array.from({ length: 51 }, (_, i) => `ou-ab12-${String(i).padStart(8, '0')}`) }, /has 51 entries/],
    ['organizational units with accounts', { organizationalUnits: ['r-ab12'], accounts: [ACCOUNT] }, /accounts belong to self-managed permissions/],
    ['organizational units with managed policies', { organizationalUnits: ['r-ab12'], deploymentManagedPolicies: [] }, /deploymentManagedPolicies belong to self-managed/],
    ['an execution role name with a space', { executionRoleName: 'my role' }, /executionRoleName 'my role' is not a valid IAM role name/],
    ['an execution role name with managed policies', { executionRoleName: 'exec', deploymentManagedPolicies: [] }, /either executionRoleName .* or deploymentManagedPolicies/],
    ['a failure tolerance of 101%', { failureTolerancePercentage: 101 }, /failureTolerancePercentage is 101; give a whole number from 0 to 100/],
    ['a failure tolerance of 2.5%', { failureTolerancePercentage: 2.5 }, /failureTolerancePercentage is 2.5/],
    ['a concurrency of 0%', { maxConcurrentPercentage: 0 }, /maxConcurrentPercentage is 0; give a whole number from 1 to 100/],
    ['an initial region count of all regions', { initialRegionCount: 3 }, /initialRegionCount is 3; give a whole number from 1 to 2/],
    ['an initial region count of 0', { initialRegionCount: 0 }, /initialRegionCount is 0/],
    ['a parameter value with a comma', { parameters: { Subnets: 'a,b' } }, /parameter Subnets=a,b cannot be written in the action's shorthand/],
    ['parameters over 1,000 characters', { parameters: { Long: 'x'.repeat(1000) } }, /parameters take \d+ characters .* limit of 1000/],
    ['a description over 1,000 characters', { description: 'd'.repeat(1001) }, /the description has 1001 characters/],
  ])('%s', (_name, extra, error) => {
    expect(() => stackSet(extra)).toThrow(error);
  });

  test('more regions than fit in one configuration value', () => {
    const many = Array.from({ length: 99 }, (_, i) => `eu-west-${i + 1}`);
    expect(() => stackSet({ regions: many })).toThrow(/regions take \d+ characters in the action's configuration, over CodePipeline's limit of 1000/);
  });

  test('alarm gates of the target', () => {
    const stack = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const alarm = new cloudwatch.Alarm(stack, 'A', { metric: new cloudwatch.Metric({ namespace: 'N', metricName: 'M' }), threshold: 1, evaluationPeriods: 1 });
    expect(() => stackSet({ gates: { alarms: [alarm] } })).toThrow(/alarm gates are not available on a stack set target/);
  });

  test('the pipeline\'s default alarm gates', () => {
    const f = fixture([]);
    const alarm = new cloudwatch.Alarm(f.stack, 'A', { metric: new cloudwatch.Metric({ namespace: 'N', metricName: 'M' }), threshold: 1, evaluationPeriods: 1 });
    const g = fixture([], { defaultGates: { alarms: [alarm] } });
    expect(() => g.pipeline.addTarget(stackSet())).toThrow(/the pipeline's defaultGates give target service-x@stackset\(.*\) alarm gates/);
  });

  test('a CloudFormation target of the same stack name in one of the stack set\'s regions', () => {
    const f = fixture(['eu-central-1']);
    expect(() => f.pipeline.addTarget(stackSet())).toThrow(/stack 'service-x' in eu-central-1 is deployed by target service-x@eu-central-1 already/);
    const g = withTarget(stackSet());
    expect(() => g.pipeline.addTarget(cfnTarget('ap-southeast-2'))).toThrow(/stack 'service-x' in ap-southeast-2 is deployed by target service-x@stackset/);
  });

  test('the same stack set twice, even in other regions', () => {
    const f = withTarget(stackSet());
    expect(() => f.pipeline.addTarget(stackSet({ regions: ['us-east-1'] }))).toThrow(/target service-x@stackset\(us-east-1\) is in the pipeline already/);
  });

  test('a single account other than the pipeline\'s without an execution role name', () => {
    const f = withTarget(stackSet({ accounts: ['222222222222'] }));
    expect(() => f.app.synth()).toThrow(/accounts names 222222222222, but the construct can create the execution role only in the pipeline's account \(111111111111\)/);
  });

  test('regions of two waves', () => {
    const f = fixture([], { rollout: Rollout.waves([{ name: 'canary', regions: ['eu-west-1'] }, { name: 'rest' }]) });
    expect(() => f.pipeline.addTarget(stackSet())).toThrow(/deploys to eu-west-1 \(wave 'canary'\) and eu-central-1 \(wave 'rest'\) in one operation/);
  });

  test('a pipeline in China, where CodePipeline has no StackSets actions', () => {
    const app = new App();
    const stack = new Stack(app, 'CnStack', { env: { account: ACCOUNT, region: 'cn-north-1' } });
    const bucket = new s3.Bucket(stack, 'SourceBucket', { versioned: true });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket, objectKey: 'source.zip' }),
      targets: [stackSet({ regions: ['cn-northwest-1'] })],
    });
    expect(() => app.synth()).toThrow(/the pipeline is in cn-north-1, where CodePipeline's StackSets actions are not available/);
  });

  test('a region of another partition', () => {
    const f = fixture([]);
    expect(() => f.pipeline.addTarget(stackSet({ regions: ['eu-west-1', 'cn-north-1'] }))).toThrow(/cn-north-1, of the partition aws-cn/);
  });
});

describe('the stack set example (example/stackset.ts, also written in Python and Java in test/consumers/)', () => {
  const outdir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'example-stackset-'));

  test('one stack set action with the first region, an approval, then the other regions in order; valid for the API model and cfn-lint', () => {
    const { app, pipeline } = stackSetExampleApp(outdir());
    const stack = app.synth().getStackByName('DeliveryPipeline');
    const template = stack.template;
    const [resource] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::CodePipeline::Pipeline') as any[];
    expect(checkPipeline(resource.Properties, template.Resources)).toEqual([]);
    const deploy = resource.Properties.Stages.find((st: any) => st.Name === 'Deploy').Actions;
    expect(deploy.map((a: any) => [a.Name, a.RunOrder, a.ActionTypeId.Provider, a.Configuration?.Regions])).toEqual([
      ['us-west-2.service-x-jobs.DeployStackSet', 2, 'CloudFormationStackSet', 'eu-west-1'],
      ['us-west-2.service-x-jobs.Approve', 3, 'Manual', undefined],
      ['us-west-2.service-x-jobs.DeployStackInstances', 4, 'CloudFormationStackInstances', 'eu-central-1,ap-southeast-2'],
    ]);
    expect(deploy[0].Configuration).toMatchObject({
      Parameters: 'ParameterKey=RetentionPeriodSeconds,ParameterValue=1209600',
      MaxConcurrentPercentage: 100,
      FailureTolerancePercentage: 0,
      PermissionModel: 'SELF_MANAGED',
      DeploymentTargets: ACCOUNT,
    });
    expect(pipeline.artifactStoreRegions).toEqual([HOME_REGION]);
    expect(cfnLint({ DeliveryPipeline: template })).toBe('');
  }, 120_000);

  test('cdk-nag AwsSolutions finds nothing unsuppressed', () => {
    expect(nagFindings(stackSetExampleApp(outdir()).app)).toEqual([]);
  });
});
