import { PlannedActionKind } from '../deployment-plan';
import { stageConditions } from './gates';
import { LaidOutStage, LayoutInput, LeadingPlugin, actionName, checkQuotas, deployStages, leadingStages } from './layout';
import { ResolvedTarget } from './resolved-target';

/** The transport of the regional topology, as the layout places it. */
export interface RegionalTransport {
  /** The plug-in that publishes the release to `region` (one action in the home pipeline's `Publish` stage). */
  publish(region: string): LeadingPlugin;
  /** The plug-in that reads the release in `region` (the source of the region's pipeline). */
  release(region: string): LeadingPlugin;
}

/** The stages of the regional topology: the home pipeline's, and each regional pipeline's. */
export interface RegionalLayout {
  readonly home: LaidOutStage[];
  readonly regional: { readonly region: string; readonly stages: LaidOutStage[] }[];
}

/** The stage names of the regional topology. */
export const PUBLISH_STAGE = 'Publish';
export const RELEASE_STAGE = 'Release';
export const ASSETS_STAGE = 'Assets';

/**
 * The regional topology (`DeliveryTopology.regionalPipelines()`): the home pipeline runs `Source`,
 * `Build`, `Validate`, then `Publish` (one action per regional pipeline, side by side), then the
 * deploy stages of the targets in regions without CodePipeline (routed through CodeBuild, laid out
 * as in the single pipeline). Every other target region gets a pipeline of its own: `Release` (the
 * published release), then the region's deploy stages, grouped by window and gates exactly as in the
 * single pipeline. Targets that publish assets (CDK stages) publish them in an `Assets` stage between
 * `Release` and the deploy stages (see `assetsStage`). Quotas are checked per pipeline.
 */
export function layOutRegional(input: LayoutInput, transport: RegionalTransport): RegionalLayout {
  const leading = leadingStages(input);
  const routed = input.targets.filter(t => t.steps.some(s => s.route !== undefined));
  const regions = [...new Set(input.targets.filter(t => !routed.includes(t)).map(t => t.region))];
  const publish: LaidOutStage[] = regions.length === 0 ? [] : [{
    stageName: PUBLISH_STAGE,
    id: PUBLISH_STAGE,
    deployNumber: 0,
    placements: regions.map(region => {
      const plugin = transport.publish(region);
      return {
        plugin: plugin.plugin,
        scopePath: [PUBLISH_STAGE],
        region,
        steps: [{ step: { name: region, kind: PlannedActionKind.PUBLISH, runOrder: 1, detail: plugin.detail }, actionName: region }],
      };
    }),
    conditions: stageConditions(undefined, undefined, input.homeRegion),
  }];
  const homeDeploy = deployStages(routed, input.defaultGates, { prefix: 'Deploy' });
  checkQuotas(input, [...leading, ...publish], homeDeploy);
  return {
    home: [...leading, ...publish, ...homeDeploy],
    regional: regions.map(region => {
      const release = transport.release(region);
      const source: LaidOutStage = {
        stageName: RELEASE_STAGE,
        id: RELEASE_STAGE,
        deployNumber: 0,
        placements: [{
          plugin: release.plugin,
          scopePath: [],
          region,
          steps: [{ step: { name: RELEASE_STAGE, kind: PlannedActionKind.SOURCE, runOrder: 1, detail: release.detail }, actionName: RELEASE_STAGE }],
        }],
        conditions: stageConditions(undefined, undefined, region),
      };
      const inRegion = input.targets.filter(t => t.region === region && !routed.includes(t));
      const assets = assetsStage(inRegion, region);
      const deploy = deployStages(inRegion.map(t => ({ ...t, steps: t.steps.filter(s => !isAssetPublishing(s.kind)) })), input.defaultGates, { prefix: 'Deploy' });
      checkQuotas({ ...input, owner: `${input.owner} (its pipeline in ${region})` }, [source], [...assets, ...deploy]);
      return { region, stages: [source, ...assets, ...deploy] };
    }),
  };
}

function isAssetPublishing(kind: PlannedActionKind): boolean {
  return kind === PlannedActionKind.PUBLISH_ASSETS;
}

/**
 * `Assets`: the asset publishing of every target of the region's pipeline that has any (a CDK stage's
 * `PublishAssets`), side by side, before the deploy stages and so before their windows and entry
 * gates. Publishing only adds objects and images named by content hash to the bootstrap bucket and
 * repository, which nothing deployed refers to until a change set is executed, so it is safe at any
 * hour; done on arrival, it leaves the window only the change sets, and a failing asset build shows
 * when the release arrives rather than when the window opens (the CDK CLI's `cdk publish-assets` is
 * offered for the same separation). Each target keeps its construct scope, so its publishing project
 * keeps its logical ID. No stage when no target publishes assets. The single pipeline keeps
 * publishing in each target's deploy stage (run order 1), behind its window.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/assets.html (assets are identified by a hash of their source)
 * @see https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-publish-assets.html
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html (a condition belongs to its stage)
 */
function assetsStage(targets: ResolvedTarget[], region: string): LaidOutStage[] {
  const placements = targets.flatMap(target => {
    const steps = target.steps.filter(s => isAssetPublishing(s.kind));
    return steps.length === 0 ? [] : [{
      plugin: target.target,
      scopePath: ['Targets', target.id],
      region: target.region,
      steps: steps.map(step => ({ step, actionName: actionName(target.region, step) })),
    }];
  });
  return placements.length === 0 ? [] : [{
    stageName: ASSETS_STAGE,
    id: ASSETS_STAGE,
    deployNumber: 0,
    placements,
    conditions: stageConditions(undefined, undefined, region),
  }];
}
