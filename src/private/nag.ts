import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/*
 * Every cdk-nag suppression of the library, with its reason, in one place. They are recorded as
 * resource metadata (where cdk-nag reads them) without a runtime dependency on cdk-nag, and each is
 * limited to the exact findings (`applies_to`) the library's own resources produce.
 */

/** A finding a suppression is limited to: exact (`Resource::*`), or a pattern cdk-nag matches. */
type NagFinding = string | { readonly regex: string };

/** A cdk-nag rule that does not apply to a resource, and why. */
interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression is limited to. */
  readonly appliesTo?: NagFinding[];
}

/** The managed policy of the Lambda handlers aws-cdk-lib creates for its own custom resources. */
const LAMBDA_BASIC_EXECUTION = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * Records cdk-nag suppressions in the resource's metadata. Accepts a construct whose default child is
 * the resource.
 */
function suppressNag(construct: IConstruct, suppressions: NagSuppression[]): void {
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

/** CB4 of a CodeBuild project that runs without a KMS key because the artifact stores use S3-managed keys. */
export function explainProjectWithoutKey(project: IConstruct, whatItDoes: string): void {
  suppressNag(project, [{
    id: 'AwsSolutions-CB4',
    reason: `${whatItDoes} artifact stores encrypted with S3-managed keys (the default); choose ArtifactEncryption.KMS to encrypt it with the pipeline region's KMS key.`,
  }]);
}

/** S1 of an artifact store bucket. */
export function explainArtifactStoreLogging(bucket: IConstruct): void {
  suppressNag(bucket, [{
    id: 'AwsSolutions-S1',
    reason: 'Pipeline artifact store: only the pipeline\'s roles (CodePipeline, its CodeBuild projects, CloudFormation and CodeDeploy) read or write it, ' +
      'and its bucket policy denies requests without TLS. Object-level access is recorded only if you turn on CloudTrail data events for S3 ' +
      '(off by default); server access logs would need a second bucket per region.',
  }]);
}

const EXPLAINED_PROVIDERS = new WeakSet<IConstruct>();

/** IAM4 of aws-cdk-lib's auto-delete-objects provider in `stack`, once per stack. */
export function explainAutoDeleteProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  const role = provider?.node.tryFindChild('Role');
  if (!provider || !role || EXPLAINED_PROVIDERS.has(provider)) { return; }
  EXPLAINED_PROVIDERS.add(provider);
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s auto-delete-objects provider uses AWSLambdaBasicExecutionRole for its own logs only; it empties the artifact bucket on stack deletion so no orphaned bucket blocks the next deployment.',
    appliesTo: [LAMBDA_BASIC_EXECUTION],
  }]);
}

/** IAM4 of aws-cdk-lib's singleton that turns on a bucket's EventBridge notifications, in `stack`. */
export function explainBucketNotificationsHandler(stack: Stack): void {
  const role = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834')?.node.tryFindChild('Role');
  if (!role || (role.node.defaultChild as CfnResource | undefined)?.getMetadata('cdk_nag')) { return; }
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s bucket-notifications handler uses AWSLambdaBasicExecutionRole for its own logs only; it turns on EventBridge notifications of the source bucket so the pipeline starts on events, not polling.',
    appliesTo: [LAMBDA_BASIC_EXECUTION],
  }]);
}

/**
 * IAM5 of a role granted actions on `*` because the service has no narrower resource for them.
 * Call it after the role's policy has its statements.
 */
export function explainUnscopedGrants(role: iam.Role, actions: string[], reason: string): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) {
    throw new Error(`internal: role ${role.node.path} has no policy to explain`);
  }
  suppressNag(policy, [{ id: 'AwsSolutions-IAM5', reason: `${actions.join(' and ')} on '*': ${reason}`, appliesTo: ['Resource::*'] }]);
}

const USERS_OWN = new WeakSet<IConstruct>();

/** A policy with the user's own statements: the construct's explanations never apply to it. */
export function keepUnexplained(policy: iam.Policy): void {
  USERS_OWN.add(policy.node.defaultChild!);
}

/** Action groups that aws-cdk-lib's grant methods write with a trailing wildcard. */
const GRANT_ACTION_GROUPS = [
  's3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*',
  'kms:ReEncrypt*', 'kms:GenerateDataKey*',
  'cloudformation:DescribeStack*', 'cloudformation:GetTemplate*',
];

/** What the pipeline's wildcards are made from. */
export interface PipelineWildcardFacts {
  /** The pipeline's stack. */
  readonly stack: Stack;
  /** The artifact bucket in the pipeline's region. */
  /** The pipeline's store bucket in its stack; undefined when the pipeline names its store by a literal ARN (a regional pipeline). */
  readonly homeBucket?: CfnElement;
  /** The common beginning of every artifact bucket name of the pipeline. */
  readonly bucketNamePrefix: string;
  /** Whether the stores are encrypted with KMS keys (granted in other regions through their alias). */
  readonly aliasedKeys: boolean;
  /** The names of the stacks the targets deploy. */
  readonly stackNames: string[];
  /** The CodeBuild projects of the pipeline (build, validation). */
  readonly projects: CfnElement[];
}

/**
 * Records, on every IAM policy under `scope`, why the wildcards that the pipeline's grants produce
 * are right. Each suppression names the exact action groups and resources it covers (`applies_to`),
 * matched by pattern so their size does not grow with the number of regions; a wildcard anyone adds
 * to these roles later is still reported.
 */
export function explainPipelineWildcards(scope: IConstruct, facts: PipelineWildcardFacts): void {
  const { stack, stackNames } = facts;
  const account = stack.account;
  const rules: NagSuppression[] = [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Action groups written by aws-cdk-lib grant methods (read, write, describe); each statement limits them to the artifact stores, their keys or the target\'s own stacks.',
      appliesTo: GRANT_ACTION_GROUPS.map(a => `Action::${a}`),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Pipeline artifacts are objects with generated keys inside the pipeline\'s own artifact stores; the statement names each store bucket.',
      appliesTo: [
        ...(facts.homeBucket ? [`Resource::${nagRef(stack, facts.homeBucket, 'Arn')}/*`] : []),
        { regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+\\/\\*$/` },
      ],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'The CodeDeploy route uploads one revision per execution (keys named by the execution ID) under its target\'s own prefix (codedeploy/<application>/<group>, private/codedeploy-route.ts) of the region\'s store bucket; the statement names that prefix.',
      appliesTo: [{ regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+\\/codedeploy\\/[^*]+\\/\\*$/` }],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'A key in another region cannot be named by ARN at synth time; the statement is limited to keys of that account and region that carry the artifact store\'s alias (kms:ResourceAliases condition).',
      appliesTo: facts.aliasedKeys ? [{ regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):kms:[a-z0-9-]+:${account}:key\\/\\*$/` }] : [],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'A stack ARN ends in a stack ID generated at creation; the wildcard covers only that ID of the named stack.',
      appliesTo: stackNames.length > 0
        ? [{ regex: `/^Resource::arn:<AWS::Partition>:cloudformation:[a-z0-9-]+:${account}:stack\\/(${stackNames.map(escapeRegex).join('|')})\\/\\*$/` }]
        : [],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'CodeBuild writes log streams and test reports with generated names under the project\'s own log group and report-group prefix.',
      appliesTo: facts.projects.flatMap(project => [
        `Resource::arn:<AWS::Partition>:logs:${stack.region}:${account}:log-group:/aws/codebuild/${nagRef(stack, project)}:*`,
        `Resource::arn:<AWS::Partition>:codebuild:${stack.region}:${account}:report-group/${nagRef(stack, project)}-*`,
      ]),
    },
  ].filter(rule => rule.appliesTo.length > 0);
  for (const node of scope.node.findAll()) {
    if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::IAM::Policy' && !USERS_OWN.has(node)) {
      suppressNag(node, rules);
    }
  }
}

/** How cdk-nag writes a reference to a resource of `stack` in its findings. */
function nagRef(stack: Stack, element: CfnElement, attribute?: string): string {
  return `<${stack.getLogicalId(element)}${attribute ? `.${attribute}` : ''}>`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
