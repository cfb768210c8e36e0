import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A finding a suppression is limited to: exact (`Resource::*`), or a pattern cdk-nag matches. */
export type NagFinding = string | { readonly regex: string };

/** A cdk-nag rule that does not apply to a resource, and why. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression is limited to. */
  readonly appliesTo?: NagFinding[];
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

/** Action groups that aws-cdk-lib's grant methods write with a trailing wildcard. */
const GRANT_ACTION_GROUPS = [
  's3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*',
  'kms:ReEncrypt*', 'kms:GenerateDataKey*',
  'cloudformation:DescribeStack*', 'cloudformation:GetTemplate*',
];

/** Wildcard resources the pipeline's roles need, grouped by why they are right. */
export interface PipelineWildcards {
  /** Objects of every artifact store (`<Bucket.Arn>/*`, `arn:aws:s3:::name/*`). */
  readonly artifactObjects: NagFinding[];
  /** Keys of other regions granted by alias (`arn:aws:kms:region:account:key/*`). */
  readonly aliasedKeys: NagFinding[];
  /** Every deployed stack (`arn:<AWS::Partition>:cloudformation:region:account:stack/name/*`). */
  readonly stacks: NagFinding[];
  /** The build project's own log group and report groups. */
  readonly buildLogs: NagFinding[];
  /**
   * Actions granted on `*` because the service has no narrower resource for them, and why.
   * @default - none
   */
  readonly unscoped?: { readonly actions: string[]; readonly reason: string };
}

const EXPLAINED = new WeakSet<IConstruct>();

function resourceFinding(finding: NagFinding): NagFinding {
  return typeof finding === 'string' ? `Resource::${finding}` : finding;
}

/**
 * Records, on every IAM policy under `scope` not explained yet, why the wildcards that the
 * pipeline's grants produce are right. Each suppression names the exact action groups and resources
 * it covers (`applies_to`), so a wildcard anyone adds to these roles later is still reported.
 * Call it for the narrowest scopes first (a target's roles need only their region's store).
 */
export function suppressPipelineWildcards(scope: IConstruct, wildcards: PipelineWildcards): void {
  const rules: NagSuppression[] = [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Action groups written by aws-cdk-lib grant methods (read, write, describe); each statement limits them to the artifact stores, their keys or the target\'s own stacks.',
      appliesTo: GRANT_ACTION_GROUPS.map(a => `Action::${a}`),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Pipeline artifacts are objects with generated keys inside the pipeline\'s own artifact stores; the statement names each store bucket.',
      appliesTo: wildcards.artifactObjects.map(resourceFinding),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'A key in another region cannot be named by ARN at synth time; the statement is limited to keys of that account and region that carry the artifact store\'s alias (kms:ResourceAliases condition).',
      appliesTo: wildcards.aliasedKeys.map(resourceFinding),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'A stack ARN ends in a stack ID generated at creation; the wildcard covers only that ID of the named stack.',
      appliesTo: wildcards.stacks.map(resourceFinding),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'CodeBuild writes log streams and test reports with generated names under the project\'s own log group and report-group prefix.',
      appliesTo: wildcards.buildLogs.map(resourceFinding),
    },
  ];
  if (wildcards.unscoped) {
    rules.push({
      id: 'AwsSolutions-IAM5',
      reason: `${wildcards.unscoped.actions.join(' and ')} on '*': ${wildcards.unscoped.reason}`,
      appliesTo: ['Resource::*'],
    });
  }
  for (const node of scope.node.findAll()) {
    if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::IAM::Policy' && !EXPLAINED.has(node)) {
      EXPLAINED.add(node);
      suppressNag(node, rules.filter(r => r.appliesTo!.length > 0));
    }
  }
}
