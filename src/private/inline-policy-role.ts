import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The name of the inline policy that holds a role's grants. */
const POLICY_NAME = 'Grants';

/**
 * A role whose grants live in an inline policy of the role itself (`Policies` of `AWS::IAM::Role`)
 * instead of a separate `AWS::IAM::Policy` resource (aws-cdk-lib's `DefaultPolicy`): one resource
 * per role instead of two, the same statements (minimized the same way), and under the same IAM
 * quota (inline policies of a role: 10,240 characters together).
 *
 * Whatever is granted to the role lands there, with no dependency to order: a resource that uses the
 * role depends on the role, whose policy exists once the role does. Not for a role whose grants name
 * a resource that depends on the role (a CodeBuild project's role is granted the project's log
 * group; the pipeline's role may assume the stage roles that trust it): that would be a dependency
 * cycle, which a separate policy resource breaks. aws-cdk-lib does not split this
 * policy into managed policies when it grows; test/scale.test.ts keeps every role under the quota at
 * 33 regions.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
 */
export class InlinePolicyRole extends iam.Role {
  /** The statements granted to the role. */
  public readonly inlineGrants: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    if (props.inlinePolicies) {
      throw new Error(`internal: InlinePolicyRole ${id} takes its statements through grants, not inlinePolicies`);
    }
    super(scope, id, props);
    const grants = new iam.PolicyDocument();
    this.inlineGrants = grants;
    // the policy only once it has statements (an empty document renders as nothing)
    (this.node.defaultChild as iam.CfnRole).policies = Lazy.any({
      produce: () => grants.isEmpty ? [] : [{ policyName: POLICY_NAME, policyDocument: grants }],
    }, { omitEmptyArray: true });
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.inlineGrants.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}

