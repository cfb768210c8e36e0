import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/*
 * The npm tarball is an allow-list (.projenrc.ts, `npmignore`): the compiled library, its jsii
 * assembly and API docs, what npm always ships, and the bundled runtime dependency. `npm pack
 * --dry-run` lists what would be published from this checkout as it is (integration snapshots,
 * example/cdk.out, bench/ and .ci/ are all present here), so a file outside the list fails the test.
 */
const ROOT = path.join(__dirname, '..');

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^API\.md$/,
  /^\.jsii$/,
  /^lib\/.+\.(js|d\.ts)$/,
  // bundledDependencies: the deployment-window evaluator
  /^node_modules\/croner\/.+$/,
];

interface PackedFile { readonly path: string; readonly size: number }

function packedFiles(): PackedFile[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out)[0].files;
}

describe('npm tarball', () => {
  const files = packedFiles().map(f => f.path);

  test('holds only allow-listed files', () => {
    expect(files.filter(f => !ALLOWED.some(pattern => pattern.test(f)))).toEqual([]);
  });

  test('holds what users need: package.json, README, LICENSE, API.md and the bundled croner', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'API.md', 'node_modules/croner/package.json']));
  });

  test('holds the jsii assembly and every compiled module, once compiled', () => {
    // lib/ and .jsii exist after `npx projen compile` (in CI the test task runs before the compile
    // step; .ci/run checks the packed tarball again in the fresh-app step)
    if (!fs.existsSync(path.join(ROOT, '.jsii'))) {
      expect(files.filter(f => f === '.jsii' || f.startsWith('lib/'))).toEqual([]);
      return;
    }
    const compiled = fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf-8' })
      .filter(f => /\.(js|d\.ts)$/.test(f)).map(f => `lib/${f.split(path.sep).join('/')}`);
    expect(compiled.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(['.jsii', 'lib/index.js', 'lib/index.d.ts', ...compiled]));
  });

  test('leaves out what the repository has besides: integration tests, example, bench, CI, dev config', () => {
    for (const present of ['integ', 'example', 'bench', '.ci', 'tsconfig.dev.json', '.cfnlintrc.yaml', 'src', 'test']) {
      expect(fs.existsSync(path.join(ROOT, present))).toBe(true);
      expect(files.filter(f => f === present || f.startsWith(`${present}/`))).toEqual([]);
    }
  });
});
