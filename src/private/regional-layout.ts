import { PlannedActionKind } from '../deployment-plan';
import { stageConditions } from './gates';
import { LaidOutStage, LayoutInput, LeadingPlugin, checkQuotas, deployStages, leadingStages } from './layout';

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

/**
 * The regional topology (`DeliveryTopology.regionalPipelines()`): the home pipeline runs `Source`,
 * `Build`, `Validate`, then `Publish` (one action per regional pipeline, side by side), then the
 * deploy stages of the targets in regions without CodePipeline (routed through CodeBuild, laid out
 * as in the single pipeline). Every other target region gets a pipeline of its own: `Release` (the
 * published release), then the region's deploy stages, grouped by window and gates exactly as in the
 * single pipeline. Quotas are checked per pipeline.
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
      const deploy = deployStages(input.targets.filter(t => t.region === region && !routed.includes(t)), input.defaultGates, { prefix: 'Deploy' });
      checkQuotas({ ...input, owner: `${input.owner} (its pipeline in ${region})` }, [source], deploy);
      return { region, stages: [source, ...deploy] };
    }),
  };
}
