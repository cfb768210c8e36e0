import { DeploymentGates } from '../deployment-gates';
import { DeploymentWindow } from '../deployment-window';

/**
 * What every kind of region target offers: a manual approval, a deployment window and safety gates.
 */
export interface RegionTargetOptions {
  /**
   * Wait for a manual approval (run order 3) before the deployment (run order 4); for a
   * CloudFormation target, between creating and executing the change set.
   * @default false
   */
  readonly approval?: boolean;

  /**
   * When this region may be deployed. A target with a window is deployed in a stage of its own
   * (shared with the targets that have the same window and gates) whose entry condition waits until
   * the window opens; targets without a window are deployed side by side in the `Deploy` stage (with
   * a rollout, in their wave's stages: see `Rollout.waves()`).
   * @default - no window: deploy as soon as the build is done
   */
  readonly window?: DeploymentWindow;

  /**
   * Safety gates of this region: rollback on failure and CloudWatch alarm checks around its stage.
   * Targets with the same gates (and window) share a stage; see `DeploymentGates`.
   * @default - the pipeline's `defaultGates`
   */
  readonly gates?: DeploymentGates;

  /**
   * The AWS account the target deploys to: twelve digits, a literal. A target in another account
   * than the pipeline's is deployed with that account's CDK bootstrap roles (see
   * `bootstrapQualifier`), and needs `artifactStores: { encryption: ArtifactEncryption.KMS }`;
   * supported for CloudFormation targets in regions with CodePipeline. See the README section
   * "Deploying to other accounts" for the bootstrap commands.
   * @default - the pipeline's account
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
   */
  readonly account?: string;

  /**
   * The qualifier of the CDK bootstrap stack in the target's account and region, whose roles
   * `cdk-<qualifier>-deploy-role-<account>-<region>` (the action role) and
   * `cdk-<qualifier>-cfn-exec-role-<account>-<region>` (CloudFormation's role) deploy a target in
   * another account. Ignored for a target in the pipeline's account.
   * @default 'hnb659fds' (the CDK's default qualifier)
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   */
  readonly bootstrapQualifier?: string;
}
