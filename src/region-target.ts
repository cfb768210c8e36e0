import { CfnCapabilities, Names, Stack, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DeploymentGates } from './deployment-gates';
import { PlannedActionKind } from './deployment-plan';
import { DeploymentWindow } from './deployment-window';
import { resolveGates } from './private/gates';
import { actionNameFragment, validateArtifactFilePath, validateCodeDeployName, validateRegion, validateStackName } from './private/validation';

/**
 * The infrastructure stack of a CloudFormation target, deployed directly (CREATE_UPDATE) before
 * the application's change set is created.
 */
export interface InfrastructureStackProps {
  /** Name of the infrastructure stack. */
  readonly stackName: string;
  /** Path of its template inside the build output (or the source when there is no build). */
  readonly templatePath: string;
  /**
   * Values for the template's parameters.
   * @default - none
   */
  readonly parameterOverrides?: { [name: string]: string };
  /**
   * Capabilities the template needs.
   * @default - none
   */
  readonly capabilities?: CfnCapabilities[];
}

/**
 * A region that receives the application as a CloudFormation stack, through a change set.
 */
export interface CloudFormationTargetProps {
  /** The region to deploy to, such as `eu-west-1`. */
  readonly region: string;

  /** Name of the application's stack in that region. */
  readonly stackName: string;

  /**
   * Path of the stack's template inside the build output (or the source when there is no build),
   * for example `eu-west-1.template.yaml`.
   */
  readonly templatePath: string;

  /**
   * A stack deployed first, directly rather than through a change set (CREATE_UPDATE), for
   * resources the application's stack builds on.
   * @default - no infrastructure stack
   */
  readonly infrastructure?: InfrastructureStackProps;

  /**
   * Values for the template's parameters. Their JSON form may be at most 1 KB (a CodePipeline quota);
   * pass larger sets in a template configuration file instead.
   * @default - none
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
   */
  readonly parameterOverrides?: { [name: string]: string };

  /**
   * Path of a template configuration file (parameters, tags, stack policy) inside the build output.
   * @default - none
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-cfn-artifacts.html
   */
  readonly templateConfigurationPath?: string;

  /**
   * Capabilities the template needs, such as `CfnCapabilities.NAMED_IAM` when it creates named IAM resources.
   * @default - none
   */
  readonly capabilities?: CfnCapabilities[];

  /**
   * Wait for a manual approval between creating and executing the change set.
   * @default false
   */
  readonly approval?: boolean;

  /**
   * Name of the change set.
   * @default 'multi-region-delivery'
   */
  readonly changeSetName?: string;

  /**
   * When this region may be deployed. A target with a window is deployed in a stage of its own
   * (shared with the targets that have the same window) whose entry condition waits until the window
   * opens; targets without a window are deployed side by side in the `Deploy` stage.
   * @default - no window: deploy as soon as the build is done
   */
  readonly window?: DeploymentWindow;

  /**
   * Safety gates of this region: rollback on failure and CloudWatch alarm checks around its stage.
   * Targets with the same gates (and window) share a stage; see `DeploymentGates`.
   * @default - the pipeline's `defaultGates`
   */
  readonly gates?: DeploymentGates;

  /**
   * The role CloudFormation assumes to create the stack's resources. It needs the permissions for
   * everything the template creates.
   * @default - a role the construct creates, assumed by CloudFormation only, with read access to the
   * artifact stores and the `deploymentManagedPolicies`, and nothing else; targets with the same
   * managed policies share it
   */
  readonly deploymentRole?: iam.IRole;

  /**
   * Managed policies for the deployment role the construct creates, granting what the template creates.
   * Ignored when `deploymentRole` is given.
   * @default - none: the template can only create resources that need no permissions
   */
  readonly deploymentManagedPolicies?: iam.IManagedPolicy[];
}

/**
 * What the CodeDeploy targets share: a gate and a window.
 */
export interface CodeDeployTargetOptions {
  /**
   * Wait for a manual approval (run order 3) before the deployment (run order 4).
   * @default false
   */
  readonly approval?: boolean;

  /**
   * When this region may be deployed; see `CloudFormationTargetProps.window`. Windows work the same
   * for every kind of target.
   * @default - no window: deploy as soon as the build is done
   */
  readonly window?: DeploymentWindow;

  /**
   * Safety gates of this region: rollback on failure and CloudWatch alarm checks around its stage.
   * Targets with the same gates (and window) share a stage; see `DeploymentGates`.
   * @default - the pipeline's `defaultGates`
   */
  readonly gates?: DeploymentGates;
}

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
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
 */
export interface CodeDeployTargetProps extends CodeDeployTargetOptions {
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
export interface CodeDeployGroupTargetProps extends CodeDeployTargetOptions {
  /**
   * The deployment group. Its stack must have a concrete region, which becomes the target's region.
   * Give the group and its application literal names (or `PhysicalName.GENERATE_IF_NEEDED`): the
   * pipeline, in another region, refers to them by name.
   */
  readonly deploymentGroup: codedeploy.IServerDeploymentGroup;
}

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
   * @default - the build output (or the source when there is no build)
   */
  readonly input?: codepipeline.Artifact;
}

/**
 * A region that receives an Amazon ECS service's new task set, blue/green, through CodeDeploy.
 *
 * The action reads both templates from the build output (or the source). CodePipeline accepts at most
 * 3 MB for this action's input artifact, so keep the artifact that holds the templates small (build a
 * separate, small output if the build output is large).
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
 */
export interface EcsBlueGreenTargetProps extends CodeDeployTargetOptions {
  /** The region of the deployment group, such as `eu-west-1`. */
  readonly region: string;

  /**
   * The ECS deployment group; its region must be the target's region. Give either this or
   * `applicationName` and `deploymentGroupName`.
   * @default - the group named by `applicationName` and `deploymentGroupName`
   */
  readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;

  /**
   * Name of the CodeDeploy application (ECS compute platform) in the target region.
   * @default - the application of `deploymentGroup`
   */
  readonly applicationName?: string;

  /**
   * Name of the ECS deployment group in that application.
   * @default - the name of `deploymentGroup`
   */
  readonly deploymentGroupName?: string;

  /**
   * Name of the deployment configuration of a group given by name (the action role may read this
   * configuration only).
   * @default 'CodeDeployDefault.ECSAllAtOnce'
   */
  readonly deploymentConfigName?: string;

  /**
   * Path of the task definition template (`taskdef.json`) inside the build output (or the source).
   */
  readonly taskDefinitionTemplateFile: string;

  /**
   * Path of the AppSpec template (`appspec.yaml`) inside the build output (or the source).
   */
  readonly appSpecTemplateFile: string;

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
 * One action of a target, before it is laid out into stages.
 * @internal
 */
export interface TargetStep {
  /** Unique within the target: becomes the last part of the action name. */
  readonly name: string;
  readonly kind: PlannedActionKind;
  readonly runOrder: number;
  readonly stackName?: string;
  /** What the action name is made from when the step deploys no stack (such as `app.group`). */
  readonly subject?: string;
  /** What the step works on, in words, for the plan. */
  readonly detail?: string;
}

/**
 * Where and under which names a target's actions are rendered.
 * @internal
 */
export interface TargetBindOptions {
  /** The artifact holding the templates (build output, or source output without a build). */
  readonly input: codepipeline.Artifact;
  /** The role of the pipeline, which assumes the target's action role. */
  readonly pipelineRole: iam.IRole;
  /**
   * The role the pipeline's deploy actions run with, shared by every target of the pipeline (one
   * role the pipeline assumes, instead of one per target or per action).
   */
  readonly actionRole: iam.IRole;
  /**
   * The CloudFormation deployment role with exactly these managed policies, shared by every target
   * that asks for the same ones.
   */
  readonly deploymentRole: (managedPolicies: iam.IManagedPolicy[]) => iam.IRole;
  /** The action name of each step, in the order of `_steps()`. */
  readonly actionNames: string[];
  /** The artifact store of the target's region. */
  readonly artifactBucket: s3.IBucket;
  /** A stack in the target's region (its artifact store's stack, or the pipeline's in its own region). */
  readonly regionStack: Stack;
}

/**
 * A region the pipeline delivers to, and how.
 */
export abstract class RegionTarget {
  /**
   * Deploys a CloudFormation template to a region through a change set: optional infrastructure stack
   * (run order 1), create change set (2), optional approval (3), execute change set (4).
   */
  public static cloudFormation(props: CloudFormationTargetProps): RegionTarget {
    return new CloudFormationTarget(props);
  }

  /**
   * Deploys the build output (or the source) as a revision to an existing EC2/on-premises CodeDeploy
   * deployment group in a region, named by its application and group: optional approval (run
   * order 3), deploy (4). The pipeline copies the revision into that region's artifact store.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
   */
  public static codeDeploy(props: CodeDeployTargetProps): RegionTarget {
    return new CodeDeployServerTarget(props.region, props, undefined);
  }

  /**
   * Deploys the build output (or the source) as a revision to an EC2/on-premises deployment group
   * defined in a stack of its region (the target's region is the group's): optional approval (run
   * order 3), deploy (4). aws-cdk-lib also lets the group's Auto Scaling groups read the region's
   * artifact store, where their agents download the revision.
   */
  public static codeDeployGroup(props: CodeDeployGroupTargetProps): RegionTarget {
    const group = props.deploymentGroup;
    if (!group) {
      throw new Error('RegionTarget.codeDeployGroup: deploymentGroup is required; give a codedeploy.IServerDeploymentGroup from a stack in the target region.');
    }
    const region = group.env.region;
    if (Token.isUnresolved(region)) {
      throw new Error(`RegionTarget.codeDeployGroup(${group.node.path}): the deployment group's region is unresolved (${region}); ` +
        'define the group in a stack with a concrete `env: { account, region }`, or name it with RegionTarget.codeDeploy({ region, applicationName, deploymentGroupName }).');
    }
    return new CodeDeployServerTarget(region, props, group);
  }

  /**
   * Deploys a new task set to an Amazon ECS service, blue/green, through a CodeDeploy ECS deployment
   * group in a region: optional approval (run order 3), deploy (4). The task definition and AppSpec
   * templates are files in the build output (or the source).
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
   */
  public static ecsBlueGreen(props: EcsBlueGreenTargetProps): RegionTarget {
    return new EcsBlueGreenTarget(props);
  }

  /** The region the target deploys to. */
  public abstract readonly region: string;

  /** Short description, such as `service-x@eu-west-1`. */
  public abstract readonly description: string;

  /**
   * When the target may be deployed.
   * @default - no window
   */
  public abstract readonly window?: DeploymentWindow;

  /**
   * The target's own safety gates.
   * @default - none: the pipeline's `defaultGates` apply
   */
  public abstract readonly gates?: DeploymentGates;

  /**
   * Every stack the target deploys, as `region/stackName`: a stack may be deployed by one target only.
   * @internal
   */
  public abstract readonly _stackKeys: string[];

  /**
   * The target's actions, with their kinds and run orders.
   * @internal
   */
  public abstract _steps(): TargetStep[];

  /**
   * Creates the target's actions (one per step) and their IAM roles under `scope`.
   * @internal
   */
  public abstract _bind(scope: Construct, options: TargetBindOptions): codepipeline.IAction[];

  /**
   * IAM actions the target's role is granted on all resources (`*`) because the service offers no
   * narrower resource, with the reason; for the cdk-nag explanations.
   * @internal
   */
  public _unscopedGrants(): { actions: string[]; reason: string } | undefined {
    return undefined;
  }

  /**
   * The CloudFormation templates the target deploys, as paths inside the build output (or the source),
   * for the Validate stage.
   * @internal
   */
  public _templatePaths(): string[] {
    return [];
  }
}

const PARAMETER_OVERRIDES_MAX_BYTES = 1024;

class CloudFormationTarget extends RegionTarget {
  public readonly region: string;
  public readonly description: string;
  public readonly window?: DeploymentWindow;
  public readonly gates?: DeploymentGates;
  public readonly _stackKeys: string[];
  private readonly changeSetName: string;

  constructor(private readonly props: CloudFormationTargetProps) {
    super();
    const what = `RegionTarget.cloudFormation(${props.stackName}@${props.region})`;
    // region-name problems are errors; the warning for an unknown region is issued by the pipeline
    validateRegion(props.region, what);
    validateStackName(props.stackName, what);
    validateArtifactFilePath(props.templatePath, what);
    if (props.templateConfigurationPath !== undefined) {
      validateArtifactFilePath(props.templateConfigurationPath, `${what} templateConfigurationPath`);
    }
    validateParameterOverrides(props.parameterOverrides, what);
    if (props.infrastructure) {
      const infra = props.infrastructure;
      validateStackName(infra.stackName, `${what} infrastructure`);
      validateArtifactFilePath(infra.templatePath, `${what} infrastructure`);
      validateParameterOverrides(infra.parameterOverrides, `${what} infrastructure`);
      if (infra.stackName === props.stackName) {
        throw new Error(`${what}: the infrastructure stack and the application stack are both named '${props.stackName}'; give the infrastructure stack a name of its own.`);
      }
    }
    if (props.deploymentRole && props.deploymentManagedPolicies) {
      throw new Error(`${what}: give either deploymentRole or deploymentManagedPolicies, not both; managed policies are only attached to the role the construct creates.`);
    }
    this.changeSetName = props.changeSetName ?? 'multi-region-delivery';
    validateStackName(this.changeSetName, what, 'change set name');
    this.region = props.region;
    this.window = props.window;
    this.gates = props.gates;
    resolveGates(props.gates, props.region, what);
    this.description = `${props.stackName}@${props.region}`;
    this._stackKeys = [props.stackName, ...(props.infrastructure ? [props.infrastructure.stackName] : [])]
      .map(name => `${props.region}/${name}`);
  }

  public _templatePaths(): string[] {
    return [...(this.props.infrastructure ? [this.props.infrastructure.templatePath] : []), this.props.templatePath];
  }

  public _steps(): TargetStep[] {
    const steps: TargetStep[] = [];
    if (this.props.infrastructure) {
      steps.push({ name: 'Infrastructure', kind: PlannedActionKind.INFRASTRUCTURE, runOrder: 1, stackName: this.props.infrastructure.stackName });
    }
    steps.push({ name: 'CreateChangeSet', kind: PlannedActionKind.CREATE_CHANGE_SET, runOrder: 2, stackName: this.props.stackName });
    if (this.props.approval) {
      steps.push({ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: 3, stackName: this.props.stackName });
    }
    steps.push({ name: 'ExecuteChangeSet', kind: PlannedActionKind.EXECUTE_CHANGE_SET, runOrder: 4, stackName: this.props.stackName });
    return steps;
  }

  public _bind(_scope: Construct, options: TargetBindOptions): codepipeline.IAction[] {
    const props = this.props;
    const actionRole = options.actionRole;
    const deploymentRole = props.deploymentRole ?? options.deploymentRole(props.deploymentManagedPolicies ?? []);
    // CloudFormation reads packaged code (Lambda zips, nested templates) from the region's store
    options.artifactBucket.grantRead(deploymentRole);
    const templateConfiguration = props.templateConfigurationPath !== undefined
      ? options.input.atPath(props.templateConfigurationPath)
      : undefined;

    const result: codepipeline.IAction[] = [];
    this._steps().forEach((step, i) => {
      const common = { actionName: options.actionNames[i], runOrder: step.runOrder, role: actionRole };
      switch (step.kind) {
        case PlannedActionKind.INFRASTRUCTURE: {
          const infra = props.infrastructure!;
          result.push(new actions.CloudFormationCreateUpdateStackAction({
            ...common,
            region: this.region,
            stackName: infra.stackName,
            templatePath: options.input.atPath(infra.templatePath),
            parameterOverrides: infra.parameterOverrides,
            cfnCapabilities: infra.capabilities,
            adminPermissions: false,
            deploymentRole,
          }));
          break;
        }
        case PlannedActionKind.CREATE_CHANGE_SET:
          result.push(new actions.CloudFormationCreateReplaceChangeSetAction({
            ...common,
            region: this.region,
            stackName: props.stackName,
            changeSetName: this.changeSetName,
            templatePath: options.input.atPath(props.templatePath),
            templateConfiguration,
            parameterOverrides: props.parameterOverrides,
            cfnCapabilities: props.capabilities,
            adminPermissions: false,
            deploymentRole,
          }));
          break;
        case PlannedActionKind.APPROVAL:
          result.push(new actions.ManualApprovalAction({
            ...common,
            additionalInformation: `Review change set ${this.changeSetName} of stack ${props.stackName} in ${this.region} before it is executed.`,
          }));
          break;
        case PlannedActionKind.EXECUTE_CHANGE_SET:
          result.push(new actions.CloudFormationExecuteChangeSetAction({
            ...common,
            region: this.region,
            stackName: props.stackName,
            changeSetName: this.changeSetName,
          }));
          break;
        default:
          throw new Error(`internal: unexpected step ${step.kind}`);
      }
    });
    return result;
  }
}

function validateParameterOverrides(overrides: { [name: string]: string } | undefined, what: string): void {
  if (!overrides) { return; }
  const json = JSON.stringify(overrides);
  if (Token.isUnresolved(json)) { return; }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > PARAMETER_OVERRIDES_MAX_BYTES) {
    throw new Error(`${what}: parameterOverrides take ${bytes} bytes as JSON, over CodePipeline's limit of ${PARAMETER_OVERRIDES_MAX_BYTES} bytes; ` +
      'move the parameters into a template configuration file (templateConfigurationPath).');
  }
}

/** Run orders of the CodeDeploy targets, aligned with the CloudFormation target's (3 approval, 4 deploy). */
const APPROVAL_RUN_ORDER = 3;
const DEPLOY_RUN_ORDER = 4;

/**
 * The construct under which deployment groups given by name are imported: in a stack of the target's
 * own environment (the region's artifact store stack, or the pipeline's stack for its own region), so
 * the imported group, its application and its configuration carry the target's region, and the action
 * runs there. Imports add nothing to that stack's template.
 */
function importScope(scope: Construct, options: TargetBindOptions, region: string): Construct {
  const regionStack = options.regionStack;
  if (regionStack.region !== region) {
    throw new Error(`internal: the artifact store for ${region} is in a stack of region ${regionStack.region}`);
  }
  const id = `Import${Names.nodeUniqueId(scope.node)}`;
  return (regionStack.node.tryFindChild(id) as Construct | undefined) ?? new Construct(regionStack, id);
}

/** Throws when a given deployment group lives in another account than the pipeline. */
function checkSameAccount(group: codedeploy.IServerDeploymentGroup | codedeploy.IEcsDeploymentGroup, scope: Construct, what: string): void {
  const account = group.env.account;
  const pipelineAccount = Stack.of(scope).account;
  if (!Token.isUnresolved(account) && !Token.isUnresolved(pipelineAccount) && account !== pipelineAccount) {
    throw new Error(`${what}: the deployment group is in account ${account}, the pipeline in ${pipelineAccount}; ` +
      'cross-account CodeDeploy targets are not supported, deploy groups of the pipeline\'s account.');
  }
}

/** What the CodeDeploy targets share: the approval gate, the action role, the run orders. */
abstract class CodeDeployTargetBase extends RegionTarget {
  public readonly description: string;
  public readonly window?: DeploymentWindow;
  public readonly gates?: DeploymentGates;
  public readonly _stackKeys: string[] = [];

  constructor(
    public readonly region: string,
    private readonly options: CodeDeployTargetOptions,
    private readonly kind: PlannedActionKind,
    private readonly subject: string,
    private readonly detail: string,
  ) {
    super();
    this.window = options.window;
    this.gates = options.gates;
    this.description = `${subject}@${region}`;
    resolveGates(options.gates, region, `RegionTarget(${this.description})`);
  }

  public _steps(): TargetStep[] {
    const common = { subject: this.subject, detail: this.detail };
    return [
      ...(this.options.approval ? [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: APPROVAL_RUN_ORDER, ...common }] : []),
      { name: 'Deploy', kind: this.kind, runOrder: DEPLOY_RUN_ORDER, ...common },
    ];
  }

  public _bind(scope: Construct, options: TargetBindOptions): codepipeline.IAction[] {
    // One role for the target's actions, trusted by the pipeline's role only; the deploy action's
    // grants name this region's application, group, configuration and artifact store.
    const actionRole = new iam.Role(scope, 'ActionRole', {
      assumedBy: new iam.ArnPrincipal(options.pipelineRole.roleArn),
      description: `CodePipeline actions deploying ${this.description}`,
    });
    return this._steps().map((step, i) => {
      const common = { actionName: options.actionNames[i], runOrder: step.runOrder };
      if (step.kind === PlannedActionKind.APPROVAL) {
        return new actions.ManualApprovalAction({
          ...common,
          role: actionRole,
          additionalInformation: `Approve the deployment of ${this.detail} in ${this.region}.`,
        });
      }
      return this.deployAction(scope, options, actionRole, common);
    });
  }

  protected abstract deployAction(scope: Construct, options: TargetBindOptions, actionRole: iam.Role,
    common: { actionName: string; runOrder: number }): codepipeline.IAction;
}

class CodeDeployServerTarget extends CodeDeployTargetBase {
  private readonly names?: CodeDeployTargetProps;

  constructor(region: string, props: CodeDeployTargetOptions, private readonly group: codedeploy.IServerDeploymentGroup | undefined) {
    const names = group ? undefined : props as CodeDeployTargetProps;
    const what = group
      ? `RegionTarget.codeDeployGroup(${group.node.path})`
      : `RegionTarget.codeDeploy(${names!.applicationName}/${names!.deploymentGroupName}@${region})`;
    validateRegion(region, what);
    if (names) {
      validateCodeDeployName(names.applicationName, what, 'application name');
      validateCodeDeployName(names.deploymentGroupName, what, 'deployment group name');
      if (names.deploymentConfigName !== undefined) {
        validateCodeDeployName(names.deploymentConfigName, what, 'deployment configuration name');
      }
    }
    const [app, name] = group
      ? [group.application.applicationName, group.deploymentGroupName]
      : [names!.applicationName, names!.deploymentGroupName];
    const subject = group && (Token.isUnresolved(app) || Token.isUnresolved(name))
      ? actionNameFragment(group.node.path.replace(/\//g, '.'))
      : actionNameFragment(`${app}.${name}`);
    const detail = Token.isUnresolved(app) || Token.isUnresolved(name)
      ? `CodeDeploy group ${group!.node.path}`
      : `CodeDeploy ${app}/${name}`;
    super(region, props, PlannedActionKind.CODEDEPLOY, subject, detail);
    this.names = names;
  }

  protected deployAction(scope: Construct, options: TargetBindOptions, actionRole: iam.Role,
    common: { actionName: string; runOrder: number }): codepipeline.IAction {
    let group = this.group;
    if (group) {
      checkSameAccount(group, scope, `RegionTarget.codeDeployGroup(${group.node.path})`);
    } else {
      const names = this.names!;
      const imports = importScope(scope, options, this.region);
      group = codedeploy.ServerDeploymentGroup.fromServerDeploymentGroupAttributes(imports, 'DeploymentGroup', {
        application: codedeploy.ServerApplication.fromServerApplicationName(imports, 'Application', names.applicationName),
        deploymentGroupName: names.deploymentGroupName,
        deploymentConfig: codedeploy.ServerDeploymentConfig.fromServerDeploymentConfigName(imports, 'DeploymentConfig',
          names.deploymentConfigName ?? 'CodeDeployDefault.OneAtATime'),
      });
    }
    // aws-cdk-lib grants the given role (instead of creating one per action): GetApplicationRevision and
    // RegisterApplicationRevision on the application, CreateDeployment and GetDeployment on the group,
    // GetDeploymentConfig on its configuration, read on this region's artifact store, and read on that
    // store to the group's Auto Scaling groups. Compare the action's service role permissions:
    // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
    return new actions.CodeDeployServerDeployAction({ ...common, role: actionRole, deploymentGroup: group, input: options.input });
  }
}

const MAX_ECS_IMAGE_INPUTS = 4;

class EcsBlueGreenTarget extends CodeDeployTargetBase {
  constructor(private readonly props: EcsBlueGreenTargetProps) {
    const group = props.deploymentGroup;
    const groupName = props.deploymentGroupName
      ?? (group && !Token.isUnresolved(group.deploymentGroupName) ? group.deploymentGroupName : group?.node.path);
    const what = `RegionTarget.ecsBlueGreen(${props.applicationName ?? group?.application.applicationName}/${groupName}@${props.region})`;
    validateRegion(props.region, what);
    if (group) {
      if (props.applicationName !== undefined || props.deploymentGroupName !== undefined || props.deploymentConfigName !== undefined) {
        throw new Error(`${what}: give either deploymentGroup or applicationName and deploymentGroupName (and deploymentConfigName), not both.`);
      }
      const groupRegion = group.env.region;
      if (Token.isUnresolved(groupRegion)) {
        throw new Error(`${what}: the deployment group's region is unresolved (${groupRegion}); define the group in a stack with a concrete ` +
          `\`env: { account, region }\` in ${props.region}, or name it with applicationName and deploymentGroupName.`);
      }
      if (groupRegion !== props.region) {
        throw new Error(`${what}: the deployment group is in region ${groupRegion}, but the target's region is ${props.region}; ` +
          'a target deploys to a group of its own region.');
      }
    } else {
      validateCodeDeployName(props.applicationName, what, 'application name');
      validateCodeDeployName(props.deploymentGroupName, what, 'deployment group name');
      if (props.deploymentConfigName !== undefined) {
        validateCodeDeployName(props.deploymentConfigName, what, 'deployment configuration name');
      }
    }
    for (const [file, name] of [[props.taskDefinitionTemplateFile, 'taskDefinitionTemplateFile'], [props.appSpecTemplateFile, 'appSpecTemplateFile']] as const) {
      if (file === undefined) {
        throw new Error(`${what}: ${name} is required; give the path of the file inside the build output (or the source), for example ` +
          `'${name === 'appSpecTemplateFile' ? 'appspec.yaml' : 'taskdef.json'}'.`);
      }
      validateArtifactFilePath(file, `${what} ${name}`);
    }
    const images = props.containerImageInputs ?? [];
    if (images.length > MAX_ECS_IMAGE_INPUTS) {
      // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html (Image1 to Image4)
      throw new Error(`${what}: ${images.length} containerImageInputs given; the action takes at most ${MAX_ECS_IMAGE_INPUTS} (Image1 to Image4).`);
    }
    const placeholders = images.map(i => i.taskDefinitionPlaceholder ?? 'IMAGE');
    const repeated = placeholders.find((p, i) => placeholders.indexOf(p) !== i);
    if (repeated !== undefined) {
      throw new Error(`${what}: placeholder '${repeated}' is given for more than one container image input; each image needs its own placeholder.`);
    }
    const app = props.applicationName ?? group!.application.applicationName;
    const subject = Token.isUnresolved(app) || Token.isUnresolved(groupName ?? '')
      ? actionNameFragment(group!.node.path.replace(/\//g, '.'))
      : actionNameFragment(`${app}.${groupName}`);
    const detail = Token.isUnresolved(app) || Token.isUnresolved(groupName ?? '')
      ? `CodeDeploy ECS group ${group!.node.path}`
      : `CodeDeploy ECS ${app}/${groupName}`;
    super(props.region, props, PlannedActionKind.ECS_BLUE_GREEN, subject, detail);
  }

  public _unscopedGrants(): { actions: string[]; reason: string } | undefined {
    return {
      actions: ['ecs:RegisterTaskDefinition', ...(this.props.taskRoles ? [] : ['iam:PassRole'])],
      reason: 'The ECS blue/green action registers a new task definition revision, which has no ARN before it exists; ' +
        (this.props.taskRoles ? '' : 'without taskRoles it may pass roles only to ecs-tasks.amazonaws.com (iam:PassedToService condition); ') +
        'see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html',
    };
  }

  protected deployAction(scope: Construct, options: TargetBindOptions, actionRole: iam.Role,
    common: { actionName: string; runOrder: number }): codepipeline.IAction {
    const props = this.props;
    let group = props.deploymentGroup;
    if (group) {
      checkSameAccount(group, scope, `RegionTarget.ecsBlueGreen(${this.description})`);
    } else {
      const imports = importScope(scope, options, this.region);
      group = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(imports, 'DeploymentGroup', {
        application: codedeploy.EcsApplication.fromEcsApplicationName(imports, 'Application', props.applicationName!),
        deploymentGroupName: props.deploymentGroupName!,
        deploymentConfig: codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(imports, 'DeploymentConfig',
          props.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce'),
      });
    }
    // aws-cdk-lib's action would grant iam:PassRole on every role, and would make the region's store
    // stack depend on the role's (a cycle: the pipeline's stack depends on the stores). It gets a
    // reference to the role that takes no grants and owns nothing, and the role gets these instead. The CodeDeployToECS action needs the
    // CodeDeploy calls on its application, group and configuration, ecs:RegisterTaskDefinition, and
    // iam:PassRole for the task's roles (the action's service role permissions):
    // https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
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
    actionRole.addToPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: props.taskRoles ? props.taskRoles.map(r => r.roleArn) : ['*'],
      conditions: { StringEqualsIfExists: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }));
    options.artifactBucket.grantRead(actionRole);
    return new actions.CodeDeployEcsDeployAction({
      ...common,
      role: iam.Role.fromRoleName(scope, 'ActionRoleRef', actionRole.roleName, { mutable: false }),
      deploymentGroup: group,
      taskDefinitionTemplateFile: options.input.atPath(props.taskDefinitionTemplateFile),
      appSpecTemplateFile: options.input.atPath(props.appSpecTemplateFile),
      containerImageInputs: props.containerImageInputs?.map(i => ({
        input: i.input ?? options.input,
        taskDefinitionPlaceholder: i.taskDefinitionPlaceholder,
      })),
    });
  }
}
