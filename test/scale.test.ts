import { Template } from 'aws-cdk-lib/assertions';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { HOME_REGION, cfnTarget, fixture, roleStatements } from './testutil';
import { DeploymentWindow } from '../src';

/** Every commercial region but the pipeline's (33 in aws-cdk-lib 2.257). */
const COMMERCIAL = RegionInfo.regions
  .filter(r => r.partition === 'aws' && r.name !== HOME_REGION && !r.name.startsWith('us-gov'))
  .map(r => r.name);

describe('quota-aware layout', () => {
  test('51 actions side by side are split into two balanced stages, in target order', () => {
    const regions = COMMERCIAL.slice(0, 17);
    const f = fixture([]);
    regions.forEach(r => f.pipeline.addTarget(cfnTarget(r, 'service-x', { approval: true })));
    const plan = f.pipeline.plan;
    expect(plan.stages.map(s => [s.stageName, s.actionCount, s.regions.length])).toEqual([
      ['Source', 1, 1], ['Build', 1, 1], ['Deploy', 27, 9], ['Deploy.2', 24, 8],
    ]);
    expect(plan.stages[2].regions).toEqual(regions.slice(0, 9));
    expect(plan.stages[3].regions).toEqual(regions.slice(9));
    // the quota adds one stage (3 steps), not one per region
    expect(plan.criticalPath).toBe(2 + 3 + 3);
  });

  test('a windowed group past 50 actions keeps its window on every part', () => {
    const window = DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' });
    const f = fixture([]);
    COMMERCIAL.slice(0, 26).forEach(r => f.pipeline.addTarget(cfnTarget(r, 'service-x', { window })));
    const stages = f.pipeline.plan.stages.slice(2);
    expect(stages.map(s => [s.actionCount, s.window])).toEqual([
      [26, 'cron(* * 1-4 ? * * *) Europe/Dublin'], [26, 'cron(* * 1-4 ? * * *) Europe/Dublin'],
    ]);
    expect(stages.map(s => s.stageName)).toEqual(['Deploy.af-south-1_and_25_more', 'Deploy.af-south-1_and_25_more.2']);
    const rendered = (Object.values(Template.fromStack(f.stack).findResources('AWS::CodePipeline::Pipeline'))[0] as any).Properties.Stages;
    expect(rendered.slice(2).map((s: any) => s.BeforeEntry.Conditions[0].Rules[0].Configuration.TimeZone)).toEqual(['Europe/Dublin', 'Europe/Dublin']);
  });

  describe(`every commercial region (${COMMERCIAL.length} targets from ${HOME_REGION})`, () => {
    const f = fixture(COMMERCIAL);
    const template = Template.fromStack(f.stack);

    test('fits CodePipeline\'s quotas in two deploy stages with a critical path of 6 steps', () => {
      const plan = f.pipeline.plan;
      expect(COMMERCIAL).toHaveLength(33);
      expect(plan.stages.map(s => [s.stageName, s.actionCount])).toEqual([
        ['Source', 1], ['Build', 1], ['Deploy', 34], ['Deploy.2', 32],
      ]);
      expect(plan.criticalPath).toBe(6);
      const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as any;
      expect(pipeline.Properties.Stages.every((s: any) => s.Actions.length <= 50)).toBe(true);
      // a store in every region but the five without CodePipeline, which CodeBuild serves
      expect(pipeline.Properties.ArtifactStores).toHaveLength(29);
    });

    test('every inline policy stays under IAM\'s 10,240 characters, with no overflow managed policy', () => {
      // the construct's roles keep their grants inline (private/inline-policy-role.ts): IAM counts every
      // inline policy of a role together, so the sum per role is what must fit
      const roles = Object.keys(template.findResources('AWS::IAM::Role'));
      expect(roles.length).toBeGreaterThan(0);
      for (const role of roles) {
        const size = roleStatements(template, new RegExp(`^${role}$`)).map(s => JSON.stringify(s).replace(/\s/g, '').length).reduce((a, b) => a + b, 0);
        expect(size).toBeLessThan(10240);
      }
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    });

    test('one action role per deploy stage and one deployment role, not one per region', () => {
      const roles = Object.keys(template.findResources('AWS::IAM::Role'));
      expect(roles.filter(r => /^PipelineTargets.*ActionRole/.test(r))).toHaveLength(2);
      expect(roles.filter(r => /^PipelineTargets.*DeploymentRole/.test(r))).toHaveLength(1);
      // plus the pipeline (source and build actions use it too), build project and events roles, the
      // store cleaner's, and the CodeBuild route's role, one for the five targets in regions without
      // CodePipeline (private/codebuild-route.ts)
      expect(roles.filter(r => /RouteProjectRole/.test(r))).toHaveLength(1);
      expect(roles).toHaveLength(7 + 1);
    });
  });
});
