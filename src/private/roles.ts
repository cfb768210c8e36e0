import { createHash } from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { validationError } from './errors';
import { InlinePolicyRole } from './inline-policy-role';
import { LaidOutStage } from './layout';
import { SharedRoles } from './protocol';

/**
 * The roles the deploy actions share, created on first use under `scope` (the pipeline's `Targets`
 * construct), each with a construct ID derived from what it is for, so adding, removing or reordering
 * targets never renames an existing role:
 * - one action role per deploy stage (`<stage id>/ActionRole`, at most 50 actions each), trusted by
 *   the pipeline's role only: a handful of roles for any number of regions, each policy bounded by
 *   the stage quota;
 * - one CloudFormation deployment role per set of managed policies (`DeploymentRole` without
 *   policies, `DeploymentRole-<digest of the policy ARNs>` with).
 */
export class PipelineRoles {
  constructor(private readonly scope: Construct, private readonly pipelineRole: iam.IRole, private readonly owner: string) {}

  /** The roles as the targets of `stage` see them. */
  public forStage(stage: LaidOutStage): SharedRoles {
    const roles = this;
    return {
      get stageActionRole() { return roles.actionRole(stage); },
      deploymentRole: (managedPolicies: iam.IManagedPolicy[]) => roles.deploymentRole(managedPolicies),
    };
  }

  /** The action role of `stage`, if one of its plug-ins asked for it. */
  public existingActionRole(stage: LaidOutStage): iam.IRole | undefined {
    return this.scope.node.tryFindChild(stage.id)?.node.tryFindChild('ActionRole') as iam.IRole | undefined;
  }

  private actionRole(stage: LaidOutStage): iam.IRole {
    const stageScope = (this.scope.node.tryFindChild(stage.id) as Construct | undefined) ?? new Construct(this.scope, stage.id);
    return (stageScope.node.tryFindChild('ActionRole') as iam.IRole | undefined) ?? new InlinePolicyRole(stageScope, 'ActionRole', {
      assumedBy: new iam.ArnPrincipal(this.pipelineRole.roleArn),
      description: `Deploy actions of stage ${stage.stageName} of the pipeline ${this.owner}`,
    });
  }

  private deploymentRole(managedPolicies: iam.IManagedPolicy[]): iam.IRole {
    managedPolicies.forEach(policy => this.checkReachable(policy));
    const id = managedPolicies.length === 0 ? 'DeploymentRole' : `DeploymentRole-${this.policySetDigest(managedPolicies)}`;
    return (this.scope.node.tryFindChild(id) as iam.IRole | undefined) ?? new InlinePolicyRole(this.scope, id, {
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: `CloudFormation deployments of the pipeline ${this.owner}`,
      managedPolicies,
    });
  }

  /**
   * A managed policy defined in a stack of another region (a regional pipeline's deployment role
   * attaches the user's policies from the home stack) can only be named there by a literal name.
   */
  private checkReachable(policy: iam.IManagedPolicy): void {
    if (!(policy instanceof iam.ManagedPolicy)) { return; }
    const name = (policy.node.defaultChild as iam.CfnManagedPolicy).managedPolicyName;
    if (name !== undefined && !Token.isUnresolved(name)) { return; }
    const here = Stack.of(this.scope);
    const there = Stack.of(policy);
    if (there.region !== here.region || there.account !== here.account) {
      throw validationError(`${this.owner}: managed policy ${policy.node.path} (deploymentManagedPolicies) is defined in stack ${there.stackName} ` +
        `(${there.region}), but the deployment role that attaches it is in stack ${here.stackName} (${here.region}); give the policy a literal ` +
        '`managedPolicyName`, or import it with iam.ManagedPolicy.fromManagedPolicyArn(), so the other stack can name it.', policy);
    }
  }

  /** The same for the same policies in any order (by their ARNs as the template renders them). */
  private policySetDigest(managedPolicies: iam.IManagedPolicy[]): string {
    const stack = Stack.of(this.scope);
    const arns = managedPolicies.map(p => JSON.stringify(stack.resolve(p.managedPolicyArn))).sort();
    return createHash('sha256').update(JSON.stringify([...new Set(arns)])).digest('hex').slice(0, 8);
  }
}
