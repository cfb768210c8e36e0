import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Safety gates of a target: what CodePipeline checks before and after the stage that deploys it.
 *
 * Stage conditions belong to a stage, not to an action, so targets are grouped into stages by their
 * gates (as by their windows): targets with the same gates and the same window share a stage, and the
 * gates apply to that whole stage. A rollback rolls back every target of the stage.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html
 */
export interface DeploymentGates {
  /**
   * Roll the stage back to its last successful execution when it fails (an `onFailure` condition with
   * result ROLLBACK). CodePipeline rolls back only once the stage has succeeded before in the current
   * pipeline structure; not available in PARALLEL execution mode.
   * @default false
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback-auto.html
   */
  readonly rollbackOnFailure?: boolean;

  /**
   * CloudWatch alarms of the target's region (1 to 5), checked with CodePipeline's `CloudWatchAlarm`
   * rule: before the stage (entry condition, result FAIL: do not deploy into a region already in
   * alarm), unless the stage waits for a deployment window, and after it succeeded (`onSuccess`,
   * result ROLLBACK: roll the region back when an alarm fires). Give each alarm a literal name when it
   * lives in another region than the pipeline. Composite alarms are not accepted: reading them needs
   * `cloudwatch:DescribeAlarms` on every alarm (`*`).
   * @default - no alarm gate
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * The alarm rules' `WaitTime`, in whole minutes: "the wait time in minutes to allow for a state change
   * before running the rule result". It means two things, one per place the rule stands:
   * - before the stage (entry condition): if an alarm is in ALARM when first checked, how long to wait
   *   for it to clear before the stage fails; an alarm in OK passes at once;
   * - after the stage (on success): how long the region is watched for an alarm before the pipeline
   *   moves on (and rolls the stage back if one fires).
   * @default - CodePipeline's default wait time
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html
   */
  readonly alarmWaitTime?: Duration;
}

/**
 * Notifications about the pipeline's executions, sent to an SNS topic through an AWS CodeStar
 * Notifications rule.
 * @see https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#events-ref-pipeline
 */
export interface PipelineNotifications {
  /**
   * The topic that receives the notifications. When you give your own encrypted topic, its key must
   * let `codestar-notifications.amazonaws.com` use it.
   * @default - a topic the construct creates: encrypted with a KMS key of its own (rotated), TLS-only
   */
  readonly topic?: sns.ITopic;

  /**
   * The events to notify about.
   * @default - failed executions, approvals needed and succeeded executions
   */
  readonly events?: codepipeline.PipelineNotificationEvents[];
}
