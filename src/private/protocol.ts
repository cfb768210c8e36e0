import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PlannedActionKind } from '../deployment-plan';

/*
 * The internal protocol between the pipeline and its plug-ins (source, build, validation, targets).
 *
 * Every plug-in is bound the same way, once, when the pipeline is built: the layout has already
 * decided its stage and the names of its actions, and the plug-in receives a `BindContext` and
 * returns its actions (`PluginBinding`). Nothing here is public API.
 */

/** One action a plug-in asks for, before the layout names and places it. */
export interface PlannedStep {
  /** Unique within the plug-in: the action's name, or the last part of a target's action name. */
  readonly name: string;
  readonly kind: PlannedActionKind;
  readonly runOrder: number;
  /**
   * What a target's step works on (its stack, `app.group`): the action is then named
   * `<region>.<subject>.<name>`. Steps without a subject are named `name`.
   */
  readonly subject?: string;
  /** The CloudFormation stack the step deploys, for the plan. */
  readonly stackName?: string;
  /** What the step works on, in words, for the plan. */
  readonly detail?: string;
  /** The regions the step deploys to, when several from one action (a stack set), for the plan. */
  readonly regions?: string[];
  /**
   * How the step reaches its region when CodePipeline is not offered there: `codebuild`, a CodeBuild
   * action in the pipeline's region (private/codebuild-route.ts). Undefined for a native action.
   */
  readonly route?: StepRoute;
}

/** The routes to a region without CodePipeline. */
export type StepRoute = 'codebuild';

/** A step as laid out: the action's name in the pipeline. */
export interface NamedStep {
  readonly step: PlannedStep;
  readonly actionName: string;
}

/** The artifacts handed from stage to stage. */
export interface PipelineArtifacts {
  readonly source: codepipeline.Artifact;
  /** The build output; undefined when the pipeline has no build. */
  readonly build?: codepipeline.Artifact;
  /** What the validation and the targets read: the build output, or the source without a build. */
  readonly templates: codepipeline.Artifact;
  /** The build's further outputs, by name. */
  readonly secondary: { readonly [name: string]: codepipeline.Artifact };
}

/** The artifact stores (one per region), as the plug-ins use them. */
export interface StoreDirectory {
  /** The regions with a store: the pipeline's region first, then the target regions in order. */
  readonly regions: string[];
  /** The store's bucket as the pipeline's stack refers to it (a literal name and ARN for another region). */
  bucket(region: string): s3.IBucket;
  /** The store's literal bucket name. */
  bucketName(region: string): string;
  /** The store's own bucket, in the store's stack (where resource policies can be added). */
  ownBucket(region: string): s3.IBucket;
  /** The store's KMS key (an alias in another region), when encrypted with KMS. */
  key(region: string): kms.IKey | undefined;
  /** A stack of `region` in the pipeline's account: the store's stack, or the pipeline's own in its region. */
  stack(region: string): Stack;
}

/** Roles that plug-ins share instead of creating one each. */
export interface SharedRoles {
  /** The role of the deploy actions of the plug-in's stage, trusted by the pipeline's role only. */
  readonly stageActionRole: iam.IRole;
  /** The CloudFormation deployment role with exactly these managed policies. */
  deploymentRole(managedPolicies: iam.IManagedPolicy[]): iam.IRole;
}

/** The roles a target in another account is deployed with (private/cross-account.ts). */
export interface CrossAccountRoles {
  /** The target's account. */
  readonly account: string;
  /** The role its CodePipeline actions run under: the bootstrap deploy role. */
  readonly actionRole: iam.IRole;
  /** The role CloudFormation creates its resources with: the bootstrap cfn-exec role. */
  readonly deploymentRole: iam.IRole;
}

/** What readers of the source output get from the source. */
export interface SourceOutput {
  /** Source variables handed to the build (name to `#{Source.X}` expression). */
  readonly variables: { [name: string]: string };
  /** Grants a CodeBuild project what reading the source output needs beyond the artifact store. */
  grantRead(project: codebuild.IProject): void;
}

/** What the pipeline hands a plug-in when it binds it. */
export interface BindContext {
  /** Where the plug-in creates its constructs. */
  readonly scope: Construct;
  /** The pipeline being built (its stages are added after the plug-ins are bound). */
  readonly pipeline: codepipeline.Pipeline;
  /** The pipeline's region. */
  readonly homeRegion: string;
  /** The plug-in's steps as laid out, each with its action name. */
  readonly steps: NamedStep[];
  readonly artifacts: PipelineArtifacts;
  /**
   * Whether `artifacts.templates` holds the build's output: in the single pipeline, when it has a
   * build; in a regional pipeline, whose only artifact is the release, when the home pipeline has one.
   */
  readonly templatesFromBuild: boolean;
  readonly stores: StoreDirectory;
  readonly roles: SharedRoles;
  readonly source: SourceOutput;
  /** Every target region, each once, in target order. */
  readonly targetRegions: string[];
  /** The CloudFormation templates the targets deploy, each once, in target order. */
  readonly templatePaths: string[];
  /**
   * The roles of the target's account, for a target in another account than the pipeline's
   * (private/cross-account.ts); undefined for a target in the pipeline's account.
   */
  readonly crossAccount?: CrossAccountRoles;
}

/** What a plug-in hands back. */
export interface PluginBinding {
  /** One action per step of `BindContext.steps`, in that order. */
  readonly actions: codepipeline.IAction[];
  /** The CodeBuild project the plug-in runs, if any. */
  readonly project?: codebuild.IProject;
  /** Called once every stage is rendered, with the roles that act for the deploy stages' targets and their regions. */
  readonly afterAllStages?: (stages: StageActionRole[]) => void;
}

/** A role that acts for deploy targets (a stage's action role, a route's project role) and the regions it acts in. */
export interface StageActionRole {
  readonly actionRole: iam.IRole;
  readonly regions: string[];
}

/** Anything the pipeline binds: source, build, validation, target. */
export interface PipelinePlugin {
  /** Creates the plug-in's actions, roles and grants. Called once, when the pipeline is built. */
  _bind(context: BindContext): PluginBinding;
}

/** A CloudFormation stack, by region and name (and account, when not the pipeline's). */
export interface StackRef {
  readonly region: string;
  readonly stackName: string;
  /** The stack's account; undefined for the pipeline's account. */
  readonly account?: string;
}

/** True when `a` and `b` name the same stack. */
export function sameStack(a: StackRef, b: StackRef): boolean {
  return a.region === b.region && a.stackName === b.stackName && a.account === b.account;
}


/**
 * A CodeDeploy deployment group, by region, application and name. For a group given as a construct
 * whose names are tokens, the names are the group's construct path (so the same construct twice
 * still compares equal).
 */
export interface DeploymentGroupRef {
  readonly region: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
}

/** True when `a` and `b` name the same deployment group. */
export function sameDeploymentGroup(a: DeploymentGroupRef, b: DeploymentGroupRef): boolean {
  return a.region === b.region && a.applicationName === b.applicationName && a.deploymentGroupName === b.deploymentGroupName;
}

/**
 * What one kind of region target (CloudFormation, CodeDeploy, ECS blue/green) implements; the public
 * `RegionTarget` wraps it. Everything here is checked when the target is created.
 */
export interface TargetKind extends PipelinePlugin {
  readonly region: string;
  /**
   * Every region the target deploys to, when it deploys to several from one action (a stack set).
   * Its actions then run in the pipeline's region (which the layout places them in), and `region`
   * is only the first of these.
   * @default - [region]: the target's actions run in `region`
   */
  readonly regions?: string[];
  /** For people: `service-x@eu-west-1`, `web.fleet@us-east-1`. */
  readonly description: string;
  /**
   * The construct ID of the target's constructs: derived from what it deploys and where (never from
   * its position in the pipeline), so it stays the same when targets are added or reordered.
   */
  readonly id: string;
  /** Every stack the target deploys: a stack may be deployed by one target only. */
  readonly stacks: StackRef[];
  /** The deployment group the target deploys to, if any: a group may be deployed by one target only. */
  readonly deploymentGroup?: DeploymentGroupRef;
  /** The target's actions, with their kinds and run orders. */
  readonly steps: PlannedStep[];
  /** The CloudFormation templates the target deploys (paths inside the build output), for the Validate stage. */
  readonly templatePaths: string[];
  /** The build's further outputs the target reads (by name), which the build must produce. */
  readonly secondaryInputs: string[];
  /**
   * Whether the kind deploys to another account than the pipeline's (with `BindContext.crossAccount`);
   * a kind without it is refused there.
   */
  readonly acceptsOtherAccounts?: boolean;
  /**
   * Why a regional pipeline (`DeliveryTopology.regionalPipelines()`) cannot deploy this target, in
   * words for the error message; undefined when it can. A regional pipeline binds the target like
   * the single pipeline, with a `BindContext` whose pipeline, home region and stores are those of
   * the target's region, and whose only artifact is the release (the build's main output), so a
   * target that reads other artifacts, or needs anything outside its region, sets this.
   */
  readonly regionalPipelineRefusal?: string;
}

/**
 * What one kind of pipeline source (S3, CodeConnections, CodeCommit) implements; the public
 * `PipelineSource` wraps it. Its action writes `BindContext.artifacts.source` in the pipeline's region.
 */
export interface SourceKind extends PipelinePlugin {
  /** For people: `s3://bucket/key`, `connection owner/repo@branch`. */
  readonly description: string;
  /** Source variables handed to the build (name to `#{Source.X}` expression). */
  readonly variables: { [name: string]: string };
  /** Grants a CodeBuild project what reading the source output needs beyond the artifact store. */
  grantRead(project: codebuild.IProject): void;
}

/** Namespace of the source action's output variables. */
export const SOURCE_NAMESPACE = 'Source';

/**
 * Build variables from output variables of the source action: `{ SOURCE_COMMIT_ID: 'CommitId' }`
 * becomes `{ SOURCE_COMMIT_ID: '#{Source.CommitId}' }`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html
 */
export function sourceVariables(outputs: { [name: string]: string }): { [name: string]: string } {
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, `#{${SOURCE_NAMESPACE}.${output}}`]));
}
