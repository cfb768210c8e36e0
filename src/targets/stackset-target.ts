import { createHash } from 'crypto';
import { Aws, CfnCapabilities, Stack, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { RegionTargetOptions } from './target-options';
import { PlannedActionKind } from '../deployment-plan';
import { validationError } from '../private/errors';
import { explainStackSetExecutionRole } from '../private/nag';
import { BindContext, NamedStep, PlannedStep, PluginBinding, StackRef, TargetKind } from '../private/protocol';
import {
  MAX_CONFIGURATION_VALUE, validateDeploymentTargets, validateInitialRegionCount, validateParameters, validatePercentage, validateRegions,
  validateStackSetName,
} from '../private/stackset-validation';
import { validateArtifactFilePath } from '../private/validation';

/**
 * A CloudFormation StackSet that the pipeline creates or updates, with one stack instance per region
 * (and account): one template to many regions in one StackSets operation, run by CodePipeline's
 * `CloudFormationStackSet` action in the pipeline's region.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html
 */
export interface StackSetTargetProps extends RegionTargetOptions {
  /**
   * Name of the stack set, unique among the stack sets of the pipeline's account and region: a
   * letter, then letters, digits and hyphens, at most 128 characters.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html
   */
  readonly stackSetName: string;

  /**
   * Path of the stack set's template inside the build output (or the source when there is no
   * build), for example `stackset.template.yaml`. At most 460,800 bytes (a StackSets limit, not
   * checked at synthesis: the file does not exist yet).
   */
  readonly templatePath: string;

  /**
   * The regions of the stack instances, deployed one after another in this order: the
   * `CloudFormationStackSet` action updates regions "in the order in which they are entered", and
   * CloudFormation does not start the next region when a region fails beyond the failure tolerance.
   * Any commercial region works, also those without CodePipeline (such as `ca-west-1` or
   * `mx-central-1`): the action runs in the pipeline's region.
   */
  readonly regions: string[];

  /**
   * The accounts of the stack instances (self-managed permissions): every account gets an instance
   * in every region. Accounts other than the pipeline's need the execution role (see
   * `executionRoleName`) created beforehand.
   * @default - the pipeline's account
   */
  readonly accounts?: string[];

  /**
   * Deploy to every account of these AWS Organizations organizational units (or the organization
   * root, `r-...`) with service-managed permissions instead of self-managed ones: StackSets creates
   * the roles itself. The pipeline must be in the organization's management account, with trusted
   * access for StackSets enabled. At most 50 units.
   * @default - self-managed permissions in `accounts`
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
   */
  readonly organizationalUnits?: string[];

  /**
   * Values for the template's parameters, the same in every instance. Parameters left out take the
   * template's defaults.
   * @default - none
   */
  readonly parameters?: { [name: string]: string };

  /**
   * Capabilities the template needs, such as `CfnCapabilities.NAMED_IAM`.
   * @default - none
   */
  readonly capabilities?: CfnCapabilities[];

  /**
   * A description of the stack set.
   * @default - none
   */
  readonly description?: string;

  /**
   * The largest share of accounts, in percent (1 to 100), that a region deploys at the same time.
   * CloudFormation rounds down, and up to one account when that gives zero.
   * @default - CloudFormation's default: one account at a time
   */
  readonly maxConcurrentPercentage?: number;

  /**
   * The share of accounts, in percent (0 to 100), that may fail in a region before CloudFormation
   * stops the operation there and does not start the following regions.
   * @default - CloudFormation's default (0: the first failure stops the operation)
   */
  readonly failureTolerancePercentage?: number;

  /**
   * Deploy the template to the first `initialRegionCount` regions only with the
   * `CloudFormationStackSet` action, then to the other regions with a
   * `CloudFormationStackInstances` action, as AWS recommends for a first instance that proves the
   * template. The stack set action then runs first (run order 2), the approval, when asked for,
   * next (3), and the instances action last (4).
   * @default - every region in one operation
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html#action-reference-StackSets-bestpractices
   */
  readonly initialRegionCount?: number;

  /**
   * The role CloudFormation StackSets assumes in the pipeline's account to reach the execution role
   * in each account (self-managed permissions only).
   * @default - a role the construct creates, trusted by CloudFormation for this stack set only, that
   * may assume the execution role (by its name) in the target accounts and nothing else
   */
  readonly administrationRole?: iam.IRole;

  /**
   * Name of the role in each target account that StackSets uses to create the instance's resources
   * (self-managed permissions only). Give it to use roles you created beforehand: then the construct
   * creates no execution role.
   * @default - with only the pipeline's account, a role the construct creates there (named
   * `<stackSetName>-stackset-exec-<hash>`), trusted by the administration role only, with the
   * `deploymentManagedPolicies`; required when `accounts` names other accounts
   */
  readonly executionRoleName?: string;

  /**
   * Managed policies of the execution role the construct creates, granting what the template
   * creates. Refused (rather than ignored) with `executionRoleName` or `organizationalUnits`.
   * @default - none: the template can only create resources that need no permissions
   */
  readonly deploymentManagedPolicies?: iam.IManagedPolicy[];
}

/**
 * A stack set target: optional approval (run order 3), deploy the stack set (4); with
 * `initialRegionCount`, the stack set with the first regions (2), optional approval (3), the other
 * instances (4). Its actions run in the pipeline's region.
 * @internal
 */
export class StackSetTarget implements TargetKind {
  /** The first of the stack set's regions (the pipeline places its actions in its own region). */
  public readonly region: string;
  public readonly regions: string[];
  public readonly description: string;
  public readonly id: string;
  /**
   * `{ region, stackName: stackSetName }` in every region: a CloudFormation target of the same name
   * in one of these regions is refused (see README, "StackSets targets").
   */
  public readonly stacks: StackRef[];
  public readonly steps: PlannedStep[];
  public readonly templatePaths: string[];
  public readonly secondaryInputs: string[] = [];
  private readonly serviceManaged: boolean;
  private readonly initialCount: number;
  /** The pipeline's account, known when the target is bound. */
  private pipelineAccount = '';

  constructor(private readonly props: StackSetTargetProps) {
    const what = `RegionTarget.stackSet(${props.stackSetName})`;
    validateStackSetName(props.stackSetName, what);
    validateArtifactFilePath(props.templatePath, what);
    validateRegions(props.regions, what);
    this.serviceManaged = props.organizationalUnits !== undefined;
    validateDeploymentTargets(props, what);
    validatePercentage(props.failureTolerancePercentage, 0, 'failureTolerancePercentage', what);
    validatePercentage(props.maxConcurrentPercentage, 1, 'maxConcurrentPercentage', what);
    validateParameters(props.parameters, what);
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > MAX_CONFIGURATION_VALUE) {
      throw new Error(`${what}: the description has ${props.description.length} characters, over CodePipeline's limit of ${MAX_CONFIGURATION_VALUE} for an action configuration value; shorten it.`);
    }
    if (props.gates?.alarms && props.gates.alarms.length > 0) {
      throw new Error(`${what}: alarm gates are not available on a stack set target (its regions share one action in the pipeline's region); ` +
        'keep rollbackOnFailure, and watch alarms from a CloudFormation target of the region, or leave them out.');
    }
    this.initialCount = validateInitialRegionCount(props.initialRegionCount, props.regions.length, what);
    this.region = props.regions[0];
    this.regions = [...props.regions];
    this.description = `${props.stackSetName}@stackset(${props.regions.join(',')})`;
    this.id = `StackSet-${props.stackSetName}`;
    this.stacks = props.regions.map(region => ({ region, stackName: props.stackSetName }));
    this.templatePaths = [props.templatePath];
    this.steps = this.plannedSteps();
  }

  public _bind(context: BindContext): PluginBinding {
    // "These actions are not available in the China (Beijing) and China (Ningxia) Regions"
    // (https://docs.amazonaws.cn/codepipeline/latest/userguide/action-reference-StackSets.html)
    if (RegionInfo.get(context.homeRegion).partition === 'aws-cn') {
      throw validationError(`RegionTarget.stackSet(${this.props.stackSetName}): the pipeline is in ${context.homeRegion}, where CodePipeline's ` +
        'StackSets actions are not available; deploy the stack set from a pipeline in another partition, or use CloudFormation targets.', context.scope);
    }
    const deploymentModel = this.deploymentModel(context);
    return { actions: context.steps.map(named => this.action(named, context, deploymentModel)) };
  }

  /** The regions of the first operation, and of the second (empty without `initialRegionCount`). */
  private get regionSplit(): [string[], string[]] {
    return [this.regions.slice(0, this.initialCount), this.regions.slice(this.initialCount)];
  }

  private plannedSteps(): PlannedStep[] {
    const props = this.props;
    const [first, rest] = this.regionSplit;
    const subject = { subject: props.stackSetName };
    const order = (regions: string[]) => regions.length > 1 ? `${regions.join(' → ')}, one region after another in this order` : regions[0];
    const concurrency = `${props.maxConcurrentPercentage !== undefined ? `at most ${props.maxConcurrentPercentage}% of the accounts` : 'one account'} ` +
      `of a region at a time, failure tolerance ${props.failureTolerancePercentage ?? 0}%`;
    const where = this.serviceManaged
      ? `organizational units ${props.organizationalUnits!.join(', ')}`
      : `account${(props.accounts ?? []).length > 1 ? 's' : ''} ${(props.accounts ?? ['of the pipeline']).join(', ')}`;
    // in one operation: approval (3), stack set (4); staged: stack set with the first regions (2),
    // approval (3), the other instances (4), so a person looks at the first regions before the rest
    const staged = rest.length > 0;
    // the approval is planned with the regions it holds back (not the pipeline's region, where it runs)
    const approval = props.approval ? [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: 3, ...subject, regions: staged ? rest : first }] : [];
    const stackSet: PlannedStep = {
      name: 'DeployStackSet',
      kind: PlannedActionKind.STACK_SET,
      runOrder: staged ? 2 : 4,
      ...subject,
      regions: first,
      detail: `stack set ${props.stackSetName} to ${order(first)} (${where}; ${concurrency})`,
    };
    if (!staged) {
      return [...approval, stackSet];
    }
    return [stackSet, ...approval, {
      name: 'DeployStackInstances',
      kind: PlannedActionKind.STACK_INSTANCES,
      runOrder: 4,
      ...subject,
      regions: rest,
      detail: `stack instances of ${props.stackSetName} in ${order(rest)} (${where}; ${concurrency})`,
    }];
  }

  private action(named: NamedStep, context: BindContext, deploymentModel: actions.StackSetDeploymentModel): codepipeline.IAction {
    const props = this.props;
    const common = { actionName: named.actionName, runOrder: named.step.runOrder, role: context.roles.stageActionRole };
    const [first, rest] = this.regionSplit;
    const operation = {
      ...common,
      stackSetName: props.stackSetName,
      failureTolerancePercentage: props.failureTolerancePercentage,
      maxAccountConcurrencyPercentage: props.maxConcurrentPercentage,
    };
    switch (named.step.kind) {
      case PlannedActionKind.APPROVAL:
        return new actions.ManualApprovalAction({
          ...common,
          additionalInformation: `Approve deploying the stack set ${props.stackSetName} to ${this.regions.join(', ')}.`,
        });
      case PlannedActionKind.STACK_SET:
        return new actions.CloudFormationDeployStackSetAction({
          ...operation,
          description: props.description,
          template: actions.StackSetTemplate.fromArtifactPath(context.artifacts.templates.atPath(props.templatePath)),
          parameters: props.parameters ? actions.StackSetParameters.fromLiteral(props.parameters) : undefined,
          cfnCapabilities: props.capabilities,
          deploymentModel,
          stackInstances: this.instances(first),
        });
      case PlannedActionKind.STACK_INSTANCES:
        return new actions.CloudFormationDeployStackInstancesAction({ ...operation, stackInstances: this.instances(rest) });
      default:
        throw new Error(`internal: unexpected step ${named.step.kind}`);
    }
  }

  private instances(regions: string[]): actions.StackInstances {
    return this.serviceManaged
      ? actions.StackInstances.inOrganizationalUnits(this.props.organizationalUnits!, regions)
      : actions.StackInstances.inAccounts(this.accounts(), regions);
  }

  /** The target accounts: as given, or the pipeline's (a literal: the pipeline's stack has a concrete account). */
  private accounts(): string[] {
    return this.props.accounts ?? [this.pipelineAccount];
  }

  /**
   * Service-managed: StackSets' own roles. Self-managed: the administration role (given, or created
   * here: trusted by CloudFormation for this stack set only, allowed to assume the execution role by
   * name in the target accounts only), and the execution role (given by name, or created here in
   * the pipeline's account, trusted by the administration role only, with the deployment policies).
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
   */
  private deploymentModel(context: BindContext): actions.StackSetDeploymentModel {
    const props = this.props;
    if (this.serviceManaged) {
      return actions.StackSetDeploymentModel.organizations();
    }
    const stack = Stack.of(context.scope);
    this.pipelineAccount = stack.account;
    const scope = context.scope;
    if (props.executionRoleName === undefined && props.accounts && props.accounts[0] !== stack.account) {
      throw validationError(`RegionTarget.stackSet(${props.stackSetName}): accounts names ${props.accounts[0]}, but the construct can create the ` +
        `execution role only in the pipeline's account (${stack.account}); create the role in ${props.accounts[0]} and give its name as executionRoleName.`, scope);
    }
    const executionRoleName = props.executionRoleName ?? defaultExecutionRoleName(props.stackSetName);
    const administrationRole = props.administrationRole ?? this.administrationRole(scope, executionRoleName);
    if (props.executionRoleName === undefined) {
      this.executionRole(scope, executionRoleName, administrationRole, stack.account);
    }
    return actions.StackSetDeploymentModel.selfManaged({ administrationRole, executionRoleName });
  }

  /**
   * The administration role: trusted by CloudFormation for this stack set only (`aws:SourceArn`,
   * confused-deputy protection), also through the regional service principal of each opt-in region
   * of the stack set ("to deploy stack instances into a target account that resides in a Region
   * that's disabled by default, you will also need to include the regional service principal for
   * that Region"); allowed to assume the execution role, by name, in the target accounts only.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
   */
  private administrationRole(scope: Construct, executionRoleName: string): iam.IRole {
    const stack = Stack.of(scope);
    const conditions = {
      StringLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudformation', resource: 'stackset', resourceName: `${this.props.stackSetName}:*` }) },
    };
    const role = new iam.Role(scope, 'AdministrationRole', {
      description: `StackSets administration role of the stack set ${this.props.stackSetName}`,
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com', { conditions }),
      inlinePolicies: {
        AssumeExecutionRole: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({
            actions: ['sts:AssumeRole'],
            resources: this.accounts().map(account => `arn:${Aws.PARTITION}:iam::${account}:role/${executionRoleName}`),
          })],
        }),
      },
    });
    const optIn = this.regions.filter(region => RegionInfo.get(region).isOptInRegion === true);
    if (optIn.length > 0) {
      role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        principals: optIn.map(region => new iam.ServicePrincipal(`cloudformation.${region}.amazonaws.com`, { conditions })),
      }));
    }
    return role;
  }

  /**
   * The execution role in the pipeline's account: trusted by the administration role only, with the
   * user's deployment policies for the resources and what StackSets itself needs in a target
   * account, per "Grant self-managed permissions": "full AWS CloudFormation permissions" (limited
   * here to this stack set's instance stacks, named `StackSet-<stackSetName>-<id>`) and the S3
   * actions that "StackSets uses ... to notify the stack instance state". The same page's custom
   * execution role example gives "the minimum permissions for stack sets" as `cloudformation:*`,
   * `s3:*` and `sns:*` on `*`: `s3:*` and `sns:*` are granted as documented (no narrower resource is
   * documented; explained in private/nag.ts), so an instance operation cannot fail for want of them.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
   * @see https://github.com/awsdocs/aws-cloudformation-user-guide/blob/main/doc_source/stacksets-prereqs-self-managed.md (stacksets-prereqs-executionrole)
   */
  private executionRole(scope: Construct, roleName: string, administrationRole: iam.IRole, account: string): iam.IRole {
    const role = new iam.Role(scope, 'ExecutionRole', {
      roleName,
      description: `StackSets execution role of the stack set ${this.props.stackSetName}`,
      assumedBy: new iam.ArnPrincipal(administrationRole.roleArn),
      managedPolicies: this.props.deploymentManagedPolicies,
      inlinePolicies: {
        StackSets: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['cloudformation:*'],
              resources: [`arn:${Aws.PARTITION}:cloudformation:*:${account}:stack/${instanceStackPrefix(this.props.stackSetName)}*/*`],
            }),
            new iam.PolicyStatement({ actions: ['s3:*', 'sns:*'], resources: ['*'] }),
          ],
        }),
      },
    });
    explainStackSetExecutionRole(role, instanceStackPrefix(this.props.stackSetName), account);
    return role;
  }
}

/** Stack instances are stacks named `StackSet-<stack set name>-<generated id>`. */
function instanceStackPrefix(stackSetName: string): string {
  return `StackSet-${stackSetName}-`;
}

/** `<name>-stackset-exec-<hash>`, at most 64 characters (IAM's limit for role names). */
function defaultExecutionRoleName(stackSetName: string): string {
  const hash = createHash('sha256').update(stackSetName).digest('hex').slice(0, 8);
  return `${stackSetName.slice(0, 64 - '-stackset-exec-'.length - hash.length)}-stackset-exec-${hash}`;
}
