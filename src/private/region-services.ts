import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * Which of the services the library relies on are offered in which commercial region (partition
 * `aws`), from the AWS SDK's endpoint data: botocore 1.43.11 `endpoints.json`, read 2026-12-01.
 * AWS's own region tables agree where they could be read (CodePipeline: the "CodePipeline endpoints
 * and quotas" page, https://docs.aws.amazon.com/general/latest/gr/codepipeline.html; connections:
 * https://docs.aws.amazon.com/general/latest/gr/codestar_connections.html). Regions launched after
 * that date are unknown here: the library does not guess about them (`offers` returns undefined).
 */

/** The 34 commercial regions of the endpoint data. */
export const COMMERCIAL_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2',
  'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1',
  'us-west-2',
];

/**
 * A service the library relies on, by its name in the endpoint data: `codestar-connections` is AWS
 * CodeConnections; `cloudformation` includes StackSets.
 */
export type RegionService = 'codepipeline' | 'codestar-connections' | 'codebuild' | 'codedeploy' | 'cloudformation';

/** The commercial regions where a service is not offered; every other commercial region offers it. */
const NOT_OFFERED: { [service in RegionService]: string[] } = {
  'codepipeline': ['ap-east-2', 'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'mx-central-1'],
  'codestar-connections': [
    'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-3', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
    'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'eu-central-2', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1',
    'mx-central-1',
  ],
  'codebuild': ['ap-east-2', 'ca-west-1', 'mx-central-1'],
  'codedeploy': [],
  'cloudformation': [],
};

/** Whether `service` is offered in `region`; undefined for a region the endpoint data does not list. */
export function offers(service: RegionService, region: string): boolean | undefined {
  if (!COMMERCIAL_REGIONS.includes(region)) { return undefined; }
  return !NOT_OFFERED[service].includes(region);
}

/** The commercial regions that offer `service`. */
export function regionsOffering(service: RegionService): string[] {
  return COMMERCIAL_REGIONS.filter(region => !NOT_OFFERED[service].includes(region));
}

/*
 * aws-cdk-lib's region facts, read once per process: `RegionInfo.regions` builds every region's
 * RegionInfo on each call, and the pipeline asks for each target (validation, partitions, store ARNs).
 */
let knownRegionNames: Set<string> | undefined;
const partitions = new Map<string, string | undefined>();

/** The regions aws-cdk-lib knows (`RegionInfo.regions`), cached. */
export function knownRegions(): ReadonlySet<string> {
  knownRegionNames ??= new Set(RegionInfo.regions.map(r => r.name));
  return knownRegionNames;
}

/** The partition of `region` (`RegionInfo.get(region).partition`), cached; undefined when aws-cdk-lib does not know it. */
export function partitionOf(region: string): string | undefined {
  if (!partitions.has(region)) {
    partitions.set(region, RegionInfo.get(region).partition);
  }
  return partitions.get(region);
}
