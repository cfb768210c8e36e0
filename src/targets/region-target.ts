import { Annotations, Stack, Stage } from 'aws-cdk-lib';
import { CdkStageTarget, CdkStageTargetOptions } from './cdk-stage-target';
import { CloudFormationTarget, CloudFormationTargetProps } from './cloudformation-target';
import { CodeDeployGroupTargetProps, CodeDeployServerTarget, CodeDeployTargetProps } from './codedeploy-target';
import { EcsBlueGreenGroupTargetProps, EcsBlueGreenTarget, EcsBlueGreenTargetProps } from './ecs-blue-green-target';
import { StackSetTarget, StackSetTargetProps } from './stackset-target';
import { RegionTargetOptions } from './target-options';
import { DeploymentGates } from '../deployment-gates';
import { DeploymentWindow } from '../deployment-window';
import { DEFAULT_BOOTSTRAP_QUALIFIER, bootstrapRoles, grantStoreRead } from '../private/cross-account';
import { validationError } from '../private/errors';
import { GateSettings, checkAlarmRegions, checkGates } from '../private/gates';
import { BindContext, PluginBinding, TargetKind } from '../private/protocol';

/**
 * A region the pipeline delivers to, and how.
 */
export class RegionTarget {
  /**
   * Deploys a CloudFormation template to a region through a change set: optional infrastructure stack
   * (run order 1), create change set (2), optional approval (3), execute change set (4).
   */
  public static cloudFormation(props: CloudFormationTargetProps): RegionTarget {
    return new RegionTarget(new CloudFormationTarget(props), props);
  }

  /**
   * Deploys the stacks of a CDK Stage of the pipeline's own app to the stage's region: publishes
   * their file and container-image assets with cdk-assets (run order 1), then deploys each stack
   * through a change set (create, optional approval, execute), a stack after the stacks it depends
   * on. The stage must have a concrete account and region; in another account than the pipeline's,
   * its stacks are deployed with that account's CDK bootstrap roles and its assets published with
   * that account's bootstrap publishing roles (see "Deploying to other accounts"); `options.account`
   * need not be given, and must be the stage's when it is. The stage is
   * synthesized here, so add its stacks before. The pipeline's build must synthesize the app
   * (`PipelineBuild.cdkSynth()`).
   */
  public static cdkStage(stage: Stage, options: CdkStageTargetOptions = {}): RegionTarget {
    const kind = new CdkStageTarget(stage, options);
    // the stage's env decides its account; in another account than the pipeline's, its stacks' bootstrap roles
    return new RegionTarget(kind, { ...options, account: kind.account, bootstrapQualifier: options.bootstrapQualifier ?? kind.bootstrapQualifier });
  }

  /**
   * Deploys the build output (or the source) as a revision to an existing EC2/on-premises CodeDeploy
   * deployment group in a region, named by its application and group: optional approval (run
   * order 3), deploy (4). The pipeline copies the revision into that region's artifact store.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeDeploy.html
   */
  public static codeDeploy(props: CodeDeployTargetProps): RegionTarget {
    return new RegionTarget(CodeDeployServerTarget.byNames(props), props);
  }

  /**
   * Deploys the build output (or the source) as a revision to an EC2/on-premises deployment group
   * defined in a stack of its region (the target's region is the group's): optional approval (run
   * order 3), deploy (4). aws-cdk-lib also lets the group's Auto Scaling groups read the region's
   * artifact store, where their agents download the revision.
   */
  public static codeDeployGroup(props: CodeDeployGroupTargetProps): RegionTarget {
    return new RegionTarget(CodeDeployServerTarget.ofGroup(props), props);
  }

  /**
   * Deploys a new task set to an Amazon ECS service, blue/green, through an existing CodeDeploy ECS
   * deployment group in a region, named by its application and group: optional approval (run
   * order 3), deploy (4). The task definition and AppSpec templates come from the build output (or
   * the source).
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
   */
  public static ecsBlueGreen(props: EcsBlueGreenTargetProps): RegionTarget {
    return new RegionTarget(EcsBlueGreenTarget.byNames(props), props);
  }

  /**
   * Deploys a new task set to an Amazon ECS service, blue/green, through a CodeDeploy ECS deployment
   * group defined in a stack of its region (the target's region is the group's): optional approval
   * (run order 3), deploy (4).
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
   */
  public static ecsBlueGreenGroup(props: EcsBlueGreenGroupTargetProps): RegionTarget {
    return new RegionTarget(EcsBlueGreenTarget.ofGroup(props), props);
  }

  /**
   * Deploys one CloudFormation template to several regions (and accounts) as a stack set, in one
   * StackSets operation: optional approval (run order 3), the `CloudFormationStackSet` action (4);
   * with `initialRegionCount`, the `CloudFormationStackSet` action for the first regions (2), optional
   * approval (3), a `CloudFormationStackInstances` action for the other regions (4).
   * The actions run in the pipeline's region, so the regions need no CodePipeline and no artifact store.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StackSets.html
   */
  public static stackSet(props: StackSetTargetProps): RegionTarget {
    return new RegionTarget(new StackSetTarget(props), props);
  }

  /** The region the target deploys to (for a stack set, the first of its regions). */
  public readonly region: string;

  /** Every region the target deploys to: its `region`, or a stack set's regions in order. */
  public readonly regions: string[];

  /** Short description, such as `service-x@eu-west-1`. */
  public readonly description: string;

  /**
   * When the target may be deployed.
   * @default - no window
   */
  public readonly window?: DeploymentWindow;

  /**
   * The target's own safety gates.
   * @default - none: the pipeline's `defaultGates` apply
   */
  public readonly gates?: DeploymentGates;

  /**
   * The account the target deploys to, as given.
   * @default - the pipeline's account
   */
  public readonly account?: string;

  /**
   * The qualifier of the CDK bootstrap stack whose roles deploy the target in another account.
   * @default - 'hnb659fds', for a target in another account
   */
  public readonly bootstrapQualifier?: string;

  /**
   * What the target deploys and how, checked.
   * @internal
   */
  public readonly _kind: TargetKind;

  /**
   * The target's own gates, checked (alarms of its region).
   * @internal
   */
  public readonly _gates?: GateSettings;

  private constructor(kind: TargetKind, options: RegionTargetOptions) {
    this._kind = kind;
    this.region = kind.region;
    this.regions = kind.regions ?? [kind.region];
    this.description = kind.description;
    this.window = options.window;
    this.gates = options.gates;
    this.account = options.account;
    this.bootstrapQualifier = options.bootstrapQualifier;
    const what = `RegionTarget(${kind.description})`;
    this._gates = checkGates(options.gates, what);
    checkAlarmRegions(this._gates, kind.region, what);
  }

  /**
   * Creates the target's actions and their IAM roles.
   * @internal
   */
  public _bind(context: BindContext): PluginBinding {
    const pipelineAccount = Stack.of(context.pipeline).account;
    if (this.account === undefined || this.account === pipelineAccount) {
      return this._kind._bind(context);
    }
    // a role of another account reads the artifacts: only a customer managed key can let it decrypt
    // https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
    if (!context.stores.key(this.region)) {
      throw validationError(`target ${this.description} deploys to account ${this.account}, the pipeline is in ${pipelineAccount}: a role of another ` +
        'account can read the pipeline\'s artifacts only when they are encrypted with a customer managed KMS key whose policy lets it decrypt. ' +
        'Set `artifactStores: { encryption: ArtifactEncryption.KMS }` on the pipeline.', context.scope);
    }
    const qualifier = this.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    const roles = bootstrapRoles(context.scope, this.account, this.region, qualifier);
    // what the target account needs beforehand, named where the CDK CLI prints it at synthesis
    Annotations.of(context.scope).addInfo(`target ${this.description} deploys to account ${this.account} with its CDK bootstrap roles ` +
      `(${roles.actionRole.roleArn}, ${roles.deploymentRole.roleArn}); bootstrap it before the pipeline runs: ` +
      `cdk bootstrap aws://${this.account}/${this.region} --trust ${pipelineAccount} --cloudformation-execution-policies <policy ARNs>` +
      `${qualifier === DEFAULT_BOOTSTRAP_QUALIFIER ? '' : ` --qualifier ${qualifier}`}`);
    grantStoreRead(context.stores, this.region, this.account, [roles.actionRole.roleArn, roles.deploymentRole.roleArn]);
    return this._kind._bind({ ...context, crossAccount: roles });
  }
}
