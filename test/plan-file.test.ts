import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { ACCOUNT, HOME_REGION, cfnTarget, fixture, sourceBucket } from './testutil';
import { DeploymentWindow, MultiRegionDeliveryPipeline, PipelineSource } from '../src';

const planFiles = (dir: string) => fs.readdirSync(dir).filter(f => f.endsWith('.plan.md'));

describe('the plan file written at synthesis', () => {
  test('lies next to the templates, named after the construct path, with the table, both diagrams and the schedule', () => {
    const f = fixture(['us-east-1'], { targets: [cfnTarget('us-east-1'), cfnTarget('eu-west-1', 'service-x', { window: DeploymentWindow.daily({ startHour: 1, endHour: 5, timeZone: 'Europe/Dublin' }) })] });
    const before = Date.now();
    const assembly = f.app.synth();
    const file = path.join(assembly.directory, 'PipelineStack-Pipeline.plan.md');
    expect(f.pipeline.planFile).toBe(file);
    expect(planFiles(assembly.directory)).toEqual(['PipelineStack-Pipeline.plan.md']);
    // next to the templates
    expect(fs.existsSync(path.join(assembly.directory, assembly.getStackByName('PipelineStack').templateFile))).toBe(true);
    const text = fs.readFileSync(file, 'utf-8');
    const plan = f.pipeline.plan;
    expect(text.startsWith('# Deployment plan of PipelineStack/Pipeline\n')).toBe(true);
    expect(text).toContain('```text\n' + plan.toTable());
    expect(text).toContain('```mermaid\n' + plan.toMermaid());
    // the schedule of a release started at synthesis
    const now = new Date(/Written at synthesis \(([^)]+)\)/.exec(text)![1]);
    expect(now.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000);
    expect(now.getTime()).toBeLessThanOrEqual(Date.now());
    expect(text).toContain('```mermaid\n' + plan.toGantt(now));
    expect(text).toContain(plan.toScheduleTable(now));
  });

  test('writePlan: false writes none', () => {
    const f = fixture(['us-east-1'], { writePlan: false });
    const assembly = f.app.synth();
    expect(f.pipeline.planFile).toBeUndefined();
    expect(planFiles(assembly.directory)).toEqual([]);
    expect(assembly.stacks.length).toBeGreaterThan(0);
  });

  test('a pipeline in a Stage writes into that stage\'s assembly; two pipelines write two files', () => {
    const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
    const stage = new Stage(app, 'Prod');
    const inStage = new Stack(stage, 'PipelineStack', { env: { account: ACCOUNT, region: HOME_REGION } });
    for (const id of ['Blue', 'Green']) {
      new MultiRegionDeliveryPipeline(inStage, id, {
        source: PipelineSource.s3({ bucket: sourceBucket(inStage, `${id}Source`), objectKey: 'source.zip' }),
        targets: [cfnTarget('us-east-1', `service-${id.toLowerCase()}`)],
      });
    }
    const assembly = stage.synth();
    expect(planFiles(assembly.directory)).toEqual(['Prod-PipelineStack-Blue.plan.md', 'Prod-PipelineStack-Green.plan.md']);
    expect(path.dirname(assembly.directory)).toBe(app.outdir);
  });
});
