import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { validationError } from './errors';
import { BindContext, NamedStep } from './protocol';
import { ROUTE_VARIABLE_MAX_CHARS, RouteProject, routeIdOf, selectRoute } from './route-project';

/*
 * The CodeBuild route of an EC2/on-premises CodeDeploy target in a region without CodePipeline
 * (every such region offers CodeDeploy: private/region-services.ts). CodePipeline cannot place a
 * CodeDeploy action there (a cross-region action needs CodePipeline and an artifact store in its
 * region), so a CodeBuild action in the pipeline's region does what that action does: it zips the
 * revision (the action's input artifact, with `appspec.yml` at its root), puts it in the target
 * region's bucket (CodeDeploy reads revisions from a bucket of the deployment's own region), creates
 * the deployment there, pinned to that object's version and ETag, and waits for it, printing
 * CodeDeploy's error when it fails. The deployment group keeps deciding how instances are updated
 * and rolled back (its configuration, automatic rollback).
 *
 * One project per pipeline (`<pipeline>/Targets/CodeDeployRoute/Project`), shared by all its routed
 * CodeDeploy targets, as the CloudFormation route's (private/codebuild-route.ts, which explains the
 * trade-off): the project holds each target's values as variables prefixed by its route ID, each
 * action passes only `ROUTE` and `EXECUTION_ID`, and the project's role holds the union of the
 * targets' exact grants, so a build started for group A may, as far as IAM goes, also deploy
 * group B. It stays apart from the CloudFormation route's project because its script differs.
 * The action's two variables (`EnvironmentVariables` of CodePipeline's CodeBuild action, a JSON list)
 * take 146 characters, whatever the group's names, within CodePipeline's 1,000 characters per
 * action configuration value.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html
 * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-create-cli.html
 * @see https://docs.aws.amazon.com/cli/latest/reference/deploy/create-deployment.html
 */

/** What the route deploys, and where. */
export interface CodeDeployRouteTarget {
  readonly region: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The configuration the group uses, which the role may read (as aws-cdk-lib grants the native action). */
  readonly deploymentConfigName: string;
  /** For people: `web.fleet@ca-west-1`. */
  readonly description: string;
  /**
   * Where the revisions go in the region's bucket: `codedeploy/<application>/<group>`, from literal
   * names (a reference to the group would make its Auto Scaling groups' policy depend on the group,
   * which depends on them).
   */
  readonly revisionPrefix: string;
  /** The group as a construct, when given so: its Auto Scaling groups may read the revisions. */
  readonly group?: codedeploy.IServerDeploymentGroup;
}

/**
 * How long the action may wait for the deployment. `aws deploy wait deployment-successful` gives up
 * after 120 polls of 15 seconds (30 minutes), shorter than a large fleet takes, so the script polls
 * `get-deployment` itself until the project's timeout (CodeBuild allows up to 36 hours).
 * @see https://docs.aws.amazon.com/cli/latest/reference/deploy/wait/deployment-successful.html
 * @see https://docs.aws.amazon.com/codebuild/latest/userguide/limits.html
 */
const ROUTE_TIMEOUT = Duration.hours(3);

/** Where the route puts the revisions of a group in the target region's bucket. */
export function revisionPrefix(applicationName: string, deploymentGroupName: string): string {
  return `${REVISION_ROOT}/${applicationName}/${deploymentGroupName}`;
}

/** The folder of every revision the route uploads (the cdk-nag explanation in private/nag.ts names it too). */
const REVISION_ROOT = 'codedeploy';

/**
 * The script of the route (bash, `set -euo pipefail`). Every value comes from environment variables
 * and is used in double quotes; the revision JSON is built by jq, so no name can change the command.
 * Variables: `ROUTE` (action: the target's route ID) selects the target's `<ROUTE>_TARGET_REGION`,
 * `<ROUTE>_APPLICATION_NAME`, `<ROUTE>_DEPLOYMENT_GROUP_NAME`, `<ROUTE>_REVISION_BUCKET` and
 * `<ROUTE>_REVISION_PREFIX` (project); `EXECUTION_ID` (action: the pipeline execution, for the
 * description and the revision's key). An unknown `ROUTE` fails the build (exit 2) before any call.
 * No deployment configuration is passed: the group's own applies, as with CodePipeline's CodeDeploy
 * action.
 * Deployment statuses: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 */
export function codeDeployScript(): string {
  return `set -euo pipefail
shopt -s inherit_errexit
${selectRoute(ROUTE_VARIABLES)}cd "\${CODEBUILD_SRC_DIR:-.}"
where="$APPLICATION_NAME/$DEPLOYMENT_GROUP_NAME in $TARGET_REGION"
if [ ! -f appspec.yml ]; then
  echo "The revision for $where has no appspec.yml at its root; CodeDeploy needs one (EC2/on-premises AppSpec file)." >&2
  exit 1
fi
revision="$(mktemp -d)/revision.zip"
zip -q -r -X "$revision" .
key="$REVISION_PREFIX/$EXECUTION_ID.zip"
echo "Uploading the revision ($(wc -c < "$revision") bytes) to s3://$REVISION_BUCKET/$key"
read -r version etag <<< "$(aws s3api --region "$TARGET_REGION" put-object --bucket "$REVISION_BUCKET" --key "$key" \\
  --body "$revision" --query '[VersionId, ETag]' --output text)"
etag="\${etag//\\"/}"
location="$(jq -cn --arg bucket "$REVISION_BUCKET" --arg key "$key" --arg version "$version" --arg etag "$etag" \\
  '{revisionType: "S3", s3Location: ({bucket: $bucket, key: $key, bundleType: "zip", eTag: $etag}
    + (if $version == "None" or $version == "" then {} else {version: $version} end))}')"
id="$(aws deploy --region "$TARGET_REGION" create-deployment --application-name "$APPLICATION_NAME" \\
  --deployment-group-name "$DEPLOYMENT_GROUP_NAME" --revision "$location" \\
  --description "Pipeline execution $EXECUTION_ID" --query deploymentId --output text)"
echo "Deployment $id of $where: https://$TARGET_REGION.console.aws.amazon.com/codesuite/codedeploy/deployments/$id?region=$TARGET_REGION"
while :; do
  status="$(aws deploy --region "$TARGET_REGION" get-deployment --deployment-id "$id" --query deploymentInfo.status --output text)"
  case "$status" in
    Succeeded) echo "Deployment $id of $where succeeded."; exit 0 ;;
    Failed|Stopped)
      echo "Deployment $id of $where is $status:" >&2
      aws deploy --region "$TARGET_REGION" get-deployment --deployment-id "$id" \\
        --query 'deploymentInfo.[errorInformation.code, errorInformation.message, rollbackInfo.rollbackMessage]' --output text >&2 || true
      exit 1 ;;
    *) sleep 15 ;;
  esac
done
`;
}

/** The variables the script selects by `ROUTE`, the first one present for every target. */
const ROUTE_VARIABLES = ['TARGET_REGION', 'APPLICATION_NAME', 'DEPLOYMENT_GROUP_NAME', 'REVISION_BUCKET', 'REVISION_PREFIX'];

/**
 * Adds the target to the pipeline's CodeDeploy route project (created with the first one), with
 * its variables and grants, and returns the deploy action: a CodeBuild action in the pipeline's
 * region that passes the target's route ID.
 */
export function codeDeployRouteAction(context: BindContext, target: CodeDeployRouteTarget, named: NamedStep): codepipeline.IAction {
  const route = SharedCodeDeployRoute.of(context);
  const routeId = route.add(target);
  return new actions.CodeBuildAction({
    actionName: named.actionName,
    runOrder: named.step.runOrder,
    project: route.project,
    input: context.artifacts.templates,
    role: context.roles.stageActionRole,
    environmentVariables: {
      ROUTE: { value: routeId },
      EXECUTION_ID: { value: '#{codepipeline.PipelineExecutionId}' },
    },
  });
}

const ROUTE_ID = 'CodeDeployRoute';

/** The CodeDeploy route project of one pipeline, in its `Targets` construct: a second pipeline has its own. */
class SharedCodeDeployRoute extends RouteProject {
  public static of(context: BindContext): SharedCodeDeployRoute {
    const { targets, existing } = RouteProject.find(context, ROUTE_ID);
    return (existing as SharedCodeDeployRoute | undefined) ?? new SharedCodeDeployRoute(targets, ROUTE_ID, context);
  }

  private readonly routes = new Map<string, CodeDeployRouteTarget>();

  private constructor(scope: Construct, id: string, context: BindContext) {
    super(scope, id, context, {
      description: 'Deploys to CodeDeploy in regions without CodePipeline with the AWS CLI (one set of variables per deployment group)',
      script: codeDeployScript(),
      timeout: ROUTE_TIMEOUT,
      readsFrom: 'The route reads the revision from',
    });
  }

  /** Adds the target's variables and grants; returns its route ID (from its region and revision prefix,
   * which holds the application's and group's literal names). */
  public add(target: CodeDeployRouteTarget): string {
    const routeId = routeIdOf(`${target.region}/${target.revisionPrefix}`);
    const existing = this.routes.get(routeId);
    if (existing) {
      // the pipeline refuses a group targeted twice before: this would be two groups with one digest
      throw validationError(`internal: the routes of CodeDeploy ${existing.description} and ${target.description} have the same ID ${routeId}`, this);
    }
    this.routes.set(routeId, target);
    const values: { [name: string]: string } = {
      TARGET_REGION: target.region,
      APPLICATION_NAME: target.applicationName,
      DEPLOYMENT_GROUP_NAME: target.deploymentGroupName,
      REVISION_BUCKET: this.context.stores.bucketName(target.region),
      REVISION_PREFIX: target.revisionPrefix,
    };
    for (const name of ROUTE_VARIABLES) {
      const variable = `${routeId}_${name}`;
      this.setVariable(variable, values[name], (length, exact) =>
        `RegionTarget.codeDeploy(${target.description}): ${target.region} has no CodePipeline, so the target is delivered by CodeBuild from ` +
        `the pipeline's region, whose project holds the value in the variable ${variable}: ${length} characters${exact ? '' : ' at least'} ` +
        `with its name, over the ${ROUTE_VARIABLE_MAX_CHARS} CodeBuild accepts. Shorten the application or deployment group name.`);
    }
    grantCodeDeployRoute(this.project, this.context, target);
    return routeId;
  }
}

/**
 * What CodePipeline's CodeDeploy action role is granted, on this group only (CreateDeployment and
 * GetDeployment on the group, Register/GetApplicationRevision on the application, GetDeploymentConfig
 * on its configuration), plus putting revisions under the target's prefix of the region's bucket; the
 * group's Auto Scaling groups (when the group is a construct) may read them, as aws-cdk-lib grants for
 * the native action. Called once per routed target on the shared project: its role holds the union.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
 */
function grantCodeDeployRoute(project: codebuild.PipelineProject, context: BindContext, target: CodeDeployRouteTarget): void {
  const stack = Stack.of(context.scope);
  const arn = (resource: string, resourceName: string) => stack.formatArn({
    service: 'codedeploy', region: target.region, resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
    resources: [arn('deploymentgroup', `${target.applicationName}/${target.deploymentGroupName}`)],
  }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
    resources: [arn('application', target.applicationName)],
  }));
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetDeploymentConfig'],
    resources: [arn('deploymentconfig', target.deploymentConfigName)],
  }));
  const bucket = context.stores.bucket(target.region);
  bucket.grantPut(project, `${target.revisionPrefix}/*`);
  for (const asg of target.group?.autoScalingGroups ?? []) {
    bucket.grantRead(asg, `${target.revisionPrefix}/*`);
  }
}
