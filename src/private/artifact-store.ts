import { createHash } from 'crypto';
import { Duration, Names, RemovalPolicy, Stack, StackProps, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';
import { explainArtifactStoreLogging } from './nag';
import { STORE_TAG_KEY } from './store-cleaner';
import { ArtifactEncryption, ArtifactStoreOptions } from '../artifact-stores';

/** How long an artifact stays current by default: a rollback or retry can reach three months back. */
export const DEFAULT_ARTIFACT_EXPIRATION = Duration.days(90);

/**
 * One region's artifact store: a versioned, TLS-only, private bucket, optionally with its own KMS key.
 */
export class ArtifactStore extends Construct {
  public readonly bucket: s3.IBucket;
  public readonly bucketName: string;
  public readonly key?: kms.IKey;
  /** Whether the pipeline's store cleaner empties the bucket when the pipeline's stack is deleted. */
  public readonly emptiedOnDelete: boolean;

  constructor(scope: Construct, id: string, options: ArtifactStoreOptions & { readonly bucketName: string; readonly storeTag: string }) {
    super(scope, id);
    const removalPolicy = options.removalPolicy ?? RemovalPolicy.DESTROY;
    const useKms = (options.encryption ?? ArtifactEncryption.S3_MANAGED) === ArtifactEncryption.KMS;

    const encryptionKey = useKms ? this.createKey(removalPolicy) : undefined;
    this.key = encryptionKey;

    const bucket = new s3.Bucket(this, 'Bucket', {
      // a name known at synth time, so the pipeline in another region can reference the bucket
      bucketName: options.bucketName,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: useKms ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey,
      bucketKeyEnabled: useKms ? true : undefined,
      removalPolicy,
      lifecycleRules: [{
        id: 'ExpireOldArtifactVersions',
        // a current artifact expires (a delete marker makes it noncurrent), then its version expires
        expiration: options.artifactExpiration ?? DEFAULT_ARTIFACT_EXPIRATION,
        noncurrentVersionExpiration: options.noncurrentVersionExpiration ?? Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
    });
    explainArtifactStoreLogging(bucket);
    this.bucket = bucket;
    this.bucketName = options.bucketName;
    this.emptiedOnDelete = removalPolicy === RemovalPolicy.DESTROY;
    if (this.emptiedOnDelete) {
      // what the store cleaner (private/store-cleaner.ts) checks before it empties the bucket
      (bucket.node.defaultChild as s3.CfnBucket).tags.setTag(STORE_TAG_KEY, options.storeTag);
    }
  }

  /**
   * A rotated key, named through an alias: the pipeline's stack lives in another region and can only
   * name this key through an alias whose name is known at synth time. Aliases are always deleted
   * with the stack, so a redeployment never collides with a leftover alias.
   */
  private createKey(removalPolicy: RemovalPolicy): kms.IKey {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'Key', {
      description: `Artifact store of ${stack.stackName} in ${stack.region}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    return new ArtifactKeyAlias(this, 'Alias', {
      aliasName: `alias/${stack.stackName}/${Names.nodeUniqueId(this.node)}`,
      targetKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

/**
 * An alias through which principals in another region are granted use of the key.
 *
 * aws-cdk-lib grants a key in another environment on `Resource: "*"`, because the key's ARN is not
 * known there. This alias grants on the keys of its own account and region instead, and only those
 * that carry this alias (`kms:ResourceAliases`).
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html
 */
class ArtifactKeyAlias extends kms.Alias {
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    const aliasStack = Stack.of(this);
    const granteeStack = grantee.grantPrincipal instanceof Construct ? Stack.of(grantee.grantPrincipal) : undefined;
    // a regional pipeline's stack names the key through the alias too, so it holds no reference to the store's stack
    if (granteeStack && granteeStack.region === aliasStack.region && granteeStack.account === aliasStack.account
      && !granteeStack.node.tryGetContext(NAMES_STORES_BY_ALIAS)) {
      return super.grant(grantee, ...actions);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [aliasStack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': this.aliasName } },
    });
  }

  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ...KMS_DECRYPT);
  }

  public grantEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ...KMS_ENCRYPT);
  }

  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ...KMS_DECRYPT, ...KMS_ENCRYPT);
  }
}

/** Context set on a stack whose principals name the artifact stores' keys through their aliases only. */
export const NAMES_STORES_BY_ALIAS = 'cdk-multi-region-delivery-pipeline:namesStoresByAlias';

const KMS_DECRYPT = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_ENCRYPT = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/**
 * The stack that holds a target region's artifact store, deployed beside the pipeline's stack.
 */
export class ArtifactStoreStack extends Stack {
  /**
   * The artifact store stack of `pipelineStack` for `region`, created on first use.
   */
  public static forRegion(pipelineStack: Stack, region: string): ArtifactStoreStack {
    const stage = Stage.of(pipelineStack);
    if (!stage) {
      throw new Error(`internal: stack ${pipelineStack.node.path} is not inside an App or Stage`);
    }
    const id = `${pipelineStack.node.id}-artifacts-${region}`;
    const existing = stage.node.tryFindChild(id);
    if (existing instanceof ArtifactStoreStack) {
      return existing;
    }
    const stack = new ArtifactStoreStack(stage, id, {
      stackName: artifactStoreStackName(pipelineStack, region),
      description: `Artifact store in ${region} for the multi-region delivery pipeline in stack ${pipelineStack.stackName} (${pipelineStack.region})`,
      env: { account: pipelineStack.account, region },
      terminationProtection: pipelineStack.terminationProtection,
    });
    // The pipeline copies artifacts into this region's store, so the store is deployed first.
    // `Stack#addDependency` is deprecated from aws-cdk-lib 2.263 in favour of `addStackDependency`,
    // which the 2.186.0 peer floor lacks. A construct dependency between two stacks works across the
    // whole range: aws-cdk-lib turns it into a stack (assembly) dependency at synthesis, through
    // resource dependencies between the two stacks (core/lib/private/prepare-app.ts with core/lib/deps.ts:
    // resources of two top-level stacks "apply the dependency at the assembly/app level"; it calls
    // `CfnResource#addDependency` in 2.186.0 and 2.257.0, `addResourceDependency` in 2.263.0, the
    // releases that deprecate the former) and by dispatching it to the two stacks in 2.276.0
    // (core/lib/private/deps.ts, `reifyConstructDependencies`): each release calls only what it does
    // not deprecate. test/artifact-stores.test.ts synthesizes with JSII_DEPRECATED=fail and checks the
    // assembly's dependencies; test/fresh-app/run.sh does so with 2.186.0 and the newest release.
    pipelineStack.node.addDependency(stack);
    return stack;
  }

  private constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    // The region is concrete: write ARNs with its partition ('aws') instead of a pseudo-parameter,
    // which keeps the pipeline's policies short when they name this region's bucket.
    this.node.setContext(cxapi.ENABLE_PARTITION_LITERALS, true);
  }
}

/** CloudFormation stack names: at most 128 characters. */
const MAX_STACK_NAME_LENGTH = 128;

/**
 * `<PipelineStack>-<pipeline region>-artifacts-<region>`. Stack names are unique per account and
 * region, and two pipeline stacks of one name can live in two regions of an account: the pipeline's
 * region in the name keeps their stores apart. A name over CloudFormation's 128 characters keeps
 * its end and replaces the rest of the pipeline stack's name with a hash.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
 */
export function artifactStoreStackName(pipelineStack: Stack, region: string): string {
  const suffix = `-${pipelineStack.region}-artifacts-${region}`;
  const name = `${pipelineStack.stackName}${suffix}`;
  if (name.length <= MAX_STACK_NAME_LENGTH) {
    return name;
  }
  const hash = createHash('sha256').update(pipelineStack.stackName).digest('hex').slice(0, 8);
  return `${pipelineStack.stackName.slice(0, MAX_STACK_NAME_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/**
 * The common beginning of every artifact bucket name of a pipeline: `mrdp-` and a hash of the
 * pipeline's stack name, account, region and construct path (stable, and unique per pipeline: two
 * stacks of one name in two regions of an account get different buckets).
 */
export function artifactBucketNamePrefix(pipeline: IConstruct): string {
  const stack = Stack.of(pipeline);
  const hash = createHash('sha256').update(`${stack.stackName}/${stack.account}/${stack.region}/${pipeline.node.path}`).digest('hex').slice(0, 10);
  return `mrdp-${hash}-`;
}

/** The value of the store tag (private/store-cleaner.ts) on every store of a pipeline: `mrdp-<hash>`. */
export function storeTagValue(pipeline: IConstruct): string {
  return artifactBucketNamePrefix(pipeline).slice(0, -1);
}

/**
 * Checks the artifact store options: what S3 and KMS cannot do, and durations in whole days.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html (NoncurrentDays: a non-zero positive integer)
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html (Days: a non-zero positive integer)
 */
export function checkStoreOptions(options: ArtifactStoreOptions, what: string): void {
  if (options.removalPolicy !== undefined && ![RemovalPolicy.DESTROY, RemovalPolicy.RETAIN].includes(options.removalPolicy)) {
    throw new Error(`${what}: artifactStores.removalPolicy ${options.removalPolicy} is not supported by S3 buckets and KMS keys; ` +
      'use RemovalPolicy.DESTROY (the default: emptied and deleted) or RemovalPolicy.RETAIN.');
  }
  for (const [option, duration] of [['noncurrentVersionExpiration', options.noncurrentVersionExpiration], ['artifactExpiration', options.artifactExpiration]] as const) {
    const days = duration?.toDays({ integral: false });
    if (duration !== undefined && (!Number.isInteger(days) || days! < 1)) {
      throw new Error(`${what}: artifactStores.${option} must be a whole number of days, at least 1 (got ${duration.toHumanString()}).`);
    }
  }
}

/**
 * `mrdp-<hash>-<account>-<region>`: unique across accounts and regions (S3 names are global), at
 * most 63 characters, and known at synth time so the pipeline in another region can name it.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function artifactBucketName(pipeline: IConstruct, region: string): string {
  return `${artifactBucketNamePrefix(pipeline)}${Stack.of(pipeline).account}-${region}`;
}
