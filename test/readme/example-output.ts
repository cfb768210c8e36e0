/**
 * Keeps the README's sample output equal to what `npx projen example` prints.
 *
 *   ts-node test/readme/example-output.ts [--update]      (npx projen readme:example [--update])
 *
 * The README block after `<!-- example-output RELEASE_START=<ISO date> -->` is the standard output of
 * `ts-node example/main.ts` run with that RELEASE_START (so the schedule table does not depend on the
 * day the check runs), up to the Mermaid diagrams. Fails when the block differs from a fresh run, and rewrites it with --update.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const MARKER = /^<!-- example-output RELEASE_START=(\S+) -->$/;

function main(): number {
  const update = process.argv.includes('--update');
  const lines = fs.readFileSync(README, 'utf-8').split('\n');
  const at = lines.findIndex(l => MARKER.test(l));
  if (at < 0 || !/^```/.test(lines[at + 1] ?? '')) {
    console.error('readme:example: README.md has no "<!-- example-output RELEASE_START=... -->" marker followed by a code block');
    return 1;
  }
  const releaseStart = MARKER.exec(lines[at])![1];
  const close = lines.findIndex((l, i) => i > at + 1 && l.trim() === '```');
  const current = lines.slice(at + 2, close).join('\n');

  const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['example/main.ts'], {
    cwd: ROOT,
    encoding: 'utf-8',
    env: { ...process.env, RELEASE_START: releaseStart, TS_NODE_TRANSPILE_ONLY: 'true', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    console.error(`readme:example: example/main.ts failed (exit ${run.status})`);
    return 1;
  }
  // the README shows the output up to the diagrams, which it shows under "Deployment plan" (readme:diagrams)
  const printed = run.stdout.replace(/\s+$/, '').split('\n').map(l => l.replace(/\s+$/, ''));
  const diagrams = printed.findIndex(l => l.startsWith('The plan as a Mermaid flowchart'));
  const fresh = (diagrams < 0 ? printed : printed.slice(0, diagrams)).join('\n').replace(/\s+$/, '');
  if (fresh === current) {
    console.log(`readme:example: PASS the README's sample output is what example/main.ts prints (RELEASE_START=${releaseStart})`);
    return 0;
  }
  if (update) {
    fs.writeFileSync(README, [...lines.slice(0, at + 2), fresh, ...lines.slice(close)].join('\n'));
    console.log('readme:example: updated the sample output in README.md');
    return 0;
  }
  const a = current.split('\n');
  const b = fresh.split('\n');
  const n = a.findIndex((l, i) => l !== b[i]);
  const line = n < 0 ? a.length : n;
  console.error(`readme:example: FAIL README.md line ${at + 3 + line} differs from what example/main.ts prints with RELEASE_START=${releaseStart}:\n` +
    `  README:  ${JSON.stringify(a[line] ?? '<end of block>')}\n  printed: ${JSON.stringify(b[line] ?? '<end of output>')}\n` +
    'Run `npx projen readme:example --update` and commit README.md.');
  return 1;
}

process.exitCode = main();
