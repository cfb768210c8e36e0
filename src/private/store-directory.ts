import { Names, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ArtifactStore, ArtifactStoreStack, artifactBucketName, storeTagValue } from './artifact-store';
import { validationError } from './errors';
import { StoreDirectory } from './protocol';
import { offers, partitionOf } from './region-services';
import { StoreCleaner } from './store-cleaner';
import { ArtifactStoreOptions } from '../artifact-stores';

/**
 * The artifact stores of one pipeline, one per region: the pipeline's region in the pipeline's own
 * stack (`<pipeline>/ArtifactStore`), every other region in `<PipelineStack>-<pipeline region>-artifacts-<region>`.
 * Created when a region first needs one (when its first target is added), so `artifactBucket(region)`
 * works before the pipeline is built.
 */
export class ArtifactStores implements StoreDirectory {
  private readonly stores = new Map<string, ArtifactStore>();

  constructor(private readonly owner: Construct, private readonly homeRegion: string, private readonly options: ArtifactStoreOptions) {
    this.ensure(homeRegion);
  }

  public get regions(): string[] {
    return [...this.stores.keys()];
  }

  /**
   * The regions whose bucket is one of the pipeline's artifact stores: those where CodePipeline is
   * offered (it rejects a store in any other region). In the others the bucket only stages what the
   * CodeBuild route deploys (private/codebuild-route.ts).
   * @see https://docs.aws.amazon.com/general/latest/gr/codepipeline.html
   */
  public get pipelineStoreRegions(): string[] {
    return this.regions.filter(region => offers('codepipeline', region) !== false);
  }

  /** Creates the store of `region` unless it exists. */
  public ensure(region: string): void {
    if (this.stores.has(region)) { return; }
    const bucketName = artifactBucketName(this.owner, region);
    const props = { ...this.options, bucketName, storeTag: storeTagValue(this.owner) };
    const store = region === this.homeRegion
      ? new ArtifactStore(this.owner, 'ArtifactStore', props)
      : new ArtifactStore(ArtifactStoreStack.forRegion(Stack.of(this.owner), region), Names.nodeUniqueId(this.owner.node), props);
    this.stores.set(region, store);
  }

  /**
   * Turns on the EventBridge notifications of the store of `region` (regional pipelines start on its
   * `Object Created` events). On the L1 bucket: `enableEventBridgeNotification()` would add a custom
   * resource and its Lambda function to every store stack for one bucket property.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
   */
  public sendEventsToEventBridge(region: string): void {
    const cfn = this.store(region).bucket.node.defaultChild as s3.CfnBucket;
    cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  }

  /** The store's own bucket (in the store's stack). */
  public ownBucket(region: string): s3.IBucket {
    return this.store(region).bucket;
  }

  /**
   * The bucket itself in the pipeline's region; else a reference by literal name and ARN (with the
   * key's alias when encrypted with KMS), so the pipeline's policies carry short literal ARNs.
   */
  public bucket(region: string): s3.IBucket {
    const store = this.store(region);
    if (region === this.homeRegion) {
      return store.bucket;
    }
    const id = `StoreReference-${region}`;
    const existing = this.owner.node.tryFindChild(id);
    if (existing) {
      return existing as unknown as s3.IBucket;
    }
    const stack = Stack.of(this.owner);
    const partition = partitionOf(region) ?? stack.partition;
    return s3.Bucket.fromBucketAttributes(this.owner, id, {
      bucketName: store.bucketName,
      bucketArn: `arn:${partition}:s3:::${store.bucketName}`,
      region,
      account: stack.account,
      encryptionKey: store.key,
    });
  }

  /**
   * Adds the cleaner that empties every store destroyed with its stack when the pipeline's stack is
   * deleted (private/store-cleaner.ts); none when the stores are retained.
   */
  public addCleaner(pipeline: Construct): void {
    const cleaned = [...this.stores.entries()].filter(([, store]) => store.emptiedOnDelete);
    const home = this.stores.get(this.homeRegion)!;
    if (cleaned.length === 0) { return; }
    new StoreCleaner(this.owner, 'StoreCleaner', {
      stores: cleaned.map(([region, store]) => ({ region, bucketName: store.bucketName })),
      tagValue: storeTagValue(this.owner),
      homeStore: home.bucket,
      homeBucketName: home.bucketName,
      // the pipeline resource itself: its roles and policies may go in any order
      pipeline: pipeline.node.defaultChild ?? pipeline,
      partition: partitionOf(this.homeRegion) ?? Stack.of(this.owner).partition,
    });
  }

  public bucketName(region: string): string {
    return this.store(region).bucketName;
  }

  public key(region: string): kms.IKey | undefined {
    return this.store(region).key;
  }

  public stack(region: string): Stack {
    return Stack.of(this.store(region));
  }

  private store(region: string): ArtifactStore {
    const store = this.stores.get(region);
    if (!store) {
      throw validationError(`${this.owner.node.path}: no artifact store in region '${region}'; the pipeline has stores in ${this.regions.join(', ')}.`, this.owner);
    }
    return store;
  }
}
