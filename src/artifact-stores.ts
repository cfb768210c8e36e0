import { Duration, RemovalPolicy } from 'aws-cdk-lib';

/**
 * Options for the artifact stores that the pipeline creates, one per region it acts in.
 */
export interface ArtifactStoreOptions {
  /**
   * How artifacts are encrypted at rest.
   * @default ArtifactEncryption.S3_MANAGED
   */
  readonly encryption?: ArtifactEncryption;

  /**
   * What happens to the artifact buckets (and keys) when their stacks are deleted.
   *
   * `DESTROY` empties the bucket (all versions) and deletes it, so the next deployment of the same
   * pipeline can create it again under the same name. `RETAIN` keeps bucket and key: deploying the
   * same pipeline again after deleting it then fails until the retained buckets are removed, because
   * the artifact bucket names are fixed at synth time.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long a replaced or deleted artifact version is kept before S3 expires it, in whole days.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * How long an artifact stays current before S3 expires it (it then becomes a noncurrent version,
   * kept for `noncurrentVersionExpiration`), in whole days. A stage can be retried, and rolled back to
   * an earlier execution, only while that execution's artifacts exist: with the defaults, executions
   * of the last 90 days (and up to 30 more). Every execution writes new artifacts, so a pipeline that
   * runs keeps what it needs; a region that has not deployed successfully for longer cannot be rolled
   * back to its last successful execution.
   * @default Duration.days(90)
   */
  readonly artifactExpiration?: Duration;
}

/**
 * How the per-region artifact stores are encrypted.
 */
export enum ArtifactEncryption {
  /**
   * S3-managed keys (SSE-S3). No key to pay for; enough when every action runs in the pipeline's account.
   */
  S3_MANAGED = 'S3_MANAGED',
  /**
   * One customer managed KMS key per region, with rotation on (about $1 a month per key, plus $1 with rotation).
   * @see https://aws.amazon.com/kms/pricing/
   */
  KMS = 'KMS',
}
