/**
 * Checks every template the unit tests synthesized (recorded by test/setup/record-templates.ts) the way
 * AWS would: each `AWS::CodePipeline::Pipeline` against CodePipeline's API model (test/api-model), and
 * every template with cfn-lint (the repository's .cfnlintrc.yaml ignore list). Tests that check a
 * template themselves (and cdk-nag, which needs the construct tree) stay where they are; this makes
 * sure no synthesized template escapes the two checks that need only the template.
 *
 *   npx ts-node test/checks/recorded-templates.ts [dir]    (run by `npx projen test` after jest)
 *
 * Exits 1 on a finding, naming the test that synthesized the template. Writes
 * test-reports/template-checks.txt: `PASS <check>` / `FAIL <check>` lines (CI counts them).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { pipelineProblems } from '../api-model/codepipeline-model';

const root = path.join(__dirname, '..', '..');
const dir = process.argv[2] ?? process.env.TEMPLATE_RECORD_DIR ?? path.join(root, 'test-reports', 'templates');
const report = path.join(root, 'test-reports', 'template-checks.txt');
/** cfn-lint takes this many templates per process; the processes run side by side, one per core. */
const BATCH = 200;

/** The tests that synthesized the template in `file` (the first three, and how many more). */
function source(file: string): string {
  const sourceFile = file.replace(/\.template\.json$/, '.source');
  if (!fs.existsSync(sourceFile)) { return '(unknown test)'; }
  const tests = fs.readFileSync(sourceFile, 'utf-8').split('\n').filter(line => line !== '')
    .map(line => { const [testPath, testName] = line.split('\t'); return `${path.relative(root, testPath)}: ${testName}`; });
  return tests.slice(0, 3).join('\n    from ') + (tests.length > 3 ? ` (and ${tests.length - 3} more)` : '');
}

function apiModelProblems(files: string[]): string[] {
  return files.flatMap(file => {
    const template = JSON.parse(fs.readFileSync(file, 'utf-8'));
    return pipelineProblems(template).map(p => `${path.basename(file)} ${p}\n    from ${source(file)}`);
  });
}

async function cfnLintFindings(files: string[]): Promise<string[]> {
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += BATCH) { batches.push(files.slice(i, i + BATCH)); }
  const run = async (batch: string[]): Promise<string> => {
    try {
      await promisify(execFile)('cfn-lint', ['--config-file', path.join(root, '.cfnlintrc.yaml'), '--format', 'parseable', '--', ...batch],
        { maxBuffer: 64 * 1024 * 1024 });
      return '';
    } catch (e: any) {
      // findings exit non-zero (a number) with their lines on stdout; anything else (cfn-lint missing,
      // a crash that prints nothing) is an error, never a pass
      if (typeof e.code !== 'number' || !e.stdout) { throw new Error(`cfn-lint failed without findings: ${e.message}\n${e.stderr ?? ''}`); }
      return String(e.stdout);
    }
  };
  const queue = [...batches];
  const outputs: string[] = [];
  const workers = Array.from({ length: Math.max(1, os.cpus().length) }, async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) { outputs.push(await run(batch)); }
  });
  await Promise.all(workers);
  return outputs.join('').split('\n').filter(line => line.trim() !== '').map(line => {
    const file = line.split(':')[0];
    return `${line.replace(dir + path.sep, '')}\n    from ${source(file)}`;
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(dir)) { throw new Error(`No recorded templates in ${dir}: run the unit tests first (npx projen test).`); }
  const files = fs.readdirSync(dir).filter(f => f.endsWith('.template.json')).map(f => path.join(dir, f)).sort();
  if (files.length === 0) { throw new Error(`No recorded templates in ${dir}: is test/setup/record-templates.ts in jest's setupFilesAfterEnv?`); }
  const pipelines = files.filter(f => fs.readFileSync(f, 'utf-8').includes('"AWS::CodePipeline::Pipeline"')).length;
  const lines: string[] = [];
  const start = Date.now();
  const api = apiModelProblems(files);
  lines.push(`${api.length === 0 ? 'PASS' : 'FAIL'} CodePipeline API model on ${pipelines} recorded templates with pipelines`);
  const lint = await cfnLintFindings(files);
  lines.push(`${lint.length === 0 ? 'PASS' : 'FAIL'} cfn-lint on ${files.length} recorded templates`);
  fs.mkdirSync(path.dirname(report), { recursive: true });
  fs.writeFileSync(report, lines.join('\n') + '\n');
  for (const problem of [...api, ...lint]) { console.error(problem); }
  console.log(`${lines.join('\n')}\n(${files.length} templates, ${((Date.now() - start) / 1000).toFixed(1)} s)`);
  if (api.length + lint.length > 0) { process.exitCode = 1; }
}

main().catch(e => { console.error(e); process.exitCode = 1; });
