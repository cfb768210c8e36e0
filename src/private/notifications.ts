import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { validationError } from './errors';
import { PipelineNotifications } from '../deployment-gates';

/** The events notified by default. */
export const DEFAULT_NOTIFICATION_EVENTS = [
  codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
  codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
  codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
];

/** The topic of the pipeline's notifications: the user's, or one created under `scope`. */
export function notificationTopic(scope: Construct, notifications: PipelineNotifications | undefined, owner: string): sns.ITopic | undefined {
  if (!notifications) { return undefined; }
  if (notifications.events?.length === 0) {
    throw validationError(`${owner}: notifications.events is empty; a notification rule needs at least one event ` +
      '(omit events for failures, approvals needed and successes).', scope);
  }
  return notifications.topic ?? createNotificationTopic(scope);
}

/**
 * An SNS topic for the notifications: encrypted with a KMS key of its own (a publishing AWS service
 * cannot use the AWS managed SNS key, whose policy cannot be changed), TLS-only.
 * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html
 */
function createNotificationTopic(scope: Construct): sns.ITopic {
  const key = new kms.Key(scope, 'NotificationKey', {
    description: `Encrypts the notification topic of the pipeline ${scope.node.path}`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCodeStarNotificationsToPublish',
    principals: [new iam.ServicePrincipal('codestar-notifications.amazonaws.com')],
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    // in a key policy, '*' is this key; a publishing AWS service needs these two actions on it:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    resources: ['*'],
  }));
  return new sns.Topic(scope, 'NotificationTopic', {
    displayName: `Pipeline ${scope.node.path}`,
    masterKey: key,
    enforceSSL: true,
  });
}
