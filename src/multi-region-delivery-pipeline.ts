import { Annotations, Aspects, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';
import { DeploymentPlan } from './deployment-plan';
import { DeploymentWindow } from './deployment-window';
import { MultiRegionDeliveryPipelineProps } from './multi-region-delivery-pipeline-props';
import { artifactStoreStackName, checkStoreOptions } from './private/artifact-store';
import { validationError } from './private/errors';
import { GateSettings, checkGates, rollsBack } from './private/gates';
import { LaidOutStage, LayoutInput, layOut } from './private/layout';
import { DEFAULT_NOTIFICATION_EVENTS, notificationTopic } from './private/notifications';
import { planOf } from './private/plan';
import { planFilePath, writePlanFile } from './private/plan-file';
import { offers } from './private/region-services';
import { RegionalTopology } from './private/regional-topology';
import { ARN_SIZE_ESTIMATE, ARN_SIZE_ESTIMATE_CONTEXT, RenderedPipeline, renderPipeline } from './private/render';
import { ResolvedTarget, resolveTarget } from './private/resolved-target';
import { ArtifactStores } from './private/store-directory';
import { validatePipelineName, validateRegion } from './private/validation';
import { checkInOneWave } from './private/waves';
import { windowWarnings } from './private/window-coverage';
import { RegionTarget } from './targets/region-target';

const WARNING_PREFIX = 'cdk-multi-region-delivery-pipeline';


/**
 * A CodePipeline (type V2) that builds once and delivers the same revision to many regions:
 * source, optional build and validation, then every region target. It creates the artifact store of
 * each region (in a stack of its own, `<PipelineStack>-<pipeline region>-artifacts-<region>`) and every cross-region
 * wire, and computes its deployment plan before anything is rendered.
 *
 * Lifecycle: targets can be added with `addTarget()` until the pipeline is built, by
 * `buildPipeline()` or, at the latest, at synthesis. `plan` is available at any time; `pipeline`
 * and `buildProject` only once the pipeline is built.
 */
export class MultiRegionDeliveryPipeline extends Construct {
  /** The region of the pipeline (and of its source and build). */
  public readonly pipelineRegion: string;

  /**
   * The SNS topic that receives the pipeline's notifications.
   * @default - undefined when `notifications` is not set
   */
  public readonly notificationTopic?: sns.ITopic;

  private readonly props: MultiRegionDeliveryPipelineProps;
  private readonly defaultGates?: GateSettings;
  private readonly stores: ArtifactStores;
  private readonly targets: ResolvedTarget[] = [];
  private built?: RenderedPipeline;
  private readonly regional?: RegionalTopology;
  private readonly windowsChecked = new Set<string>();

  constructor(scope: Construct, id: string, props: MultiRegionDeliveryPipelineProps) {
    super(scope, id);
    // Render every IAM policy of the pipeline minimized (statements that differ only in resources or
    // only in actions are merged), whatever the app's feature flags say: the policies then grow by
    // a few resource ARNs per region instead of whole statements.
    this.node.setContext(cxapi.IAM_MINIMIZE_POLICIES, true);
    // aws-cdk-lib splits a role's policy into extra managed policies when its estimated size nears
    // IAM's limit, counting each unresolved ARN as 150 characters. The pipeline's unresolved ARNs
    // (its own roles, project, home bucket and log group) are under 120; the estimate for the
    // target stacks' ARNs is set on the `Targets` construct (private/render.ts).
    this.node.setContext(ARN_SIZE_ESTIMATE_CONTEXT, ARN_SIZE_ESTIMATE);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      throw validationError(`MultiRegionDeliveryPipeline ${this.node.path}: stack ${stack.stackName} must have a concrete account and region ` +
        `(got account '${Token.isUnresolved(stack.account) ? 'unresolved' : stack.account}', region '${Token.isUnresolved(stack.region) ? 'unresolved' : stack.region}'); ` +
        'set `env: { account, region }` on the stack, because each target region gets an artifact store stack in that account.', this);
    }
    // the pipeline's own region is checked like a target's: a typo such as 'us-west-02' warns
    this.warnOnUnknownRegion(stack.region, `the pipeline's stack ${stack.stackName}`);
    if (props.pipelineName !== undefined) {
      validatePipelineName(props.pipelineName, this);
    }
    if (offers('codepipeline', stack.region) === false) {
      throw new Error(`MultiRegionDeliveryPipeline ${this.node.path}: stack ${stack.stackName} is in ${stack.region}, where CodePipeline is not offered ` +
        '(https://docs.aws.amazon.com/general/latest/gr/codepipeline.html); put the pipeline in a region that has CodePipeline. ' +
        `It can still deliver to ${stack.region} as a target (through CodeBuild).`);
    }
    this.props = props;
    this.pipelineRegion = stack.region;
    this.defaultGates = checkGates(props.defaultGates, 'defaultGates');
    this.checkRollbackAllowed(this.defaultGates, 'defaultGates');
    this.notificationTopic = notificationTopic(this, props.notifications, this.owner);
    checkStoreOptions(props.artifactStores ?? {}, this.owner);
    this.stores = new ArtifactStores(this, stack.region, props.artifactStores ?? {});
    const regional = props.topology?._regional;
    this.regional = regional ? new RegionalTopology(this, this.owner, this.stores, props, regional) : undefined;
    for (const target of props.targets) {
      this.addTarget(target);
    }
    this.atSynthesis();
    this.node.addValidation({
      validate: () => this.targets.length === 0
        ? ['MultiRegionDeliveryPipeline has no targets; pass at least one RegionTarget in `targets` or with addTarget().']
        : [],
    });
  }

  /**
   * Builds the pipeline just in time at synthesis (unless built before), so targets can be added in
   * any order until then; the same Aspect writes the plan file (private/plan-file.ts says why there
   * and then).
   */
  private atSynthesis(): void {
    const self = this;
    Aspects.of(this).add(new (class implements IAspect {
      public visit(node: IConstruct): void {
        if (node !== self) { return; }
        if (!self.built) { self.buildPipeline(); }
        if (self.planFile !== undefined) { writePlanFile(self.planFile, self.node.path, self.plan, new Date()); }
      }
    })());
  }

  /**
   * Adds a region target. Works until the pipeline is built (by `buildPipeline()`, or at synthesis).
   */
  public addTarget(target: RegionTarget): void {
    if (this.built) {
      throw validationError(`${this.owner}: cannot add target ${target.description} after the pipeline was built ` +
        '(by buildPipeline() or by synthesis); add every target before that.', this);
    }
    const stack = Stack.of(this);
    const record = resolveTarget(target, this.targets, {
      owner: this.owner,
      scope: this,
      defaultGates: this.defaultGates,
      checkGates: (gates, what) => this.checkRollbackAllowed(gates, what),
      account: stack.account,
      homeRegion: this.pipelineRegion,
      ownStacks: region => [region === this.pipelineRegion
        ? { region, stackName: stack.stackName }
        : { region, stackName: artifactStoreStackName(stack, region) },
      ...this.regional?.ownStacks(region) ?? []],
      now: new Date(),
      secondaryOutputs: this.props.buildStep?._secondaryOutputs ?? [],
    });
    if (this.props.rollout) {
      checkInOneWave(this.props.rollout._waves, record.regions, `target ${record.description}`, this.owner);
    }
    record.regions.forEach(region => this.warnOnUnknownRegion(region, `target ${record.description}`));
    if (record.window) {
      this.warnOnThinWindow(record.window);
    }
    this.regional?.addTarget(record);
    this.targets.push(record);
    this.stores.ensure(record.region);
  }

  /**
   * Builds the pipeline: binds the source, the build, the validation and every target, and renders
   * the stages of the layout. Called at synthesis if not before; call it yourself to use `pipeline`
   * or `buildProject` in your own code. No target can be added afterwards.
   */
  public buildPipeline(): void {
    if (this.built) {
      throw validationError(`${this.owner}: buildPipeline() was called already; the pipeline is built once.`, this);
    }
    const props = this.props;
    this.built = renderPipeline({
      owner: this,
      homeRegion: this.pipelineRegion,
      stages: this.regional ? this.regional.layOut(this.layoutInput()).home : this.layOut(),
      stores: this.stores,
      source: { variables: props.source._variables, grantRead: project => props.source._grantRead(project) },
      hasBuild: props.buildStep !== undefined,
      secondaryOutputs: props.buildStep?._secondaryOutputs ?? [],
      targetRegions: this.targetRegions(),
      templatePaths: this.templatePaths(),
      stackNames: [...new Set(this.targets.flatMap(t => t.stacks.map(s => s.stackName)))],
      pipelineProps: {
        pipelineName: props.pipelineName,
        pipelineType: codepipeline.PipelineType.V2,
        executionMode: props.executionMode,
        restartExecutionOnUpdate: props.restartExecutionOnUpdate,
      },
      notifications: this.notificationTopic
        ? { topic: this.notificationTopic, events: props.notifications?.events ?? DEFAULT_NOTIFICATION_EVENTS }
        : undefined,
    });
    this.regional?.render(this.layoutInput(), this.targets, this.notificationTopic
      ? { topic: this.notificationTopic, options: props.notifications!, events: props.notifications?.events ?? DEFAULT_NOTIFICATION_EVENTS }
      : undefined);
  }

  /**
   * The pipeline of `region` (`DeliveryTopology.regionalPipelines()`), once the pipeline is built
   * (`buildPipeline()`): the escape hatch to a regional pipeline.
   */
  public regionalPipeline(region: string): codepipeline.Pipeline {
    if (!this.regional) {
      throw validationError(`${this.owner}: regionalPipeline('${region}') needs the topology DeliveryTopology.regionalPipelines(); ` +
        'this pipeline is a single pipeline (use `pipeline`).', this);
    }
    this.builtPipeline(`regionalPipeline('${region}')`);
    return this.regional.pipeline(region);
  }

  /**
   * The underlying CodePipeline, once the pipeline is built (`buildPipeline()`).
   */
  public get pipeline(): codepipeline.Pipeline {
    return this.builtPipeline('pipeline').pipeline;
  }

  /**
   * The CodeBuild project of the build stage, once the pipeline is built (`buildPipeline()`).
   * @default - undefined when there is no build
   */
  public get buildProject(): codebuild.IProject | undefined {
    return this.props.buildStep ? this.builtPipeline('buildProject').projects.Build : undefined;
  }

  /**
   * The regions that have an artifact bucket: the pipeline's region and every target region. In a
   * target region without CodePipeline the bucket only stages templates and packaged code, and is
   * not one of the pipeline's artifact stores (CodePipeline rejects a store in such a region).
   */
  public get artifactStoreRegions(): string[] {
    return this.stores.regions;
  }

  /**
   * The artifact bucket of `region` (the pipeline's region or a target region).
   */
  public artifactBucket(region: string): s3.IBucket {
    if (!this.stores.regions.includes(region)) {
      throw validationError(`${this.owner}: no artifact store in region '${region}'; ` +
        `the pipeline has stores in ${this.artifactStoreRegions.join(', ')}.`, this);
    }
    return this.stores.ownBucket(region);
  }

  /**
   * The deployment plan: every action with its stage, region, run order and kind, computed from the
   * targets' layout (not from the rendered pipeline). Available at any time.
   */
  public get plan(): DeploymentPlan {
    if (this.regional) {
      return this.regional.plan(this.layoutInput(), this.pipelineRegion, Stack.of(this).account);
    }
    return planOf(this.layOut(), this.pipelineRegion, Stack.of(this).account);
  }

  /** Warns when `region` is well formed but unknown to aws-cdk-lib (a typo such as 'us-west-02'); throws when malformed. */
  private warnOnUnknownRegion(region: string, what: string): void {
    const warning = validateRegion(region, what);
    if (warning) {
      Annotations.of(this).addWarningV2(`${WARNING_PREFIX}:unknownRegion`, warning);
    }
  }

  /** Warns once per window whose openings are too short or too rare (see private/window-coverage.ts). */
  private warnOnThinWindow(window: DeploymentWindow): void {
    const key = window.toString();
    if (this.windowsChecked.has(key)) { return; }
    this.windowsChecked.add(key);
    for (const warning of windowWarnings(window, new Date())) {
      Annotations.of(this).addWarningV2(`${WARNING_PREFIX}:${warning.id}`, warning.message);
    }
  }

  /**
   * Where synthesis writes the deployment plan: `<construct path>.plan.md` (characters other than
   * letters, digits, `.`, `_` and `-` replaced by `-`) in the cloud assembly directory of the
   * pipeline's App or Stage, next to the templates.
   * @default - undefined when `writePlan` is false, or when the pipeline is in no App or Stage
   */
  public get planFile(): string | undefined {
    return this.props.writePlan === false ? undefined : planFilePath(this);
  }

  private get owner(): string {
    return `MultiRegionDeliveryPipeline ${this.node.path}`;
  }

  private builtPipeline(member: string): RenderedPipeline {
    if (!this.built) {
      throw validationError(`${this.owner}: \`${member}\` is available once the pipeline is built; call buildPipeline() first ` +
        '(after adding every target).', this);
    }
    return this.built;
  }

  private layOut(): LaidOutStage[] {
    return layOut(this.layoutInput());
  }

  private layoutInput(): LayoutInput {
    const props = this.props;
    return {
      owner: this.owner,
      scope: this,
      homeRegion: this.pipelineRegion,
      source: { plugin: props.source, detail: props.source._planDetail },
      build: props.buildStep ? { plugin: props.buildStep } : undefined,
      validation: props.validation
        ? { plugin: props.validation, detail: `${props.validation.description} on ${this.templatePaths().join(', ')}` }
        : undefined,
      targets: this.targets,
      defaultGates: this.defaultGates,
      waves: props.rollout?._waves,
      machineImage: props.machineImage,
    };
  }

  /** Every target region, each once, in target order. */
  private targetRegions(): string[] {
    return [...new Set(this.targets.map(t => t.region))];
  }

  /** The templates the CloudFormation targets deploy, each once, in target order. */
  private templatePaths(): string[] {
    return [...new Set(this.targets.flatMap(t => t.templatePaths))];
  }

  /**
   * Stage rollback is not available in PARALLEL mode, and a failure condition with result ROLLBACK
   * cannot be added to such a pipeline.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/execution-modes.html
   */
  private checkRollbackAllowed(gates: GateSettings | undefined, what: string): void {
    const parallel = [this.props.executionMode, this.props.topology?._regional?.executionMode].includes(codepipeline.ExecutionMode.PARALLEL);
    if (parallel && rollsBack(gates)) {
      throw validationError(`${this.owner}: ${what} roll the stage back (rollbackOnFailure, or alarms checked on success ` +
        'with result ROLLBACK), but the pipeline runs in PARALLEL execution mode, where CodePipeline offers no stage rollback. ' +
        'Use ExecutionMode.QUEUED or SUPERSEDED, or drop the rollback gates. See https://docs.aws.amazon.com/codepipeline/latest/userguide/execution-modes.html', this);
    }
  }
}
