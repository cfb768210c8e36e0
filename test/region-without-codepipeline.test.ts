import { App, CfnCapabilities, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { checkPipeline } from './api-model/codepipeline-model';
import { ACCOUNT, HOME_REGION, buildVariables, cfnLint, cfnTarget, fixture, flatten, nagFindings, roleStatements, sourceBucket, testApp } from './testutil';
import {
  ArtifactEncryption, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, PlannedActionKind, RegionTarget,
  TemplateValidation,
} from '../src';
import { changeSetScript } from '../src/private/change-set-script';
import { COMMERCIAL_REGIONS, offers } from '../src/private/region-services';

/*
 * Targets in the regions without CodePipeline (ap-east-2, ap-southeast-6, ap-southeast-7, ca-west-1,
 * mx-central-1) are delivered through CodeBuild in the pipeline's region: no artifact store and no
 * action of the pipeline is placed in them.
 */

const WITHOUT = COMMERCIAL_REGIONS.filter(region => offers('codepipeline', region) === false);

function pipelineOf(template: Template): any {
  return (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties;
}

function actionsOf(template: Template): any[] {
  return pipelineOf(template).Stages.flatMap((s: any) => s.Actions.map((a: any) => ({ ...a, Stage: s.Name })));
}

/** The project of a CodeBuild action, from the pipeline stack's template. */
function projectOf(template: Template, action: any): any {
  return template.findResources('AWS::CodeBuild::Project')[action.Configuration.ProjectName.Ref];
}

function projectVariables(project: any): { [name: string]: any } {
  return Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
}

/** The statements of the policy attached to `roleId`. */
function statementsOf(template: Template, roleId: string): any[] {
  return roleStatements(template, new RegExp(`^${roleId}$`));
}

/**
 * Parameter expansions (`$X`, `\${X}`) of a bash script that are not inside double quotes, at the
 * top level or inside a command substitution, as `<line>: <expansion>`.
 */
function unquotedExpansions(script: string): string[] {
  const found: string[] = [];
  const stack: ('dq' | 'sq' | 'sub')[] = [];
  let line = 1;
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    const top = stack[stack.length - 1];
    if (c === '\n') { line++; }
    if (top === 'sq') {
      if (c === "'") { stack.pop(); }
    } else if (c === '\\') {
      i++;
    } else if (c === '$' && script[i + 1] === '(') {
      stack.push('sub');
      i++;
    } else if (c === '$' && /[A-Za-z_{]/.test(script[i + 1] ?? '') && top !== 'dq') {
      found.push(`${line}: ${/^\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(script.slice(i))![0]}`);
    } else if (c === '"') {
      if (top === 'dq') { stack.pop(); } else { stack.push('dq'); }
    } else if (c === "'" && top !== 'dq') {
      stack.push('sq');
    } else if (c === ')' && top === 'sub') {
      stack.pop();
    }
  }
  return found;
}

describe('every commercial region as a target (home us-west-2 plus the other 33)', () => {
  const f = fixture([]);
  COMMERCIAL_REGIONS.forEach((region, i) => f.pipeline.addTarget(cfnTarget(region, 'service-x', {
    approval: i % 5 === 0,
    infrastructure: i % 7 === 0 ? { stackName: 'service-x-network', templatePath: `${region}/network.yaml` } : undefined,
  })));
  const assembly = f.app.synth();
  const template = Template.fromJSON(assembly.getStackByName('PipelineStack').template);

  test('the five regions without CodePipeline are the ones the endpoint data lists', () => {
    expect(WITHOUT).toEqual(['ap-east-2', 'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'mx-central-1']);
    expect(COMMERCIAL_REGIONS).toHaveLength(34);
  });

  test('no artifact store and no action is in a region without CodePipeline', () => {
    const pipeline = pipelineOf(template);
    const storeRegions = pipeline.ArtifactStores.map((s: any) => s.Region);
    expect(storeRegions).toHaveLength(29);
    expect(storeRegions.filter((r: string) => WITHOUT.includes(r))).toEqual([]);
    const actionRegions = actionsOf(template).map(a => a.Region ?? HOME_REGION);
    expect(actionRegions.filter(r => WITHOUT.includes(r))).toEqual([]);
    // every action region has a store, as CodePipeline requires
    expect([...new Set(actionRegions)].filter(r => r !== HOME_REGION && !storeRegions.includes(r))).toEqual([]);
  });

  test('every region appears in the plan, the five with their route', () => {
    const plan = f.pipeline.plan;
    expect(new Set(plan.actions.filter(a => a.stackName).map(a => a.region))).toEqual(new Set(COMMERCIAL_REGIONS));
    for (const region of COMMERCIAL_REGIONS) {
      const routes = plan.actionsIn(region).filter(a => a.kind !== PlannedActionKind.APPROVAL).map(a => a.route);
      expect(routes.length).toBeGreaterThan(0);
      expect(routes).toEqual(routes.map(() => WITHOUT.includes(region) ? `CodeBuild in ${HOME_REGION}` : undefined));
    }
    expect(plan.toTable()).toMatch(/Route/);
    expect(plan.toTable()).toMatch(/ca-west-1\s+ExecuteChangeSet\s+service-x\s+ca-west-1\.service-x\.ExecuteChangeSet\s+-\s+CodeBuild in us-west-2/);
  });

  test('the plan matches the rendered pipeline action for action', () => {
    const planned = f.pipeline.plan.actions.map(a => `${a.stageName}/${a.actionName}/${a.runOrder}`).sort();
    const rendered = actionsOf(template).map(a => `${a.Stage}/${a.Name}/${a.RunOrder}`).sort();
    expect(planned).toEqual(rendered);
  });

  test('the pipeline passes the CodePipeline API model check', () => {
    const resources = assembly.getStackByName('PipelineStack').template.Resources;
    expect(checkPipeline(pipelineOf(template), resources)).toEqual([]);
  });

  test('cfn-lint finds nothing in the pipeline stack and a staging bucket stack', () => {
    expect(cfnLint(Object.fromEntries(['PipelineStack', `PipelineStack-${HOME_REGION}-artifacts-ca-west-1`]
      .map(name => [name, assembly.getStackByName(name).template])))).toBe('');
  }, 120_000);

  test('template sizes stay within CloudFormation\'s 1 MB', () => {
    const bytes = JSON.stringify(assembly.getStackByName('PipelineStack').template).length;
    expect(bytes).toBeLessThan(1_000_000);
  });
});

describe('the CodeBuild route of a CloudFormation target', () => {
  function routed(extra: Parameters<typeof cfnTarget>[2] = {}, props: Parameters<typeof fixture>[1] = {}) {
    const f = fixture(['us-east-1'], props);
    f.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', {
      approval: true,
      infrastructure: { stackName: 'service-x-network', templatePath: 'network.yaml', parameterOverrides: { Cidr: '10.0.0.0/16' } },
      parameterOverrides: { Stage: 'prod' },
      capabilities: [CfnCapabilities.NAMED_IAM, CfnCapabilities.AUTO_EXPAND],
      ...extra,
    }));
    const template = Template.fromStack(f.stack);
    const actions = actionsOf(template).filter(a => a.Name.startsWith('ca-west-1.'));
    return { f, template, actions };
  }

  test('infrastructure (1), change set (2), approval (3) and execution (4) run in the pipeline\'s region', () => {
    const { actions } = routed();
    expect(actions.map(a => [a.Name, a.RunOrder, a.ActionTypeId.Provider, a.Region ?? HOME_REGION])).toEqual([
      ['ca-west-1.service-x-network.Infrastructure', 1, 'CodeBuild', HOME_REGION],
      ['ca-west-1.service-x.CreateChangeSet', 2, 'CodeBuild', HOME_REGION],
      ['ca-west-1.service-x.Approve', 3, 'Manual', HOME_REGION],
      ['ca-west-1.service-x.ExecuteChangeSet', 4, 'CodeBuild', HOME_REGION],
    ]);
    expect(actions.filter(a => a.ActionTypeId.Provider === 'CodeBuild').map(a => JSON.parse(a.Configuration.EnvironmentVariables))).toEqual([
      [{ name: 'STEP', type: 'PLAINTEXT', value: 'deploy' }, { name: 'STACK', type: 'PLAINTEXT', value: 'INFRA' }],
      [{ name: 'STEP', type: 'PLAINTEXT', value: 'create' }, { name: 'STACK', type: 'PLAINTEXT', value: 'APP' }],
      [{ name: 'STEP', type: 'PLAINTEXT', value: 'execute' }, { name: 'STACK', type: 'PLAINTEXT', value: 'APP' }],
    ]);
  });

  test('without approval: change set and execution only', () => {
    const { actions } = routed({ approval: false, infrastructure: undefined });
    expect(actions.map(a => [a.Name, a.RunOrder])).toEqual([['ca-west-1.service-x.CreateChangeSet', 2], ['ca-west-1.service-x.ExecuteChangeSet', 4]]);
  });

  test('the project runs the script with bash and carries what to deploy; the CLI calls the target region', () => {
    const { f, template, actions } = routed();
    const project = projectOf(template, actions[0]);
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    expect(spec).toEqual({ version: '0.2', env: { shell: 'bash' }, phases: { build: { commands: [changeSetScript()] } } });
    const variables = projectVariables(project);
    expect(variables.TARGET_REGION).toBe('ca-west-1');
    expect(variables.CHANGE_SET_NAME).toBe('multi-region-delivery');
    expect(variables.STAGING_BUCKET).toMatch(/^mrdp-[0-9a-f]+-111111111111-ca-west-1$/);
    expect(f.pipeline.artifactStoreRegions).toContain('ca-west-1');
    expect(variables.APP_STACK_NAME).toBe('service-x');
    expect(variables.APP_TEMPLATE_PATH).toBe('ca-west-1.template.yaml');
    expect(JSON.parse(variables.APP_PARAMETERS)).toEqual([{ ParameterKey: 'Stage', ParameterValue: 'prod' }]);
    expect(variables.APP_CAPABILITIES).toBe('CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND');
    expect(JSON.parse(variables.INFRA_PARAMETERS)).toEqual([{ ParameterKey: 'Cidr', ParameterValue: '10.0.0.0/16' }]);
    expect(variables.INFRA_CAPABILITIES).toBe('');
    expect(flatten(variables.DEPLOYMENT_ROLE_ARN)).toMatch(/DeploymentRole/);
    expect(project.Properties.TimeoutInMinutes).toBe(180);
  });

  test('every expansion in the script is in double quotes (no word splitting, no globbing)', () => {
    expect(unquotedExpansions(changeSetScript())).toEqual([]);
    // the check itself finds one
    expect(unquotedExpansions('aws s3 cp "$A" $B\necho "$(printf %s $C)"')).toEqual(['1: $B', '2: $C']);
  });

  test('the route\'s role acts on the target\'s stacks and change set in the target region only, and passes only the deployment role to CloudFormation', () => {
    const { template, actions } = routed();
    const project = projectOf(template, actions[0]);
    const statements = statementsOf(template, project.Properties.ServiceRole['Fn::GetAtt'][0]);
    const stackArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudformation:ca-west-1:${ACCOUNT}:stack/${name}/*`]] });
    const changeSet = statements.find(s => ([] as string[]).concat(s.Action).includes('cloudformation:ExecuteChangeSet'));
    expect(changeSet.Action.sort()).toEqual(['cloudformation:CreateChangeSet', 'cloudformation:DeleteChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet']);
    expect(changeSet.Condition).toEqual({ StringEquals: { 'cloudformation:ChangeSetName': 'multi-region-delivery' } });
    expect(changeSet.Resource).toEqual([stackArn('service-x-network'), stackArn('service-x')]);
    const stacks = statements.find(s => ([] as string[]).concat(s.Action).includes('cloudformation:DescribeStacks'));
    expect(stacks.Action.sort()).toEqual(['cloudformation:DeleteStack', 'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStacks']);
    expect(stacks.Resource).toEqual([stackArn('service-x-network'), stackArn('service-x')]);
    const pass = statements.find(s => s.Action === 'iam:PassRole');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
    expect(pass.Resource['Fn::GetAtt'][0]).toMatch(/^PipelineTargetsDeploymentRole/);
    // no CloudFormation action on anything but these stacks, and no wildcard action
    const cfn = statements.filter(s => ([] as string[]).concat(s.Action).some(a => a.startsWith('cloudformation:')));
    expect(cfn).toHaveLength(2);
    expect(statements.flatMap(s => ([] as string[]).concat(s.Action)).filter(a => a === '*' || a.endsWith(':*'))).toEqual([]);
    // the staging bucket in ca-west-1, and nothing else of that region
    const s3 = statements.filter(s => JSON.stringify(s.Resource).includes('ca-west-1'))
      .filter(s => ([] as string[]).concat(s.Action).some(a => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
  });

  test('only the user\'s build may create test reports: the route\'s and the validation\'s buildspecs have no reports section', () => {
    const f = fixture(['us-east-1'], { validation: TemplateValidation.cfnLintAndGuard() });
    f.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x'));
    // cdk-nag first: its checks run at the app's first synthesis
    expect(nagFindings(f.app)).toEqual([]);
    expect(cfnLint(Object.fromEntries(f.app.synth().stacks.map(stack => [stack.stackName, stack.template])))).toBe('');
    const template = Template.fromStack(f.stack);
    const reportActions = (projectId: string) => {
      const project = template.findResources('AWS::CodeBuild::Project')[projectId];
      const roleId = project.Properties.ServiceRole['Fn::GetAtt'][0];
      return roleStatements(template, new RegExp(`^${roleId}$`)).flatMap(s => ([] as string[]).concat(s.Action)).filter(a => /Report/.test(a));
    };
    const projects = Object.keys(template.findResources('AWS::CodeBuild::Project'));
    expect(projects.map(id => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'PipelineBuildProject', 'PipelineTargetsservicexcawest1Route', 'PipelineValidateProject',
    ]);
    for (const id of projects) {
      const spec = JSON.parse(template.findResources('AWS::CodeBuild::Project')[id].Properties.Source.BuildSpec ?? '{}');
      if (/BuildProject/.test(id)) {
        // the user's build: its buildspec is the user's, which may have reports
        expect(reportActions(id)).toEqual(expect.arrayContaining(['codebuild:CreateReportGroup', 'codebuild:CreateReport']));
      } else {
        expect(spec.reports).toBeUndefined();
        expect({ id, actions: reportActions(id) }).toEqual({ id, actions: [] });
      }
    }
  });

  test('the staging bucket exists in the target region, but is not one of the pipeline\'s stores; the build still gets its name', () => {
    const { f, template } = routed();
    expect(f.pipeline.artifactStoreRegions).toContain('ca-west-1');
    expect(pipelineOf(template).ArtifactStores.map((s: any) => s.Region)).toEqual([HOME_REGION, 'us-east-1']);
    const staging = Template.fromJSON(f.app.synth().getStackByName(`PipelineStack-${HOME_REGION}-artifacts-ca-west-1`).template);
    staging.resourceCountIs('AWS::S3::Bucket', 1);
    expect(buildVariables(template).ARTIFACT_BUCKET_CA_WEST_1).toMatch(/^mrdp-[0-9a-f]+-111111111111-ca-west-1$/);
  });

  test('windows and rollback on failure work as for any target: on the stage', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'America/Edmonton' });
    const { template, actions } = routed({ window, gates: { rollbackOnFailure: true } });
    const stage = pipelineOf(template).Stages.find((s: any) => s.Name === actions[0].Stage);
    expect(stage.Name).toBe('Deploy.ca-west-1');
    expect(stage.BeforeEntry.Conditions[0].Rules[0].RuleTypeId.Provider).toBe('DeploymentWindow');
    expect(stage.BeforeEntry.Conditions[0].Rules[0].Configuration).toEqual({ Cron: '* * 1-4 ? * * *', TimeZone: 'America/Edmonton' });
    expect(stage.OnFailure).toEqual({ Result: 'ROLLBACK' });
  });

  test('KMS stores: the route project encrypts with the pipeline region\'s key', () => {
    const { template, actions } = routed({}, { artifactStores: { encryption: ArtifactEncryption.KMS } });
    expect(projectOf(template, actions[0]).Properties.EncryptionKey).toBeDefined();
  });

  test('cdk-nag AwsSolutions finds nothing unexplained, with S3-managed and with KMS stores', () => {
    for (const encryption of [undefined, ArtifactEncryption.KMS]) {
      const app: App = testApp();
      const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION } });
      new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
        source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
        buildStep: PipelineBuild.codeBuild(),
        artifactStores: encryption ? { encryption } : undefined,
        targets: ['us-east-1', 'ca-west-1', 'mx-central-1'].map(region => cfnTarget(region, 'service-x', {
          approval: true, infrastructure: { stackName: 'service-x-network', templatePath: 'n.yaml' },
        })),
      });
      expect(nagFindings(app)).toEqual([]);
    }
  });
});

describe('what cannot be delivered to a region without CodePipeline is refused at synth time', () => {
  test('a template configuration file on the CodeBuild route', () => {
    expect(() => cfnTarget('ca-west-1', 'service-x', { templateConfigurationPath: 'config.json' }))
      .toThrow(/ca-west-1 has no CodePipeline, so the target is delivered by CodeBuild .* pass the parameters as parameterOverrides/);
  });

  test('ECS blue/green targets, naming the region and the reason (EC2/on-premises CodeDeploy is routed: codedeploy-route.test.ts)', () => {
    expect(() => RegionTarget.codeDeploy({ region: 'ca-west-1', applicationName: 'web', deploymentGroupName: 'fleet' })).not.toThrow();
    expect(() => RegionTarget.ecsBlueGreen({
      region: 'mx-central-1',
      applicationName: 'web',
      deploymentGroupName: 'blue-green',
      taskDefinitionTemplateFile: 'ecs/taskdef.json',
      appSpecTemplateFile: 'ecs/appspec.yaml',
    })).toThrow(/mx-central-1 has no CodePipeline, and CodePipeline places a cross-region CodeDeploy ECS action only in a region where it is offered/);
  });

  test('alarm gates of a target there', () => {
    const f = fixture([]);
    const alarm = cloudwatch.Alarm.fromAlarmArn(f.stack, 'Errors', `arn:aws:cloudwatch:ca-west-1:${ACCOUNT}:alarm:errors`);
    expect(() => f.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', { gates: { alarms: [alarm] } })))
      .toThrow(/target service-x@ca-west-1 has alarm gates, but ca-west-1 has no CodePipeline to read its alarms in/);
  });

  test('a pipeline stack in such a region', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: 'ca-west-1' } });
    expect(() => new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
      source: PipelineSource.s3({ bucket: sourceBucket(stack), objectKey: 'source.zip' }),
      targets: [cfnTarget('us-east-1')],
    })).toThrow(/stack PipelineStack is in ca-west-1, where CodePipeline is not offered .* put the pipeline in a region that has CodePipeline/);
  });
});
