import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { suppressNag } from './private/nag';

/**
 * Properties of an Amazon S3 source.
 */
export interface S3SourceProps {
  /**
   * The bucket holding the source archive. It must be versioned (a CodePipeline rule) and in the
   * pipeline's region. The pipeline starts on the bucket's EventBridge "Object Created" events, so
   * EventBridge notifications must be on: the construct turns them on for a bucket defined in the
   * same app; for an imported bucket, turn them on yourself.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
   */
  readonly bucket: s3.IBucket;

  /**
   * Key of the source object (a .zip archive) in the bucket.
   */
  readonly objectKey: string;
}

/** Namespace of the source action's output variables. */
const SOURCE_NAMESPACE = 'Source';

/**
 * Where the pipeline gets its source. The source action always runs in the pipeline's own region
 * (a CodePipeline rule: source actions cannot be cross-region).
 */
export abstract class PipelineSource {
  /**
   * A versioned Amazon S3 object. The pipeline starts when a new version of the object is written
   * (an EventBridge rule on S3's "Object Created" event; no polling).
   */
  public static s3(props: S3SourceProps): PipelineSource {
    return new S3Source(props);
  }

  /**
   * Short description of the source, for the deployment plan.
   */
  public abstract readonly description: string;

  /**
   * Creates the source action writing `output`.
   * @internal
   */
  public abstract _bind(scope: Construct, output: codepipeline.Artifact): codepipeline.IAction;

  /**
   * Creates what starts the pipeline, before the pipeline itself exists (eagerly, so that resources
   * outside the pipeline construct are in place before synthesis).
   * @internal
   */
  public abstract _prepare(scope: Construct): void;

  /**
   * Points what starts the pipeline at the rendered pipeline and its source action.
   * @internal
   */
  public abstract _bindTrigger(pipeline: codepipeline.Pipeline, action: codepipeline.IAction): void;

  /**
   * Source variables handed to the build as environment variables (name to `#{Source.X}` expression).
   * @internal
   */
  public _buildVariables(): { [name: string]: string } {
    return {};
  }
}

class S3Source extends PipelineSource {
  public readonly description: string;
  private trigger?: events.Rule;

  constructor(private readonly props: S3SourceProps) {
    super();
    if (!Token.isUnresolved(props.objectKey) && (props.objectKey.trim() === '' || props.objectKey.startsWith('/'))) {
      throw new Error(`PipelineSource.s3: objectKey '${props.objectKey}' is not a valid S3 object key; give the key of the source archive without a leading '/', for example 'source/app.zip'.`);
    }
    assertVersioned(props.bucket);
    this.description = `s3://${Token.isUnresolved(props.bucket.bucketName) ? props.bucket.node.path : props.bucket.bucketName}/${props.objectKey}`;
  }

  public _bind(scope: Construct, output: codepipeline.Artifact): codepipeline.IAction {
    const pipelineRegion = Stack.of(scope).region;
    const bucketRegion = this.props.bucket.env.region;
    if (!Token.isUnresolved(bucketRegion) && !Token.isUnresolved(pipelineRegion) && bucketRegion !== pipelineRegion) {
      throw new Error(`PipelineSource.s3: the source bucket ${this.props.bucket.node.path} is in ${bucketRegion}, but the pipeline is in ${pipelineRegion}; ` +
        'CodePipeline source actions run in the pipeline\'s region, so the source bucket must be there too.');
    }
    return new actions.S3SourceAction({
      actionName: 'Source',
      bucket: this.props.bucket,
      bucketKey: this.props.objectKey,
      output,
      // started by the EventBridge rule below, never by polling
      trigger: actions.S3Trigger.NONE,
      variablesNamespace: SOURCE_NAMESPACE,
    });
  }

  public _buildVariables(): { [name: string]: string } {
    // @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
    return { SOURCE_VERSION_ID: `#{${SOURCE_NAMESPACE}.VersionId}`, SOURCE_ETAG: `#{${SOURCE_NAMESPACE}.ETag}` };
  }

  public _prepare(scope: Construct): void {
    if (this.trigger) {
      throw new Error('PipelineSource.s3(): this source is already used by another pipeline; create one source per pipeline.');
    }
    const bucket = this.props.bucket;
    if (bucket instanceof s3.Bucket) {
      bucket.enableEventBridgeNotification();
      suppressNotificationsHandler(Stack.of(bucket));
    } else {
      Annotations.of(scope).addInfo(`The pipeline starts on EventBridge "Object Created" events of bucket ${bucket.node.path}; make sure EventBridge notifications are turned on for that bucket.`);
    }
    // S3 sends "Object Created" to EventBridge directly (no CloudTrail trail needed).
    // @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-s3.html
    this.trigger = new events.Rule(scope, 'SourceTrigger', {
      description: `Starts the pipeline when a new version of ${this.props.objectKey} is written`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [this.props.objectKey] },
        },
      },
    });
  }

  public _bindTrigger(pipeline: codepipeline.Pipeline, _action: codepipeline.IAction): void {
    if (!this.trigger) {
      throw new Error('internal: source trigger bound before it was prepared');
    }
    this.trigger.addTarget(new targets.CodePipeline(pipeline));
  }
}

/**
 * Rejects a source bucket defined in this app without versioning (CodePipeline needs versions).
 */
function assertVersioned(bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) {
    return; // imported: not knowable at synth time
  }
  const versioning = Stack.of(cfn).resolve(cfn.versioningConfiguration);
  const status = versioning?.status;
  if (status === undefined || (!Token.isUnresolved(status) && status !== 'Enabled')) {
    throw new Error(`PipelineSource.s3: bucket ${bucket.node.path} is not versioned; CodePipeline's S3 source action needs a versioned bucket. ` +
      'Create it with `versioned: true`.');
  }
}

/**
 * aws-cdk-lib's singleton that turns on a bucket's EventBridge notifications.
 */
function suppressNotificationsHandler(stack: Stack): void {
  const role = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834')?.node.tryFindChild('Role');
  if (!role || (role.node.defaultChild as CfnResource | undefined)?.getMetadata('cdk_nag')) { return; }
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s bucket-notifications handler uses AWSLambdaBasicExecutionRole for its own logs only; it turns on EventBridge notifications of the source bucket so the pipeline starts on events, not polling.',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  }]);
}
