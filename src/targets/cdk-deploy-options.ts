import * as iam from 'aws-cdk-lib/aws-iam';

/*
 * The roles a CDK stage (RegionTarget.cdkStage()) is deployed with: its options, apart from the target.
 */

/**
 * Options of the library's own roles for a CDK stage (`CdkDeployRoles.pipelineRoles()`).
 */
export interface CdkPipelineRolesOptions {
  /**
   * The role CloudFormation assumes to create the stacks' resources. It needs the permissions for
   * everything the stacks create.
   * @default - a role the construct creates, assumed by CloudFormation only, with the
   * `deploymentManagedPolicies`, read access to the artifact stores and to the stage's assets
   */
  readonly deploymentRole?: iam.IRole;

  /**
   * Managed policies for the deployment role the construct creates, granting what the stacks create.
   * Ignored when `deploymentRole` is given.
   * @default - none: the stacks can only create resources that need no permissions
   */
  readonly deploymentManagedPolicies?: iam.IManagedPolicy[];
}

/**
 * The roles a CDK stage is deployed with.
 */
export class CdkDeployRoles {
  /**
   * The roles of the CDK bootstrap stack of the stage's account and region, as `cdk deploy` and CDK
   * Pipelines use them: the deploy role runs the CloudFormation actions and passes the
   * CloudFormation execution role (by default with AdministratorAccess, or the policies given to
   * `cdk bootstrap --cloudformation-execution-policies`). Needs `cdk bootstrap` in every target region.
   */
  public static bootstrap(): CdkDeployRoles {
    return new CdkDeployRoles(true, {});
  }

  /**
   * The library's own least-privilege roles, as for `RegionTarget.cloudFormation()`: the deploy
   * stage's action role runs the CloudFormation actions, and CloudFormation uses the deployment role
   * given here or created with exactly the managed policies given here. Assets are still published
   * with the bootstrap publishing roles, so `cdk bootstrap` is still needed in every target region.
   */
  public static pipelineRoles(options: CdkPipelineRolesOptions = {}): CdkDeployRoles {
    if (options.deploymentRole && options.deploymentManagedPolicies) {
      throw new Error('CdkDeployRoles.pipelineRoles: give either deploymentRole or deploymentManagedPolicies, not both; ' +
        'managed policies are only attached to the role the construct creates.');
    }
    return new CdkDeployRoles(false, options);
  }

  /**
   * Whether the bootstrap roles deploy.
   * @internal
   */
  public readonly _bootstrap: boolean;

  /**
   * The library's roles, when they deploy.
   * @internal
   */
  public readonly _options: CdkPipelineRolesOptions;

  private constructor(bootstrap: boolean, options: CdkPipelineRolesOptions) {
    this._bootstrap = bootstrap;
    this._options = options;
  }
}
