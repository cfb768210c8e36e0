import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RegionTargetOptions } from './target-options';
import { PlannedActionKind } from '../deployment-plan';
import { CodeDeployKind, GroupChoice, GroupNames, groupChoice } from '../private/codedeploy-kind';
import { explainUnscopedGrants } from '../private/nag';
import { BindContext, NamedStep } from '../private/protocol';
import { validateArtifactFilePath } from '../private/validation';

/**
 * A container image fed to an ECS blue/green deployment: the action reads `imageDetail.json` at the
 * root of the input artifact and writes its `ImageURI` into the task definition template in place of
 * `<PLACEHOLDER>`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/file-reference.html#file-reference-ecs-bluegreen
 */
export interface EcsContainerImageInput {
  /**
   * The placeholder in the task definition template, without its angle brackets.
   * @default 'IMAGE'
   */
  readonly taskDefinitionPlaceholder?: string;

  /**
   * The artifact that holds `imageDetail.json` at its root; it must be produced by an earlier action
   * of the pipeline.
   * @default - the artifact of the templates (`templatesOutput`, or the build output, or the source when there is no build)
   */
  readonly input?: codepipeline.Artifact;
}

/**
 * What both ECS blue/green targets take: the templates, the images and the task's roles.
 *
 * The action reads both templates from the build output (or the source). CodePipeline accepts at most
 * 3 MB for this action's input artifact
 * (https://docs.aws.amazon.com/codepipeline/latest/userguide/troubleshooting.html#troubleshooting-ecstocodedeploy-size),
 * so keep the artifact that holds the templates small: a separate, small build output
 * (`templatesOutput`) if the build output is large.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
 */
export interface EcsBlueGreenOptions extends RegionTargetOptions {
  /**
   * Path of the task definition template (`taskdef.json`) inside the build output (or the source).
   */
  readonly taskDefinitionTemplateFile: string;

  /**
   * Path of the AppSpec template (`appspec.yaml`) inside the build output (or the source).
   */
  readonly appSpecTemplateFile: string;

  /**
   * The build output that holds both templates: the name of one of the build's `secondaryOutputs`.
   * CodePipeline limits this action's input artifact to 3 MB, so when the main build output is larger,
   * have the build write the two templates (and `imageDetail.json`) to a small output of their own.
   * @default - the main build output (or the source when there is no build)
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
   */
  readonly templatesOutput?: string;

  /**
   * Container images to write into the task definition template, at most 4.
   * @default - none: the template names its images itself
   */
  readonly containerImageInputs?: EcsContainerImageInput[];

  /**
   * The roles the task definition names (task role, execution role): the action role may pass only
   * these to ECS when it registers the task definition.
   * @default - any role, and only to `ecs-tasks.amazonaws.com` (an `iam:PassedToService` condition)
   */
  readonly taskRoles?: iam.IRole[];
}

/**
 * A region that receives an Amazon ECS service's new task set, blue/green, through an existing
 * CodeDeploy ECS deployment group named by its application and group.
 */
export interface EcsBlueGreenTargetProps extends EcsBlueGreenOptions {
  /** The region of the deployment group, such as `eu-west-1`. */
  readonly region: string;

  /** Name of the CodeDeploy application (ECS compute platform) in the target region. */
  readonly applicationName: string;

  /** Name of the ECS deployment group in that application. */
  readonly deploymentGroupName: string;

  /**
   * Name of the deployment configuration the group uses (the action role may read this
   * configuration only).
   * @default 'CodeDeployDefault.ECSAllAtOnce'
   */
  readonly deploymentConfigName?: string;
}

/**
 * A region that receives an Amazon ECS service's new task set, blue/green, through a CodeDeploy ECS
 * deployment group defined in a stack of that region.
 */
export interface EcsBlueGreenGroupTargetProps extends EcsBlueGreenOptions {
  /**
   * The ECS deployment group. Its stack must have a concrete region, which becomes the target's
   * region. Give the group and its application literal names: the pipeline, in another region,
   * refers to them by name.
   */
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;
}

/** The action takes Image1 to Image4. */
const MAX_ECS_IMAGE_INPUTS = 4;

/**
 * An ECS blue/green target: optional approval (run order 3), deploy (4).
 * @internal
 */
export class EcsBlueGreenTarget extends CodeDeployKind<codedeploy.IEcsDeploymentGroup> {
  /** A group named by its application and group. */
  public static byNames(props: EcsBlueGreenTargetProps): EcsBlueGreenTarget {
    return new EcsBlueGreenTarget('ecsBlueGreen', props, props);
  }

  /** A group given as a construct of a stack with a concrete region. */
  public static ofGroup(props: EcsBlueGreenGroupTargetProps): EcsBlueGreenTarget {
    return new EcsBlueGreenTarget('ecsBlueGreenGroup', groupChoice(props.deploymentGroup, 'ecsBlueGreenGroup',
      'codedeploy.IEcsDeploymentGroup', 'RegionTarget.ecsBlueGreen({ region, applicationName, deploymentGroupName, ... })'), props);
  }

  private constructor(factory: string, choice: GroupChoice<codedeploy.IEcsDeploymentGroup>, private readonly options: EcsBlueGreenOptions) {
    super(factory, choice, options.approval, PlannedActionKind.ECS_BLUE_GREEN, { platform: 'ECS ', defaultConfig: 'CodeDeployDefault.ECSAllAtOnce' });
    const what = this.what;
    this.secondaryInputs.push(...(options.templatesOutput !== undefined ? [options.templatesOutput] : []));
    for (const [file, name] of [[options.taskDefinitionTemplateFile, 'taskDefinitionTemplateFile'], [options.appSpecTemplateFile, 'appSpecTemplateFile']] as const) {
      if (file === undefined) {
        throw new Error(`${what}: ${name} is required; give the path of the file inside the build output (or the source), for example ` +
          `'${name === 'appSpecTemplateFile' ? 'appspec.yaml' : 'taskdef.json'}'.`);
      }
      validateArtifactFilePath(file, `${what} ${name}`);
    }
    const images = options.containerImageInputs ?? [];
    if (images.some(i => i.input !== undefined)) {
      this.regionalPipelineRefusal = 'it reads imageDetail.json from an artifact of its own (containerImageInputs[].input), ' +
        'and a regional pipeline receives only the release; put imageDetail.json into the build output and drop `input`';
    }
    if (images.length > MAX_ECS_IMAGE_INPUTS) {
      // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html (Image1 to Image4)
      throw new Error(`${what}: ${images.length} containerImageInputs given; the action takes at most ${MAX_ECS_IMAGE_INPUTS} (Image1 to Image4).`);
    }
    if (options.taskRoles !== undefined && options.taskRoles.length === 0) {
      throw new Error(`${what}: taskRoles is empty; list the task's roles (task role, execution role), or omit taskRoles to allow passing ` +
        'any role to ECS only.');
    }
    const placeholders = images.map(i => i.taskDefinitionPlaceholder ?? 'IMAGE');
    const repeated = placeholders.find((p, i) => placeholders.indexOf(p) !== i);
    if (repeated !== undefined) {
      throw new Error(`${what}: placeholder '${repeated}' is given for more than one container image input; each image needs its own placeholder.`);
    }
  }

  protected importGroup(scope: Construct, names: GroupNames): codedeploy.IEcsDeploymentGroup {
    const application = codedeploy.EcsApplication.fromEcsApplicationName(scope, 'Application', names.applicationName);
    const deploymentConfig = codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(scope, 'DeploymentConfig', names.deploymentConfigName);
    return codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(scope, 'DeploymentGroup',
      { application, deploymentGroupName: names.deploymentGroupName, deploymentConfig });
  }

  protected deployAction(context: BindContext, named: NamedStep, actionRole: iam.Role, group: codedeploy.IEcsDeploymentGroup): codepipeline.IAction {
    this.grant(actionRole, group);
    context.stores.bucket(this.region).grantRead(actionRole);
    const templatesOutput = this.options.templatesOutput;
    const input = templatesOutput !== undefined ? context.artifacts.secondary[templatesOutput] : context.artifacts.templates;
    return new actions.CodeDeployEcsDeployAction({
      actionName: named.actionName,
      runOrder: named.step.runOrder,
      // aws-cdk-lib's action would grant iam:PassRole on every role, and would make the region's store
      // stack depend on the role's (a cycle: the pipeline's stack depends on the stores). It gets a
      // reference to the role that takes no grants and owns nothing; `grant()` gives the role its rights.
      role: iam.Role.fromRoleName(context.scope, 'ActionRoleRef', actionRole.roleName, { mutable: false }),
      deploymentGroup: group,
      taskDefinitionTemplateFile: input.atPath(this.options.taskDefinitionTemplateFile),
      appSpecTemplateFile: input.atPath(this.options.appSpecTemplateFile),
      containerImageInputs: this.options.containerImageInputs?.map(i => ({
        input: i.input ?? input,
        taskDefinitionPlaceholder: i.taskDefinitionPlaceholder,
      })),
    });
  }

  /**
   * The CodeDeployToECS action needs the CodeDeploy calls on its application, group and configuration,
   * ecs:RegisterTaskDefinition, and iam:PassRole for the task's roles (the action's service role permissions):
   * https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
   */
  private grant(actionRole: iam.Role, group: codedeploy.IEcsDeploymentGroup): void {
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
      resources: [group.application.applicationArn],
    }));
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
      resources: [group.deploymentGroupArn],
    }));
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['codedeploy:GetDeploymentConfig'],
      resources: [group.deploymentConfig.deploymentConfigArn],
    }));
    actionRole.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: ['*'] }));
    // a task definition template with `tags` is registered with them, which ECS authorizes as
    // ecs:TagResource ("if the user doesn't have permissions to use the ecs:TagResource action, the
    // request fails"); allowed only within RegisterTaskDefinition (ecs:CreateAction), as AWS's example does
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['ecs:TagResource'],
      resources: ['*'],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    }));
    const taskRoles = this.options.taskRoles;
    // AWS's own example for this action: iam:PassRole with StringEquals on iam:PassedToService, for
    // ecs.amazonaws.com and ecs-tasks.amazonaws.com (action-reference-ECSbluegreen.html, service role permissions)
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: taskRoles ? taskRoles.map(r => r.roleArn) : ['*'],
      conditions: { StringEquals: { 'iam:PassedToService': ['ecs.amazonaws.com', 'ecs-tasks.amazonaws.com'] } },
    }));
    explainUnscopedGrants(actionRole, ['ecs:RegisterTaskDefinition', 'ecs:TagResource', ...(taskRoles ? [] : ['iam:PassRole'])],
      'The ECS blue/green action registers a new task definition revision, which has no ARN before it exists ' +
      '(tagging it only within RegisterTaskDefinition: ecs:CreateAction); ' +
      (taskRoles ? '' : 'without taskRoles it may pass roles only to ECS (iam:PassedToService ecs.amazonaws.com or ecs-tasks.amazonaws.com); ') +
      'see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html');
  }
}
