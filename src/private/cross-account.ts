import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { validationError } from './errors';
import { explainKeyArnLookup } from './nag';
import { CrossAccountRoles, StoreDirectory } from './protocol';

/*
 * Targets in other accounts, the way AWS documents cross-account actions for CodePipeline: the
 * artifact stores stay in the pipeline's account, encrypted with customer managed KMS keys whose
 * policies let the target account's roles decrypt; the action runs under a role of the target
 * account; CloudFormation deploys with a role of the target account.
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
 *
 * The roles are the target account's CDK bootstrap roles, as CDK Pipelines uses them
 * (`cdk bootstrap --trust <pipeline account> --cloudformation-execution-policies <policy ARNs>`):
 * - `cdk-<qualifier>-deploy-role-<account>-<region>`, the action role. The bootstrap template trusts
 *   the `--trust` accounts with it and allows it CreateChangeSet, DescribeChangeSet, DescribeStacks,
 *   ExecuteChangeSet, DeleteChangeSet, S3 reads and writes and KMS use on any resource (the
 *   pipeline's bucket and key are not known at bootstrap), and iam:PassRole on the cfn-exec role only.
 * - `cdk-<qualifier>-cfn-exec-role-<account>-<region>`, CloudFormation's role, trusted by
 *   cloudformation.amazonaws.com only, with the managed policies given at bootstrap
 *   (`--cloudformation-execution-policies`): the user decides what a deployment may create.
 * (aws-cdk packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml, roles DeploymentActionRole and
 * CloudFormationExecutionRole; names as in aws-cdk-lib's DefaultStackSynthesizer.)
 * The construct creates nothing in a target account, so it adds no trust of its own there.
 */

/** The CDK's default bootstrap qualifier (aws-cdk-lib `DefaultStackSynthesizer.DEFAULT_QUALIFIER`). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The bootstrap template's `Qualifier` parameter: `AllowedPattern: "[A-Za-z0-9_-]{1,10}"`.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html
 */
const QUALIFIER = /^[A-Za-z0-9_-]{1,10}$/;

/**
 * An AWS account ID is a 12-digit number.
 * @see https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
 */
const ACCOUNT_ID = /^\d{12}$/;

/** Throws unless `account` (when given) is a literal 12-digit account ID. */
export function checkAccount(account: string | undefined, what: string, scope: IConstruct): void {
  if (account === undefined) { return; }
  if (Token.isUnresolved(account)) {
    throw validationError(`${what}: account is a token (${account}); give the target's account as a literal of 12 digits, such as '111122223333': ` +
      'the pipeline names the account\'s roles and grants it on its artifact stores at synth time.', scope);
  }
  if (!ACCOUNT_ID.test(account)) {
    throw validationError(`${what}: account '${account}' is not an AWS account ID; give the 12 digits of the account, such as '111122223333'.`, scope);
  }
}

/** Throws unless `qualifier` (when given) can be a CDK bootstrap qualifier. */
export function checkQualifier(qualifier: string | undefined, what: string, scope: IConstruct): void {
  if (qualifier === undefined) { return; }
  if (Token.isUnresolved(qualifier) || !QUALIFIER.test(qualifier)) {
    throw validationError(`${what}: bootstrapQualifier '${qualifier}' is not a CDK bootstrap qualifier; give the literal qualifier of the ` +
      `target account's bootstrap stack: 1 to 10 letters, digits, '_' or '-' (the default is '${DEFAULT_BOOTSTRAP_QUALIFIER}').`, scope);
  }
}

/** The ARN of the bootstrap role `cdk-<qualifier>-<kind>-<account>-<region>`. */
export function bootstrapRoleArn(kind: 'deploy-role' | 'cfn-exec-role', account: string, region: string, qualifier: string): string {
  const partition = RegionInfo.get(region).partition ?? 'aws';
  return `arn:${partition}:iam::${account}:role/cdk-${qualifier}-${kind}-${account}-${region}`;
}

/**
 * The bootstrap roles of `account` in `region`, imported (immutable: the construct never adds to the
 * policies of a role of another account) under `scope`.
 */
export function bootstrapRoles(scope: Construct, account: string, region: string, qualifier: string): CrossAccountRoles {
  const imported = (id: string, arn: string) => (scope.node.tryFindChild(id) as iam.IRole | undefined)
    ?? iam.Role.fromRoleArn(scope, id, arn, { mutable: false });
  return {
    account,
    actionRole: imported('BootstrapDeployRole', bootstrapRoleArn('deploy-role', account, region, qualifier)),
    deploymentRole: imported('BootstrapCfnExecRole', bootstrapRoleArn('cfn-exec-role', account, region, qualifier)),
  };
}

/** What a store already grants to other accounts, so each account is granted once per store. */
const GRANTED = new WeakMap<IConstruct, Set<string>>();

/**
 * Lets exactly `roleArns` (roles of `account`) read the artifact store of `region`: the bucket's
 * policy allows them GetObject*, GetBucket* and List* on the bucket, and the key's policy allows them
 * kms:Decrypt and kms:DescribeKey. Both statements name the account as principal and the roles in
 * an `aws:PrincipalArn` condition, so the store deploys before the target account is bootstrapped
 * (a key or bucket policy naming a role that does not exist yet is rejected).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
 */
export function grantStoreRead(stores: StoreDirectory, region: string, account: string, roleArns: string[]): void {
  const bucket = stores.ownBucket(region);
  const key = stores.key(region);
  if (!key) {
    throw new Error(`internal: the artifact store of ${region} has no KMS key`);
  }
  const granted = GRANTED.get(bucket) ?? new Set<string>();
  GRANTED.set(bucket, granted);
  const id = `${account} ${[...roleArns].sort().join(' ')}`;
  if (granted.has(id)) { return; }
  granted.add(id);
  const principals = [new iam.AccountPrincipal(account)];
  const conditions = { ArnEquals: { 'aws:PrincipalArn': roleArns } };
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `TargetAccountRead${account}${granted.size}`,
    principals,
    actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
    resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    conditions,
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: `TargetAccountDecrypt${account}${granted.size}`,
    principals,
    actions: ['kms:Decrypt', 'kms:DescribeKey'],
    resources: ['*'],
    conditions,
  }));
}

/**
 * The artifact store of `region` as the pipeline's `artifactStores` declares it when a target in
 * another account acts there: CodePipeline resolves a key alias only in the account that created the
 * key, and takes only a key ID or ARN for cross-account actions. The key of a store in another
 * region is named by an alias at synth time, so its ARN is read at deployment (KMS DescribeKey on the
 * alias in that region, by a custom resource in the pipeline's stack, after the store's stack); the
 * store of the pipeline's region is in the pipeline's stack, and named by its key's ARN directly.
 * @see https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_EncryptionKey.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
 */
export function storeWithKeyArn(owner: Construct, stores: StoreDirectory, region: string): s3.IBucket {
  const id = `CrossAccountStore-${region}`;
  const existing = owner.node.tryFindChild(id);
  if (existing) { return existing as unknown as s3.IBucket; }
  const alias = stores.key(region);
  if (!(alias instanceof kms.Alias)) {
    throw new Error(`internal: the artifact store of ${region} has no key alias`);
  }
  const stack = Stack.of(owner);
  if (region === stack.region) {
    // the store of the pipeline's region is in the pipeline's stack: its key's ARN is a reference.
    // Bucket and key as references, so that aws-cdk-lib's grants to the target account's roles add
    // nothing to their resource policies (which would name the roles, and fail before they exist):
    // grantStoreRead() writes those statements.
    const own = stores.ownBucket(region);
    return s3.Bucket.fromBucketAttributes(owner, id, {
      bucketName: own.bucketName,
      bucketArn: own.bucketArn,
      encryptionKey: kms.Key.fromKeyArn(owner, `StoreKey-${region}`, alias.aliasTargetKey.keyArn),
    });
  }
  const partition = RegionInfo.get(region).partition ?? 'aws';
  const lookup = new cr.AwsCustomResource(owner, `StoreKeyArn-${region}`, {
    onUpdate: {
      service: 'KMS',
      action: 'describeKey',
      parameters: { KeyId: alias.aliasName },
      region,
      physicalResourceId: cr.PhysicalResourceId.fromResponse('KeyMetadata.Arn'),
      outputPaths: ['KeyMetadata.Arn'],
    },
    // DescribeKey returns the key's metadata only; the keys of the store's account and region
    policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
      actions: ['kms:DescribeKey'],
      resources: [`arn:${partition}:kms:${region}:${stack.account}:key/*`],
    })]),
    installLatestAwsSdk: false,
  });
  explainKeyArnLookup(lookup, stack);
  const bucketName = stores.bucketName(region);
  return s3.Bucket.fromBucketAttributes(owner, id, {
    bucketName,
    bucketArn: `arn:${partition}:s3:::${bucketName}`,
    region,
    account: stack.account,
    encryptionKey: kms.Key.fromKeyArn(owner, `StoreKey-${region}`, lookup.getResponseField('KeyMetadata.Arn')),
  });
}
