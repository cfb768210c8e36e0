import { App, CfnCapabilities, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { checkPipeline } from './api-model/codepipeline-model';
import {
  ACCOUNT, HOME_REGION, buildVariables, cfnLint, cfnTarget, fixture, flatten, nagFindings, roleStatements, runRouteScript, sourceBucket, testApp,
} from './testutil';
import {
  ArtifactEncryption, DeploymentWindow, MultiRegionDeliveryPipeline, PipelineBuild, PipelineSource, PlannedActionKind, RegionTarget,
  TemplateValidation,
} from '../src';
import { changeSetScript } from '../src/private/change-set-script';
import { COMMERCIAL_REGIONS, offers } from '../src/private/region-services';
import { ROUTE_VARIABLE_MAX_CHARS } from '../src/private/route-project';

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

/** A CodeBuild action's own variables (`ROUTE`, `STEP`, `STACK`). */
function actionVariables(action: any): { [name: string]: string } {
  return Object.fromEntries(JSON.parse(action.Configuration.EnvironmentVariables).map((v: any) => [v.name, v.value]));
}

/** The project's variables of one route (`<route>_X`), as `X`. */
function routeVariables(project: any, route: string): { [name: string]: any } {
  return Object.fromEntries(Object.entries(projectVariables(project)).filter(([name]) => name.startsWith(`${route}_`))
    .map(([name, value]) => [name.slice(route.length + 1), value]));
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
    // the action says which target (ROUTE), step and stack, nothing of the target's configuration
    const route = expect.stringMatching(/^R[0-9a-f]{8}$/);
    const codeBuild = actions.filter(a => a.ActionTypeId.Provider === 'CodeBuild');
    expect(codeBuild.map(a => JSON.parse(a.Configuration.EnvironmentVariables))).toEqual([
      [{ name: 'ROUTE', type: 'PLAINTEXT', value: route }, { name: 'STEP', type: 'PLAINTEXT', value: 'deploy' }, { name: 'STACK', type: 'PLAINTEXT', value: 'INFRA' }],
      [{ name: 'ROUTE', type: 'PLAINTEXT', value: route }, { name: 'STEP', type: 'PLAINTEXT', value: 'create' }, { name: 'STACK', type: 'PLAINTEXT', value: 'APP' }],
      [{ name: 'ROUTE', type: 'PLAINTEXT', value: route }, { name: 'STEP', type: 'PLAINTEXT', value: 'execute' }, { name: 'STACK', type: 'PLAINTEXT', value: 'APP' }],
    ]);
    expect(new Set(codeBuild.map(a => actionVariables(a).ROUTE)).size).toBe(1);
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
    const variables = routeVariables(project, actionVariables(actions[0]).ROUTE);
    expect(Object.keys(variables).sort()).toEqual(['APP_CAPABILITIES', 'APP_PARAMETERS', 'APP_STACK_NAME', 'APP_TEMPLATE_PATH', 'CHANGE_SET_NAME',
      'DEPLOYMENT_ROLE_ARN', 'INFRA_CAPABILITIES', 'INFRA_PARAMETERS', 'INFRA_STACK_NAME', 'INFRA_TEMPLATE_PATH', 'STAGING_BUCKET', 'TARGET_REGION']);
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
      'PipelineBuildProject', 'PipelineTargetsRouteProject', 'PipelineValidateProject',
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

describe('one route project per pipeline, shared by its routed targets', () => {
  /** A pipeline with us-east-1 and the five regions without CodePipeline; ca-west-1 with its own change set name and an infrastructure stack. */
  function allRouted() {
    const f = fixture(['us-east-1']);
    for (const region of WITHOUT) {
      f.pipeline.addTarget(cfnTarget(region, `svc-${region}`, {
        templatePath: 'app.template.yaml',
        parameterOverrides: { Region: region },
        ...region === 'ca-west-1' ? { changeSetName: 'canada', infrastructure: { stackName: 'net-ca', templatePath: 'net.yaml' } } : {},
      }));
    }
    const template = Template.fromStack(f.stack);
    const routedActions = actionsOf(template).filter(a => a.ActionTypeId.Provider === 'CodeBuild' && a.Stage !== 'Build');
    return { f, template, routedActions };
  }

  test('every routed action runs the same project; each action\'s ROUTE names its own target\'s variables', () => {
    const { f, template, routedActions } = allRouted();
    expect(routedActions).toHaveLength(11);
    expect(new Set(routedActions.map(a => a.Configuration.ProjectName.Ref)).size).toBe(1);
    expect(Object.keys(template.findResources('AWS::CodeBuild::Project')).map(id => id.replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['PipelineBuildProject', 'PipelineTargetsRouteProject']);
    const project = projectOf(template, routedActions[0]);
    const routes = new Map<string, string>();
    for (const action of routedActions) {
      const { ROUTE: route, STACK: stack } = actionVariables(action);
      const variables = routeVariables(project, route);
      const [region, stackName] = action.Name.split('.');
      expect([variables.TARGET_REGION, variables[`${stack}_STACK_NAME`]]).toEqual([region, stackName]);
      routes.set(region, route);
    }
    expect([...routes.keys()].sort()).toEqual(WITHOUT);
    expect(new Set(routes.values()).size).toBe(5);
    // 12 variables for ca-west-1 (infrastructure too), 8 for each of the others, and nothing else
    expect(Object.keys(projectVariables(project))).toHaveLength(12 + 4 * 8);
    // a target's route ID does not depend on the other targets
    const alone = fixture(['us-east-1']);
    alone.pipeline.addTarget(cfnTarget('mx-central-1', 'svc-mx-central-1'));
    const aloneActions = actionsOf(Template.fromStack(alone.stack)).filter(a => a.Name.startsWith('mx-central-1.'));
    expect(actionVariables(aloneActions[0]).ROUTE).toBe(routes.get('mx-central-1'));
    expect(checkPipeline(pipelineOf(template), f.app.synth().getStackByName('PipelineStack').template.Resources)).toEqual([]);
  });

  test('cdk-nag and cfn-lint find nothing in the pipeline stack with five routed targets', () => {
    const f = fixture(['us-east-1']);
    WITHOUT.forEach(region => f.pipeline.addTarget(cfnTarget(region, `svc-${region}`, { approval: true })));
    expect(nagFindings(f.app)).toEqual([]);
    expect(cfnLint({ PipelineStack: f.app.synth().getStackByName('PipelineStack').template })).toBe('');
  }, 60_000);

  test('the script, run with the synthesized variables of each action, deploys that action\'s target and nothing else', () => {
    const { template, routedActions } = allRouted();
    const project = projectOf(template, routedActions[0]);
    const onProject = Object.fromEntries(Object.entries(projectVariables(project)).map(([name, value]) => [name, flatten(value)]));
    for (const action of routedActions.filter(a => a.Name.endsWith('.CreateChangeSet'))) {
      const [region, stackName] = action.Name.split('.');
      const r = runRouteScript({ ...onProject, ...actionVariables(action) }, {});
      expect(r.status).toBe(0);
      const created = r.calls.find(c => c[0] === 'create-change-set')!;
      expect(created.slice(0, 8)).toEqual(['create-change-set', '--stack-name', stackName, '--change-set-name',
        region === 'ca-west-1' ? 'canada' : 'multi-region-delivery', '--change-set-type', 'CREATE', '--role-arn']);
      expect(created[created.indexOf('--parameters') + 1]).toBe(JSON.stringify([{ ParameterKey: 'Region', ParameterValue: region }]));
      expect(r.stdout).toMatch(new RegExp(`of stack ${stackName} in ${region} is ready`));
    }
  });

  test('the project\'s role holds the union of the targets\' grants, each statement still exact', () => {
    const { template, routedActions } = allRouted();
    const project = projectOf(template, routedActions[0]);
    const statements = statementsOf(template, project.Properties.ServiceRole['Fn::GetAtt'][0]);
    const stackArn = (region: string, name: string) => `arn:\${AWS::Partition}:cloudformation:${region}:${ACCOUNT}:stack/${name}/*`;
    const resources = (s: any) => ([] as any[]).concat(s.Resource).map(flatten);
    // every (stack, change set name) pair the change-set actions are allowed on: exactly the targets'
    const pairs = statements.filter(s => ([] as string[]).concat(s.Action).includes('cloudformation:ExecuteChangeSet'))
      .flatMap(s => resources(s).map(r => `${r} ${s.Condition.StringEquals['cloudformation:ChangeSetName']}`)).sort();
    expect(pairs).toEqual([
      ...WITHOUT.map(region => `${stackArn(region, `svc-${region}`)} ${region === 'ca-west-1' ? 'canada' : 'multi-region-delivery'}`),
      `${stackArn('ca-west-1', 'net-ca')} canada`,
    ].sort());
    const described = statements.filter(s => ([] as string[]).concat(s.Action).includes('cloudformation:DescribeStacks')).flatMap(resources).sort();
    expect(described).toEqual([...WITHOUT.map(region => stackArn(region, `svc-${region}`)), stackArn('ca-west-1', 'net-ca')].sort());
    // only the deployment role, only to CloudFormation
    const pass = statements.filter(s => ([] as string[]).concat(s.Action).includes('iam:PassRole'));
    expect(pass.map(s => s.Condition)).toEqual(pass.map(() => ({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } })));
    expect([...new Set(pass.flatMap(resources))]).toEqual([expect.stringMatching(/^\{"Fn::GetAtt":\["PipelineTargetsDeploymentRole[0-9A-F]{8}","Arn"\]\}$/)]);
    // writes: the five regions' staging buckets and nothing else
    const written = statements.filter(s => ([] as string[]).concat(s.Action).some(a => a.startsWith('s3:Put'))).flatMap(resources);
    expect(WITHOUT.every(region => written.some(r => r.includes(`-${region}/`)))).toBe(true);
    expect(written.filter(r => !WITHOUT.some(region => r.includes(`-${region}`)))).toEqual([]);
    // only the deploy stages' action roles may start the project's builds
    const projectId = routedActions[0].Configuration.ProjectName.Ref;
    const starters = Object.keys(template.findResources('AWS::IAM::Role'))
      .filter(roleId => statementsOf(template, roleId).some(st => ([] as string[]).concat(st.Action).includes('codebuild:StartBuild')
        && JSON.stringify(st.Resource).includes(projectId)))
      .map(id => id.replace(/[0-9A-F]{8}$/, ''));
    expect(starters.length).toBeGreaterThan(0);
    expect(starters.filter(id => !/^PipelineTargets.*ActionRole$/.test(id))).toEqual([]);
  });

  test('two pipelines in one stack: a route project each, with only its own targets', () => {
    const app = testApp();
    const stack = new Stack(app, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION } });
    const bucket = sourceBucket(stack);
    const pipeline = (id: string, region: string) => new MultiRegionDeliveryPipeline(stack, id, {
      source: PipelineSource.s3({ bucket, objectKey: `${id}.zip` }),
      targets: [cfnTarget('us-east-1', id), cfnTarget(region, id)],
    });
    pipeline('First', 'ca-west-1');
    pipeline('Second', 'mx-central-1');
    expect(nagFindings(app)).toEqual([]);
    const template = Template.fromStack(stack);
    const projects = template.findResources('AWS::CodeBuild::Project');
    expect(Object.keys(projects).map(id => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['FirstTargetsRouteProject', 'SecondTargetsRouteProject']);
    for (const [id, region] of [['First', 'ca-west-1'], ['Second', 'mx-central-1']]) {
      const projectId = Object.keys(projects).find(p => p.startsWith(id))!;
      const regions = Object.entries(projectVariables(projects[projectId])).filter(([name]) => name.endsWith('_TARGET_REGION')).map(([, v]) => v);
      expect(regions).toEqual([region]);
    }
    expect(cfnLint({ PipelineStack: app.synth().getStackByName('PipelineStack').template })).toBe('');
  }, 60_000);

  test(`a variable over CodeBuild's ${ROUTE_VARIABLE_MAX_CHARS} characters (long parameterOverrides) is refused, naming the target and the variable`, () => {
    const long = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Parameter${i}`, 'v'.repeat(90)]));
    // about 140 characters a parameter in the JSON list: 27 fit (over CodePipeline's 1,000 of an action, which does not apply here), 40 do not
    const fits = fixture(['us-east-1']);
    fits.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', { parameterOverrides: long(27) }));
    const project = Object.entries(Template.fromStack(fits.stack).findResources('AWS::CodeBuild::Project')).find(([id]) => /RouteProject/.test(id))![1];
    const [name, value] = Object.entries(projectVariables(project)).find(([n]) => n.endsWith('_APP_PARAMETERS'))!;
    expect(name.length + value.length).toBeGreaterThan(3500);
    expect(name.length + value.length).toBeLessThanOrEqual(ROUTE_VARIABLE_MAX_CHARS);
    const over = fixture(['us-east-1']);
    over.pipeline.addTarget(cfnTarget('mx-central-1', 'service-x', { parameterOverrides: long(40) }));
    expect(() => Template.fromStack(over.stack))
      .toThrow(new RegExp('RegionTarget.cloudFormation\\(service-x@mx-central-1\\): mx-central-1 has no CodePipeline, .* its parameterOverrides, ' +
        `as a JSON list of ParameterKey/ParameterValue, in the variable R[0-9a-f]{8}_APP_PARAMETERS: \\d+ characters with its name, over the ${ROUTE_VARIABLE_MAX_CHARS}`));
    // the infrastructure stack's too
    const infra = fixture(['us-east-1']);
    infra.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', { infrastructure: { stackName: 'net', templatePath: 'net.yaml', parameterOverrides: long(40) } }));
    expect(() => Template.fromStack(infra.stack)).toThrow(/in the variable R[0-9a-f]{8}_INFRA_PARAMETERS: \d+ characters with its name/);
  });

  test('a token in a parameter counts only its literal characters ("at least")', () => {
    const f = fixture(['us-east-1']);
    const parameters = { Imported: Fn.importValue('x'.repeat(10)), ...Object.fromEntries(Array.from({ length: 35 }, (_, i) => [`Parameter${i}`, 'v'.repeat(100)])) };
    f.pipeline.addTarget(cfnTarget('ca-west-1', 'service-x', { parameterOverrides: parameters }));
    expect(() => Template.fromStack(f.stack)).toThrow(/R[0-9a-f]{8}_APP_PARAMETERS: \d+ characters at least with its name/);
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
