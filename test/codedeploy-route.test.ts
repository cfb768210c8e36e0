import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, FleetStack, HOME_REGION, cfnLint, cfnTarget, fixture, flatten, nagFindings, roleStatements, sourceBucket, testApp } from './testutil';
import { ArtifactEncryption, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, RegionTarget } from '../src';
import { codeDeployScript } from '../src/private/codedeploy-route';

/*
 * EC2/on-premises CodeDeploy targets in regions without CodePipeline: a CodeBuild action in the
 * pipeline's region uploads the revision to the target region's bucket, creates the deployment there
 * and waits for it.
 */

function actionsOf(template: Template): any[] {
  const pipeline = (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties;
  return pipeline.Stages.flatMap((s: any) => s.Actions.map((a: any) => ({ ...a, Stage: s.Name })));
}

function statementsOf(template: Template, roleId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function projectVariables(project: any): { [name: string]: any } {
  return Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
}

function routeOf(action: any): string {
  return JSON.parse(action.Configuration.EnvironmentVariables).find((v: any) => v.name === 'ROUTE').value;
}

function routed(props: Parameters<typeof fixture>[1] = {}) {
  const f = fixture(['us-east-1'], props);
  f.pipeline.addTarget(RegionTarget.codeDeploy({
    region: 'ca-west-1', applicationName: 'web', deploymentGroupName: 'fleet', deploymentConfigName: 'CodeDeployDefault.HalfAtATime', approval: true,
  }));
  const template = Template.fromStack(f.stack);
  const actions = actionsOf(template).filter(a => a.Name.startsWith('ca-west-1.'));
  return { f, template, actions };
}

describe('the CodeBuild route of an EC2/on-premises CodeDeploy target', () => {
  test('approval (3) and the deployment (4) run in the pipeline\'s region; the plan names the route', () => {
    const { f, actions } = routed();
    expect(actions.map(a => [a.Name, a.RunOrder, a.ActionTypeId.Provider, a.Region ?? HOME_REGION])).toEqual([
      ['ca-west-1.web.fleet.Approve', 3, 'Manual', HOME_REGION],
      ['ca-west-1.web.fleet.Deploy', 4, 'CodeBuild', HOME_REGION],
    ]);
    expect(JSON.parse(actions[1].Configuration.EnvironmentVariables)).toEqual([
      { name: 'ROUTE', type: 'PLAINTEXT', value: expect.stringMatching(/^R[0-9a-f]{8}$/) },
      { name: 'EXECUTION_ID', type: 'PLAINTEXT', value: '#{codepipeline.PipelineExecutionId}' },
    ]);
    const deploy = f.pipeline.plan.actionsIn('ca-west-1').find(a => a.actionName === 'ca-west-1.web.fleet.Deploy')!;
    expect(deploy.route).toBe(`CodeBuild in ${HOME_REGION}`);
    expect(deploy.detail).toBe('CodeDeploy web/fleet');
  });

  test('no artifact store and no action of the pipeline in ca-west-1; the revisions go to its bucket', () => {
    const { f, template, actions } = routed();
    const pipeline = (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties;
    expect(pipeline.ArtifactStores.map((s: any) => s.Region)).toEqual([HOME_REGION, 'us-east-1']);
    const project = template.findResources('AWS::CodeBuild::Project')[actions[1].Configuration.ProjectName.Ref];
    const variables = projectVariables(project);
    const route = routeOf(actions[1]);
    expect(variables).toEqual({
      [`${route}_TARGET_REGION`]: 'ca-west-1',
      [`${route}_APPLICATION_NAME`]: 'web',
      [`${route}_DEPLOYMENT_GROUP_NAME`]: 'fleet',
      [`${route}_REVISION_BUCKET`]: expect.stringMatching(/^mrdp-[0-9a-f]+-111111111111-ca-west-1$/),
      [`${route}_REVISION_PREFIX`]: 'codedeploy/web/fleet',
    });
    expect(JSON.parse(project.Properties.Source.BuildSpec)).toEqual({ version: '0.2', env: { shell: 'bash' }, phases: { build: { commands: [codeDeployScript()] } } });
    expect(project.Properties.TimeoutInMinutes).toBe(180);
    expect(f.app.synth().stacks.map(s => s.stackName)).toContain(`PipelineStack-${HOME_REGION}-artifacts-ca-west-1`);
  });

  test('the role may deploy this group only, read its configuration, and put revisions under its prefix', () => {
    const { template, actions } = routed();
    const project = template.findResources('AWS::CodeBuild::Project')[actions[1].Configuration.ProjectName.Ref];
    const statements = statementsOf(template, project.Properties.ServiceRole['Fn::GetAtt'][0]);
    const codedeployStatements = statements.filter(s => ([] as string[]).concat(s.Action).some(a => a.startsWith('codedeploy:')));
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:codedeploy:ca-west-1:${ACCOUNT}:${resource}`]] });
    expect(codedeployStatements.map(s => [([] as string[]).concat(s.Action).sort(), s.Resource])).toEqual([
      [['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'], arn('deploymentgroup:web/fleet')],
      [['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'], arn('application:web')],
      [['codedeploy:GetDeploymentConfig'], arn('deploymentconfig:CodeDeployDefault.HalfAtATime')],
    ]);
    const put = statements.find(s => ([] as string[]).concat(s.Action).includes('s3:PutObject'));
    expect(flatten(put.Resource)).toMatch(/mrdp-[0-9a-f]+-111111111111-ca-west-1\/codedeploy\/web\/fleet\/\*/);
    expect(statements.flatMap(s => ([] as string[]).concat(s.Action)).filter(a => a === '*' || a.endsWith(':*'))).toEqual([]);
    // its buildspec has no reports section: no test report permissions
    expect(statements.flatMap(s => ([] as string[]).concat(s.Action)).filter(a => /Report/.test(a))).toEqual([]);
  });

  test('a group given as a construct: its Auto Scaling groups may read the revisions', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION } });
    const fleet = new FleetStack(app, 'Fleet', { env: { account: ACCOUNT, region: 'ca-west-1' } });
    const vpc = new ec2.Vpc(fleet, 'Vpc', { maxAzs: 1, natGateways: 0 });
    const asg = new autoscaling.AutoScalingGroup(fleet, 'Asg', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    const application = new codedeploy.ServerApplication(fleet, 'App', { applicationName: 'web' });
    const group = new codedeploy.ServerDeploymentGroup(fleet, 'Group', { application, deploymentGroupName: 'fleet', autoScalingGroups: [asg] });
    new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      targets: [RegionTarget.codeDeployGroup({ deploymentGroup: group })],
    });
    const statements = Object.values(Template.fromStack(fleet).findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const reads = statements.filter(s => ([] as string[]).concat(s.Action).includes('s3:GetObject*')).map(s => flatten(s.Resource));
    expect(reads.filter(r => /mrdp-[0-9a-f]+-111111111111-ca-west-1\/codedeploy\/web\/fleet\/\*/.test(r))).toHaveLength(1);
    const actions = actionsOf(Template.fromStack(stack)).filter(a => a.Name.startsWith('ca-west-1.'));
    expect(actions.map(a => [a.ActionTypeId.Provider, a.Region ?? HOME_REGION])).toEqual([['CodeBuild', HOME_REGION]]);
  });

  test('the pipeline passes CodePipeline\'s API model; cdk-nag finds nothing unexplained, with S3-managed and KMS stores', () => {
    for (const encryption of [undefined, ArtifactEncryption.KMS]) {
      const app: App = testApp();
      const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION } });
      new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
        buildStep: PipelineBuild.codeBuild(),
        artifactStores: encryption ? { encryption } : undefined,
        targets: ['us-east-1', 'ca-west-1', 'mx-central-1'].map(region => RegionTarget.codeDeploy({ region, applicationName: 'web', deploymentGroupName: 'fleet' })),
      });
      expect(nagFindings(app)).toEqual([]);
      const assembly = app.synth();
      const template = assembly.getStackByName('PipelineStack').template;
      const [logicalId, pipeline] = Object.entries(template.Resources).find(([, r]: [string, any]) => r.Type === 'AWS::CodePipeline::Pipeline')! as [string, any];
      expect([logicalId, checkPipeline(pipeline.Properties, template.Resources)]).toEqual([logicalId, []]);
    }
  });

  test('ECS blue/green there is still refused, naming the region and why', () => {
    expect(() => RegionTarget.ecsBlueGreen({
      region: 'ap-southeast-7',
      applicationName: 'web',
      deploymentGroupName: 'blue-green',
      taskDefinitionTemplateFile: 'ecs/taskdef.json',
      appSpecTemplateFile: 'ecs/appspec.yaml',
    })).toThrow(/ap-southeast-7 has no CodePipeline.* but not ECS blue\/green, whose action registers the task definition/);
  });
});

describe('routed CodeDeploy targets share one project per pipeline', () => {
  /** Three routed groups: two in ca-west-1, one in mx-central-1. */
  const GROUPS: [string, string, string, string][] = [
    ['ca-west-1', 'web', 'fleet', 'CodeDeployDefault.HalfAtATime'],
    ['ca-west-1', 'web', 'canary', 'CodeDeployDefault.OneAtATime'],
    ['mx-central-1', 'api', 'blue', 'CodeDeployDefault.AllAtOnce'],
  ];

  function build(groups: typeof GROUPS, extra: RegionTarget[] = []) {
    const f = fixture(['us-east-1'], { targets: [cfnTarget('us-east-1'), ...extra] });
    for (const [region, applicationName, deploymentGroupName, deploymentConfigName] of groups) {
      f.pipeline.addTarget(RegionTarget.codeDeploy({ region, applicationName, deploymentGroupName, deploymentConfigName }));
    }
    return f;
  }

  function pipelineOf(groups: typeof GROUPS) {
    const f = build(groups);
    const template = Template.fromStack(f.stack);
    const routedActions = actionsOf(template).filter(a => a.ActionTypeId.Provider === 'CodeBuild' && a.Name.endsWith('.Deploy'));
    return { f, template, routedActions };
  }

  /** The role's statements as sorted `action resource condition` triples, references flattened. */
  function grants(template: Template): string[] {
    return roleStatements(template, /^PipelineTargetsCodeDeployRouteProjectRole[0-9A-F]{8}$/).flatMap(s => ([] as string[]).concat(s.Action)
      .flatMap(a => ([] as any[]).concat(s.Resource).map(r => `${s.Effect} ${a} ${flatten(r)} ${JSON.stringify(s.Condition ?? {})}`))).sort();
  }

  test('one project and one role; each action passes its route ID, which selects its group\'s variables', () => {
    const { template, routedActions } = pipelineOf(GROUPS);
    const projects = Object.keys(template.findResources('AWS::CodeBuild::Project')).map(id => id.replace(/[0-9A-F]{8}$/, ''));
    expect(projects.sort()).toEqual(['PipelineBuildProject', 'PipelineTargetsCodeDeployRouteProject']);
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter(id => /Route/.test(id)).map(id => id.replace(/[0-9A-F]{8}$/, ''));
    expect(roles).toEqual(['PipelineTargetsCodeDeployRouteProjectRole']);
    expect(routedActions.map(a => a.Name)).toEqual(['ca-west-1.web.fleet.Deploy', 'ca-west-1.web.canary.Deploy', 'mx-central-1.api.blue.Deploy']);
    expect(new Set(routedActions.map(a => a.Configuration.ProjectName.Ref)).size).toBe(1);
    const project = template.findResources('AWS::CodeBuild::Project')[routedActions[0].Configuration.ProjectName.Ref];
    const variables = projectVariables(project);
    const routes = routedActions.map(routeOf);
    expect(new Set(routes).size).toBe(3);
    routedActions.forEach((action, i) => {
      const [region, application, group] = action.Name.split('.');
      expect(GROUPS[i].slice(0, 3)).toEqual([region, application, group]);
      expect([variables[`${routes[i]}_TARGET_REGION`], variables[`${routes[i]}_APPLICATION_NAME`], variables[`${routes[i]}_DEPLOYMENT_GROUP_NAME`],
        variables[`${routes[i]}_REVISION_PREFIX`]]).toEqual([region, application, group, `codedeploy/${application}/${group}`]);
    });
    expect(Object.keys(variables)).toHaveLength(3 * 5);
    // a target's route ID does not depend on the other targets
    expect(routeOf(pipelineOf([GROUPS[2]]).routedActions[0])).toBe(routes[2]);
  });

  test('the role\'s statements are exactly the union of the one-target roles\' statements', () => {
    const union = [...new Set(GROUPS.flatMap(g => grants(pipelineOf([g]).template)))].sort();
    const shared = grants(pipelineOf(GROUPS).template);
    expect([...new Set(shared)].sort()).toEqual(union);
    // and those are each group's exact grants: nothing on another group, application or configuration
    const arn = (region: string, resource: string) => `arn:\${AWS::Partition}:codedeploy:${region}:${ACCOUNT}:${resource}`;
    expect(shared.filter(g => g.includes(':codedeploy:')).map(g => g.split(' ').slice(1, 3).join(' '))).toEqual(GROUPS.flatMap(([region, app, group, config]) => [
      `codedeploy:CreateDeployment ${arn(region, `deploymentgroup:${app}/${group}`)}`,
      `codedeploy:GetDeployment ${arn(region, `deploymentgroup:${app}/${group}`)}`,
      `codedeploy:GetApplicationRevision ${arn(region, `application:${app}`)}`,
      `codedeploy:RegisterApplicationRevision ${arn(region, `application:${app}`)}`,
      `codedeploy:GetDeploymentConfig ${arn(region, `deploymentconfig:${config}`)}`,
    ]).filter((g, i, all) => all.indexOf(g) === i).sort());
    const puts = shared.filter(g => g.split(' ')[1] === 's3:PutObject').map(g => g.split(' ')[2].replace(/^.*:::mrdp-[0-9a-f]+-111111111111-/, ''));
    expect(puts.sort()).toEqual(['ca-west-1/codedeploy/web/canary/*', 'ca-west-1/codedeploy/web/fleet/*', 'mx-central-1/codedeploy/api/blue/*']);
  });

  test('the script, run with the synthesized variables of each action, deploys that action\'s group', () => {
    const { template, routedActions } = pipelineOf(GROUPS);
    const project = template.findResources('AWS::CodeBuild::Project')[routedActions[0].Configuration.ProjectName.Ref];
    const onProject = Object.fromEntries(Object.entries(projectVariables(project)).map(([name, value]) => [name, flatten(value)]));
    for (const action of routedActions) {
      const [region, application, group] = action.Name.split('.');
      const r = run({}, undefined, routeOf(action), onProject);
      expect(r.status).toBe(0);
      const create = r.calls.find(c => c[1] === '--region' && c[3] === 'create-deployment')!;
      expect([create[2], option(create, '--application-name'), option(create, '--deployment-group-name')]).toEqual([region, application, group]);
      expect(JSON.parse(option(create, '--revision')).s3Location.key).toBe(`codedeploy/${application}/${group}/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.zip`);
    }
  });

  test('cdk-nag, cfn-lint and CodePipeline\'s API model find nothing; a CloudFormation route keeps its own project', () => {
    const f = build(GROUPS, [RegionTarget.cloudFormation({ region: 'ca-west-1', stackName: 'svc', templatePath: 'ca-west-1.template.json' })]);
    expect(nagFindings(f.app)).toEqual([]);
    const assembly = f.app.synth();
    const template = assembly.getStackByName('PipelineStack').template;
    expect(Object.keys(template.Resources).filter(id => template.Resources[id].Type === 'AWS::CodeBuild::Project')
      .map(id => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['PipelineBuildProject', 'PipelineTargetsCodeDeployRouteProject', 'PipelineTargetsRouteProject']);
    expect(cfnLint(Object.fromEntries(assembly.stacks.map(s => [s.stackName, s.template])))).toBe('');
    const [, pipeline] = Object.entries(template.Resources).find(([, r]: [string, any]) => r.Type === 'AWS::CodePipeline::Pipeline')! as [string, any];
    expect(checkPipeline(pipeline.Properties, template.Resources)).toEqual([]);
  }, 60_000);

  test('one group in two targets is refused before it could share a route ID, naming it', () => {
    expect(() => pipelineOf([GROUPS[0], GROUPS[0]])).toThrow(/target web\.fleet@ca-west-1 is in the pipeline already; each deployment group.* can be a target once/);
  });
});

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: string[][];
}

/** The project's variables of two routed groups, as CodeBuild sets them. */
const ROUTES = {
  R1a2b3c4d_TARGET_REGION: 'ca-west-1',
  R1a2b3c4d_APPLICATION_NAME: 'web app',
  R1a2b3c4d_DEPLOYMENT_GROUP_NAME: 'fleet',
  R1a2b3c4d_REVISION_BUCKET: 'mrdp-0123456789-111111111111-ca-west-1',
  R1a2b3c4d_REVISION_PREFIX: 'codedeploy/web app/fleet',
  R5e6f7a8b_TARGET_REGION: 'mx-central-1',
  R5e6f7a8b_APPLICATION_NAME: 'api',
  R5e6f7a8b_DEPLOYMENT_GROUP_NAME: 'blue',
  R5e6f7a8b_REVISION_BUCKET: 'mrdp-0123456789-111111111111-mx-central-1',
  R5e6f7a8b_REVISION_PREFIX: 'codedeploy/api/blue',
};

/** Runs the route's script with bash against test/fake-aws.js, in a directory holding `files`. */
function run(state: object, files: { [name: string]: string } = { 'appspec.yml': 'version: 0.0\nos: linux\n' }, route = 'R1a2b3c4d',
  variables: { [name: string]: string } = ROUTES): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codedeploy-route-'));
  const bin = path.join(dir, 'bin');
  const src = path.join(dir, 'src');
  fs.mkdirSync(bin);
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(bin, 'aws'), `#!/bin/sh\nexec node ${JSON.stringify(path.join(__dirname, 'fake-aws.js'))} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\n', { mode: 0o755 });
  // CodeBuild's standard image has zip; this machine may not: a stand-in that records its arguments
  fs.writeFileSync(path.join(bin, 'zip'), '#!/bin/sh\nprintf "%s" "$*" > "$4"\n', { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(src, name), content);
  }
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ changeSets: {}, ...state }));
  fs.writeFileSync(path.join(dir, 'log'), '');
  const result = spawnSync('bash', ['-c', codeDeployScript()], {
    encoding: 'utf-8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_AWS_STATE: path.join(dir, 'state.json'),
      FAKE_AWS_LOG: path.join(dir, 'log'),
      CODEBUILD_SRC_DIR: src,
      ...variables,
      ROUTE: route,
      EXECUTION_ID: '0f1e2d3c-aaaa-bbbb-cccc-0123456789ab',
    },
  });
  const calls = fs.readFileSync(path.join(dir, 'log'), 'utf-8').trim().split('\n').filter(l => l).map(l => JSON.parse(l));
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, calls };
}

const option = (call: string[], name: string) => call[call.indexOf(name) + 1];

describe('the CodeDeploy route\'s script', () => {
  test('uploads the revision, creates the deployment pinned to that object version and ETag, and waits for success', () => {
    const r = run({ deployment: { statuses: ['Created', 'InProgress', 'InProgress', 'Succeeded'] } });
    expect(r.stderr).not.toMatch(/error|fail/i);
    expect(r.status).toBe(0);
    const [put, create, ...gets] = r.calls;
    expect(put.slice(0, 4)).toEqual(['s3api', '--region', 'ca-west-1', 'put-object']);
    expect(option(put, '--bucket')).toBe('mrdp-0123456789-111111111111-ca-west-1');
    expect(option(put, '--key')).toBe('codedeploy/web app/fleet/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.zip');
    expect(create.slice(0, 4)).toEqual(['deploy', '--region', 'ca-west-1', 'create-deployment']);
    expect(option(create, '--application-name')).toBe('web app');
    expect(option(create, '--deployment-group-name')).toBe('fleet');
    expect(create).not.toContain('--deployment-config-name');
    expect(JSON.parse(option(create, '--revision'))).toEqual({
      revisionType: 'S3',
      s3Location: {
        bucket: 'mrdp-0123456789-111111111111-ca-west-1',
        key: 'codedeploy/web app/fleet/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.zip',
        bundleType: 'zip',
        eTag: '0123456789abcdef',
        version: 'v1',
      },
    });
    expect(gets.map(c => c[3])).toEqual(['get-deployment', 'get-deployment', 'get-deployment', 'get-deployment']);
    expect(r.stdout).toMatch(/Deployment d-ABCDEF123 of web app\/fleet in ca-west-1 succeeded/);
  });

  test('the action\'s ROUTE selects the group: the other route\'s values are not used', () => {
    const r = run({}, undefined, 'R5e6f7a8b');
    expect(r.status).toBe(0);
    const [put, create] = r.calls;
    expect(put.slice(0, 3)).toEqual(['s3api', '--region', 'mx-central-1']);
    expect(option(put, '--bucket')).toBe('mrdp-0123456789-111111111111-mx-central-1');
    expect(option(put, '--key')).toBe('codedeploy/api/blue/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.zip');
    expect(create.slice(0, 3)).toEqual(['deploy', '--region', 'mx-central-1']);
    expect([option(create, '--application-name'), option(create, '--deployment-group-name')]).toEqual(['api', 'blue']);
    expect(JSON.parse(option(create, '--revision')).s3Location.bucket).toBe('mrdp-0123456789-111111111111-mx-central-1');
    expect(r.calls.flat().join(' ')).not.toMatch(/ca-west-1|web app|fleet/);
    expect(r.stdout).toMatch(/Deployment d-ABCDEF123 of api\/blue in mx-central-1 succeeded/);
  });

  test.each([['R00000000', 'a well-formed ID of no target'], ['', 'none'], ['R1a2b3c4d_X', 'not an ID']])(
    'an unknown ROUTE (%j: %s) fails before any call, naming it', (route) => {
      const r = run({}, undefined, route);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`internal: ROUTE must name a target of this project (R and 8 hex digits, with its ${route || '<ROUTE>'}_TARGET_REGION variable), got '${route}'`);
      expect(r.calls).toEqual([]);
    });

  test('an unversioned bucket: the revision is not pinned to a version', () => {
    const r = run({ versionId: 'None' });
    expect(r.status).toBe(0);
    expect(JSON.parse(option(r.calls[1], '--revision')).s3Location.version).toBeUndefined();
  });

  test('a failed deployment fails the action with CodeDeploy\'s error', () => {
    const r = run({ deployment: { statuses: ['InProgress', 'Failed'], error: 'HEALTH_CONSTRAINTS\tThe overall deployment failed because too many individual instances failed deployment\tNone' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Deployment d-ABCDEF123 of web app\/fleet in ca-west-1 is Failed/);
    expect(r.stderr).toMatch(/HEALTH_CONSTRAINTS\tThe overall deployment failed/);
  });

  test('a stopped deployment fails it too', () => {
    const r = run({ deployment: { statuses: ['Stopped'] } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is Stopped/);
  });

  test('a revision without appspec.yml fails before anything is uploaded', () => {
    const r = run({}, { 'index.html': 'hello' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no appspec.yml at its root/);
    expect(r.calls).toEqual([]);
  });

  test('an error of the CLI fails the action with its message', () => {
    const r = run({ deployment: { statuses: ['Created'], failCreate: '(DeploymentGroupDoesNotExistException) when calling the CreateDeployment operation' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/DeploymentGroupDoesNotExistException/);
  });
});
