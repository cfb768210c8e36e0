import { CfnCapabilities, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { changeSetScript } from './change-set-script';
import { explainProjectWithoutKey } from './nag';
import { BindContext, NamedStep } from './protocol';
import { PlannedActionKind } from '../deployment-plan';

/*
 * The CodeBuild route: how a CloudFormation target reaches a region where CodePipeline is not
 * offered. CodePipeline creates cross-region actions only in regions where it is offered, and
 * rejects an artifact store in any other region, so the route's actions run in the pipeline's own
 * region (which has CodePipeline, hence CodeBuild): a CodeBuild project of the target's own, whose
 * build calls CloudFormation in the target region with the AWS CLI (private/change-set-script.ts).
 * The target keeps its run orders, approval, window, gates and rollback: only the two or three
 * CloudFormation steps change provider.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html
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
 * Creates the route's CodeBuild project (`<target>/Route`) with its grants and returns a function
 * that renders each CloudFormation step as a CodeBuild action in the pipeline's region.
 */
export function codeBuildRoute(context: BindContext, target: RouteTarget): (named: NamedStep) => codepipeline.IAction {
  const project = routeProject(context, target);
  grantRoute(project, context, target);
  return named => {
    const step = named.step.kind === PlannedActionKind.EXECUTE_CHANGE_SET ? 'execute'
      : named.step.kind === PlannedActionKind.CREATE_CHANGE_SET ? 'create' : 'deploy';
    return new actions.CodeBuildAction({
      actionName: named.actionName,
      runOrder: named.step.runOrder,
      project,
      input: context.artifacts.templates,
      role: context.roles.stageActionRole,
      environmentVariables: {
        STEP: { value: step },
        STACK: { value: named.step.kind === PlannedActionKind.INFRASTRUCTURE ? 'INFRA' : 'APP' },
      },
    });
  };
}

/**
 * The route's project: CodeBuild's standard image (AWS CLI v2, bash), the script as the build's one
 * command, run by bash (`env.shell`), in the pipeline's region.
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
 */
function routeProject(context: BindContext, target: RouteTarget): codebuild.PipelineProject {
  const encryptionKey = context.stores.key(context.homeRegion);
  const project = new codebuild.PipelineProject(context.scope, 'Route', {
    // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
    // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
    grantReportGroupPermissions: false,
    description: `Delivers ${target.app.stackName} to ${target.region} (no CodePipeline there) with the AWS CLI`,
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: { shell: 'bash' },
      phases: { build: { commands: [changeSetScript()] } },
    }),
    environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
    environmentVariables: routeVariables(context, target),
    timeout: ROUTE_TIMEOUT,
    encryptionKey,
  });
  if (!encryptionKey) {
    explainProjectWithoutKey(project, 'The route reads the templates from');
  }
  return project;
}

/** The project's variables: where and what to deploy (the actions only say which step and stack). */
function routeVariables(context: BindContext, target: RouteTarget): { [name: string]: codebuild.BuildEnvironmentVariable } {
  const stack = Stack.of(context.scope);
  const variables: { [name: string]: codebuild.BuildEnvironmentVariable } = {
    TARGET_REGION: { value: target.region },
    CHANGE_SET_NAME: { value: target.changeSetName },
    DEPLOYMENT_ROLE_ARN: { value: target.deploymentRole.roleArn },
    STAGING_BUCKET: { value: context.stores.bucketName(target.region) },
  };
  const stacks: [string, RouteStack | undefined][] = [['APP', target.app], ['INFRA', target.infrastructure]];
  for (const [prefix, routed] of stacks) {
    if (!routed) { continue; }
    const parameters = Object.entries(routed.parameterOverrides ?? {}).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value }));
    variables[`${prefix}_STACK_NAME`] = { value: routed.stackName };
    variables[`${prefix}_TEMPLATE_PATH`] = { value: routed.templatePath };
    variables[`${prefix}_PARAMETERS`] = { value: stack.toJsonString(parameters) };
    variables[`${prefix}_CAPABILITIES`] = { value: (routed.capabilities ?? []).filter(c => c !== CfnCapabilities.NONE).join(' ') };
  }
  return variables;
}

/**
 * The route's role may act on the target's stacks and change set in the target region only, pass
 * only the deployment role and only to CloudFormation, and stage templates in the target region's
 * bucket. The change-set actions are limited to the change set's name (`cloudformation:ChangeSetName`),
 * as CodePipeline's own CloudFormation actions are granted in aws-cdk-lib; DeleteStack is there
 * for a stack whose creation failed (ROLLBACK_COMPLETE can only be deleted).
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
