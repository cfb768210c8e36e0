import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { InlinePolicyRole } from './inline-policy-role';

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

/** Shared Lambda providers (one per stack) already explained, so each gets its suppressions once. */
const EXPLAINED_PROVIDERS = new WeakSet<IConstruct>();

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

/** IAM5 of the role of the store cleaner (private/store-cleaner.ts). */
export function explainStoreCleaner(role: IConstruct, bucketNamePrefix: string): void {
  suppressNag(role, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'Emptying a store deletes every object version in it; the statement names each store bucket of the pipeline.',
      appliesTo: [{ regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::${escapeRegex(bucketNamePrefix)}[a-z0-9-]+\\/\\*$/` }],
    },
  ]);
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

/**
 * IAM5 of the machine-image distribution's role (private/image-distribution.ts): EC2 names images
 * and snapshots when it creates the copy, so their ARNs are per region (`image/*`, `snapshot/*`),
 * each statement limited by a condition; DescribeImages supports no resource-level permissions.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
 */
export function explainImageDistribution(role: iam.Role, regions: string[]): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) {
    throw new Error(`internal: role ${role.node.path} has no policy to explain`);
  }
  suppressNag(policy, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'EC2 generates the IDs of a copied image and its snapshots; CopyImage is limited to the source region\'s and the copy region\'s images ' +
        '(aws:RequestedRegion), CreateTags to CopyImage (ec2:CreateAction), DeregisterImage and DeleteSnapshot to resources tagged with the distribution\'s ID (aws:ResourceTag).',
      appliesTo: regions.flatMap(region => ['image', 'snapshot'].map(type => `Resource::arn:<AWS::Partition>:ec2:${region}::${type}/*`)),
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'ec2:DescribeImages on \'*\': EC2 supports no resource-level permissions for it; the distribution reads the state of its copies and finds its own by tag.',
      appliesTo: ['Resource::*'],
    },
  ]);
}

const USERS_OWN = new WeakSet<IConstruct>();

/**
 * IAM5 of the StackSets execution role the construct creates (RegionTarget.stackSet): the two
 * statements AWS documents as the minimum for StackSets in a target account.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html
 */
export function explainStackSetExecutionRole(role: iam.Role, instanceStackPrefix: string, account: string): void {
  suppressNag(role, [
    {
      id: 'AwsSolutions-IAM5',
      reason: 'StackSets needs "full AWS CloudFormation permissions" in a target account; limited to the stack set\'s instance stacks, whose names end in a generated ID, in every region of the stack set.',
      appliesTo: ['Action::cloudformation:*', `Resource::arn:<AWS::Partition>:cloudformation:*:${account}:stack/${instanceStackPrefix}*/*`],
    },
    {
      id: 'AwsSolutions-IAM5',
      reason: 'StackSets "uses these permissions to notify the stack instance state"; AWS documents "the minimum permissions for stack sets" ' +
        'in a target account as cloudformation:*, s3:* and sns:* on *, with no narrower resource.',
      appliesTo: ['Action::s3:*', 'Action::sns:*', 'Resource::*'],
    },
  ]);
}

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
  readonly homeBucket?: s3.IBucket;
  /** The common beginning of every artifact bucket name of the pipeline. */
  readonly bucketNamePrefix: string;
  /** Whether the stores are encrypted with KMS keys (granted in other regions through their alias). */
  readonly aliasedKeys: boolean;
  /** The names of the stacks the targets deploy. */
  readonly stackNames: string[];
  /** The names of the stack sets the targets deploy (RegionTarget.stackSet). */
  readonly stackSetNames?: string[];
  /** The CodeBuild projects of the pipeline (build, validation, routes). */
  readonly projects: codebuild.Project[];
  /** The Lambda functions of the pipeline (the release publisher). */
  readonly functions?: lambda.IFunction[];
}

/** A finding a suppression covers, and how to tell that a policy document (as JSON, tokens unresolved) has it. */
interface ExplainedFinding {
  readonly finding: NagFinding;
  readonly presentIn: (document: string) => boolean;
}

/** Findings that share one reason (a clause of the policy's one IAM5 suppression). */
interface ExplainedRule {
  readonly reason: string;
  readonly findings: ExplainedFinding[];
  /**
   * Explained only in a policy whose document shows the finding: never assumed for a policy whose
   * document cannot be read (a `Resource::*` there would hide any wildcard).
   */
  readonly onlyWhenSeen?: boolean;
}

/**
 * Records, on every IAM policy under `scope`, why the wildcards that the pipeline's grants produce
 * are right. Each suppression names the exact action groups and resources it covers (`applies_to`),
 * matched by pattern so their size does not grow with the number of regions, and only those that
 * the policy holds when the pipeline is built; a wildcard anyone adds to these roles later is still
 * reported.
 */
export function explainPipelineWildcards(scope: IConstruct, facts: PipelineWildcardFacts): void {
  const { stack, stackNames } = facts;
  const account = stack.account;
  const includes = (marker: string) => (document: string) => document.includes(marker);
  const matches = (pattern: RegExp) => (document: string) => pattern.test(document);
  const rules: ExplainedRule[] = [
    {
      reason: 'action groups of aws-cdk-lib grants, each statement limited to the stores, their keys or the targets\' stacks',
      findings: GRANT_ACTION_GROUPS.map(a => ({ finding: `Action::${a}`, presentIn: includes(`"${a}"`) })),
    },
    {
      reason: 'artifacts (generated keys) in the pipeline\'s own store buckets',
      findings: [
        ...(facts.homeBucket
          ? [{ finding: `Resource::${nagRef(stack, facts.homeBucket.node.defaultChild as CfnElement, 'Arn')}/*`, presentIn: includes(`${facts.homeBucket.bucketArn}/*`) }]
          : []),
        {
          finding: { regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+\\/\\*$/` },
          presentIn: matches(new RegExp(`:s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+/\\*`)),
        },
      ],
    },
    {
      reason: 'CodeDeploy route revisions (one per execution) under the target\'s own prefix of a store (codedeploy/<application>/<group>)',
      findings: [{
        finding: { regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+\\/codedeploy\\/[^*]+\\/\\*$/` },
        presentIn: matches(new RegExp(`:s3:::${escapeRegex(facts.bucketNamePrefix)}[a-z0-9-]+/codedeploy/[^*"]+/\\*`)),
      }],
    },
    {
      reason: 'store keys in other regions (no ARN at synth time), limited to the keys with the store\'s alias (kms:ResourceAliases)',
      findings: facts.aliasedKeys
        ? [{ finding: { regex: `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):kms:[a-z0-9-]+:${account}:key\\/\\*$/` }, presentIn: includes(`:${account}:key/*`) }]
        : [],
    },
    {
      // aws-cdk-lib's Lambda invoke action grants these; neither action has a resource type to name
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
      reason: 'codepipeline:PutJobSuccessResult and PutJobFailureResult (the release publisher reporting its job) and lambda:ListFunctions ' +
        '(the pipeline invoking it), which take no resource but *',
      findings: [{ finding: 'Resource::*', presentIn: matches(/"(codepipeline:PutJob(Success|Failure)Result|lambda:ListFunctions)"/) }],
      onlyWhenSeen: true,
    },
    {
      reason: 'the generated IDs of the named stacks',
      findings: stackNames.length > 0
        ? [{
          finding: { regex: `/^Resource::arn:<AWS::Partition>:cloudformation:[a-z0-9-]+:${account}:stack\\/(${stackNames.map(escapeRegex).join('|')})\\/\\*$/` },
          presentIn: includes(`:${account}:stack/`),
        }]
        : [],
    },
    {
      reason: 'the generated IDs of the named stack sets',
      findings: (facts.stackSetNames ?? []).length > 0
        ? [{
          finding: { regex: `/^Resource::arn:<AWS::Partition>:cloudformation:${stack.region}:${account}:stackset\\/(${facts.stackSetNames!.map(escapeRegex).join('|')}):\\*$/` },
          presentIn: includes(`:${account}:stackset/`),
        }]
        : [],
    },
    {
      // aws-cdk-lib's grantInvoke names the function and its versions and aliases
      reason: 'the versions and aliases of the pipeline\'s own functions (invoked by Lambda actions)',
      findings: (facts.functions ?? []).map(fn => ({
        finding: `Resource::${nagRef(stack, fn.node.defaultChild as CfnElement, 'Arn')}:*`,
        presentIn: includes(`${fn.functionArn}:*`),
      })),
      onlyWhenSeen: true,
    },
    {
      reason: 'CodeBuild log streams and reports under the project\'s own log group and report-group prefix',
      findings: facts.projects.flatMap(project => {
        const ref = nagRef(stack, project.node.defaultChild as CfnElement);
        return [
          { finding: `Resource::arn:<AWS::Partition>:logs:${stack.region}:${account}:log-group:/aws/codebuild/${ref}:*`, presentIn: includes(`:log-group:/aws/codebuild/${project.projectName}:*`) },
          { finding: `Resource::arn:<AWS::Partition>:codebuild:${stack.region}:${account}:report-group/${ref}-*`, presentIn: includes(`:report-group/${project.projectName}-*`) },
        ];
      }),
    },
  ];
  for (const node of scope.node.findAll()) {
    if (!CfnResource.isCfnResource(node) || USERS_OWN.has(node)) { continue; }
    // the document as the policy holds it now, tokens unresolved (toJSON does not freeze it, as resolving would)
    const owner = node.node.scope;
    let document: string | undefined;
    if (node.cfnResourceType === 'AWS::IAM::Policy') {
      document = owner instanceof iam.Policy ? JSON.stringify(owner.document) : undefined;
    } else if (node.cfnResourceType === 'AWS::IAM::Role' && owner instanceof InlinePolicyRole) {
      document = JSON.stringify(owner.inlineGrants);
    } else {
      continue;
    }
    // one suppression per policy: the findings it holds, and the reasons of those findings only
    const present = rules
      .map(rule => ({
        reason: rule.reason,
        findings: rule.findings.filter(f => document === undefined ? !rule.onlyWhenSeen : f.presentIn(document)).map(f => f.finding),
      }))
      .filter(rule => rule.findings.length > 0);
    if (present.length > 0) {
      suppressNag(node, [{
        id: 'AwsSolutions-IAM5',
        reason: `Wildcards written by the pipeline: ${present.map(rule => rule.reason).join('; ')}.`,
        appliesTo: present.flatMap(rule => rule.findings),
      }]);
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

/** CB3 of the CodeBuild project that publishes a CDK stage's container images. */
export function explainDockerPublishing(project: IConstruct): void {
  suppressNag(project, [{
    id: 'AwsSolutions-CB3',
    reason: 'The project builds the container image assets of a CDK stage with cdk-assets, which runs `docker build`; CodeBuild runs the Docker daemon ' +
      'only in privileged mode. It is turned on only for stages with container image assets, and the project\'s role can do nothing but read the ' +
      'build output and assume the bootstrap publishing roles.',
  }]);
}

/**
 * IAM5 of the deployment role that reads a CDK stage's file assets: objects with content-hash keys in
 * the bootstrap buckets the asset manifests name. Call it after the grant.
 */
export function explainAssetReads(role: IConstruct, bucketNames: string[]): void {
  // a role with its grants inline (private/inline-policy-role.ts) holds them itself
  const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
  if (bucketNames.length === 0) { return; }
  suppressNag(policy, [{
    id: 'AwsSolutions-IAM5',
    reason: 'CloudFormation reads the CDK stage\'s file assets (Lambda code, nested templates) on behalf of this role: objects named by content hash ' +
      'in the bootstrap buckets that the stage\'s asset manifests name, and nothing else of those buckets.',
    appliesTo: bucketNames.map(name => `Resource::arn:<AWS::Partition>:s3:::${name}/*`),
  }]);
}

/**
 * The findings of the custom resource that reads the ARN of an artifact store's key in another
 * region (private/cross-account.ts): IAM5 of its DescribeKey statement, and IAM4 / L1 of the Lambda
 * function aws-cdk-lib shares between every AwsCustomResource of the stack.
 */
export function explainKeyArnLookup(lookup: IConstruct, stack: Stack): void {
  const policy = lookup.node.tryFindChild('CustomResourcePolicy');
  if (policy && !(policy.node.defaultChild as CfnResource).getMetadata('cdk_nag')) {
    suppressNag(policy, [{
      id: 'AwsSolutions-IAM5',
      reason: 'kms:DescribeKey (key metadata, no use of the key) on the keys of the artifact store\'s account and region: the key\'s ID is generated at creation, ' +
        'and the alias that names it cannot be the resource of a key permission.',
      appliesTo: [{ regex: `/^Resource::arn:aws[a-z-]*:kms:[a-z0-9-]+:${stack.account}:key\\/\\*$/` }],
    }]);
  }
  const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
  const role = provider?.node.tryFindChild('ServiceRole');
  if (!provider || !role || EXPLAINED_PROVIDERS.has(provider)) { return; }
  EXPLAINED_PROVIDERS.add(provider);
  suppressNag(role, [{
    id: 'AwsSolutions-IAM4',
    reason: 'aws-cdk-lib\'s AwsCustomResource handler uses AWSLambdaBasicExecutionRole for its own logs only; it reads the ARN of the artifact store keys in other regions.',
    appliesTo: [LAMBDA_BASIC_EXECUTION],
  }]);
  suppressNag(provider, [{
    id: 'AwsSolutions-L1',
    reason: 'aws-cdk-lib chooses the runtime of its AwsCustomResource handler; it runs only at deployment, to read a key ARN.',
  }]);
}

/** The construct ID of aws-cdk-lib's singleton AwsCustomResource handler (custom-resources/lib/aws-custom-resource). */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';
