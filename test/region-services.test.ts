import { COMMERCIAL_REGIONS, RegionService, offers, regionsOffering } from '../src/private/region-services';

describe('region services', () => {
  test('the table as read from the SDK endpoint data (botocore 1.43.11)', () => {
    expect(COMMERCIAL_REGIONS).toHaveLength(34);
    expect(COMMERCIAL_REGIONS.filter(r => !offers(RegionService.CODEPIPELINE, r)))
      .toEqual(['ap-east-2', 'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'mx-central-1']);
    expect(regionsOffering(RegionService.CODECONNECTIONS)).toHaveLength(17);
    expect(COMMERCIAL_REGIONS.filter(r => !offers(RegionService.CODEBUILD, r))).toEqual(['ap-east-2', 'ca-west-1', 'mx-central-1']);
    expect(regionsOffering(RegionService.CODEDEPLOY)).toEqual(COMMERCIAL_REGIONS);
    expect(regionsOffering(RegionService.CLOUDFORMATION)).toEqual(COMMERCIAL_REGIONS);
  });

  test('regions outside the table are unknown, not refused', () => {
    expect(offers(RegionService.CODEPIPELINE, 'xx-east-9')).toBeUndefined();
    expect(offers(RegionService.CODECONNECTIONS, 'cn-north-1')).toBeUndefined();
  });
});
