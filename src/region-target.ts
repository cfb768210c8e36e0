import { CfnCapabilities, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PlannedActionKind } from './deployment-plan';
import { DeploymentWindow } from './deployment-window';
import { validateArtifactFilePath, validateRegion, validateStackName } from './private/validation';

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
 * One action of a target, before it is laid out into stages.
 * @internal
 */
export interface TargetStep {
  /** Unique within the target: becomes the last part of the action name. */
  readonly name: string;
  readonly kind: PlannedActionKind;
  readonly runOrder: number;
  readonly stackName?: string;
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
}

const PARAMETER_OVERRIDES_MAX_BYTES = 1024;

class CloudFormationTarget extends RegionTarget {
  public readonly region: string;
  public readonly description: string;
  public readonly window?: DeploymentWindow;
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
    this.description = `${props.stackName}@${props.region}`;
    this._stackKeys = [props.stackName, ...(props.infrastructure ? [props.infrastructure.stackName] : [])]
      .map(name => `${props.region}/${name}`);
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
