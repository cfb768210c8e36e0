import { createHash } from 'crypto';
import { Annotations, Aspects, CfnCapabilities, Stack, Stage } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CdkDeployRoles } from './cdk-deploy-options';
import { RegionTargetOptions } from './target-options';
import { PlannedActionKind } from '../deployment-plan';
import { DEFAULT_CDK_ASSETS_VERSION, publishingAction } from '../private/asset-publishing';
import { CdkStackRecord, StageAssembly, bootstrapQualifierOf, readStageAssembly } from '../private/cdk-assembly';
import { validationError } from '../private/errors';
import { explainAssetReads } from '../private/nag';
import { BindContext, CrossAccountRoles, NamedStep, PlannedStep, PluginBinding, StackRef, TargetKind } from '../private/protocol';
import { offers } from '../private/region-services';
import { validateRegion, validateStackName } from '../private/validation';

/**
 * How a CDK stage is delivered to its region.
 */
export interface CdkStageTargetOptions extends RegionTargetOptions {
  /**
   * The roles the stacks are deployed with.
   * @default CdkDeployRoles.bootstrap()
   */
  readonly deployRoles?: CdkDeployRoles;

  /**
   * Name of the change set of every stack.
   * @default 'multi-region-delivery'
   */
  readonly changeSetName?: string;

  /**
   * The release of cdk-assets (npm package `cdk-assets`) that publishes the assets. It must read the
   * asset manifests that your aws-cdk-lib writes: raise it when you raise aws-cdk-lib.
   * @default '4.7.3'
   */
  readonly cdkAssetsVersion?: string;
}

const DEFAULT_CHANGE_SET_NAME = 'multi-region-delivery';

/**
 * Every capability a CDK stack may need, as CDK Pipelines passes them (aws-cdk-lib
 * pipelines/lib/codepipeline/codepipeline.ts: `NAMED_IAM` and `AUTO_EXPAND`); `NAMED_IAM` also
 * covers IAM resources without names.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html
 */
const CDK_CAPABILITIES = [CfnCapabilities.NAMED_IAM, CfnCapabilities.AUTO_EXPAND];

/** Run orders of a stack at dependency level `level`: after its dependencies' execution, after publishing (1). */
function runOrders(level: number): { create: number; approve: number; execute: number } {
  return { create: 2 + 3 * level, approve: 3 + 3 * level, execute: 4 + 3 * level };
}

/**
 * A CDK stage: the stacks of its cloud assembly, each through a change set, in dependency order,
 * after its assets are published to the region.
 * @internal
 */
export class CdkStageTarget implements TargetKind {
  public readonly region: string;
  public readonly description: string;
  public readonly id: string;
  public readonly stacks: StackRef[];
  public readonly steps: PlannedStep[];
  public readonly templatePaths: string[];
  public readonly secondaryInputs: string[] = [];
  /** A stage in another account is deployed with that account's bootstrap roles (private/cross-account.ts). */
  public readonly acceptsOtherAccounts = true;
  /** The stage's account, which the target deploys to. */
  public readonly account: string;
  /**
   * For a stage in another account than the pipeline's: the qualifier of the bootstrap roles its
   * stacks name, which the pipeline grants on its stores; undefined when they are not named after
   * one qualifier (refused there, when bound).
   */
  public readonly bootstrapQualifier?: string;
  private readonly assembly: StageAssembly;
  private readonly changeSetName: string;
  private readonly roles: CdkDeployRoles;
  private readonly what: string;

  constructor(private readonly stage: Stage, private readonly options: CdkStageTargetOptions) {
    this.what = `RegionTarget.cdkStage(${stage.node.path})`;
    this.assembly = readStageAssembly(stage, this.what);
    const region = this.assembly.region;
    validateRegion(region, this.what);
    if (offers('codepipeline', region) === false) {
      throw validationError(`${this.what}: the stage is in ${region}, where CodePipeline is not offered; a cdkStage target deploys with ` +
        'CodePipeline\'s CloudFormation actions in its region. Deliver the stacks there with RegionTarget.cloudFormation(), which reaches such regions through CodeBuild.', stage);
    }
    this.changeSetName = options.changeSetName ?? DEFAULT_CHANGE_SET_NAME;
    validateStackName(this.changeSetName, this.what, 'change set name');
    const version = options.cdkAssetsVersion ?? DEFAULT_CDK_ASSETS_VERSION;
    if (!/^[0-9A-Za-z.+-]{1,64}$/.test(version)) {
      throw validationError(`${this.what}: cdkAssetsVersion '${version}' is not an npm version; give a version such as '${DEFAULT_CDK_ASSETS_VERSION}'.`, stage);
    }
    this.roles = options.deployRoles ?? CdkDeployRoles.bootstrap();
    if (this.roles._bootstrap) {
      const without = this.assembly.stacks.find(s => !s.deployRoleArn || !s.executionRoleArn);
      if (without) {
        throw validationError(`${this.what}: stack ${without.stackName} names no bootstrap deploy or execution role in the cloud assembly; ` +
          'deploy it with CdkDeployRoles.pipelineRoles(), or keep the DefaultStackSynthesizer\'s roles.', stage);
      }
    }
    if (options.account !== undefined && options.account !== this.assembly.account) {
      throw validationError(`${this.what}: account '${options.account}' is not the stage's account, ${this.assembly.account}; a cdkStage target deploys ` +
        'to the account of its stage. Drop `account` (the stage\'s env decides), or give the stage that account.', stage);
    }
    this.account = this.assembly.account;
    this.bootstrapQualifier = bootstrapQualifierOf(this.assembly);
    this.region = region;
    this.description = `${this.assembly.stageName}@${region}`;
    this.id = this.description;
    this.stacks = this.assembly.stacks.map(s => ({ region, stackName: s.stackName }));
    this.templatePaths = this.assembly.stacks.map(s => s.templatePath);
    this.steps = this.plannedSteps();
  }

  /**
   * Binds the target's steps: all of them in the single pipeline; in a regional pipeline, once for
   * its publishing (in the `Assets` stage, private/regional-layout.ts) and once for its stacks (in
   * the deploy stage), so the stacks' roles and warnings come with the stacks only.
   */
  public _bind(context: BindContext): PluginBinding {
    this.checkPipeline(context);
    const deploysStacks = context.steps.some(named => named.step.kind !== PlannedActionKind.PUBLISH_ASSETS);
    if (deploysStacks) {
      this.warn(context);
    }
    const deploy = deploysStacks ? this.deployRoles(context) : () => { throw new Error('internal: no stack step to bind'); };
    const byStack = new Map(this.assembly.stacks.map(s => [s.stackName, s]));
    return {
      actions: context.steps.map(named => named.step.kind === PlannedActionKind.PUBLISH_ASSETS
        ? publishingAction(context, named, {
          assembly: this.assembly,
          cdkAssetsVersion: this.options.cdkAssetsVersion ?? DEFAULT_CDK_ASSETS_VERSION,
        })
        : this.stackAction(named, context, byStack.get(named.step.stackName!)!, deploy)),
    };
  }

  private checkPipeline(context: BindContext): void {
    if (!context.templatesFromBuild) {
      throw validationError(`${this.what}: the pipeline has no build, so there is no cloud assembly to deploy; give it ` +
        "`buildStep: PipelineBuild.cdkSynth({ commands: ['npm ci', 'npx cdk synth'] })`.", this.stage);
    }
    if (this.stage.node.root !== context.scope.node.root) {
      throw validationError(`${this.what}: the stage belongs to another app than the pipeline; the build synthesizes the pipeline's app, ` +
        'so pass a stage of that app.', this.stage);
    }
  }

  /**
   * Warnings, on the pipeline (a stage's own metadata is written before the pipeline is built, and
   * the stage is no stack whose output the CLI prints).
   */
  private warn(context: BindContext): void {
    const annotations = Annotations.of(context.scope);
    const protectedStacks = this.assembly.stacks.filter(s => s.terminationProtection).map(s => s.stackName);
    if (protectedStacks.length > 0) {
      annotations.addWarningV2('cdk-multi-region-delivery-pipeline:terminationProtection',
        `${this.what}: ${protectedStacks.join(', ')} ${protectedStacks.length === 1 ? 'has' : 'have'} termination protection, which CodePipeline's ` +
        'CloudFormation actions cannot set (they have no such configuration key); turn it on once per region with ' +
        '`aws cloudformation update-termination-protection --enable-termination-protection --stack-name <name>`.');
    }
    // aws-cdk-lib applies to a stage synthesized on its own only the aspects of the stage and below
    // (core/lib/private/synthesis.ts, invokeAspects starts at the stage), so Tags.of(app) and the
    // like never reach the templates the pipeline deploys
    const outer = this.stage.node.scopes.filter(scope => scope !== this.stage && Aspects.of(scope).all.length > 0);
    if (outer.length > 0) {
      annotations.addWarningV2('cdk-multi-region-delivery-pipeline:outerAspects',
        `${this.what}: ${outer.map(scope => scope.node.path || 'the app').join(', ')} ${outer.length === 1 ? 'has' : 'have'} aspects (tags, checks), ` +
        'which do not reach the stage: it is synthesized on its own, as CDK Pipelines synthesizes the stages it deploys. ' +
        'Add them to the stage (Tags.of(stage), Aspects.of(stage)) as well.');
    }
  }

  private plannedSteps(): PlannedStep[] {
    const assets = this.assembly.assets;
    const stacks = this.assembly.stacks;
    return [
      {
        name: 'PublishAssets',
        kind: PlannedActionKind.PUBLISH_ASSETS,
        runOrder: 1,
        subject: this.assembly.stageName,
        detail: `${count(assets.fileAssets, 'file')} and ${count(assets.imageAssets, 'image')} of ${count(stacks.length, 'stack')}, with cdk-assets`,
      },
      ...stacks.flatMap(stack => {
        const order = runOrders(stack.level);
        const common = {
          subject: stack.stackName,
          stackName: stack.stackName,
          detail: stack.dependsOn.length > 0 ? `after ${stack.dependsOn.join(', ')}` : undefined,
        };
        return [
          { name: 'CreateChangeSet', kind: PlannedActionKind.CREATE_CHANGE_SET, runOrder: order.create, ...common },
          ...(this.options.approval ? [{ name: 'Approve', kind: PlannedActionKind.APPROVAL, runOrder: order.approve, ...common }] : []),
          { name: 'ExecuteChangeSet', kind: PlannedActionKind.EXECUTE_CHANGE_SET, runOrder: order.execute, ...common },
        ];
      }),
    ];
  }

  private stackAction(named: NamedStep, context: BindContext, stack: CdkStackRecord,
    roles: (stack: CdkStackRecord) => DeployRoles): codepipeline.IAction {
    const input = context.artifacts.templates;
    const { actionRole, deploymentRole } = roles(stack);
    const common = { actionName: named.actionName, runOrder: named.step.runOrder };
    switch (named.step.kind) {
      case PlannedActionKind.CREATE_CHANGE_SET:
        return new actions.CloudFormationCreateReplaceChangeSetAction({
          ...common,
          role: actionRole,
          region: this.region,
          adminPermissions: false,
          deploymentRole,
          stackName: stack.stackName,
          changeSetName: this.changeSetName,
          templatePath: input.atPath(stack.templatePath),
          cfnCapabilities: CDK_CAPABILITIES,
        });
      case PlannedActionKind.APPROVAL:
        return new actions.ManualApprovalAction({
          ...common,
          role: context.roles.stageActionRole,
          additionalInformation: `Review change set ${this.changeSetName} of stack ${stack.stackName} in ${this.region} before it is executed.`,
        });
      case PlannedActionKind.EXECUTE_CHANGE_SET:
        return new actions.CloudFormationExecuteChangeSetAction({
          ...common,
          role: actionRole,
          region: this.region,
          stackName: stack.stackName,
          changeSetName: this.changeSetName,
        });
      default:
        throw new Error(`internal: unexpected step ${named.step.kind}`);
    }
  }

  /** The roles of each stack, created or imported once per target. */
  private deployRoles(context: BindContext): (stack: CdkStackRecord) => DeployRoles {
    if (context.crossAccount) {
      return this.crossAccountRoles(context.crossAccount, context);
    }
    if (this.roles._bootstrap) {
      return stack => ({
        actionRole: this.bootstrapRole(context, stack.deployRoleArn!, true),
        deploymentRole: this.bootstrapRole(context, stack.executionRoleArn!, false),
      });
    }
    const options = this.roles._options;
    const actionRole = context.roles.stageActionRole;
    const deploymentRole = options.deploymentRole ?? context.roles.deploymentRole(options.deploymentManagedPolicies ?? []);
    // CloudFormation reads the templates' packaged code from the region's store, and the assets from the bootstrap bucket and repository
    context.stores.bucket(this.region).grantRead(deploymentRole);
    this.grantAssetReads(deploymentRole, actionRole, Stack.of(context.scope).partition);
    return () => ({ actionRole, deploymentRole });
  }

  /**
   * A stage in another account: its stacks are deployed with that account's bootstrap roles, which
   * RegionTarget imported (context.crossAccount) and granted on the region's store; the stacks must
   * name exactly those roles. The library's own roles live in the pipeline's account, where
   * CloudFormation of the stage's account cannot use them.
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
   */
  private crossAccountRoles(roles: CrossAccountRoles, context: BindContext): () => DeployRoles {
    const pipelineAccount = Stack.of(context.scope).account;
    if (!this.roles._bootstrap) {
      throw validationError(`${this.what}: CdkDeployRoles.pipelineRoles() deploys with roles of the pipeline's account (${pipelineAccount}), which ` +
        `CloudFormation in the stage's account, ${roles.account}, cannot use; a stage in another account is deployed with that account's bootstrap ` +
        'deploy and execution roles. Use CdkDeployRoles.bootstrap() (the default).', this.stage);
    }
    const other = this.assembly.stacks.find(s => s.deployRoleArn !== roles.actionRole.roleArn || s.executionRoleArn !== roles.deploymentRole.roleArn);
    if (other) {
      throw validationError(`${this.what}: stack ${other.stackName} names the deploy role ${other.deployRoleArn} and the execution role ` +
        `${other.executionRoleArn}, but a stage in account ${roles.account} (not the pipeline's, ${pipelineAccount}) is deployed with that account's ` +
        `bootstrap roles ${roles.actionRole.roleArn} and ${roles.deploymentRole.roleArn}, which the pipeline grants on its artifact stores. ` +
        'Give every stack of the stage the DefaultStackSynthesizer\'s role names, with one bootstrap qualifier.', this.stage);
    }
    return () => ({ actionRole: roles.actionRole, deploymentRole: roles.deploymentRole });
  }

  /**
   * A bootstrap role, imported once per ARN. The deploy role is imported as CDK Pipelines imports it
   * (immutable, grants added to resources): what it needs of the pipeline's artifact stores goes to
   * the stores' bucket policies, because the bootstrap template lets it read buckets of other
   * accounts only (statement `PipelineCrossAccountArtifactsBucket`, condition `s3:ResourceAccount`
   * not the own account).
   * @see https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
   */
  private bootstrapRole(context: BindContext, arn: string, deploy: boolean): iam.IRole {
    const id = `Bootstrap${deploy ? 'Deploy' : 'Execution'}Role-${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`;
    const existing = context.scope.node.tryFindChild(id) as iam.IRole | undefined;
    if (existing) { return existing; }
    const role = iam.Role.fromRoleArn(context.scope, id, arn, { mutable: false, addGrantsToResources: deploy });
    // where the pipeline names the store by its bucket construct (the single pipeline's own region),
    // aws-cdk-lib's actions add the same to its bucket policy themselves; a store named by reference
    // (another region, or the store of a regional pipeline) takes no grants, so the statement goes to
    // the store's own bucket, in the store's stack, naming the role by its literal ARN
    if (deploy && context.stores.bucket(this.region) !== context.stores.ownBucket(this.region)) {
      const bucket = context.stores.ownBucket(this.region);
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetBucketLocation', 's3:ListBucket'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        principals: [new iam.ArnPrincipal(arn)],
      }));
    }
    return role;
  }

  /**
   * What CloudFormation reads on behalf of the library's deployment role: the file assets (Lambda
   * code, nested templates) in the bootstrap bucket (the Lambda guide's example policy for creating
   * functions grants `s3:GetObject` on the code object, "PermissionToUploadCodeFromS3"), the
   * container images in the bootstrap repository (functions from images need `ecr:BatchGetImage`
   * and `ecr:GetDownloadUrlForLayer`), and the bootstrap version parameter that the templates read
   * (an `AWS::SSM::Parameter::Value` parameter). Which identity resolves such a parameter, the
   * caller or the service role, is not stated on the pages found, so both may read it: the choice
   * that cannot fail.
   * @see https://docs.aws.amazon.com/lambda/latest/dg/images-create.html
   * @see https://docs.aws.amazon.com/lambda/latest/dg/access-control-identity-based.html
   */
  private grantAssetReads(deploymentRole: iam.IRole, actionRole: iam.IRole, partition: string): void {
    const assets = this.assembly.assets;
    const { account, region } = this.assembly;
    if (assets.bucketNames.length > 0) {
      deploymentRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: assets.bucketNames.map(name => `arn:${partition}:s3:::${name}/*`),
      }));
    }
    if (assets.repositoryNames.length > 0) {
      deploymentRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: assets.repositoryNames.map(name => `arn:${partition}:ecr:${region}:${account}:repository/${name}`),
      }));
    }
    const parameters = [...new Set(this.assembly.stacks.flatMap(s => s.bootstrapVersionParameter ? [s.bootstrapVersionParameter] : []))];
    if (parameters.length > 0) {
      const statement = new iam.PolicyStatement({
        actions: ['ssm:GetParameters'],
        resources: parameters.map(name => `arn:${partition}:ssm:${region}:${account}:parameter${name.startsWith('/') ? '' : '/'}${name}`),
      });
      deploymentRole.addToPrincipalPolicy(statement);
      actionRole.addToPrincipalPolicy(statement);
    }
    explainAssetReads(deploymentRole, assets.bucketNames);
  }
}

/** `1 stack`, `2 files`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The roles of one stack's actions. */
interface DeployRoles {
  readonly actionRole: iam.IRole;
  readonly deploymentRole: iam.IRole;
}
