import { CfnCapabilities, CfnParameter } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { actionsAllowedOn, cfnTarget, flatten, pipelineStack, sourceBucket, testApp, roleStatements } from './testutil';
import { MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget } from '../src';

function deployActions(targets: RegionTarget[]) {
  const app = testApp();
  const stack = pipelineStack(app);
  new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    targets,
  });
  const template = Template.fromStack(stack);
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  return { app, stack, template, actions: pipeline.Properties.Stages[2].Actions as any[] };
}

function statementsOfRole(template: Template, rolePrefix: string): any[] {
  return roleStatements(template, new RegExp(`^${rolePrefix}`));
}

describe('RegionTarget.cloudFormation', () => {
  test('infrastructure stack (1), change set (2), approval (3), execute (4), all in the target region', () => {
    const { actions } = deployActions([cfnTarget('eu-west-1', 'service-x', {
      infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml', parameterOverrides: { Cidr: '10.0.0.0/16' } },
      approval: true,
    })]);
    expect(actions.map(a => [a.Name, a.RunOrder, a.ActionTypeId.Provider])).toEqual([
      ['eu-west-1.service-x-network.Infrastructure', 1, 'CloudFormation'],
      ['eu-west-1.service-x.CreateChangeSet', 2, 'CloudFormation'],
      ['eu-west-1.service-x.Approve', 3, 'Manual'],
      ['eu-west-1.service-x.ExecuteChangeSet', 4, 'CloudFormation'],
    ]);
    expect(actions[0].Configuration).toMatchObject({
      ActionMode: 'CREATE_UPDATE',
      StackName: 'service-x-network',
      TemplatePath: 'Build::network.yaml',
      ParameterOverrides: '{"Cidr":"10.0.0.0/16"}',
    });
    expect(actions[0].Region).toEqual('eu-west-1');
    expect(actions[1].Configuration).toMatchObject({
      ActionMode: 'CHANGE_SET_REPLACE', StackName: 'service-x', ChangeSetName: 'multi-region-delivery',
    });
    expect(actions[3].Configuration).toMatchObject({ ActionMode: 'CHANGE_SET_EXECUTE', ChangeSetName: 'multi-region-delivery' });
    expect(actions[2].Configuration.CustomData).toMatch(/Review change set multi-region-delivery of stack service-x in eu-west-1/);
  });

  test('no capabilities unless asked; parameter overrides, capabilities and template configuration are passed', () => {
    const plain = deployActions([cfnTarget('eu-west-1')]).actions[0];
    expect(plain.Configuration.Capabilities).toBeUndefined();
    const full = deployActions([cfnTarget('eu-west-1', 'service-x', {
      capabilities: [CfnCapabilities.NAMED_IAM, CfnCapabilities.AUTO_EXPAND],
      parameterOverrides: { Stage: 'prod' },
      templateConfigurationPath: 'eu-west-1.config.json',
      changeSetName: 'release',
    })]).actions[0];
    expect(full.Configuration).toMatchObject({
      Capabilities: 'CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND',
      ParameterOverrides: '{"Stage":"prod"}',
      TemplateConfiguration: 'Build::eu-west-1.config.json',
      ChangeSetName: 'release',
    });
  });

  test('targets of a stage share one action role, trusted by the pipeline role only, and one deployment role', () => {
    const { template, actions } = deployActions([
      cfnTarget('eu-west-1', 'service-x', { approval: true }),
      cfnTarget('us-east-1', 'service-x', { infrastructure: { stackName: 'service-x-network', templatePath: 'n.yaml' } }),
    ]);
    expect(new Set(actions.map(a => JSON.stringify(a.RoleArn)))).toEqual(new Set([JSON.stringify({ 'Fn::GetAtt': ['PipelineTargetsDeployActionRoleB56262A9', 'Arn'] })]));
    const cfnActions = actions.filter(a => a.ActionTypeId.Provider === 'CloudFormation' && a.Configuration.ActionMode !== 'CHANGE_SET_EXECUTE');
    expect(new Set(cfnActions.map(a => JSON.stringify(a.Configuration.RoleArn)))).toEqual(new Set([JSON.stringify({ 'Fn::GetAtt': ['PipelineTargetsDeploymentRole74A038EF', 'Arn'] })]));
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] } } }] },
      Description: 'Deploy actions of stage Deploy of the pipeline PipelineStack/Pipeline',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'cloudformation.amazonaws.com' } }] },
      Description: 'CloudFormation deployments of the pipeline PipelineStack/Pipeline',
    });
    // two roles for any number of targets (plus aws-cdk-lib's pipeline, source, build and events roles)
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('of the pipeline') } }))).toHaveLength(2);
  });

  test('the action role may only manage the targets\' stacks with their change set, and pass only the deployment role', () => {
    const { template } = deployActions([
      cfnTarget('eu-west-1', 'service-x', { infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml' } }),
      cfnTarget('us-east-1', 'service-x'),
    ]);
    const statements = statementsOfRole(template, 'PipelineTargetsDeployActionRole');
    const cfn = statements.filter(s => [].concat(s.Action).some((a: string) => a.startsWith('cloudformation:')));
    const stackArns = cfn.flatMap(s => [].concat(s.Resource)).map(r => flatten(r));
    expect([...new Set(stackArns)].sort()).toEqual([
      'arn:${AWS::Partition}:cloudformation:eu-west-1:111111111111:stack/service-x-network/*',
      'arn:${AWS::Partition}:cloudformation:eu-west-1:111111111111:stack/service-x/*',
      'arn:${AWS::Partition}:cloudformation:us-east-1:111111111111:stack/service-x/*',
    ]);
    const changeSet = cfn.filter(s => [].concat(s.Action).includes('cloudformation:CreateChangeSet' as never));
    expect(changeSet.map(s => s.Condition)).toEqual([{ StringEqualsIfExists: { 'cloudformation:ChangeSetName': 'multi-region-delivery' } }]);
    const changeSetStacks = changeSet.flatMap(s => [].concat(s.Resource)).map(r => flatten(r));
    expect(changeSetStacks).not.toContain('arn:${AWS::Partition}:cloudformation:eu-west-1:111111111111:stack/service-x-network/*');
    expect(actionsAllowedOn(statements, r => /DeploymentRole/.test(r))).toEqual(['iam:PassRole']);
    expect(statements.some(s => s.Resource === '*' || [].concat(s.Action).includes('*' as never))).toBe(false);
  });

  test('the deployment role can only read the artifact stores by default', () => {
    const { app, template } = deployActions([cfnTarget('eu-west-1'), cfnTarget('us-east-1')]);
    const bucketOf = (region: string) => (Object.values(app.synth().getStackByName(`PipelineStack-us-west-2-artifacts-${region}`).template.Resources)
      .find((r: any) => r.Type === 'AWS::S3::Bucket') as any).Properties.BucketName;
    const statements = statementsOfRole(template, 'PipelineTargetsDeploymentRole');
    const resources = statements.flatMap(s => [].concat(s.Resource)).map(r => flatten(r));
    expect([...new Set(resources)].sort()).toEqual([
      `arn:aws:s3:::${bucketOf('eu-west-1')}`, `arn:aws:s3:::${bucketOf('eu-west-1')}/*`,
      `arn:aws:s3:::${bucketOf('us-east-1')}`, `arn:aws:s3:::${bucketOf('us-east-1')}/*`,
    ]);
    expect([...new Set(statements.flatMap(s => [].concat(s.Action)))].sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    const role = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^CloudFormation deployments') } }))[0] as any;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('targets with the same managed policies share a deployment role; a given role is used as is', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const policy = new iam.ManagedPolicy(stack, 'AppPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['lambda:CreateFunction'], resources: ['arn:aws:lambda:eu-west-1:111111111111:function:service-x-*'] })],
    });
    const other = new iam.ManagedPolicy(stack, 'OtherPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['sqs:CreateQueue'], resources: ['arn:aws:sqs:eu-west-1:111111111111:service-y'] })],
    });
    const ownRole = iam.Role.fromRoleArn(stack, 'Own', 'arn:aws:iam::111111111111:role/service-x-deployer');
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [
        cfnTarget('eu-west-1', 'service-x', { deploymentManagedPolicies: [policy] }),
        cfnTarget('eu-central-1', 'service-x', { deploymentManagedPolicies: [policy] }),
        cfnTarget('eu-west-1', 'service-y', { deploymentManagedPolicies: [other] }),
        cfnTarget('us-east-1', 'service-x', { deploymentRole: ownRole }),
      ],
    });
    const template = Template.fromStack(stack);
    const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^CloudFormation deployments') } });
    expect(Object.values(roles).map((r: any) => r.Properties.ManagedPolicyArns)).toEqual([
      [{ Ref: expect.stringMatching(/^AppPolicy/) }],
      [{ Ref: expect.stringMatching(/^OtherPolicy/) }],
    ]);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const roleOf = (name: string) => pipeline.Properties.Stages[1].Actions.find((a: any) => a.Name === name).Configuration.RoleArn;
    expect(roleOf('eu-west-1.service-x.CreateChangeSet')).toEqual(roleOf('eu-central-1.service-x.CreateChangeSet'));
    expect(roleOf('eu-west-1.service-y.CreateChangeSet')).not.toEqual(roleOf('eu-west-1.service-x.CreateChangeSet'));
    expect(roleOf('us-east-1.service-x.CreateChangeSet')).toEqual('arn:aws:iam::111111111111:role/service-x-deployer');
  });

  test('long stack names give action names within CodePipeline\'s 100 characters, unique and stable', () => {
    const long = 'a'.repeat(100);
    const { actions } = deployActions([cfnTarget('ap-southeast-2', long), cfnTarget('ap-southeast-2', long + 'b')]);
    const names = actions.map(a => a.Name as string);
    expect(names.every(n => n.length <= 100)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toMatch(/^ap-southeast-2\.a+-[0-9a-f]{8}\.CreateChangeSet$/);
  });
});

describe('RegionTarget.cloudFormation validation', () => {
  const ok = { region: 'eu-west-1', stackName: 'service-x', templatePath: 't.yaml' };

  test.each([
    ['EU-WEST-1', /'EU-WEST-1' is not a valid AWS region name/],
    ['eu-west', /'eu-west' is not a valid AWS region name/],
    ['euwest1', /'euwest1' is not a valid AWS region name/],
    ['', /'' is not a valid AWS region name/],
  ])('region %p is rejected', (region, message) => {
    expect(() => RegionTarget.cloudFormation({ ...ok, region })).toThrow(message);
  });

  test('an unresolved region is rejected', () => {
    const stack = pipelineStack();
    expect(() => RegionTarget.cloudFormation({ ...ok, region: new CfnParameter(stack, 'Region').valueAsString }))
      .toThrow(/the region must be a literal region name such as 'eu-west-1', got an unresolved token/);
  });

  test.each([
    ['1service', /stack name '1service' is not valid for CloudFormation/],
    ['service_x', /stack name 'service_x' is not valid/],
    ['a'.repeat(129), /is not valid for CloudFormation; it must start with a letter.*at most 128 characters/],
    ['', /stack name '' is not valid/],
  ])('stack name %p is rejected', (stackName, message) => {
    expect(() => RegionTarget.cloudFormation({ ...ok, stackName })).toThrow(message);
  });

  test('a 128-character stack name is accepted', () => {
    expect(() => RegionTarget.cloudFormation({ ...ok, stackName: 'a'.repeat(128) })).not.toThrow();
  });

  test.each([
    ['', /the template path is empty/],
    ['   ', /the template path is empty/],
    ['/abs/t.yaml', /template path '\/abs\/t.yaml' must be relative to the root of the artifact/],
    ['Build::t.yaml', /template path 'Build::t.yaml' must be relative/],
  ])('template path %p is rejected', (templatePath, message) => {
    expect(() => RegionTarget.cloudFormation({ ...ok, templatePath })).toThrow(message);
  });

  test('an invalid infrastructure stack is rejected', () => {
    expect(() => RegionTarget.cloudFormation({ ...ok, infrastructure: { stackName: 'net_work', templatePath: 'n.yaml' } }))
      .toThrow(/infrastructure: stack name 'net_work' is not valid/);
    expect(() => RegionTarget.cloudFormation({ ...ok, infrastructure: { stackName: 'network', templatePath: '' } }))
      .toThrow(/infrastructure: the template path is empty/);
    expect(() => RegionTarget.cloudFormation({ ...ok, infrastructure: { stackName: 'service-x', templatePath: 'n.yaml' } }))
      .toThrow(/the infrastructure stack and the application stack are both named 'service-x'/);
  });

  test('parameter overrides over 1,000 characters or 1 KB are rejected with the size', () => {
    const parameterOverrides: { [k: string]: string } = {};
    for (let i = 0; i < 40; i++) { parameterOverrides[`Parameter${i}`] = 'x'.repeat(20); }
    expect(() => RegionTarget.cloudFormation({ ...ok, parameterOverrides }))
      .toThrow(/parameterOverrides take \d{4} characters \(\d{4} bytes\) as JSON, over CodePipeline's limits of 1000 characters and 1024 bytes/);
    // 1,000 characters fit in the API's action configuration value; 1,001 do not (the 1 KB quota alone would allow them)
    const json = (n: number) => ({ P: 'x'.repeat(n - '{"P":""}'.length) });
    expect(() => RegionTarget.cloudFormation({ ...ok, parameterOverrides: json(1000) })).not.toThrow();
    expect(() => RegionTarget.cloudFormation({ ...ok, parameterOverrides: json(1001) })).toThrow(/1001 characters \(1001 bytes\)/);
    // multi-byte characters: 600 characters, 1,200 bytes
    expect(() => RegionTarget.cloudFormation({ ...ok, parameterOverrides: { P: 'é'.repeat(592) } })).toThrow(/600 characters \(1192 bytes\)/);
  });

  test('a deployment role together with managed policies is rejected', () => {
    const stack = pipelineStack();
    const role = iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::111111111111:role/x');
    const policy = iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess');
    expect(() => RegionTarget.cloudFormation({ ...ok, deploymentRole: role, deploymentManagedPolicies: [policy] }))
      .toThrow(/give either deploymentRole or deploymentManagedPolicies, not both/);
  });

  test('an invalid change set name is rejected', () => {
    expect(() => RegionTarget.cloudFormation({ ...ok, changeSetName: 'my change' })).toThrow(/change set name 'my change' is not valid for CloudFormation/);
  });
});
