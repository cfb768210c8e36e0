import { createHash } from 'crypto';
import { CfnCapabilities, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { changeSetScript } from './change-set-script';
import { validationError } from './errors';
import { explainProjectWithoutKey } from './nag';
import { BindContext, NamedStep, StageActionRole } from './protocol';
import { PlannedActionKind } from '../deployment-plan';

/*
 * The CodeBuild route: how a CloudFormation target reaches a region where CodePipeline is not
 * offered. CodePipeline creates cross-region actions only in regions where it is offered, and
 * rejects an artifact store in any other region, so the route's actions run in the pipeline's own
 * region (which has CodePipeline, hence CodeBuild): a CodeBuild build that calls CloudFormation in
 * the target region with the AWS CLI (private/change-set-script.ts). The target keeps its run
 * orders, approval, window, gates and rollback: only the two or three CloudFormation steps change
 * provider.
 *
 * One project per pipeline (`<pipeline>/Targets/Route/Project`), shared by all its routed targets:
 * the project holds each target's values as variables prefixed by the target's route ID
 * (`R1a2b3c4d_TARGET_REGION`, ...), and each action passes only `ROUTE` (that ID), `STEP` and
 * `STACK`, a few dozen characters whatever the target's parameters, far below CodePipeline's limit
 * of 1,000 characters per action configuration value.
 *
 * The trade-off: the project's role holds the union of the routed targets' grants (each statement
 * still exact: the stacks of each region, the change set name, the deployment role passed to
 * CloudFormation only, each region's staging bucket). A build started for target A runs the same
 * script with A's variables, but its role could also act on target B's stacks, change set and
 * deployment role, and write B's staging bucket; what separates them is the script and the action's
 * `ROUTE`, not IAM. The construct lets only the pipeline's deploy-stage roles start the project's
 * builds; a principal allowed to start them (with variable overrides) or to edit the project can
 * now reach every routed target instead of one. The README says the same ("Regions without
 * CodePipeline").
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */

/** A stack the route deploys. */
export interface RouteStack {
  readonly stackName: string;
  readonly templatePath: string;
  readonly parameterOverrides?: { [name: string]: string };
  readonly capabilities?: CfnCapabilities[];
}

/** What the route delivers, and where. */
export interface RouteTarget {
  readonly region: string;
  readonly changeSetName: string;
  readonly app: RouteStack;
  readonly infrastructure?: RouteStack;
  /** Passed to CloudFormation (`--role-arn`), which uses it for every operation on the stack. */
  readonly deploymentRole: iam.IRole;
}

/**
 * How long one step may take: creating a change set takes seconds, but executing it waits for the
 * stack, which CloudFormation may take hours to update and roll back. CodeBuild allows 5 to 2,160
 * minutes.
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
 */
const ROUTE_TIMEOUT = Duration.hours(3);

/**
 * The most characters a project variable may hold, its name included. CodeBuild's API reference
 * gives no length for a variable's value, but CodeBuild has rejected longer ones with
 * "EnvironmentVariable should be at most 4096 characters" (reported for StartBuild's overrides); the
 * route keeps every variable within it (counting the name too), so that CodeBuild cannot refuse it.
 * @see https://docs.aws.amazon.com/codebuild/latest/APIReference/API_EnvironmentVariable.html
 * @see https://github.com/wolfeidau/buildkite-serverless-agent/issues/35
 */
export const ROUTE_VARIABLE_MAX_CHARS = 4096;

/**
 * Renders each CloudFormation step of `target` as a CodeBuild action in the pipeline's region, on
 * the pipeline's shared route project (created with the first routed target), to which the
 * target's variables and grants are added.
 */
export function codeBuildRoute(context: BindContext, target: RouteTarget): (named: NamedStep) => codepipeline.IAction {
  const route = SharedRoute.of(context);
  const routeId = route.add(target);
  return named => {
    const step = named.step.kind === PlannedActionKind.EXECUTE_CHANGE_SET ? 'execute'
      : named.step.kind === PlannedActionKind.CREATE_CHANGE_SET ? 'create' : 'deploy';
    return new actions.CodeBuildAction({
      actionName: named.actionName,
      runOrder: named.step.runOrder,
      project: route.project,
      input: context.artifacts.templates,
      role: context.roles.stageActionRole,
      environmentVariables: {
        ROUTE: { value: routeId },
        STEP: { value: step },
        STACK: { value: named.step.kind === PlannedActionKind.INFRASTRUCTURE ? 'INFRA' : 'APP' },
      },
    });
  };
}

/**
 * The role of a pipeline's route project and the regions it acts in, for the grants made after all
 * stages (the regions of machine images' parameters); undefined when the pipeline routes nothing.
 * `targets` is the pipeline's `Targets` construct.
 */
export function routeRole(targets: IConstruct): StageActionRole | undefined {
  const route = targets.node.tryFindChild(ROUTE_ID);
  return route instanceof SharedRoute && route.project.role ? { actionRole: route.project.role, regions: route.regions } : undefined;
}

const ROUTE_ID = 'Route';

/**
 * The route project of one pipeline, in the pipeline's `Targets` construct (the parent of every
 * target's scope): a second pipeline, in the same stack or not, has its own.
 */
class SharedRoute extends Construct {
  public static of(context: BindContext): SharedRoute {
    const targets = context.scope.node.scope;
    if (!targets) { throw new Error(`internal: the target scope ${context.scope.node.path} has no parent`); }
    return (targets.node.tryFindChild(ROUTE_ID) as SharedRoute | undefined) ?? new SharedRoute(targets, ROUTE_ID, context);
  }

  public readonly project: codebuild.PipelineProject;
  private readonly variables: { [name: string]: string } = {};
  private readonly routes = new Map<string, RouteTarget>();

  private constructor(scope: Construct, id: string, private readonly context: BindContext) {
    super(scope, id);
    this.project = this.createProject();
  }

  /** The regions the project acts in, in the order their targets were added. */
  public get regions(): string[] {
    return [...new Set([...this.routes.values()].map(t => t.region))];
  }

  /** Adds the target's variables and grants; returns its route ID. */
  public add(target: RouteTarget): string {
    const routeId = routeIdOf(target);
    const existing = this.routes.get(routeId);
    if (existing) {
      throw validationError(`internal: the routes of ${existing.app.stackName}@${existing.region} and ${target.app.stackName}@${target.region} ` +
        `have the same ID ${routeId}`, this);
    }
    this.routes.set(routeId, target);
    for (const [name, value] of Object.entries(routeVariables(this.context, target))) {
      this.setVariable(`${routeId}_${name}`, value, target);
    }
    grantRoute(this.project, this.context, target);
    return routeId;
  }

  private setVariable(name: string, value: string, target: RouteTarget): void {
    const { chars, exact } = literalLength(this.project, value);
    if (name.length + chars > ROUTE_VARIABLE_MAX_CHARS) {
      const what = name.endsWith('_PARAMETERS') ? 'its parameterOverrides, as a JSON list of ParameterKey/ParameterValue,' : 'the value';
      throw validationError(`RegionTarget.cloudFormation(${target.app.stackName}@${target.region}): ${target.region} has no CodePipeline, so the ` +
        `target is delivered by CodeBuild from the pipeline's region, whose project holds ${what} in the variable ${name}: ` +
        `${name.length + chars} characters${exact ? '' : ' at least'} with its name, over the ${ROUTE_VARIABLE_MAX_CHARS} ` +
        'CodeBuild accepts. Shorten the parameter values, or pass fewer parameters (defaults in the template, or values the template reads ' +
        'from SSM parameters).', this);
    }
    this.variables[name] = value;
  }

  /**
   * The project: CodeBuild's standard image (AWS CLI v2, bash), the script as the build's one
   * command, run by bash (`env.shell`), in the pipeline's region. Its variables are rendered when
   * the template is (every routed target has been added by then), sorted by name.
   * @see https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
   */
  private createProject(): codebuild.PipelineProject {
    const encryptionKey = this.context.stores.key(this.context.homeRegion);
    const project = new codebuild.PipelineProject(this, 'Project', {
      // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
      // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
      grantReportGroupPermissions: false,
      description: 'Delivers CloudFormation stacks to regions without CodePipeline with the AWS CLI (one set of variables per target)',
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: { build: { commands: [changeSetScript()] } },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: ROUTE_TIMEOUT,
      encryptionKey,
    });
    const cfn = project.node.defaultChild as codebuild.CfnProject;
    const environment = cfn.environment as codebuild.CfnProject.EnvironmentProperty;
    cfn.environment = {
      ...environment,
      environmentVariables: Lazy.any({
        produce: () => Object.keys(this.variables).sort().map(name => ({ name, type: 'PLAINTEXT', value: this.variables[name] })),
      }, { omitEmptyArray: true }),
    };
    if (!encryptionKey) {
      explainProjectWithoutKey(project, 'The route reads the templates from');
    }
    return project;
  }
}

/**
 * The target's route ID: `R` and 8 hex digits of a digest of its region and stack (a stack is
 * deployed by one target only), so that adding, removing or reordering targets changes no other
 * target's variables.
 */
function routeIdOf(target: RouteTarget): string {
  return `R${createHash('sha256').update(`${target.region}/${target.app.stackName}`).digest('hex').slice(0, 8)}`;
}

/**
 * The characters of `value` once resolved, and whether that is all of it: the resolved length of a
 * reference (`Ref`, `Fn::GetAtt`, an import) is unknown here, so only the literal parts are counted.
 */
function literalLength(scope: IConstruct, value: string): { readonly chars: number; readonly exact: boolean } {
  if (!Token.isUnresolved(value)) { return { chars: value.length, exact: true }; }
  let exact = true;
  const literal = (v: unknown): number => {
    if (typeof v === 'string') { return v.length; }
    if (Array.isArray(v)) { return v.reduce<number>((n, x) => n + literal(x), 0); }
    if (v && typeof v === 'object' && 'Fn::Join' in v) {
      const [separator, parts] = (v as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return literal(parts) + separator.length * Math.max(0, parts.length - 1);
    }
    exact = false;
    return 0;
  };
  const chars = literal(Stack.of(scope).resolve(value));
  return { chars, exact };
}

/** The target's variables, without the route ID's prefix: where and what to deploy (the actions only say which step and stack). */
function routeVariables(context: BindContext, target: RouteTarget): { [name: string]: string } {
  const stack = Stack.of(context.scope);
  const variables: { [name: string]: string } = {
    TARGET_REGION: target.region,
    CHANGE_SET_NAME: target.changeSetName,
    DEPLOYMENT_ROLE_ARN: target.deploymentRole.roleArn,
    STAGING_BUCKET: context.stores.bucketName(target.region),
  };
  const stacks: [string, RouteStack | undefined][] = [['APP', target.app], ['INFRA', target.infrastructure]];
  for (const [prefix, routed] of stacks) {
    if (!routed) { continue; }
    const parameters = Object.entries(routed.parameterOverrides ?? {}).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value }));
    variables[`${prefix}_STACK_NAME`] = routed.stackName;
    variables[`${prefix}_TEMPLATE_PATH`] = routed.templatePath;
    variables[`${prefix}_PARAMETERS`] = stack.toJsonString(parameters);
    variables[`${prefix}_CAPABILITIES`] = (routed.capabilities ?? []).filter(c => c !== CfnCapabilities.NONE).join(' ');
  }
  return variables;
}

/**
 * The route's role may act on the target's stacks and change set in the target region only, pass
 * only the deployment role and only to CloudFormation, and stage templates in the target region's
 * bucket. The change-set actions are limited to the change set's name (`cloudformation:ChangeSetName`),
 * as CodePipeline's own CloudFormation actions are granted in aws-cdk-lib; DeleteStack is there
 * for a stack whose creation failed (ROLLBACK_COMPLETE can only be deleted). Called once per routed
 * target on the shared project: its role holds the union (see the trade-off above).
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
 */
function grantRoute(project: codebuild.PipelineProject, context: BindContext, target: RouteTarget): void {
  const stack = Stack.of(context.scope);
  const stackArns = [target.infrastructure, target.app].filter((s): s is RouteStack => s !== undefined)
    .map(s => stack.formatArn({ service: 'cloudformation', region: target.region, resource: 'stack', resourceName: `${s.stackName}/*` }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cloudformation:CreateChangeSet', 'cloudformation:DeleteChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet'],
    resources: stackArns,
    conditions: { StringEquals: { 'cloudformation:ChangeSetName': target.changeSetName } },
  }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:DeleteStack'],
    resources: stackArns,
  }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [target.deploymentRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
  }));
  // large templates are staged in the target region's bucket, which CloudFormation reads by URL
  const staging = context.stores.bucket(target.region);
  staging.grantPut(project);
  staging.grantRead(project);
}
