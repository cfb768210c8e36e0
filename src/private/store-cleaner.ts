import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { functionLogs, inlineFunction } from './inline-function';
import { explainStoreCleaner } from './nag';
import { STORE_CLEANER_HANDLER } from './store-cleaner-handler';

/**
 * The tag that marks a bucket as one of a pipeline's artifact stores: the cleaner empties a bucket
 * only when it carries this tag with the pipeline's own value (`mrdp-<hash>`, the beginning of the
 * pipeline's bucket names).
 */
export const STORE_TAG_KEY = 'cdk-multi-region-delivery-pipeline:store-of';

/** A store the cleaner empties. */
export interface CleanedStore {
  readonly bucketName: string;
  readonly region: string;
}

/** What the cleaner is made from. */
export interface StoreCleanerProps {
  /** Every store of the pipeline (their stacks delete them). */
  readonly stores: CleanedStore[];
  /** The value of `STORE_TAG_KEY` on the pipeline's stores. */
  readonly tagValue: string;
  /** The store in the cleaner's own stack (bucket and policy), deleted after the cleaner has emptied it. */
  readonly homeStore: IConstruct;
  /** Its bucket's name. */
  readonly homeBucketName: string;
  /** The pipeline: deleted before the cleaner runs, so it starts no execution that writes to a store. */
  readonly pipeline: IConstruct;
  /** The partition of the stores' ARNs. */
  readonly partition: string;
}

/**
 * Empties the pipeline's artifact stores, in every region, when the pipeline's stack is deleted:
 * one Lambda function (inline code, no asset) and one custom resource in the pipeline's stack,
 * instead of aws-cdk-lib's auto-delete-objects provider in every store's stack.
 *
 * `cdk destroy --all` deletes the stacks in the reverse of their deployment order, and every store's
 * stack is deployed before the pipeline's (private/artifact-store.ts): the pipeline's stack goes
 * first, its cleaner empties every store, then each store's stack deletes its empty bucket.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-destroy.html
 */
export class StoreCleaner extends Construct {
  constructor(scope: Construct, id: string, props: StoreCleanerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arns = props.stores.map(store => `arn:${props.partition}:s3:::${store.bucketName}`);
    const homeArn = `arn:${props.partition}:s3:::${props.homeBucketName}`;
    // exactly the stores: tag read and version listing on the buckets, version deletes on their
    // objects, and the policy of the store deleted with this stack (new writes denied first); the
    // status of this stack; and its own log group
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    const own = functionLogs(this);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Empties the artifact stores of ${props.tagValue} when the pipeline's stack is deleted`,
      inlinePolicies: {
        EmptyArtifactStores: new iam.PolicyDocument({
          statements: [
            own.write,
            new iam.PolicyStatement({ actions: ['s3:GetBucketTagging', 's3:ListBucketVersions'], resources: arns }),
            // DeleteObjects of versions: "you must always specify the s3:DeleteObject permission", and
            // s3:DeleteObjectVersion "to delete a specific version" (DeleteObjects, Permissions)
            // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
            new iam.PolicyStatement({ actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resources: arns.map(arn => `${arn}/*`) }),
            new iam.PolicyStatement({ actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'], resources: [homeArn] }),
            // whether its own stack is being deleted (not rolled back)
            new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
          ],
        }),
      },
    });
    // the handler answers FAILED a minute before its 15 minutes run out, and a retried delete goes on
    // where it stopped
    const handler = inlineFunction(this, {
      description: `Empties the artifact stores of ${props.tagValue} when the pipeline's stack is deleted`,
      code: STORE_CLEANER_HANDLER,
      role,
      logs: own,
    });
    explainStoreCleaner(role, `${props.tagValue}-`);
    const cleaner = new CustomResource(this, 'Resource', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::ArtifactStoreCleaner',
      properties: {
        Stores: props.stores.map(store => ({ Bucket: store.bucketName, Region: store.region })),
        Account: stack.account,
        Partition: props.partition,
        TagKey: STORE_TAG_KEY,
        TagValue: props.tagValue,
        DenyWrites: [props.homeBucketName],
      },
    });
    // deletion order in the pipeline's stack: the pipeline, then the cleaner, then the home store
    cleaner.node.addDependency(props.homeStore);
    props.pipeline.node.addDependency(cleaner);
  }
}
