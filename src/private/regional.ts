import { createHash } from 'crypto';
import { Names, Stack, StackProps, Stage } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NAMES_STORES_BY_ALIAS } from './artifact-store';
import { InlinePolicyRole } from './inline-policy-role';
import { LeadingPlugin } from './layout';
import { BindContext, PipelinePlugin, PluginBinding, StoreDirectory } from './protocol';
import { RegionalTransport } from './regional-layout';
import { PublishRelease, RELEASE_OBJECT_KEY } from './release-publisher';

/*
 * The regional topology (`DeliveryTopology.regionalPipelines()`): how the release travels from the
 * home pipeline to the pipeline of each target region, and where that pipeline lives.
 *
 * Transport: the home pipeline's `Publish` stage holds one Lambda invoke action per target region
 * (private/release-publisher.ts), which copies the release (the input artifact's zip, byte for byte,
 * with the source revision and execution ID as metadata) to a fixed key of that region's artifact
 * store. That bucket sends its events to EventBridge, and a rule in the region starts the region's
 * pipeline on the key's `Object Created` event; the pipeline's S3 source action reads the key (no
 * polling, no CloudTrail trail). Why this transport rather than S3 deploy actions, S3 replication or
 * a CodeBuild copy is written down in the README ("Transport").
 */

/**
 * A regional pipeline's stack: `<PipelineStack>-<pipeline region>-pipeline-<region>`, in the target
 * region and the pipeline's account, beside the region's artifact store stack (on which it depends).
 *
 * The regional pipeline has a stack of its own rather than living in the store's stack: the store
 * must be deployed before the home pipeline (which writes into it), while the regional pipeline
 * depends on the store only; the regional pipeline (its roles, rules and targets) can then be
 * updated, replaced or removed (back to the single pipeline) without touching the bucket that holds
 * every artifact, and a failed update of one region's pipeline holds neither the store nor the home
 * pipeline. One stack per pipeline stack and region holds the regional pipelines of every
 * MultiRegionDeliveryPipeline of that stack, each under its own construct ID.
 */
export class RegionalPipelineStack extends Stack {
  /** The regional pipeline stack of `pipelineStack` in `region`, created on first use. */
  public static forRegion(pipelineStack: Stack, region: string, storeStack: Stack): RegionalPipelineStack {
    const stage = Stage.of(pipelineStack);
    if (!stage) {
      throw new Error(`internal: stack ${pipelineStack.node.path} is not inside an App or Stage`);
    }
    const id = `${pipelineStack.node.id}-pipeline-${region}`;
    const existing = stage.node.tryFindChild(id);
    if (existing instanceof RegionalPipelineStack) {
      return existing;
    }
    const stack = new RegionalPipelineStack(stage, id, {
      stackName: regionalPipelineStackName(pipelineStack, region),
      description: `Regional pipeline in ${region} of the multi-region delivery pipeline in stack ${pipelineStack.stackName} (${pipelineStack.region})`,
      env: { account: pipelineStack.account, region },
      terminationProtection: pipelineStack.terminationProtection,
    });
    // the pipeline's artifact store and the release live in the store's stack: deployed first (a
    // construct dependency, as ArtifactStoreStack.forRegion explains)
    stack.node.addDependency(storeStack);
    return stack;
  }

  private constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.node.setContext(NAMES_STORES_BY_ALIAS, true);
  }
}

/** CloudFormation stack names: at most 128 characters. */
const MAX_STACK_NAME_LENGTH = 128;

/**
 * `<PipelineStack>-<pipeline region>-pipeline-<region>`, unique per pipeline stack (as the store
 * stacks' names are); a name over CloudFormation's 128 characters keeps its end and replaces the
 * rest of the pipeline stack's name with a hash.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
 */
export function regionalPipelineStackName(pipelineStack: Stack, region: string): string {
  const suffix = `-${pipelineStack.region}-pipeline-${region}`;
  const name = `${pipelineStack.stackName}${suffix}`;
  if (name.length <= MAX_STACK_NAME_LENGTH) {
    return name;
  }
  const hash = createHash('sha256').update(pipelineStack.stackName).digest('hex').slice(0, 8);
  return `${pipelineStack.stackName.slice(0, MAX_STACK_NAME_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** The transport: a `Publish` action per region in the home pipeline, a `Release` source in each regional pipeline. */
export function regionalTransport(stores: StoreDirectory): RegionalTransport {
  const where = (region: string) => `s3://${stores.bucketName(region)}/${RELEASE_OBJECT_KEY}`;
  return {
    publish: (region: string): LeadingPlugin => ({ plugin: new PublishRelease(region), detail: `release to ${where(region)}` }),
    release: (region: string): LeadingPlugin => ({ plugin: new ReleaseSource(region), detail: `${where(region)}, started by its Object Created event` }),
  };
}

/**
 * The source of a regional pipeline: the release key of the region's store (the pipeline's own
 * artifact store), started by an EventBridge rule in the region on that key's `Object Created`
 * events. aws-cdk-lib's `S3Trigger.EVENTS` would need a CloudTrail trail (it matches CloudTrail's
 * `AWS API Call via CloudTrail` events); S3 sends `Object Created` to EventBridge itself once the
 * bucket's EventBridge notifications are on (`ArtifactStores.sendEventsToEventBridge`), and the
 * publisher's CopyObject (or a large release's CompleteMultipartUpload) raises it.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/create-S3-source-events.html
 */
class ReleaseSource implements PipelinePlugin {
  constructor(private readonly region: string) {}

  public _bind(context: BindContext): PluginBinding {
    const bucket = context.stores.bucket(this.region);
    new events.Rule(context.scope, 'ReleaseTrigger', {
      description: `Starts the regional pipeline in ${this.region} when the home pipeline publishes a release`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [RELEASE_OBJECT_KEY] },
        },
      },
      // No input transformer, hence no source revision override: each execution's Release action reads
      // the newest version of the key when it runs, never the version named by the event that started
      // it, so an event delivered late (S3 and EventBridge do not promise order) re-deploys the newest
      // release instead of rolling the region back. The home pipeline writes releases in the order they
      // were made (SUPERSEDED or QUEUED; PARALLEL is refused).
      // https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-trigger-source-overrides.html
      // https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html (sourceRevisions)
      targets: [new targets.CodePipeline(context.pipeline, {
        // where aws-cdk-lib puts the rule's role (same logical ID), with its grant inline: one resource fewer per region
        eventRole: new InlinePolicyRole(context.pipeline, 'EventsRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
      })],
    });
    return {
      actions: context.steps.map(named => new actions.S3SourceAction({
        actionName: named.actionName,
        runOrder: named.step.runOrder,
        bucket,
        bucketKey: RELEASE_OBJECT_KEY,
        output: context.artifacts.source,
        trigger: actions.S3Trigger.NONE,
        variablesNamespace: 'Release',
      })),
    };
  }
}

/**
 * The artifact store of one region as its regional pipeline sees it: the region's store, named by
 * literal name and ARN (and its key by its alias), so the regional pipeline's stack holds no
 * reference to the store's stack. `stack(region)` is the regional pipeline's stack, where imports
 * (of deployment groups) go.
 */
export class RegionalStoreView implements StoreDirectory {
  public readonly regions: string[];
  public readonly pipelineStoreRegions: string[];
  private readonly reference: s3.IBucket;

  constructor(scope: Construct, private readonly region: string, private readonly stores: StoreDirectory) {
    this.regions = [region];
    this.pipelineStoreRegions = [region];
    const stack = Stack.of(scope);
    this.reference = s3.Bucket.fromBucketAttributes(scope, 'ArtifactStore', {
      bucketName: stores.bucketName(region),
      bucketArn: stack.formatArn({ service: 's3', region: '', account: '', resource: stores.bucketName(region) }),
      region,
      account: stack.account,
      encryptionKey: stores.key(region),
    });
  }

  public bucket(region: string): s3.IBucket {
    this.check(region);
    return this.reference;
  }

  public bucketName(region: string): string {
    this.check(region);
    return this.stores.bucketName(region);
  }

  public ownBucket(region: string): s3.IBucket {
    this.check(region);
    return this.stores.ownBucket(region);
  }

  public key(region: string): kms.IKey | undefined {
    this.check(region);
    return this.stores.key(region);
  }

  public stack(region: string): Stack {
    this.check(region);
    return Stack.of(this.reference);
  }

  private check(region: string): void {
    if (region !== this.region) {
      throw new Error(`internal: the regional pipeline in ${this.region} has no artifact store in ${region}`);
    }
  }
}

/** The construct of a home pipeline's regional pipeline in `stack`: one per home pipeline, by its unique ID. */
export function regionalScope(stack: Stack, home: Construct): Construct {
  const id = Names.nodeUniqueId(home.node);
  return (stack.node.tryFindChild(id) as Construct | undefined) ?? new Construct(stack, id);
}

/** The name of the regional pipeline of a named home pipeline: `<name>-<region>` (checked like any pipeline name). */
export function regionalPipelineName(pipelineName: string | undefined, region: string): string | undefined {
  return pipelineName === undefined ? undefined : `${pipelineName}-${region}`;
}

/** The execution mode of the regional pipelines. */
export function regionalExecutionMode(mode: codepipeline.ExecutionMode | undefined): codepipeline.ExecutionMode {
  return mode ?? codepipeline.ExecutionMode.SUPERSEDED;
}
