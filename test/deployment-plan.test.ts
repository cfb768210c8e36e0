import { cfnTarget, fixture } from './testutil';
import { PlannedActionKind } from '../src';
import { formatInZone } from '../src/private/time-format';

describe('deployment plan', () => {
  test('lists every action with its stage, region, run order, kind and stack, in pipeline order', () => {
    const f = fixture(['us-east-1']);
    f.pipeline.addTarget(cfnTarget('eu-west-1', 'service-x', {
      infrastructure: { stackName: 'service-x-network', templatePath: 'n.yaml' },
      approval: true,
    }));
    const rows = f.pipeline.plan.actions.map(a => [a.stageName, a.runOrder, a.region, a.kind, a.stackName]);
    expect(rows).toEqual([
      ['Source', 1, 'us-west-2', PlannedActionKind.SOURCE, undefined],
      ['Build', 1, 'us-west-2', PlannedActionKind.BUILD, undefined],
      ['Deploy', 1, 'eu-west-1', PlannedActionKind.INFRASTRUCTURE, 'service-x-network'],
      ['Deploy', 2, 'us-east-1', PlannedActionKind.CREATE_CHANGE_SET, 'service-x'],
      ['Deploy', 2, 'eu-west-1', PlannedActionKind.CREATE_CHANGE_SET, 'service-x'],
      ['Deploy', 3, 'eu-west-1', PlannedActionKind.APPROVAL, 'service-x'],
      ['Deploy', 4, 'us-east-1', PlannedActionKind.EXECUTE_CHANGE_SET, 'service-x'],
      ['Deploy', 4, 'eu-west-1', PlannedActionKind.EXECUTE_CHANGE_SET, 'service-x'],
    ]);
  });

  test('matches the rendered pipeline action for action', () => {
    const f = fixture(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    const planned = f.pipeline.plan.actions.map(a => `${a.stageName}/${a.actionName}/${a.runOrder}`).sort();
    const stages = (f.app.synth().getStackByName('PipelineStack').template.Resources.Pipeline9850B417 as any).Properties.Stages;
    const rendered = stages.flatMap((s: any) => s.Actions.map((a: any) => `${s.Name}/${a.Name}/${a.RunOrder}`)).sort();
    expect(planned).toEqual(rendered);
  });

  test('summarizes stages and the critical path, which does not grow with the number of regions', () => {
    const three = fixture(['us-east-1', 'eu-west-1', 'ap-southeast-2']).pipeline.plan;
    expect(three.stages.map(s => [s.stageName, s.actionCount, s.sequentialSteps, s.regions])).toEqual([
      ['Source', 1, 1, ['us-west-2']],
      ['Build', 1, 1, ['us-west-2']],
      ['Deploy', 6, 2, ['us-east-1', 'eu-west-1', 'ap-southeast-2']],
    ]);
    expect(three.criticalPath).toBe(4);
    const ten = fixture(['us-east-1', 'us-east-2', 'us-west-1', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-central-1',
      'ap-southeast-1', 'ap-southeast-2', 'sa-east-1']).pipeline.plan;
    expect(ten.criticalPath).toBe(4);
    expect(ten.actionsIn('sa-east-1').map(a => a.kind)).toEqual([PlannedActionKind.CREATE_CHANGE_SET, PlannedActionKind.EXECUTE_CHANGE_SET]);
  });

  test('prints as an aligned table with a header', () => {
    const table = fixture(['eu-west-1']).pipeline.plan.toTable();
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Stage\s+Order\s+Region\s+Kind\s+Stack\s+Action\s+Window\s+Detail$/);
    expect(lines[1]).toMatch(/^-+( +-+){7}$/);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^Source\s+1\s+us-west-2\s+Source\s+-\s+Source\s+-\s+s3:\/\/PipelineStack\/SourceBucket\/source\.zip \(VersionId, ETag\)$/),
      expect.stringMatching(/^Build\s+1\s+us-west-2\s+Build\s+-\s+Build\s+-\s+-$/),
      expect.stringMatching(/^Deploy\s+2\s+eu-west-1\s+CreateChangeSet\s+service-x\s+eu-west-1\.service-x\.CreateChangeSet\s+-\s+-$/),
      expect.stringMatching(/^Deploy\s+4\s+eu-west-1\s+ExecuteChangeSet\s+service-x\s+eu-west-1\.service-x\.ExecuteChangeSet\s+-\s+-$/),
    ]);
    // columns line up: every row starts its Region column at the same offset
    const offsets = lines.map(l => l.indexOf(l.includes('Region') ? 'Region' : l.split(/\s+/)[2], 14));
    expect(new Set(offsets.slice(2)).size).toBe(1);
  });
});

describe('times in the plan (private/time-format.ts)', () => {
  test('one formatter per zone, reused: each zone keeps its own offset whatever the order of calls', () => {
    const at = new Date('2026-11-23T01:30:00Z');
    const calls = ['UTC', 'Europe/Dublin', 'America/New_York', 'UTC', 'Asia/Tokyo', 'America/New_York'].map(zone => formatInZone(at, zone));
    expect(calls).toEqual([
      '2026-11-23 01:30 Mon', '2026-11-23 01:30 Mon', '2026-11-22 20:30 Sun', '2026-11-23 01:30 Mon', '2026-11-23 10:30 Mon', '2026-11-22 20:30 Sun',
    ]);
  });

  test('an unknown zone still throws RangeError, on every call', () => {
    expect(() => formatInZone(new Date(0), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => formatInZone(new Date(0), 'Mars/Olympus')).toThrow(RangeError);
  });
});
