import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT, FleetStack, cfnTarget, pipelineStack, sourceBucket, testApp, roleStatements, withResource } from './testutil';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, PlannedActionKind, RegionTarget } from '../src';

const ecsOk = {
  region: 'eu-west-1',
  applicationName: 'web-ecs',
  deploymentGroupName: 'web-ecs-dg',
  taskDefinitionTemplateFile: 'ecs/taskdef.json',
  appSpecTemplateFile: 'ecs/appspec.yaml',
};

function synth(targets: RegionTarget[] | ((app: App, stack: Stack) => RegionTarget[])) {
  const app = testApp();
  const stack = pipelineStack(app);
  const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
    source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
    buildStep: PipelineBuild.codeBuild(),
    targets: typeof targets === 'function' ? targets(app, stack) : targets,
  });
  const template = Template.fromStack(stack);
  const cfnPipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  const stages = cfnPipeline.Properties.Stages as any[];
  return { app, stack, pipeline, template, stages, actions: stages.slice(2).flatMap(s => s.Actions) as any[] };
}

function policyOf(template: Template, rolePattern: string): any[] {
  return roleStatements(template, new RegExp(rolePattern));
}

describe('RegionTarget.codeDeploy', () => {
  test('approval (3) and deploy (4) in the target region, with the CodeDeploy provider and the build output', () => {
    const { actions } = synth([RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet', approval: true })]);
    expect(actions.map(a => [a.Name, a.RunOrder, a.ActionTypeId.Provider, a.Region])).toEqual([
      ['us-east-1.web.web-fleet.Approve', 3, 'Manual', undefined],
      ['us-east-1.web.web-fleet.Deploy', 4, 'CodeDeploy', 'us-east-1'],
    ]);
    expect(actions[1].ActionTypeId).toEqual({ Category: 'Deploy', Owner: 'AWS', Provider: 'CodeDeploy', Version: '1' });
    expect(actions[1].Configuration).toEqual({ ApplicationName: 'web', DeploymentGroupName: 'web-fleet' });
    expect(actions[1].InputArtifacts).toEqual([{ Name: 'Build' }]);
    expect(actions[0].Configuration.CustomData).toMatch(/Approve the deployment of CodeDeploy web\/web-fleet in us-east-1/);
  });

  test('without approval there is only the deploy action, at run order 4', () => {
    const { actions } = synth([RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    expect(actions.map(a => [a.Name, a.RunOrder])).toEqual([['us-east-1.web.web-fleet.Deploy', 4]]);
  });

  test('the pipeline copies the input into the region\'s artifact store', () => {
    const { stages } = synth([RegionTarget.codeDeploy({ region: 'ap-southeast-2', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    const { template } = synth([RegionTarget.codeDeploy({ region: 'ap-southeast-2', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    expect(stages.length).toBe(3);
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
    expect(pipeline.Properties.ArtifactStores.map((s: any) => s.Region).sort()).toEqual(['ap-southeast-2', 'us-west-2']);
  });

  test('one action role, trusted by the pipeline role only, granted CodeDeploy on its own application, group and configuration', () => {
    const { template, actions } = synth([RegionTarget.codeDeploy({
      region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet', deploymentConfigName: 'CodeDeployDefault.HalfAtATime', approval: true,
    })]);
    expect(new Set(actions.map(a => JSON.stringify(a.RoleArn))).size).toBe(1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] } } }] },
      Description: 'CodePipeline actions deploying web.web-fleet@us-east-1',
    });
    const statements = policyOf(template, 'webwebfleetuseast1ActionRole');
    const flat = statements.map(s => ({ Action: s.Action, Resource: JSON.stringify(s.Resource) }));
    expect(flat).toEqual(expect.arrayContaining([
      { Action: ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'], Resource: expect.stringMatching(/codedeploy:us-east-1:111111111111:application:web"/) },
      { Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'], Resource: expect.stringMatching(/codedeploy:us-east-1:111111111111:deploymentgroup:web\/web-fleet"/) },
      { Action: 'codedeploy:GetDeploymentConfig', Resource: expect.stringMatching(/codedeploy:us-east-1:111111111111:deploymentconfig:CodeDeployDefault.HalfAtATime"/) },
      { Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'], Resource: expect.stringMatching(/mrdp-[0-9a-f]{10}-111111111111-us-east-1\/\*/) },
    ]));
    expect(statements.some(s => s.Resource === '*')).toBe(false);
    expect(statements.flatMap(s => [].concat(s.Action)).filter((a: string) => a.startsWith('codedeploy:')).sort()).toEqual([
      'codedeploy:CreateDeployment', 'codedeploy:GetApplicationRevision', 'codedeploy:GetDeployment', 'codedeploy:GetDeploymentConfig', 'codedeploy:RegisterApplicationRevision',
    ]);
  });

  test('the default deployment configuration is CodeDeployDefault.OneAtATime', () => {
    const { template } = synth([RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    const config = policyOf(template, 'webwebfleetuseast1ActionRole').find(s => s.Action === 'codedeploy:GetDeploymentConfig');
    expect(JSON.stringify(config.Resource)).toMatch(/deploymentconfig:CodeDeployDefault.OneAtATime/);
  });

  test('the import adds nothing to the region\'s artifact store stack', () => {
    const { app } = synth([RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    const resources = Object.values(app.synth().getStackByName('PipelineStack-us-west-2-artifacts-us-east-1').template.Resources) as any[];
    expect(resources.some(r => r.Type.startsWith('AWS::CodeDeploy'))).toBe(false);
  });

  test('a target in the pipeline\'s own region works too', () => {
    const { actions } = synth([RegionTarget.codeDeploy({ region: 'us-west-2', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    // CodePipeline omits the region of an action in the pipeline's own region
    expect(actions[0]).toMatchObject({ Name: 'us-west-2.web.web-fleet.Deploy', Configuration: { ApplicationName: 'web' } });
    expect(actions[0].Region).toBeUndefined();
  });
});

describe('RegionTarget.codeDeployGroup', () => {
  function fleet(app: App, region: string, names = true) {
    const stack = new FleetStack(app, `Fleet-${region}`, { env: { account: ACCOUNT, region } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const asg = new autoscaling.AutoScalingGroup(stack, 'Fleet', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    const application = new codedeploy.ServerApplication(stack, 'App', { applicationName: names ? 'web' : undefined });
    const group = new codedeploy.ServerDeploymentGroup(stack, 'Group', {
      application,
      deploymentGroupName: names ? 'web-fleet' : undefined,
      autoScalingGroups: [asg],
      autoRollback: { failedDeployment: true },
    });
    return { stack, group, asg };
  }

  test('the target\'s region is the group\'s; the action deploys it by name', () => {
    let fleetStack: Stack | undefined;
    const { actions, app } = synth((scope) => {
      const f = fleet(scope, 'eu-west-1');
      fleetStack = f.stack;
      return [RegionTarget.codeDeployGroup({ deploymentGroup: f.group })];
    });
    expect(actions.map(a => [a.Name, a.RunOrder, a.Region, a.ActionTypeId.Provider])).toEqual([['eu-west-1.Fleet-eu-west-1.Group.Deploy', 4, 'eu-west-1', 'CodeDeploy']]);
    expect(actions[0].Configuration).toEqual({ ApplicationName: 'web', DeploymentGroupName: 'web-fleet' });
    // the fleet's instances may read the revision from the region's artifact store
    const fleetTemplate = Template.fromJSON(app.synth().getStackByName(fleetStack!.stackName).template);
    const policies = JSON.stringify(fleetTemplate.findResources('AWS::IAM::Policy'));
    expect(policies).toMatch(/s3:GetObject\*/);
    fleetTemplate.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE'] },
    });
  });

  test('a group in a stack without a concrete region is rejected', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    const group = codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(stack, 'G', {
      application: codedeploy.ServerApplication.fromServerApplicationName(stack, 'A', 'web'),
      deploymentGroupName: 'web-fleet',
    });
    expect(() => RegionTarget.codeDeployGroup({ deploymentGroup: group }))
      .toThrow(/RegionTarget.codeDeployGroup\(Agnostic\/G\): the deployment group's region is unresolved .*concrete `env: \{ account, region \}`/);
  });

  test('a group in another account is rejected', () => {
    expect(() => synth((app) => {
      const other = new Stack(app, 'Other', { env: { account: '222222222222', region: 'eu-west-1' } });
      const group = codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(other, 'G', {
        application: codedeploy.ServerApplication.fromServerApplicationName(other, 'A', 'web'),
        deploymentGroupName: 'web-fleet',
      });
      return [RegionTarget.codeDeployGroup({ deploymentGroup: group })];
    })).toThrow(/the deployment group is in account 222222222222, the pipeline in 111111111111/);
  });
});

describe('RegionTarget.ecsBlueGreen', () => {
  test('deploy (4) with the CodeDeployToECS provider, both templates from the build output, in the target region', () => {
    const { actions } = synth([RegionTarget.ecsBlueGreen({ ...ecsOk, containerImageInputs: [{ taskDefinitionPlaceholder: 'APP_IMAGE' }] })]);
    expect(actions.map(a => [a.Name, a.RunOrder, a.Region])).toEqual([['eu-west-1.web-ecs.web-ecs-dg.Deploy', 4, 'eu-west-1']]);
    expect(actions[0].ActionTypeId).toEqual({ Category: 'Deploy', Owner: 'AWS', Provider: 'CodeDeployToECS', Version: '1' });
    expect(actions[0].Configuration).toEqual({
      ApplicationName: 'web-ecs',
      DeploymentGroupName: 'web-ecs-dg',
      TaskDefinitionTemplateArtifact: 'Build',
      TaskDefinitionTemplatePath: 'ecs/taskdef.json',
      AppSpecTemplateArtifact: 'Build',
      AppSpecTemplatePath: 'ecs/appspec.yaml',
      Image1ArtifactName: 'Build',
      Image1ContainerName: 'APP_IMAGE',
    });
    expect(actions[0].InputArtifacts).toEqual([{ Name: 'Build' }]);
    // the action runs as the target's own role (referenced by name, so aws-cdk-lib adds no grants to it)
    expect(JSON.stringify(actions[0].RoleArn)).toMatch(/webecswebecsdgeuwest1ActionRole/);
  });

  test('the action role may register task definitions and pass roles only to ECS tasks; CodeDeploy only on its group', () => {
    const { template } = synth([RegionTarget.ecsBlueGreen(ecsOk)]);
    const statements = policyOf(template, 'webecswebecsdgeuwest1ActionRole');
    const byAction = (a: string) => statements.find(s => [].concat(s.Action).includes(a as never));
    expect(JSON.stringify(byAction('codedeploy:CreateDeployment').Resource)).toMatch(/codedeploy:eu-west-1:111111111111:deploymentgroup:web-ecs\/web-ecs-dg"/);
    expect(JSON.stringify(byAction('codedeploy:GetApplication').Resource)).toMatch(/codedeploy:eu-west-1:111111111111:application:web-ecs"/);
    expect(JSON.stringify(byAction('codedeploy:GetDeploymentConfig').Resource)).toMatch(/deploymentconfig:CodeDeployDefault.ECSAllAtOnce"/);
    expect(byAction('ecs:RegisterTaskDefinition').Resource).toBe('*');
    // a template with tags is registered with them: ECS authorizes that as ecs:TagResource, allowed within RegisterTaskDefinition only
    expect(byAction('ecs:TagResource')).toMatchObject({ Resource: '*', Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } } });
    // as in AWS's example policy for this action: StringEquals, so a request without the key is denied
    expect(byAction('iam:PassRole')).toMatchObject({
      Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': ['ecs.amazonaws.com', 'ecs-tasks.amazonaws.com'] } },
    });
    expect(byAction('s3:GetObject*')).toBeDefined();
  });

  test('with taskRoles, iam:PassRole names those roles only', () => {
    const { template } = synth((_app, stack) => [RegionTarget.ecsBlueGreen({
      ...ecsOk,
      taskRoles: [iam.Role.fromRoleArn(stack, 'TaskRole', 'arn:aws:iam::111111111111:role/web-task'), iam.Role.fromRoleArn(stack, 'ExecRole', 'arn:aws:iam::111111111111:role/web-exec')],
    })]);
    const passRole = policyOf(template, 'webecswebecsdgeuwest1ActionRole').find(s => s.Action === 'iam:PassRole');
    expect(passRole.Resource).toEqual(['arn:aws:iam::111111111111:role/web-task', 'arn:aws:iam::111111111111:role/web-exec']);
  });

  test('a deployment group object of the target region is used as is', () => {
    const { actions } = synth((app) => {
      const regional = withResource(new Stack(app, 'Ecs', { env: { account: ACCOUNT, region: 'eu-west-1' } }));
      const group = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(regional, 'G', {
        application: codedeploy.EcsApplication.fromEcsApplicationName(regional, 'A', 'web-ecs'),
        deploymentGroupName: 'blue-green',
      });
      return [RegionTarget.ecsBlueGreenGroup({ deploymentGroup: group, taskDefinitionTemplateFile: 'taskdef.json', appSpecTemplateFile: 'appspec.yaml' })];
    });
    // the target's region is the group's
    expect(actions[0]).toMatchObject({ Name: 'eu-west-1.web-ecs.blue-green.Deploy', Region: 'eu-west-1', Configuration: { DeploymentGroupName: 'blue-green' } });
  });
});

describe('CodeDeploy targets in the plan, beside CloudFormation targets, and behind windows', () => {
  test('a CloudFormation region and CodeDeploy regions in one Deploy stage; the plan shows every kind', () => {
    const { pipeline, stages } = synth([
      cfnTarget('eu-west-1'),
      RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet', approval: true }),
      RegionTarget.ecsBlueGreen({ ...ecsOk, region: 'ap-southeast-2' }),
    ]);
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Deploy']);
    const rows = pipeline.plan.actions.filter(a => a.stageName === 'Deploy').map(a => [a.region, a.runOrder, a.kind, a.stackName ?? '-', a.detail ?? '-']);
    expect(rows).toEqual([
      ['eu-west-1', 2, PlannedActionKind.CREATE_CHANGE_SET, 'service-x', '-'],
      ['us-east-1', 3, PlannedActionKind.APPROVAL, '-', 'CodeDeploy web/web-fleet'],
      ['eu-west-1', 4, PlannedActionKind.EXECUTE_CHANGE_SET, 'service-x', '-'],
      ['us-east-1', 4, PlannedActionKind.CODEDEPLOY, '-', 'CodeDeploy web/web-fleet'],
      ['ap-southeast-2', 4, PlannedActionKind.ECS_BLUE_GREEN, '-', 'CodeDeploy ECS web-ecs/web-ecs-dg'],
    ]);
    expect(pipeline.plan.toTable()).toMatch(/Deploy\s+4\s+us-east-1\s+CodeDeploy\s+-\s+us-east-1\.web\.web-fleet\.Deploy/);
    expect(pipeline.plan.toTable()).toMatch(/EcsBlueGreen/);
  });

  test('a CodeDeploy target with a window gets its own stage with the window\'s entry condition', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'America/New_York' });
    const { stages, pipeline } = synth([
      cfnTarget('eu-west-1'),
      RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet', window }),
    ]);
    expect(stages.map(s => s.Name)).toEqual(['Source', 'Build', 'Deploy', 'Deploy.us-east-1']);
    const windowed = stages[3];
    expect(windowed.Actions.map((a: any) => a.ActionTypeId.Provider)).toEqual(['CodeDeploy']);
    expect(windowed.BeforeEntry.Conditions[0].Rules[0].RuleTypeId.Provider).toBe('DeploymentWindow');
    expect(pipeline.plan.actionsIn('us-east-1')[0]).toMatchObject({ stageName: 'Deploy.us-east-1', kind: PlannedActionKind.CODEDEPLOY, window: window.toString() });
  });

  test('two CodeDeploy targets in one region get distinct action names and roles', () => {
    const { actions, template } = synth([
      RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'blue' }),
      RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'green' }),
    ]);
    expect(actions.map(a => a.Name)).toEqual(['us-east-1.web.blue.Deploy', 'us-east-1.web.green.Deploy']);
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^CodePipeline actions deploying web') } }))).toHaveLength(2);
  });

  test('logical IDs of the action roles are stable', () => {
    const { template } = synth([RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet' })]);
    expect(Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: 'CodePipeline actions deploying web.web-fleet@us-east-1' } })))
      .toEqual(['PipelineTargetswebwebfleetuseast1ActionRole00D5CEBB']);
  });
});

describe('CodeDeploy target validation', () => {
  const ok = { region: 'us-east-1', applicationName: 'web', deploymentGroupName: 'web-fleet' };

  test('the same deployment group twice in a pipeline is rejected; the same names in another region are fine', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      targets: [RegionTarget.codeDeploy(ok), RegionTarget.codeDeploy({ ...ok, region: 'eu-west-1' })],
    });
    expect(() => pipeline.addTarget(RegionTarget.codeDeploy({ ...ok, approval: true })))
      .toThrow(/target web.web-fleet@us-east-1 is in the pipeline already; each deployment group, and each stack of a region, can be a target once/);
  });

  test.each([
    [{ applicationName: '' }, /the application name is missing or empty/],
    [{ applicationName: '   ' }, /the application name is missing or empty/],
    [{ deploymentGroupName: '' }, /the deployment group name is missing or empty/],
    [{ applicationName: 'my app' }, /application name 'my app' is not valid for CodeDeploy; use 1 to 100 characters/],
    [{ deploymentGroupName: 'x'.repeat(101) }, /deployment group name 'x{101}' is not valid for CodeDeploy/],
    [{ deploymentConfigName: 'one/at/a/time' }, /deployment configuration name 'one\/at\/a\/time' is not valid/],
    [{ region: 'US-EAST-1' }, /'US-EAST-1' is not a valid AWS region name; expected a name such as 'us-east-1'/],
    [{ region: 'useast1' }, /'useast1' is not a valid AWS region name/],
  ])('codeDeploy(%p) is rejected', (change, message) => {
    expect(() => RegionTarget.codeDeploy({ ...ok, ...change })).toThrow(message);
  });

  test('missing names (from JavaScript or Python) are rejected', () => {
    expect(() => RegionTarget.codeDeploy({ region: 'us-east-1', applicationName: 'web' } as any))
      .toThrow(/the deployment group name is missing or empty/);
  });

  test('an unresolved region is rejected', () => {
    const stack = pipelineStack();
    expect(() => RegionTarget.codeDeploy({ ...ok, region: new CfnParameter(stack, 'Region').valueAsString }))
      .toThrow(/the region must be a literal region name such as 'eu-west-1', got an unresolved token/);
    expect(() => RegionTarget.ecsBlueGreen({ ...ecsOk, region: new CfnParameter(stack, 'Region2').valueAsString }))
      .toThrow(/got an unresolved token/);
  });

  test('codeDeployGroup without a group is rejected', () => {
    expect(() => RegionTarget.codeDeployGroup({} as any)).toThrow(/deploymentGroup is required/);
  });

  test.each([
    [{ taskDefinitionTemplateFile: undefined }, /taskDefinitionTemplateFile is required; give the path of the file inside the build output .* 'taskdef.json'/],
    [{ appSpecTemplateFile: undefined }, /appSpecTemplateFile is required; .* 'appspec.yaml'/],
    [{ appSpecTemplateFile: '' }, /appSpecTemplateFile: the template path is empty/],
    [{ taskDefinitionTemplateFile: '/abs/taskdef.json' }, /template path '\/abs\/taskdef.json' must be relative to the root of the artifact/],
    [{ taskDefinitionTemplateFile: 'Build::taskdef.json' }, /template path 'Build::taskdef.json' must be relative/],
    [{ applicationName: undefined }, /the application name is missing or empty/],
    [{ region: 'eu_west_1' }, /'eu_west_1' is not a valid AWS region name/],
    [{ containerImageInputs: [{}, {}] }, /placeholder 'IMAGE' is given for more than one container image input/],
    [{ containerImageInputs: [1, 2, 3, 4, 5].map(i => ({ taskDefinitionPlaceholder: `IMAGE${i}` })) }, /5 containerImageInputs given; the action takes at most 4/],
  ])('ecsBlueGreen(%p) is rejected', (change, message) => {
    expect(() => RegionTarget.ecsBlueGreen({ ...ecsOk, ...change } as any)).toThrow(message);
  });

  test('ecsBlueGreenGroup: a group of an unresolved region, or no group, is rejected', () => {
    const app = new App();
    const us = new Stack(app, 'Us', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const agnostic = new Stack(app, 'Agnostic');
    let n = 0;
    const groupIn = (stack: Stack) => codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, `G${++n}`, {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, `A${n}`, 'web-ecs'),
      deploymentGroupName: 'blue-green',
    });
    const files = { taskDefinitionTemplateFile: 'taskdef.json', appSpecTemplateFile: 'appspec.yaml' };
    expect(RegionTarget.ecsBlueGreenGroup({ deploymentGroup: groupIn(us), ...files }).region).toEqual('us-east-1');
    expect(() => RegionTarget.ecsBlueGreenGroup({ deploymentGroup: groupIn(agnostic), ...files }))
      .toThrow(/ecsBlueGreenGroup\(Agnostic\/G2\): the deployment group's region is unresolved .* or name it with RegionTarget.ecsBlueGreen/);
    expect(() => RegionTarget.ecsBlueGreenGroup({ ...files } as any)).toThrow(/RegionTarget.ecsBlueGreenGroup: deploymentGroup is required/);
    expect(() => RegionTarget.ecsBlueGreenGroup({ deploymentGroup: groupIn(us), taskDefinitionTemplateFile: 'taskdef.json' } as any))
      .toThrow(/ecsBlueGreenGroup\(Us\/G3\) appSpecTemplateFile is required|appSpecTemplateFile is required/);
  });
});

describe('ECS templates from a small build output of their own (the action reads at most 3 MB)', () => {
  test('the build writes a secondary output; the ECS action reads its templates from it', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      buildStep: PipelineBuild.codeBuild({ secondaryOutputs: ['ecs'] }),
      targets: [RegionTarget.ecsBlueGreen({ ...ecsOk, templatesOutput: 'ecs', containerImageInputs: [{}] })],
    });
    const stages = (Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
    expect(stages[1].Actions[0].OutputArtifacts).toEqual([{ Name: 'Build' }, { Name: 'ecs' }]);
    const ecsAction = stages[2].Actions[0];
    expect(ecsAction.InputArtifacts).toEqual([{ Name: 'ecs' }]);
    expect(ecsAction.Configuration).toMatchObject({ TaskDefinitionTemplateArtifact: 'ecs', AppSpecTemplateArtifact: 'ecs', Image1ArtifactName: 'ecs' });
  });

  test('an output the build does not produce, and invalid output names, are rejected', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    const pipeline = new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'a.zip' }),
      buildStep: PipelineBuild.codeBuild(),
      targets: [cfnTarget('us-east-1')],
    });
    expect(() => pipeline.addTarget(RegionTarget.ecsBlueGreen({ ...ecsOk, templatesOutput: 'ecs' })))
      .toThrow(/reads the build output 'ecs', which the build does not produce; name it in PipelineBuild.codeBuild\(\{ secondaryOutputs \}\)/);
    for (const name of ['Build', 'Source', 'with space', 'x'.repeat(101)]) {
      expect(() => PipelineBuild.codeBuild({ secondaryOutputs: [name] })).toThrow(/secondaryOutputs name '.*' is not valid/);
    }
    expect(() => PipelineBuild.codeBuild({ secondaryOutputs: ['ecs', 'ecs'] })).toThrow(/secondaryOutputs name 'ecs' is not valid; .*each name once/);
  });
});
