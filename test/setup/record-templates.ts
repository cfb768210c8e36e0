/**
 * Records every CloudFormation template the unit tests synthesize (jest `setupFilesAfterEnv`), so that
 * test/checks/recorded-templates.ts can check them all the way AWS would (CodePipeline's API model,
 * cfn-lint) after the tests ran, not only the ones a test chose to check.
 *
 * Each template is written once, named by the hash of its content, to TEMPLATE_RECORD_DIR
 * (default test-reports/templates), with the tests that synthesized it in `<hash>.source`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Stage } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';

const dir = process.env.TEMPLATE_RECORD_DIR ?? path.join(__dirname, '..', '..', 'test-reports', 'templates');
fs.mkdirSync(dir, { recursive: true });

/** While above 0, synthesized templates are not recorded (see `withoutTemplateChecks` in test/testutil.ts). */
const UNCHECKED = Symbol.for('mrdp.templateChecks.unchecked');

/** The templates this jest worker recorded, with the test that synthesized them. */
const recorded = new Set<string>();

function record(assembly: cxapi.CloudAssembly): void {
  // a test that synthesizes an invalid template on purpose (test/testutil.ts `withoutTemplateChecks`)
  if ((globalThis as any)[UNCHECKED] > 0) { return; }
  for (const stack of assembly.stacksRecursively) {
    const text = JSON.stringify(stack.template);
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 20);
    const file = path.join(dir, `${hash}.template.json`);
    if (!fs.existsSync(file)) { fs.writeFileSync(file, text); }
    // every test that synthesized it, for a finding's report (`<test file>\t<test name>` lines)
    const test = `${expect.getState().testPath ?? ''}\t${expect.getState().currentTestName ?? ''}`;
    if (!recorded.has(`${hash} ${test}`)) {
      recorded.add(`${hash} ${test}`);
      fs.appendFileSync(path.join(dir, `${hash}.source`), `${test}\n`);
    }
  }
}

const synth = Stage.prototype.synth;
Stage.prototype.synth = function (this: Stage, options?: Parameters<typeof synth>[0]) {
  const assembly = synth.call(this, options);
  record(assembly);
  return assembly;
};
