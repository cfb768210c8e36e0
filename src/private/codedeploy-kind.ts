import { Names, Stack, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';
import { BindContext, DeploymentGroupRef, NamedStep, PlannedStep, PluginBinding, StackRef, StepRoute, TargetKind } from './protocol';
import { offers } from './region-services';
import { actionNameFragment, validateCodeDeployName, validateRegion } from './validation';
import { PlannedActionKind } from '../deployment-plan';

/** Run orders of the CodeDeploy targets, aligned with the CloudFormation target's (3 approval, 4 deploy). */
const APPROVAL_RUN_ORDER = 3;
const DEPLOY_RUN_ORDER = 4;

/** A deployment group as a target names it: by names (imported at bind), or as a construct. */
export interface GroupChoice<G extends codedeploy.IServerDeploymentGroup | codedeploy.IEcsDeploymentGroup> {
  readonly region: string;
  readonly group?: G;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly deploymentConfigName?: string;
}

/** A group named by the target, to import in its region. */
export interface GroupNames {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The configuration the group uses (the default of its compute platform when not named). */
  readonly deploymentConfigName: string;
}

/** What differs between the compute platforms, for plan details and imports. */
export interface CodeDeployPlatform {
  /** `''` for EC2/on-premises, `'ECS '`: the plan says `CodeDeploy ECS app/group`. */
  readonly platform: string;
  /** The configuration a group named without `deploymentConfigName` is assumed to use. */
  readonly defaultConfig: string;
}

/**
 * What the CodeDeploy targets (EC2/on-premises and ECS blue/green) share: the group's identity, an
 * optional approval (run order 3) and the deployment (4), run with a role of the target's own.
 */
export abstract class CodeDeployKind<G extends codedeploy.IServerDeploymentGroup | codedeploy.IEcsDeploymentGroup> implements TargetKind {
  public readonly region: string;
  public readonly description: string;
  public readonly id: string;
  public readonly stacks: StackRef[] = [];
  public readonly deploymentGroup: DeploymentGroupRef;
  public readonly steps: PlannedStep[];
  public readonly templatePaths: string[] = [];
  public readonly secondaryInputs: string[] = [];
  public regionalPipelineRefusal?: string;
  protected readonly what: string;
  /**
   * How the deploy step reaches a region without CodePipeline (EC2/on-premises only:
   * private/codedeploy-route.ts); undefined for CodePipeline's own cross-region action.
   */
  protected readonly route?: StepRoute;
  private readonly detail: string;

  constructor(factory: string, protected readonly choice: GroupChoice<G>, approval: boolean | undefined, kind: PlannedActionKind,
    private readonly platform: CodeDeployPlatform) {
    this.region = choice.region;
    const group = choice.group;
    if (group) {
      // the names the group is deployed under, so a group given as a construct and by name is one group
      this.deploymentGroup = {
        region: choice.region,
        applicationName: physicalName(group.application.applicationName, group.application, 'applicationName'),
        deploymentGroupName: physicalName(group.deploymentGroupName, group, 'deploymentGroupName'),
      };
      this.what = `RegionTarget.${factory}(${group.node.path})`;
    } else {
      this.deploymentGroup = { region: choice.region, applicationName: choice.applicationName!, deploymentGroupName: choice.deploymentGroupName! };
      this.what = `RegionTarget.${factory}(${literalOr(choice.applicationName ?? '', '<token>')}/${literalOr(choice.deploymentGroupName ?? '', '<token>')}@${choice.region})`;
      checkLiteralNames(choice, this.what, factory);
      validateCodeDeployName(choice.applicationName, this.what, 'application name');
      validateCodeDeployName(choice.deploymentGroupName, this.what, 'deployment group name');
      if (choice.deploymentConfigName !== undefined) {
        validateCodeDeployName(choice.deploymentConfigName, this.what, 'deployment configuration name');
      }
    }
    validateRegion(choice.region, this.what);
    this.route = routeTo(choice.region, this.what, platform);
    const names = group && (Token.isUnresolved(group.application.applicationName) || Token.isUnresolved(group.deploymentGroupName))
      ? undefined
      : `${this.deploymentGroup.applicationName}/${this.deploymentGroup.deploymentGroupName}`;
    const subject = actionNameFragment(names ? names.replace('/', '.') : group!.node.path.replace(/\//g, '.'));
    this.detail = `CodeDeploy ${platform.platform}${names ?? `group ${group!.node.path}`}`;
    this.description = `${subject}@${this.region}`;
    this.id = this.description;
    const common = { subject, detail: this.detail };
    this.steps = [
      ...(approval ? [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: APPROVAL_RUN_ORDER, ...common }] : []),
      { name: 'Deploy', kind, runOrder: DEPLOY_RUN_ORDER, ...common, ...(this.route ? { route: this.route } : {}) },
    ];
  }

  public _bind(context: BindContext): PluginBinding {
    // One role for the target's actions, trusted by the pipeline's role only; the deploy action's
    // grants name this region's application, group, configuration and artifact store.
    const actionRole = new iam.Role(context.scope, 'ActionRole', {
      assumedBy: new iam.ArnPrincipal(context.pipeline.role.roleArn),
      description: `CodePipeline actions deploying ${this.description}`,
    });
    const group = this.resolveGroup(context);
    return {
      actions: context.steps.map(named => named.step.kind === PlannedActionKind.APPROVAL
        ? new actions.ManualApprovalAction({
          actionName: named.actionName,
          runOrder: named.step.runOrder,
          role: actionRole,
          additionalInformation: `Approve the deployment of ${this.detail} in ${this.region}.`,
        })
        : this.deployAction(context, named, actionRole, group)),
    };
  }

  /** The deploy action of the step, granted what it needs on `group`. */
  protected abstract deployAction(context: BindContext, named: NamedStep, actionRole: iam.Role, group: G): codepipeline.IAction;

  /** Imports the group named by the target in its region (in `scope`, a construct of that region's stack). */
  protected abstract importGroup(scope: Construct, names: GroupNames): G;

  /** The group given, or the one named, imported in a stack of the target's region. */
  private resolveGroup(context: BindContext): G {
    const given = this.choice.group;
    if (given) {
      const account = given.env.account;
      const pipelineAccount = Stack.of(context.pipeline).account;
      if (!Token.isUnresolved(account) && !Token.isUnresolved(pipelineAccount) && account !== pipelineAccount) {
        throw validationError(`${this.what}: the deployment group is in account ${account}, the pipeline in ${pipelineAccount}; ` +
          'cross-account CodeDeploy targets are not supported, deploy groups of the pipeline\'s account.', given);
      }
      return given;
    }
    // Imports add nothing to the template; in the region's stack, the imported group, its application
    // and its configuration carry the target's region, so the action runs there.
    const regionStack = context.stores.stack(this.region);
    const id = `Import${Names.nodeUniqueId(context.scope.node)}`;
    const scope = (regionStack.node.tryFindChild(id) as Construct | undefined) ?? new Construct(regionStack, id);
    return this.importGroup(scope, {
      applicationName: this.choice.applicationName!,
      deploymentGroupName: this.choice.deploymentGroupName!,
      deploymentConfigName: this.choice.deploymentConfigName ?? this.platform.defaultConfig,
    });
  }
}

/**
 * The choice of a target given a deployment group construct: its region, which must be concrete,
 * becomes the target's region.
 * @param factory the factory, for messages (`codeDeployGroup`)
 * @param expected what to give instead of nothing (`codedeploy.IServerDeploymentGroup`)
 * @param byNames the factory that takes names, for a group without a concrete region
 */
export function groupChoice<G extends codedeploy.IServerDeploymentGroup | codedeploy.IEcsDeploymentGroup>(
  group: G | undefined, factory: string, expected: string, byNames: string): GroupChoice<G> {
  if (!group) {
    throw new Error(`RegionTarget.${factory}: deploymentGroup is required; give a ${expected} from a stack in the target region.`);
  }
  const region = group.env.region;
  if (Token.isUnresolved(region)) {
    throw validationError(`RegionTarget.${factory}(${group.node.path}): the deployment group's region is unresolved (${region}); define the group ` +
      `in a stack with a concrete \`env: { account, region }\`, or name it with ${byNames}.`, group);
  }
  return { region, group };
}

function literalOr(value: string, fallback: string): string {
  return Token.isUnresolved(value) ? fallback : value;
}

/**
 * The literal name of a construct's resource: the value when literal, else the name given to its
 * CloudFormation resource (`applicationName` of a `CfnApplication`), else its construct path.
 */
function physicalName(value: string, construct: IConstruct, cfnProperty: string): string {
  if (!Token.isUnresolved(value)) { return value; }
  const given = (construct.node.defaultChild as { [property: string]: unknown } | undefined)?.[cfnProperty];
  return typeof given === 'string' && !Token.isUnresolved(given) ? given : construct.node.path;
}

/** Groups named by names are found by those names in another region: they must be literals. */
function checkLiteralNames(choice: GroupChoice<any>, what: string, factory: string): void {
  for (const [option, value] of [['applicationName', choice.applicationName], ['deploymentGroupName', choice.deploymentGroupName],
    ['deploymentConfigName', choice.deploymentConfigName]] as const) {
    if (value !== undefined && Token.isUnresolved(value)) {
      throw new Error(`${what}: ${option} is a token (${value}); the pipeline refers to the group by name from another region, ` +
        `so give literal names, or pass the group itself with RegionTarget.${factory}Group({ deploymentGroup }).`);
    }
  }
}

/**
 * A CodeDeploy action is a cross-region action, which CodePipeline creates only in regions where it
 * is offered (with an artifact store there). In the other regions an EC2/on-premises target is
 * delivered by the CodeBuild route (private/codedeploy-route.ts) where CodeDeploy is offered; an ECS
 * blue/green target is refused: its action does what no CLI call does in one step (it fills the image
 * into the task definition, registers it and hands the AppSpec to CodeDeploy), and the construct does
 * not re-implement it.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
 * @see https://docs.aws.amazon.com/general/latest/gr/codepipeline.html
 */
function routeTo(region: string, what: string, platform: CodeDeployPlatform): StepRoute | undefined {
  if (offers('codepipeline', region) !== false) {
    return undefined;
  }
  if (platform.platform !== '') {
    throw new Error(`${what}: ${region} has no CodePipeline, and CodePipeline places a cross-region CodeDeploy ${platform.platform}action ` +
      'only in a region where it is offered; the construct routes CloudFormation and EC2/on-premises CodeDeploy targets to such regions ' +
      '(through CodeBuild in the pipeline\'s region), but not ECS blue/green, whose action registers the task definition with the image ' +
      'filled in. Deploy this region with RegionTarget.cloudFormation() (an ECS service with its deployment controller), or from a pipeline of its own.');
  }
  if (offers('codedeploy', region) === false) {
    throw new Error(`${what}: ${region} has neither CodePipeline nor CodeDeploy; deploy this region with RegionTarget.cloudFormation().`);
  }
  return 'codebuild';
}
