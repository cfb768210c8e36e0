/**
 * What an action of the pipeline does.
 */
export enum PlannedActionKind {
  /** Fetches the source revision (always in the pipeline's region). */
  SOURCE = 'Source',
  /** Builds the source with CodeBuild (in the pipeline's region). */
  BUILD = 'Build',
  /** Checks the templates the CloudFormation targets deploy, before any region (in the pipeline's region). */
  VALIDATE = 'Validate',
  /**
   * Copies the build's machine image to a region, waits until the copy is available and names it in
   * the region's Systems Manager parameter (a CodeBuild action in the pipeline's region).
   */
  DISTRIBUTE_IMAGE = 'DistributeImage',
  /** Creates or updates the target's infrastructure stack directly (CloudFormation CREATE_UPDATE). */
  INFRASTRUCTURE = 'Infrastructure',
  /** Creates (or replaces) a change set for the target's stack (CloudFormation CHANGE_SET_REPLACE). */
  CREATE_CHANGE_SET = 'CreateChangeSet',
  /** Waits for a person to approve the change set. */
  APPROVAL = 'Approval',
  /** Executes the change set (CloudFormation CHANGE_SET_EXECUTE). */
  EXECUTE_CHANGE_SET = 'ExecuteChangeSet',
  /** Deploys a revision to an EC2/on-premises deployment group (CodePipeline provider `CodeDeploy`). */
  CODEDEPLOY = 'CodeDeploy',
  /** Deploys a task set to an ECS service, blue/green, through CodeDeploy (CodePipeline provider `CodeDeployToECS`). */
  ECS_BLUE_GREEN = 'EcsBlueGreen',
  /** Publishes a CDK stage's file and container-image assets to its region (cdk-assets in CodeBuild, in the pipeline's region). */
  PUBLISH_ASSETS = 'PublishAssets',
  /**
   * Creates or updates a CloudFormation stack set and its stack instances in several regions, in
   * one StackSets operation (CodePipeline provider `CloudFormationStackSet`, in the pipeline's region).
   */
  STACK_SET = 'StackSet',
  /** Creates or updates further stack instances of a stack set (CodePipeline provider `CloudFormationStackInstances`, in the pipeline's region). */
  STACK_INSTANCES = 'StackInstances',
  /**
   * Copies the release (the build output, byte for byte) into a target region's artifact store, where
   * its arrival starts the region's pipeline (`DeliveryTopology.regionalPipelines()`; a Lambda invoke
   * action in the pipeline's region, which copies it with the source revision and execution ID as metadata).
   */
  PUBLISH = 'Publish',
}
