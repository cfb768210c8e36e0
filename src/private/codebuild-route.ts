import { CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { changeSetScript } from './change-set-script';
import { validationError } from './errors';
import { BindContext, NamedStep, StageActionRole } from './protocol';
import { ROUTE_VARIABLE_MAX_CHARS, RouteProject, routeIdOf } from './route-project';
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
class SharedRoute extends RouteProject {
  public static of(context: BindContext): SharedRoute {
    const { targets, existing } = RouteProject.find(context, ROUTE_ID);
    return (existing as SharedRoute | undefined) ?? new SharedRoute(targets, ROUTE_ID, context);
  }

  private readonly routes = new Map<string, RouteTarget>();

  private constructor(scope: Construct, id: string, context: BindContext) {
    super(scope, id, context, {
      description: 'Delivers CloudFormation stacks to regions without CodePipeline with the AWS CLI (one set of variables per target)',
      script: changeSetScript(),
      timeout: ROUTE_TIMEOUT,
      readsFrom: 'The route reads the templates from',
    });
  }

  /** The regions the project acts in, in the order their targets were added. */
  public get regions(): string[] {
    return [...new Set([...this.routes.values()].map(t => t.region))];
  }

  /** Adds the target's variables and grants; returns its route ID. */
  public add(target: RouteTarget): string {
    const routeId = routeIdOf(`${target.region}/${target.app.stackName}`);
    const existing = this.routes.get(routeId);
    if (existing) {
      throw validationError(`internal: the routes of ${existing.app.stackName}@${existing.region} and ${target.app.stackName}@${target.region} ` +
        `have the same ID ${routeId}`, this);
    }
    this.routes.set(routeId, target);
    for (const [name, value] of Object.entries(routeVariables(this.context, target))) {
      const variable = `${routeId}_${name}`;
      const what = name.endsWith('_PARAMETERS') ? 'its parameterOverrides, as a JSON list of ParameterKey/ParameterValue,' : 'the value';
      this.setVariable(variable, value, (length, exact) =>
        `RegionTarget.cloudFormation(${target.app.stackName}@${target.region}): ${target.region} has no CodePipeline, so the ` +
        `target is delivered by CodeBuild from the pipeline's region, whose project holds ${what} in the variable ${variable}: ` +
        `${length} characters${exact ? '' : ' at least'} with its name, over the ${ROUTE_VARIABLE_MAX_CHARS} ` +
        'CodeBuild accepts. Shorten the parameter values, or pass fewer parameters (defaults in the template, or values the template reads ' +
        'from SSM parameters).');
    }
    grantRoute(this.project, this.context, target);
    return routeId;
  }
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
