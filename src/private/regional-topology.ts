import { Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PipelineNotifications } from '../deployment-gates';
import { DeploymentPlan } from '../deployment-plan';
import { artifactBucketNamePrefix } from './artifact-store';
import { validationError } from './errors';
import { LayoutInput } from './layout';
import { notificationTopic } from './notifications';
import { planOfPipelines } from './plan';
import { HOME_PIPELINE } from './plan-text';
import { StackRef } from './protocol';
import { RegionalPipelineStack, RegionalStoreView, regionalExecutionMode, regionalPipelineName, regionalScope, regionalPipelineStackName, regionalTransport } from './regional';
import { RegionalLayout, layOutRegional } from './regional-layout';
import { renderPipeline } from './render';
import { ResolvedTarget } from './resolved-target';
import { ArtifactStores } from './store-directory';
import { validatePipelineName } from './validation';
import { RegionalPipelinesOptions } from '../delivery-topology';
import { Rollout } from '../rollout';

/*
 * What the MultiRegionDeliveryPipeline construct does differently with
 * `DeliveryTopology.regionalPipelines()`: its checks, its plan, and the rendering of the regional
 * pipelines (private/regional.ts holds their stacks and transport).
 */

/** Whether the target's steps reach its region through CodeBuild (a region without CodePipeline): it stays in the home pipeline. */
export function isRouted(record: ResolvedTarget): boolean {
  return record.steps.some(step => step.route !== undefined);
}

/** What the regional topology cannot combine with, checked once in the constructor. */
export function checkRegionalTopology(props: { readonly rollout?: Rollout; readonly executionMode?: codepipeline.ExecutionMode },
  owner: string, scope: Construct): void {
  if (props.rollout) {
    throw validationError(`${owner}: rollout (waves) and DeliveryTopology.regionalPipelines() do not combine: waves order the regions ` +
      'one after another in one pipeline, while regional pipelines deploy every region independently. Drop `rollout`, or use ' +
      'DeliveryTopology.singlePipeline().', scope);
  }
  // In SUPERSEDED and QUEUED mode a stage runs one execution at a time, a waiting execution is
  // superseded by a newer one (never run after it) or queued in order, so releases are published
  // in the order they were made; in PARALLEL mode two releases could be published in either order,
  // and the older one would win. https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html
  if (props.executionMode === codepipeline.ExecutionMode.PARALLEL) {
    throw validationError(`${owner}: executionMode PARALLEL and DeliveryTopology.regionalPipelines() do not combine: parallel executions ` +
      'could publish two releases in either order, and a region would deploy the older one last. Use ExecutionMode.SUPERSEDED (the default) or ' +
      'QUEUED for the home pipeline; each regional pipeline has its own mode (regionalPipelines({ executionMode })).', scope);
  }
}

/**
 * A target of a regional pipeline (not routed): the kind must run there
 * (`TargetKind.regionalPipelineRefusal`), read only the release, and its pipeline's name must be valid.
 */
export function checkRegionalTarget(record: ResolvedTarget, pipelineName: string | undefined, owner: string, scope: Construct): void {
  const what = `target ${record.description}`;
  const refusal = record.target._kind.regionalPipelineRefusal;
  if (refusal !== undefined) {
    throw validationError(`${owner}: ${what} cannot be deployed by a regional pipeline (DeliveryTopology.regionalPipelines()): ${refusal}.`, scope);
  }
  if (record.account !== undefined) {
    // a regional pipeline names its store's key by alias, which CodePipeline resolves only in the key's own
    // account (private/cross-account.ts names it by ARN for the single pipeline only)
    throw validationError(`${owner}: ${what} is in account ${record.account}; targets in other accounts are delivered by the single pipeline ` +
      'only for now (DeliveryTopology.singlePipeline()), whose stores name their keys by ARN for the target account.', scope);
  }
  const secondary = record.target._kind.secondaryInputs;
  if (secondary.length > 0) {
    throw validationError(`${owner}: ${what} reads the build output '${secondary[0]}', but a regional pipeline receives only the release ` +
      '(the build\'s main output); put the files into the main output, or use DeliveryTopology.singlePipeline().', scope);
  }
  const name = regionalPipelineName(pipelineName, record.region);
  if (name !== undefined) {
    validatePipelineName(name, scope, `the name of the regional pipeline in ${record.region} (pipelineName '${pipelineName}' and '-${record.region}')`);
  }
}

/** The plan of the regional topology: the home pipeline, then every regional pipeline. */
export function regionalPlan(layout: RegionalLayout, homeRegion: string, homeAccount?: string): DeploymentPlan {
  return planOfPipelines([
    { pipeline: HOME_PIPELINE, stages: layout.home },
    ...layout.regional.map(r => ({ pipeline: r.region, stages: r.stages })),
  ], homeRegion, homeAccount);
}

/** What the regional pipelines are rendered from. */
export interface RegionalRenderInput {
  /** The home pipeline's construct. */
  readonly home: Construct;
  /** For messages. */
  readonly owner: string;
  readonly layout: RegionalLayout;
  readonly stores: ArtifactStores;
  readonly targets: ResolvedTarget[];
  readonly pipelineName?: string;
  readonly executionMode?: codepipeline.ExecutionMode;
  /** Whether the home pipeline has a build, whose output the release then is. */
  readonly releaseFromBuild: boolean;
  readonly notifications?: {
    readonly topic: sns.ITopic;
    readonly options: PipelineNotifications;
    readonly events: codepipeline.PipelineNotificationEvents[];
  };
}

/**
 * Renders the pipeline of every region in its own stack (private/regional.ts), binding the region's
 * targets exactly as the single pipeline does, with the region's artifact store as the pipeline's
 * only store. Returns the pipelines by region.
 */
export function renderRegionalPipelines(input: RegionalRenderInput): Map<string, codepipeline.Pipeline> {
  const homeStack = Stack.of(input.home);
  const pipelines = new Map<string, codepipeline.Pipeline>();
  for (const { region, stages } of input.layout.regional) {
    const stack = RegionalPipelineStack.forRegion(homeStack, region, input.stores.stack(region));
    if (region !== homeStack.region) {
      // deployed before the home pipeline, so the first release it publishes finds the region's
      // pipeline and rule in place (the home region's regional pipeline comes after the home stack,
      // which holds its artifact store)
      homeStack.node.addDependency(stack);
    }
    const owner = regionalScope(stack, input.home);
    const stores = new RegionalStoreView(owner, region, input.stores);
    const inRegion = input.targets.filter(t => t.region === region);
    const rendered = renderPipeline({
      owner,
      homeRegion: region,
      stages,
      stores,
      artifactBucket: stores.bucket(region),
      bucketNamePrefix: artifactBucketNamePrefix(input.home),
      source: { variables: {}, grantRead: () => undefined },
      hasBuild: false,
      templatesFromBuild: input.releaseFromBuild,
      secondaryOutputs: [],
      targetRegions: [region],
      templatePaths: [...new Set(inRegion.flatMap(t => t.templatePaths))],
      stackNames: [...new Set(inRegion.flatMap(t => t.stacks.map(s => s.stackName)))],
      pipelineProps: {
        pipelineName: regionalPipelineName(input.pipelineName, region),
        pipelineType: codepipeline.PipelineType.V2,
        executionMode: regionalExecutionMode(input.executionMode),
      },
      notifications: input.notifications
        ? { topic: regionalTopic(owner, region, input), events: input.notifications.events }
        : undefined,
    });
    pipelines.set(region, rendered.pipeline);
  }
  return pipelines;
}

/**
 * The topic a regional pipeline notifies: the user's topic when it is in the pipeline's region and
 * account (a stack cannot refer to a topic of another region), else a topic of the regional
 * pipeline's own, encrypted like the home pipeline's.
 */
function regionalTopic(owner: Construct, region: string, input: RegionalRenderInput): sns.ITopic {
  const given = input.notifications!.options.topic;
  if (given && given.env.region === region && given.env.account === Stack.of(input.home).account) {
    return given;
  }
  return notificationTopic(owner, { ...input.notifications!.options, topic: undefined }, input.owner)!;
}

/** What the regional topology takes from the pipeline's props. */
export interface RegionalTopologyProps {
  readonly pipelineName?: string;
  readonly executionMode?: codepipeline.ExecutionMode;
  readonly rollout?: Rollout;
  readonly notifications?: PipelineNotifications;
}

/**
 * The regional topology of one MultiRegionDeliveryPipeline: what it adds to the construct's
 * lifecycle (targets added, layout, rendering, plan), each a call from the construct.
 */
export class RegionalTopology {
  private readonly pipelines = new Map<string, codepipeline.Pipeline>();

  constructor(private readonly home: Construct, private readonly owner: string, private readonly stores: ArtifactStores,
    private readonly props: RegionalTopologyProps, private readonly options: RegionalPipelinesOptions) {
    checkRegionalTopology(props, owner, home);
  }

  /** The stacks of the regional pipelines, which no target may deploy. */
  public ownStacks(region: string): StackRef[] {
    return [{ region, stackName: regionalPipelineStackName(Stack.of(this.home), region) }];
  }

  /** Checks a target as it is added, and lets its region's store start the regional pipeline. */
  public addTarget(record: ResolvedTarget): void {
    if (isRouted(record)) { return; }
    checkRegionalTarget(record, this.props.pipelineName, this.owner, this.home);
    this.stores.ensure(record.region);
    this.stores.sendEventsToEventBridge(record.region);
  }

  public layOut(input: LayoutInput): RegionalLayout {
    return layOutRegional(input, regionalTransport(this.stores));
  }

  public plan(input: LayoutInput, homeRegion: string, homeAccount?: string): DeploymentPlan {
    return regionalPlan(this.layOut(input), homeRegion, homeAccount);
  }

  /** Renders the regional pipelines (after the home pipeline). */
  public render(input: LayoutInput, targets: ResolvedTarget[], notifications: RegionalRenderInput['notifications']): void {
    renderRegionalPipelines({
      home: this.home,
      owner: this.owner,
      layout: this.layOut(input),
      stores: this.stores,
      targets,
      pipelineName: this.props.pipelineName,
      executionMode: this.options.executionMode,
      releaseFromBuild: input.build !== undefined,
      notifications,
    }).forEach((pipeline, region) => this.pipelines.set(region, pipeline));
  }

  /** The regional pipeline of `region`, once rendered. */
  public pipeline(region: string): codepipeline.Pipeline {
    const pipeline = this.pipelines.get(region);
    if (!pipeline) {
      throw validationError(`${this.owner}: no regional pipeline in '${region}'; the regional pipelines are in ` +
        `${[...this.pipelines.keys()].join(', ') || 'no region'} (a region without CodePipeline is deployed by the home pipeline).`, this.home);
    }
    return pipeline;
  }
}
