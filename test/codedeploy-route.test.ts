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
import { ACCOUNT, FleetStack, HOME_REGION, fixture, flatten, nagFindings, sourceBucket, testApp } from './testutil';
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
    expect(JSON.parse(actions[1].Configuration.EnvironmentVariables))
      .toEqual([{ name: 'EXECUTION_ID', type: 'PLAINTEXT', value: '#{codepipeline.PipelineExecutionId}' }]);
    const deploy = f.pipeline.plan.actionsIn('ca-west-1').find(a => a.actionName === 'ca-west-1.web.fleet.Deploy')!;
    expect(deploy.route).toBe(`CodeBuild in ${HOME_REGION}`);
    expect(deploy.detail).toBe('CodeDeploy web/fleet');
  });

  test('no artifact store and no action of the pipeline in ca-west-1; the revisions go to its bucket', () => {
    const { f, template, actions } = routed();
    const pipeline = (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties;
    expect(pipeline.ArtifactStores.map((s: any) => s.Region)).toEqual([HOME_REGION, 'us-east-1']);
    const project = template.findResources('AWS::CodeBuild::Project')[actions[1].Configuration.ProjectName.Ref];
    const variables = Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
    expect(variables).toEqual({
      TARGET_REGION: 'ca-west-1',
      APPLICATION_NAME: 'web',
      DEPLOYMENT_GROUP_NAME: 'fleet',
      REVISION_BUCKET: expect.stringMatching(/^mrdp-[0-9a-f]+-111111111111-ca-west-1$/),
      REVISION_PREFIX: 'codedeploy/web/fleet',
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

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: string[][];
}

/** Runs the route's script with bash against test/fake-aws.js, in a directory holding `files`. */
function run(state: object, files: { [name: string]: string } = { 'appspec.yml': 'version: 0.0\nos: linux\n' }): Run {
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
      TARGET_REGION: 'ca-west-1',
      APPLICATION_NAME: 'web app',
      DEPLOYMENT_GROUP_NAME: 'fleet',
      REVISION_BUCKET: 'mrdp-0123456789-111111111111-ca-west-1',
      REVISION_PREFIX: 'codedeploy/web app/fleet',
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
