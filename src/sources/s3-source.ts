import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { validationError } from '../private/errors';
import { InlinePolicyRole } from '../private/inline-policy-role';
import { explainBucketNotificationsHandler } from '../private/nag';
import { BindContext, PluginBinding, SOURCE_NAMESPACE, SourceKind, sourceVariables } from '../private/protocol';

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

/**
 * A versioned S3 object, started by the bucket's EventBridge "Object Created" events.
 * @internal
 */
export class S3Source implements SourceKind {
  public readonly description: string;
  // output variables of the S3 source action
  public readonly variables = sourceVariables({ SOURCE_VERSION_ID: 'VersionId', SOURCE_ETAG: 'ETag' });

  constructor(private readonly props: S3SourceProps) {
    if (!Token.isUnresolved(props.objectKey) && (props.objectKey.trim() === '' || props.objectKey.startsWith('/'))) {
      throw new Error(`PipelineSource.s3: objectKey '${props.objectKey}' is not a valid S3 object key; give the key of the source archive without a leading '/', for example 'source/app.zip'.`);
    }
    assertVersioned(props.bucket);
    const bucket = props.bucket;
    this.description = `s3://${Token.isUnresolved(bucket.bucketName) ? bucket.node.path : bucket.bucketName}/${props.objectKey}`;
    if (bucket instanceof s3.Bucket) {
      turnOnEventBridge(bucket);
    }
  }

  public _bind(context: BindContext): PluginBinding {
    const bucket = this.props.bucket;
    const bucketRegion = bucket.env.region;
    if (!Token.isUnresolved(bucketRegion) && bucketRegion !== context.homeRegion) {
      throw validationError(`PipelineSource.s3: the source bucket ${bucket.node.path} is in ${bucketRegion}, but the pipeline is in ${context.homeRegion}; ` +
        'CodePipeline source actions run in the pipeline\'s region, so the source bucket must be there too.', bucket);
    }
    if (bucket instanceof s3.Bucket && bucket.node.tryFindChild('Notifications') && !hasNotificationsResource.has(bucket)) {
      // notifications added to the bucket after the source was created: aws-cdk-lib's resource then
      // writes the bucket's whole notification configuration, EventBridge included
      turnOnEventBridge(bucket);
    }
    if (!(bucket instanceof s3.Bucket)) {
      Annotations.of(context.scope).addInfo(`The pipeline starts on EventBridge "Object Created" events of bucket ${bucket.node.path}; make sure EventBridge notifications are turned on for that bucket.`);
    }
    // S3 sends "Object Created" to EventBridge directly (no CloudTrail trail needed).
    // @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-s3.html
    new events.Rule(context.scope, 'SourceTrigger', {
      description: `Starts the pipeline when a new version of ${this.props.objectKey} is written`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [this.props.objectKey] },
        },
      },
      targets: [new targets.CodePipeline(context.pipeline, {
        // where aws-cdk-lib puts the rule's role (same logical ID), with its grant inline
        eventRole: new InlinePolicyRole(context.pipeline, 'EventsRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') }),
      })],
    });
    return {
      actions: context.steps.map(named => new actions.S3SourceAction({
        actionName: named.actionName,
        bucket,
        bucketKey: this.props.objectKey,
        output: context.artifacts.source,
        // started by the EventBridge rule above, never by polling
        trigger: actions.S3Trigger.NONE,
        variablesNamespace: SOURCE_NAMESPACE,
      })),
    };
  }

  public grantRead(): void {
    return; // the artifact store holds the whole source
  }
}

/** Buckets whose EventBridge delivery aws-cdk-lib's notifications resource turns on. */
const hasNotificationsResource = new WeakSet<s3.Bucket>();

/**
 * Turns on the bucket's delivery of events to EventBridge. A bucket without notifications of
 * aws-cdk-lib (`addEventNotification`, `eventBridgeEnabled`) gets it in its own template
 * (`NotificationConfiguration.EventBridgeConfiguration`), with no custom resource, Lambda function
 * and role. A bucket with them gets it from aws-cdk-lib's notifications resource: it writes the
 * bucket's whole notification configuration (PutBucketNotificationConfiguration), which would turn
 * off what the template says.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-eventbridgeconfiguration.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
 */
function turnOnEventBridge(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  const current = cfn.notificationConfiguration;
  if (!bucket.node.tryFindChild('Notifications') && (current === undefined || !Token.isUnresolved(current))) {
    cfn.notificationConfiguration = {
      ...current as s3.CfnBucket.NotificationConfigurationProperty | undefined,
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    return;
  }
  // the bucket's own stack gets the notification settings before synthesis when it can
  bucket.enableEventBridgeNotification();
  explainBucketNotificationsHandler(Stack.of(bucket));
  hasNotificationsResource.add(bucket);
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
    throw validationError(`PipelineSource.s3: bucket ${bucket.node.path} is not versioned; CodePipeline's S3 source action needs a versioned bucket. ` +
      'Create it with `versioned: true`.', bucket);
  }
}
