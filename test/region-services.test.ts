import { COMMERCIAL_REGIONS, offers, regionsOffering } from '../src/private/region-services';

describe('region services', () => {
  test('the table as read from the SDK endpoint data (botocore 1.43.11)', () => {
    expect(COMMERCIAL_REGIONS).toHaveLength(34);
    expect(COMMERCIAL_REGIONS.filter(r => !offers('codepipeline', r)))
      .toEqual(['ap-east-2', 'ap-southeast-6', 'ap-southeast-7', 'ca-west-1', 'mx-central-1']);
    expect(regionsOffering('codestar-connections')).toHaveLength(17);
    expect(COMMERCIAL_REGIONS.filter(r => !offers('codebuild', r))).toEqual(['ap-east-2', 'ca-west-1', 'mx-central-1']);
    expect(regionsOffering('codedeploy')).toEqual(COMMERCIAL_REGIONS);
    expect(regionsOffering('cloudformation')).toEqual(COMMERCIAL_REGIONS);
  });

  test('regions outside the table are unknown, not refused', () => {
    expect(offers('codepipeline', 'xx-east-9')).toBeUndefined();
    expect(offers('codestar-connections', 'cn-north-1')).toBeUndefined();
  });
});
