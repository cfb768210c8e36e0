import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule that does not apply to a resource, and why. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression is limited to, such as `Resource::*`. */
  readonly appliesTo?: string[];
}

/**
 * Records cdk-nag suppressions in the resource's metadata, where cdk-nag reads them, without a
 * runtime dependency on cdk-nag. Accepts a construct whose default child is the resource.
 */
export function suppressNag(construct: IConstruct, suppressions: NagSuppression[]): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`internal: ${construct.node.path} has no CloudFormation resource to attach cdk-nag suppressions to`);
  }
  const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as object[];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [
      ...existing,
      ...suppressions.map(s => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { applies_to: s.appliesTo } : {}) })),
    ],
  });
}
