import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RegionTargetOptions } from './target-options';
import { PlannedActionKind } from '../deployment-plan';
import { CodeDeployKind, GroupChoice, GroupNames, groupChoice } from '../private/codedeploy-kind';
import { codeDeployRouteAction, revisionPrefix } from '../private/codedeploy-route';
import { BindContext, NamedStep } from '../private/protocol';

/**
 * A region that receives the application as a revision for an existing EC2/on-premises CodeDeploy
 * deployment group, named by its application and group.
 *
 * The revision is the whole build output (or the source): a zip with `appspec.yml` at its root. The
 * deployment group decides how the revision is rolled out and rolled back (deployment configuration,
 * automatic rollback on a failed deployment or on alarms); the AppSpec file's `file_exists_behavior`
 * decides what happens to files on the instances that the last successful revision did not install.
 * The instances' own role must be allowed to read the region's artifact store
 * (`MultiRegionDeliveryPipeline.artifactBucket(region)`), from which their agent downloads the revision.
 *
 * In a region without CodePipeline (ap-east-2, ap-southeast-6, ap-southeast-7, ca-west-1,
 * mx-central-1) a CodeBuild action in the pipeline's region uploads the revision to that region's
 * bucket (under `codedeploy/<application>/<group>/`), creates the deployment and waits for it.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
 */
export interface CodeDeployTargetProps extends RegionTargetOptions {
  /** The region of the deployment group, such as `us-east-1`. */
  readonly region: string;

  /**
   * Name of the CodeDeploy application (EC2/on-premises compute platform) in that region.
   * @see https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
   */
  readonly applicationName: string;

  /** Name of the deployment group in that application. */
  readonly deploymentGroupName: string;

  /**
   * Name of the deployment configuration the group uses. The action role may read this
   * configuration only, so name the one the group is set to.
   * @default 'CodeDeployDefault.OneAtATime'
   */
  readonly deploymentConfigName?: string;
}

/**
 * A region that receives the application as a revision for an EC2/on-premises deployment group defined
 * in a stack of that region.
 */
export interface CodeDeployGroupTargetProps extends RegionTargetOptions {
  /**
   * The deployment group. Its stack must have a concrete region, which becomes the target's region.
   * Give the group and its application literal names (or `PhysicalName.GENERATE_IF_NEEDED`): the
   * pipeline, in another region, refers to them by name.
   */
  readonly deploymentGroup: codedeploy.IServerDeploymentGroup;
}

/**
 * An EC2/on-premises CodeDeploy target: optional approval (run order 3), deploy (4).
 * @internal
 */
export class CodeDeployServerTarget extends CodeDeployKind<codedeploy.IServerDeploymentGroup> {
  /** A group named by its application and group. */
  public static byNames(props: CodeDeployTargetProps): CodeDeployServerTarget {
    return new CodeDeployServerTarget('codeDeploy', props, props.approval);
  }

  /** A group given as a construct of a stack with a concrete region. */
  public static ofGroup(props: CodeDeployGroupTargetProps): CodeDeployServerTarget {
    return new CodeDeployServerTarget('codeDeployGroup', groupChoice(props.deploymentGroup, 'codeDeployGroup',
      'codedeploy.IServerDeploymentGroup', 'RegionTarget.codeDeploy({ region, applicationName, deploymentGroupName })'), props.approval);
  }

  private constructor(factory: string, choice: GroupChoice<codedeploy.IServerDeploymentGroup>, approval: boolean | undefined) {
    super(factory, choice, approval, PlannedActionKind.CODEDEPLOY, { platform: '', defaultConfig: 'CodeDeployDefault.OneAtATime' });
  }

  protected importGroup(scope: Construct, names: GroupNames): codedeploy.IServerDeploymentGroup {
    const application = codedeploy.ServerApplication.fromServerApplicationName(scope, 'Application', names.applicationName);
    const deploymentConfig = codedeploy.ServerDeploymentConfig.fromServerDeploymentConfigName(scope, 'DeploymentConfig', names.deploymentConfigName);
    return codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(scope, 'DeploymentGroup',
      { application, deploymentGroupName: names.deploymentGroupName, deploymentConfig });
  }

  protected deployAction(context: BindContext, named: NamedStep, actionRole: iam.Role,
    group: codedeploy.IServerDeploymentGroup): codepipeline.IAction {
    if (this.route) {
      // a region without CodePipeline: CodeBuild in the pipeline's region creates the deployment there
      return codeDeployRouteAction(context, {
        region: this.region,
        applicationName: group.application.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        deploymentConfigName: group.deploymentConfig.deploymentConfigName,
        description: this.description,
        revisionPrefix: revisionPrefix(this.deploymentGroup.applicationName, this.deploymentGroup.deploymentGroupName),
        group: this.choice.group,
      }, named);
    }
    // aws-cdk-lib grants the given role (instead of creating one per action): GetApplicationRevision and
    // RegisterApplicationRevision on the application, CreateDeployment and GetDeployment on the group,
    // GetDeploymentConfig on its configuration, read on this region's artifact store, and read on that
    // store to the group's Auto Scaling groups. Compare the action's service role permissions:
    // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
    return new actions.CodeDeployServerDeployAction({
      actionName: named.actionName,
      runOrder: named.step.runOrder,
      role: actionRole,
      deploymentGroup: group,
      input: context.artifacts.templates,
    });
  }
}
