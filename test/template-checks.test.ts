import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagFindings, pipelineStack, testApp, withoutTemplateChecks } from './testutil';

/** Runs test/checks/recorded-templates.ts on `templates` (as recorded: `<hash>.template.json` and `<hash>.source`). */
function check(templates: { [hash: string]: { template: unknown; tests: string[] } }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recorded-'));
  try {
    for (const [hash, { template, tests }] of Object.entries(templates)) {
      fs.writeFileSync(path.join(dir, `${hash}.template.json`), JSON.stringify(template));
      fs.writeFileSync(path.join(dir, `${hash}.source`), tests.map(t => `${path.join(__dirname, 'x.test.ts')}\t${t}\n`).join(''));
    }
    const root = path.join(__dirname, '..');
    return spawnSync(path.join(root, 'node_modules', '.bin', 'ts-node'), [path.join(root, 'test', 'checks', 'recorded-templates.ts'), dir], {
      cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' }, encoding: 'utf-8',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const topic = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };

describe('the check of every recorded template', () => {
  test('clean templates pass', () => {
    const result = check({ a: { template: topic, tests: ['a topic'] } });
    expect(result.stdout).toContain('PASS cfn-lint on 1 recorded templates');
    expect(result.status).toBe(0);
  }, 60_000);

  test('a cfn-lint finding and an API-model problem fail, naming the tests that synthesized the template', () => {
    const pipeline = {
      Resources: {
        Pipeline: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            RoleArn: 'arn:aws:iam::111111111111:role/pipeline',
            ArtifactStore: { Type: 'S3', Location: 'bucket' },
            Stages: [{
              Name: 'Source',
              Actions: [{
                Name: 'S',
                ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
                Configuration: { S3Bucket: 'b', S3ObjectKey: 'k'.repeat(1001) },
                OutputArtifacts: [{ Name: 'out' }],
              }],
            }],
          },
        },
      },
    };
    const result = check({ empty: { template: {}, tests: ['an empty stack', 'the same again'] }, long: { template: pipeline, tests: ['a long key'] } });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL cfn-lint');
    expect(result.stdout).toContain('FAIL CodePipeline API model on 1 recorded templates with pipelines');
    expect(result.stderr).toMatch(/E1001.*\n {4}from test\/x\.test\.ts: an empty stack\n {4}from test\/x\.test\.ts: the same again/);
    expect(result.stderr).toMatch(/S3ObjectKey: 1001 characters, over the maximum of 1000\n {4}from test\/x\.test\.ts: a long key/);
  }, 60_000);

  test('no recorded template is an error, not a pass', () => {
    const result = check({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('No recorded templates');
  }, 60_000);
});

describe('nagFindings (test/testutil.ts)', () => {
  test('refuses an app synthesized before, where cdk-nag could not run, instead of finding nothing', () => {
    const app = testApp();
    const stack = pipelineStack(app);
    new sns.Topic(stack, 'Unencrypted');
    app.synth();
    expect(() => nagFindings(app)).toThrow(/the app was synthesized before, so cdk-nag did not run/);
  });

  test('finds what cdk-nag finds in an app not synthesized yet', () => {
    const app = testApp();
    new sns.Topic(pipelineStack(app), 'Unencrypted');
    expect(nagFindings(app)).toEqual(expect.arrayContaining([expect.stringMatching(/^PipelineStack .*AwsSolutions-SNS3/)]));
  });
});

describe('recording (test/setup/record-templates.ts)', () => {
  const recorded = (template: unknown) => {
    const dir = process.env.TEMPLATE_RECORD_DIR ?? path.join(__dirname, '..', 'test-reports', 'templates');
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 20);
    return fs.existsSync(path.join(dir, `${hash}.template.json`));
  };
  const uniqueApp = () => {
    const app = testApp();
    new sns.Topic(pipelineStack(app), `Topic${Date.now()}${Math.random().toString(36).slice(2)}`);
    return app;
  };

  test('every synthesized template is recorded, but not those of withoutTemplateChecks', () => {
    const checked = uniqueApp().synth().getStackByName('PipelineStack').template;
    expect(recorded(checked)).toBe(true);
    const unchecked = withoutTemplateChecks('testing the opt-out', () => uniqueApp().synth().getStackByName('PipelineStack').template);
    expect(recorded(unchecked)).toBe(false);
    expect(() => withoutTemplateChecks('', () => 1)).toThrow(/say why/);
  });
});
