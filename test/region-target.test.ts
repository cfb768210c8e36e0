import { CfnCapabilities, CfnParameter } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { cfnTarget, pipelineStack, sourceBucket, testApp } from './testutil';
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

  test('each target has one action role, trusted by the pipeline role only, and one deployment role', () => {
    const { template, actions } = deployActions([cfnTarget('eu-west-1', 'service-x', { approval: true })]);
    const roleArns = new Set(actions.map(a => JSON.stringify(a.RoleArn)));
    expect(roleArns.size).toBe(1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] } } }] },
      Description: 'CodePipeline actions deploying service-x@eu-west-1',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { Service: 'cloudformation.amazonaws.com' } }] },
      Description: 'CloudFormation deploying service-x@eu-west-1',
    });
  });

  test('the action role may only manage its own stacks with its own change set, and pass its own deployment role', () => {
    const { template } = deployActions([cfnTarget('eu-west-1', 'service-x', {
      infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml' },
    })]);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('servicexeuwest1ActionRole') }] },
    }))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const cfn = statements.filter(s => [].concat(s.Action).some((a: string) => a.startsWith('cloudformation:')));
    const resources = cfn.map(s => JSON.stringify(s.Resource));
    expect(resources.every(r => /cloudformation:eu-west-1:111111111111:stack\/service-x(-network)?\/\*/.test(r))).toBe(true);
    const changeSet = cfn.filter(s => [].concat(s.Action).includes('cloudformation:CreateChangeSet' as never));
    expect(changeSet[0].Condition).toEqual({ StringEqualsIfExists: { 'cloudformation:ChangeSetName': 'multi-region-delivery' } });
    const passRole = statements.find(s => s.Action === 'iam:PassRole');
    expect(JSON.stringify(passRole.Resource)).toMatch(/servicexeuwest1DeploymentRole/);
    expect(statements.some(s => s.Resource === '*')).toBe(false);
  });

  test('the deployment role can read the region\'s artifact store and has no other permission by default', () => {
    const { app, template } = deployActions([cfnTarget('eu-west-1')]);
    const euBucket = Object.values(app.synth().getStackByName('PipelineStack-artifacts-eu-west-1').template.Resources)
      .find((r: any) => r.Type === 'AWS::S3::Bucket') as any;
    const policy = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('servicexeuwest1DeploymentRole') }] },
    }))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['s3:GetObject*', 's3:GetBucket*', 's3:List*']);
    expect(JSON.stringify(statements[0].Resource)).toContain(euBucket.Properties.BucketName);
    const role = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: 'CloudFormation deploying service-x@eu-west-1' } }))[0] as any;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('managed policies are attached to the deployment role; a given role is used as is', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const policy = new iam.ManagedPolicy(stack, 'AppPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['lambda:CreateFunction'], resources: ['arn:aws:lambda:eu-west-1:111111111111:function:service-x-*'] })],
    });
    const ownRole = iam.Role.fromRoleArn(stack, 'Own', 'arn:aws:iam::111111111111:role/service-x-deployer');
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [
        cfnTarget('eu-west-1', 'service-x', { deploymentManagedPolicies: [policy] }),
        cfnTarget('us-east-1', 'service-x', { deploymentRole: ownRole }),
      ],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: 'CloudFormation deploying service-x@eu-west-1',
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('AppPolicy') }],
    });
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: 'CloudFormation deploying service-x@us-east-1' } }))).toHaveLength(0);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const usChange = pipeline.Properties.Stages[1].Actions.find((a: any) => a.Name === 'us-east-1.service-x.CreateChangeSet');
    expect(usChange.Configuration.RoleArn).toEqual('arn:aws:iam::111111111111:role/service-x-deployer');
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

  test('parameter overrides over 1 KB are rejected with the size', () => {
    const parameterOverrides: { [k: string]: string } = {};
    for (let i = 0; i < 40; i++) { parameterOverrides[`Parameter${i}`] = 'x'.repeat(20); }
    expect(() => RegionTarget.cloudFormation({ ...ok, parameterOverrides }))
      .toThrow(/parameterOverrides take \d{4} bytes as JSON, over CodePipeline's limit of 1024 bytes/);
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
