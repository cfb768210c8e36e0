import { CfnCapabilities, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionTargetOptions } from './target-options';
import { PlannedActionKind } from '../deployment-plan';
import { codeBuildRoute } from '../private/codebuild-route';
import { validationError } from '../private/errors';
import { BindContext, NamedStep, PlannedStep, PluginBinding, StackRef, StepRoute, TargetKind } from '../private/protocol';
import { offers } from '../private/region-services';
import { validateArtifactFilePath, validateRegion, validateStackName } from '../private/validation';

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
export interface CloudFormationTargetProps extends RegionTargetOptions {
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
   * Name of the change set.
   * @default 'multi-region-delivery'
   */
  readonly changeSetName?: string;

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
 * `ParameterOverrides` is an action configuration value: at most 1,000 characters in CodePipeline's API
 * model (ActionConfigurationValue), and the CloudFormation action reference says "a maximum size limit
 * of 1 kilobyte for the JSON object". Both are enforced, so neither can refuse it.
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-action-reference.html
 */
const PARAMETER_OVERRIDES_MAX_CHARACTERS = 1000;
const PARAMETER_OVERRIDES_MAX_BYTES = 1024;
const DEFAULT_CHANGE_SET_NAME = 'multi-region-delivery';

/**
 * A CloudFormation target: optional infrastructure stack (run order 1), create change set (2),
 * optional approval (3), execute change set (4).
 * @internal
 */
export class CloudFormationTarget implements TargetKind {
  public readonly region: string;
  public readonly description: string;
  public readonly id: string;
  public readonly stacks: StackRef[];
  public readonly steps: PlannedStep[];
  public readonly templatePaths: string[];
  public readonly secondaryInputs: string[] = [];
  public readonly acceptsOtherAccounts = true;
  private readonly changeSetName: string;
  /** How the CloudFormation steps reach the region: natively, or through CodeBuild where CodePipeline is not offered. */
  private readonly route?: StepRoute;

  constructor(private readonly props: CloudFormationTargetProps) {
    const what = `RegionTarget.cloudFormation(${props.stackName}@${props.region})`;
    // region-name problems are errors; the warning for an unknown region is issued by the pipeline
    validateRegion(props.region, what);
    validateStackName(props.stackName, what);
    validateArtifactFilePath(props.templatePath, what);
    if (props.templateConfigurationPath !== undefined) {
      validateArtifactFilePath(props.templateConfigurationPath, `${what} templateConfigurationPath`);
    }
    // CodePipeline's limit on an action's parameter overrides; a routed target's parameters are in
    // its route project's variables instead, checked against CodeBuild's limit (private/codebuild-route.ts)
    const routed = offers('codepipeline', props.region) === false;
    if (!routed) {
      validateParameterOverrides(props.parameterOverrides, what);
    }
    const infra = props.infrastructure;
    if (infra) {
      validateStackName(infra.stackName, `${what} infrastructure`);
      validateArtifactFilePath(infra.templatePath, `${what} infrastructure`);
      if (!routed) {
        validateParameterOverrides(infra.parameterOverrides, `${what} infrastructure`);
      }
      if (infra.stackName === props.stackName) {
        throw new Error(`${what}: the infrastructure stack and the application stack are both named '${props.stackName}'; give the infrastructure stack a name of its own.`);
      }
    }
    if (props.deploymentRole && props.deploymentManagedPolicies) {
      throw new Error(`${what}: give either deploymentRole or deploymentManagedPolicies, not both; managed policies are only attached to the role the construct creates.`);
    }
    this.route = routed ? 'codebuild' : undefined;
    if (this.route && props.templateConfigurationPath !== undefined) {
      throw new Error(`${what}: ${props.region} has no CodePipeline, so the target is delivered by CodeBuild from the pipeline's region, ` +
        'which does not read template configuration files; pass the parameters as parameterOverrides instead of templateConfigurationPath.');
    }
    this.changeSetName = props.changeSetName ?? DEFAULT_CHANGE_SET_NAME;
    validateStackName(this.changeSetName, what, 'change set name');
    this.region = props.region;
    this.description = `${props.stackName}@${props.region}`;
    this.id = this.description;
    this.stacks = [...(infra ? [infra.stackName] : []), props.stackName].map(stackName => ({ region: props.region, stackName }));
    this.templatePaths = [...(infra ? [infra.templatePath] : []), props.templatePath];
    this.steps = this.plannedSteps();
  }

  public _bind(context: BindContext): PluginBinding {
    if (context.crossAccount) {
      if (this.props.deploymentRole || this.props.deploymentManagedPolicies) {
        throw validationError(`RegionTarget.cloudFormation(${this.description}): deploymentRole and deploymentManagedPolicies apply to targets in the pipeline's account; ` +
          `in account ${context.crossAccount.account}, CloudFormation deploys with that account's bootstrap role cdk-<qualifier>-cfn-exec-role-${context.crossAccount.account}-${this.region}, ` +
          'whose policies are the ones given to `cdk bootstrap --cloudformation-execution-policies`. Drop deploymentRole and deploymentManagedPolicies from this target.', context.scope);
      }
      // the target account's bootstrap roles: the deploy role runs the actions, the cfn-exec role
      // deploys; the store's bucket and key policies let both read (private/cross-account.ts)
      const roles = context.crossAccount;
      return { actions: context.steps.map(named => this.action(named, context, roles.deploymentRole, roles.actionRole)) };
    }
    const deploymentRole = this.props.deploymentRole ?? context.roles.deploymentRole(this.props.deploymentManagedPolicies ?? []);
    // CloudFormation reads packaged code (Lambda zips, nested templates) from the region's store
    context.stores.bucket(this.region).grantRead(deploymentRole);
    if (this.route) {
      return { actions: this.routedActions(context, deploymentRole) };
    }
    return { actions: context.steps.map(named => this.action(named, context, deploymentRole)) };
  }

  /**
   * Where CodePipeline is not offered: each CloudFormation step is a CodeBuild action in the
   * pipeline's region (private/codebuild-route.ts); the approval stays a manual approval.
   */
  private routedActions(context: BindContext, deploymentRole: iam.IRole): codepipeline.IAction[] {
    const props = this.props;
    const render = codeBuildRoute(context, {
      region: this.region,
      changeSetName: this.changeSetName,
      app: props,
      infrastructure: props.infrastructure,
      deploymentRole,
    });
    return context.steps.map(named => named.step.kind === PlannedActionKind.APPROVAL ? this.action(named, context, deploymentRole) : render(named));
  }

  private plannedSteps(): PlannedStep[] {
    const props = this.props;
    const route = this.route ? { route: this.route } : {};
    const app = { subject: props.stackName, stackName: props.stackName };
    return [
      ...(props.infrastructure ? [{
        name: 'Infrastructure',
        kind: PlannedActionKind.INFRASTRUCTURE,
        runOrder: 1,
        subject: props.infrastructure.stackName,
        stackName: props.infrastructure.stackName,
        ...route,
      }] : []),
      { name: 'CreateChangeSet', kind: PlannedActionKind.CREATE_CHANGE_SET, runOrder: 2, ...app, ...route },
      ...(props.approval ? [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: 3, ...app }] : []),
      { name: 'ExecuteChangeSet', kind: PlannedActionKind.EXECUTE_CHANGE_SET, runOrder: 4, ...app, ...route },
    ];
  }

  private action(named: NamedStep, context: BindContext, deploymentRole: iam.IRole, actionRole?: iam.IRole): codepipeline.IAction {
    const props = this.props;
    const input = context.artifacts.templates;
    const common = { actionName: named.actionName, runOrder: named.step.runOrder, role: context.roles.stageActionRole };
    const deploy = { ...common, role: actionRole ?? common.role, region: this.region, adminPermissions: false, deploymentRole };
    switch (named.step.kind) {
      case PlannedActionKind.INFRASTRUCTURE:
        return new actions.CloudFormationCreateUpdateStackAction({
          ...deploy,
          stackName: props.infrastructure!.stackName,
          templatePath: input.atPath(props.infrastructure!.templatePath),
          parameterOverrides: props.infrastructure!.parameterOverrides,
          cfnCapabilities: props.infrastructure!.capabilities,
        });
      case PlannedActionKind.CREATE_CHANGE_SET:
        return new actions.CloudFormationCreateReplaceChangeSetAction({
          ...deploy,
          stackName: props.stackName,
          changeSetName: this.changeSetName,
          templatePath: input.atPath(props.templatePath),
          templateConfiguration: props.templateConfigurationPath !== undefined ? input.atPath(props.templateConfigurationPath) : undefined,
          parameterOverrides: props.parameterOverrides,
          cfnCapabilities: props.capabilities,
        });
      case PlannedActionKind.APPROVAL:
        return new actions.ManualApprovalAction({
          ...common,
          additionalInformation: `Review change set ${this.changeSetName} of stack ${props.stackName} in ${this.region} before it is executed.`,
        });
      case PlannedActionKind.EXECUTE_CHANGE_SET:
        return new actions.CloudFormationExecuteChangeSetAction({
          ...common,
          role: actionRole ?? common.role,
          region: this.region,
          stackName: props.stackName,
          changeSetName: this.changeSetName,
        });
      default:
        throw new Error(`internal: unexpected step ${named.step.kind}`);
    }
  }
}

function validateParameterOverrides(overrides: { [name: string]: string } | undefined, what: string): void {
  if (!overrides) { return; }
  const json = JSON.stringify(overrides);
  if (Token.isUnresolved(json)) { return; }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (json.length > PARAMETER_OVERRIDES_MAX_CHARACTERS || bytes > PARAMETER_OVERRIDES_MAX_BYTES) {
    throw new Error(`${what}: parameterOverrides take ${json.length} characters (${bytes} bytes) as JSON, over CodePipeline's limits of ` +
      `${PARAMETER_OVERRIDES_MAX_CHARACTERS} characters and ${PARAMETER_OVERRIDES_MAX_BYTES} bytes; ` +
      'move the parameters into a template configuration file (templateConfigurationPath).');
  }
}
