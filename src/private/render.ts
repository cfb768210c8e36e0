import { CfnElement, Stack, Token } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PlannedActionKind } from '../deployment-plan';
import { artifactBucketNamePrefix } from './artifact-store';
import { routeRole } from './codebuild-route';
import { storeWithKeyArn } from './cross-account';
import { validationError } from './errors';
import { alarmReference, renderConditions } from './gates';
import { LaidOutStage, Placement } from './layout';
import { explainPipelineWildcards } from './nag';
import { BindContext, PipelineArtifacts, PluginBinding, SourceOutput, StageActionRole, StoreDirectory } from './protocol';
import { PipelineRoles } from './roles';
import { renderBake } from './waves';

/** aws-cdk-lib's context key for the size it assumes for an unresolved ARN in a policy. */
export const ARN_SIZE_ESTIMATE_CONTEXT = '@aws-cdk/aws-iam.arnSizeEstimate';
export const ARN_SIZE_ESTIMATE = 120;

/** What the pipeline is rendered from. */
export interface RenderInput {
  /** The MultiRegionDeliveryPipeline construct: everything is created below it. */
  readonly owner: Construct;
  readonly homeRegion: string;
  readonly stages: LaidOutStage[];
  /** The artifact stores; `pipelineStoreRegions` are the pipeline's (cross-region) artifact stores. */
  readonly stores: StoreDirectory & {
    readonly pipelineStoreRegions: string[];
    /** Empties the stores when the pipeline's stack is deleted (the home pipeline's stores only). */
    addCleaner?(pipeline: Construct): void;
  };
  /**
   * The pipeline's one artifact store, for a pipeline whose actions all run in its own region (a
   * regional pipeline); `stores.pipelineStoreRegions` is then ignored.
   * @default - one store per region of `stores.pipelineStoreRegions`
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * The common beginning of the artifact store buckets' names, for the cdk-nag explanations.
   * @default - the prefix of `owner`'s buckets
   */
  readonly bucketNamePrefix?: string;
  readonly source: SourceOutput;
  readonly hasBuild: boolean;
  /**
   * Whether the artifact the targets read is the build's output.
   * @default - `hasBuild`; a regional pipeline has no build, but its release is the home pipeline's build output
   */
  readonly templatesFromBuild?: boolean;
  /** Names of the build's further outputs. */
  readonly secondaryOutputs: string[];
  readonly targetRegions: string[];
  readonly templatePaths: string[];
  readonly stackNames: string[];
  readonly pipelineProps: codepipeline.PipelineProps;
  readonly notifications?: { readonly topic: sns.ITopic; readonly events: codepipeline.PipelineNotificationEvents[] };
}

/** What rendering produced. */
export interface RenderedPipeline {
  readonly pipeline: codepipeline.Pipeline;
  /** The CodeBuild projects of the plug-ins, by the name of their stage (`Build`, `Validate`). */
  readonly projects: { [stageName: string]: codebuild.IProject };
}

/**
 * Renders the laid-out stages into a `codepipeline.Pipeline`: binds every plug-in of every stage the
 * same way (`_bind` with a `BindContext`), writes each stage with its conditions, then the grants
 * the stage conditions need, the notifications and the cdk-nag explanations.
 */
export function renderPipeline(input: RenderInput): RenderedPipeline {
  const owner = input.owner;
  const otherAccountRegions = new Set(input.stages.flatMap(stage => stage.placements.filter(p => p.account !== undefined).map(p => p.region)));
  const pipeline = new codepipeline.Pipeline(owner, 'Pipeline', {
    ...input.pipelineProps,
    // every region's store is ours: aws-cdk-lib creates no support stacks and no keys of its own;
    // only regions with CodePipeline hold a store (the others are reached through CodeBuild)
    ...(input.artifactBucket
      ? { artifactBucket: input.artifactBucket }
      : {
        crossRegionReplicationBuckets: Object.fromEntries(input.stores.pipelineStoreRegions.map(region => [region,
          // a region where a target of another account acts: its store named with its key's ARN (private/cross-account.ts)
          otherAccountRegions.has(region) && input.stores.key(region)
            ? storeWithKeyArn(owner, input.stores, region)
            : input.stores.bucket(region)])),
      }),
    crossAccountKeys: false,
    // Actions without a role of their own (source, build, validation) run with the pipeline's role
    // instead of one role and policy each: the pipeline's role could assume those roles anyway, so
    // what the pipeline can do is the same, with four fewer resources. Deploy actions keep their
    // stage's role (private/roles.ts).
    usePipelineRoleForActions: true,
  });
  // the stores are emptied when the pipeline's stack is deleted, after the pipeline itself
  input.stores.addCleaner?.(pipeline);
  const artifacts = pipelineArtifacts(input.hasBuild, input.secondaryOutputs);
  const targetsScope = targetScope(owner, input.stackNames);
  const roles = new PipelineRoles(targetsScope, pipeline.role, owner.node.path);
  const projects: { [stageName: string]: codebuild.IProject } = {};
  const finishers: NonNullable<PluginBinding['afterAllStages']>[] = [];
  const stageActions = (stage: LaidOutStage) => stage.placements.flatMap(placement => {
    const binding = placement.plugin._bind(bindContext(input, placement, { pipeline, artifacts, roles: roles.forStage(stage) }));
    if (binding.project) {
      projects[stage.stageName] = binding.project;
    }
    if (binding.afterAllStages) {
      finishers.push(binding.afterAllStages);
    }
    if (input.artifactBucket) {
      checkOwnRegion(input, placement, binding.actions);
    }
    return binding.actions;
  });
  for (const stage of input.stages) {
    const actions = stageActions(stage);
    pipeline.addStage({
      stageName: stage.stageName,
      actions,
      ...renderConditions(owner, stage.deployNumber, stage.conditions),
      // a stage holds one on-success condition: a wave's bake replaces (and includes) the stage's own
      ...(stage.bake ? { onSuccess: renderBake(owner, stage.deployNumber, stage.bake) } : {}),
    });
  }
  finishers.forEach(finish => finish(deployRoles(input, roles, targetsScope)));
  grantAlarmReads(owner, pipeline, input.stages);
  if (input.notifications) {
    pipeline.notifyOn('Notifications', input.notifications.topic, { events: input.notifications.events });
  }
  explainPipelineWildcards(owner, {
    stack: Stack.of(owner),
    // a regional pipeline names its store by a literal ARN: no bucket construct of its own to name
    homeBucket: (input.stores.bucket(input.homeRegion).node.defaultChild as CfnElement | undefined)
      ? input.stores.bucket(input.homeRegion) : undefined,
    bucketNamePrefix: input.bucketNamePrefix ?? artifactBucketNamePrefix(owner),
    aliasedKeys: input.stores.regions.some(region => input.stores.key(region) !== undefined),
    stackNames: input.stackNames,
    stackSetNames: [...new Set(input.stages.flatMap(s => s.placements.flatMap(p => p.steps))
      .filter(n => n.step.kind === PlannedActionKind.STACK_SET).map(n => n.step.subject!))],
    // the plug-ins' projects: build, validation, the CloudFormation route (one per pipeline) and CodeDeploy routes
    projects: owner.node.findAll().filter(node => node instanceof codebuild.Project) as codebuild.Project[],
    // the plug-ins' functions that the pipeline invokes (the release publisher)
    functions: owner.node.findAll().filter(node => node instanceof lambda.Function) as lambda.Function[],
  });
  return { pipeline, projects };
}

/**
 * A pipeline with one artifact store (a regional pipeline) runs every action in its own region: a
 * plug-in that binds an action elsewhere is refused with its name, before aws-cdk-lib would ask for
 * a store in that region.
 */
function checkOwnRegion(input: RenderInput, placement: Placement, actions: codepipeline.IAction[]): void {
  const what = (placement.plugin as { description?: string }).description ?? placement.scopePath.join('/');
  for (const action of actions) {
    // the action's region: given, or its resource's (as aws-cdk-lib's Pipeline reads it)
    const region = action.actionProperties.region ?? action.actionProperties.resource?.env.region;
    if (region !== undefined && !Token.isUnresolved(region) && region !== input.homeRegion) {
      throw validationError(`${input.owner.node.path}: ${what} binds the action '${action.actionProperties.actionName}' in ${region}, but the ` +
        `regional pipeline in ${input.homeRegion} runs actions in its own region only; the target kind should refuse regional pipelines ` +
        '(TargetKind.regionalPipelineRefusal), or use DeliveryTopology.singlePipeline().', input.owner);
    }
  }
}

function pipelineArtifacts(hasBuild: boolean, secondaryOutputs: string[]): PipelineArtifacts {
  const source = new codepipeline.Artifact('Source');
  const build = hasBuild ? new codepipeline.Artifact('Build') : undefined;
  const secondary = Object.fromEntries(secondaryOutputs.map(name => [name, new codepipeline.Artifact(name)]));
  return { source, build, templates: build ?? source, secondary };
}

/**
 * The `Targets` construct, under which the targets and their shared roles live. aws-cdk-lib splits a
 * role's policy into extra managed policies when its estimated size nears IAM's limit; the estimate
 * for the target stacks' ARNs here is partition, region, account, 'stack/', the name and '/*'.
 */
function targetScope(owner: Construct, stackNames: string[]): Construct {
  const scope = new Construct(owner, 'Targets');
  const longestStackName = Math.max(0, ...stackNames.map(name => name.length));
  scope.node.setContext(ARN_SIZE_ESTIMATE_CONTEXT, Math.max(ARN_SIZE_ESTIMATE, 70 + longestStackName));
  return scope;
}

/** The context of one plug-in in its stage. */
function bindContext(input: RenderInput, placement: Placement,
  shared: Pick<BindContext, 'pipeline' | 'artifacts' | 'roles'>): BindContext {
  let scope = input.owner;
  for (const id of placement.scopePath) {
    scope = (scope.node.tryFindChild(id) as Construct | undefined) ?? new Construct(scope, id);
  }
  return {
    ...shared,
    scope,
    homeRegion: input.homeRegion,
    steps: placement.steps,
    templatesFromBuild: input.templatesFromBuild ?? input.hasBuild,
    stores: input.stores,
    source: input.source,
    targetRegions: input.targetRegions,
    templatePaths: input.templatePaths,
  };
}

/**
 * The roles that act for the deploy stages' targets, with the regions they act in: each stage's
 * action role, the role of every CodeBuild project of a target (a route to a region without
 * CodePipeline, which deploys itself), and the role of the pipeline's shared CloudFormation route
 * (private/codebuild-route.ts), which calls CloudFormation in every routed target's region.
 */
function deployRoles(input: RenderInput, roles: PipelineRoles, targetsScope: Construct): StageActionRole[] {
  const route = routeRole(targetsScope);
  return [...route ? [route] : [], ...input.stages.filter(stage => stage.deployNumber > 0).flatMap(stage => {
    const actionRole = roles.existingActionRole(stage);
    const projectRoles = stage.placements.flatMap(placement => {
      const scope = placement.scopePath.reduce<Construct | undefined>((c, id) => c?.node.tryFindChild(id) as Construct | undefined, input.owner);
      return (scope?.node.findAll() ?? []).filter((n): n is codebuild.Project => n instanceof codebuild.Project && n.role !== undefined)
        .map(project => ({ actionRole: project.role!, regions: [placement.region] }));
    });
    return [...actionRole ? [{ actionRole, regions: [...new Set(stage.placements.map(p => p.region))] }] : [], ...projectRoles];
  })];
}

/**
 * The CloudWatchAlarm rules run with the pipeline's role (no rule role is given) and read the
 * alarms' state: DescribeAlarms on exactly these alarms.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
 */
function grantAlarmReads(owner: Construct, pipeline: codepipeline.Pipeline, stages: LaidOutStage[]): void {
  const alarmArns = stages.flatMap(stage => [...stage.conditions.onSuccessAlarms, ...stage.bake?.alarms ?? []])
    .map(alarm => alarmReference(owner, alarm).arn);
  if (alarmArns.length > 0) {
    pipeline.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [...new Set(alarmArns)],
    }));
  }
}
