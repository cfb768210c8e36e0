import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { explainProjectWithoutKey } from './nag';
import { BindContext, NamedStep } from './protocol';

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
 * Variables: `TARGET_REGION`, `APPLICATION_NAME`, `DEPLOYMENT_GROUP_NAME`, `REVISION_BUCKET`,
 * `REVISION_PREFIX` (project), `EXECUTION_ID` (action: the pipeline execution, for the description and
 * the revision's key). No deployment configuration is passed: the group's own applies, as with
 * CodePipeline's CodeDeploy action.
 * Deployment statuses: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 */
export function codeDeployScript(): string {
  return `set -euo pipefail
shopt -s inherit_errexit
cd "\${CODEBUILD_SRC_DIR:-.}"
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

/**
 * Creates the route's project (`<target>/Route`) with its grants, and returns the deploy action: a
 * CodeBuild action in the pipeline's region.
 */
export function codeDeployRouteAction(context: BindContext, target: CodeDeployRouteTarget, named: NamedStep): codepipeline.IAction {
  const encryptionKey = context.stores.key(context.homeRegion);
  const project = new codebuild.PipelineProject(context.scope, 'Route', {
    // its buildspec has no `reports` section, so it creates no test report group: no report-group permissions
    // @see https://docs.aws.amazon.com/codebuild/latest/userguide/test-report-group-naming.html
    grantReportGroupPermissions: false,
    description: `Deploys to CodeDeploy ${target.description} (no CodePipeline there) with the AWS CLI`,
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: { shell: 'bash' },
      phases: { build: { commands: [codeDeployScript()] } },
    }),
    environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
    environmentVariables: {
      TARGET_REGION: { value: target.region },
      APPLICATION_NAME: { value: target.applicationName },
      DEPLOYMENT_GROUP_NAME: { value: target.deploymentGroupName },
      REVISION_BUCKET: { value: context.stores.bucketName(target.region) },
      REVISION_PREFIX: { value: target.revisionPrefix },
    },
    timeout: ROUTE_TIMEOUT,
    encryptionKey,
  });
  if (!encryptionKey) {
    explainProjectWithoutKey(project, 'The route reads the revision from');
  }
  grantCodeDeployRoute(project, context, target);
  return new actions.CodeBuildAction({
    actionName: named.actionName,
    runOrder: named.step.runOrder,
    project,
    input: context.artifacts.templates,
    role: context.roles.stageActionRole,
    environmentVariables: { EXECUTION_ID: { value: '#{codepipeline.PipelineExecutionId}' } },
  });
}

/**
 * What CodePipeline's CodeDeploy action role is granted, on this group only (CreateDeployment and
 * GetDeployment on the group, Register/GetApplicationRevision on the application, GetDeploymentConfig
 * on its configuration), plus putting revisions under the target's prefix of the region's bucket; the
 * group's Auto Scaling groups (when the group is a construct) may read them, as aws-cdk-lib grants for
 * the native action.
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
