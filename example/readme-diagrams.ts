/**
 * The README's diagrams of the example pipeline (example/app.ts): `plan.toMermaid()` and
 * `plan.toGantt()` for a release started Monday 2026-11-23 00:00 UTC (a fixed date, so the README
 * does not change with the clock). `npx projen readme:diagrams` rewrites the blocks of README.md;
 * test/readme-diagrams.test.ts fails when they drift from what the code draws.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exampleApp } from './app';

/** When the README's release starts: a Monday, 00:00 UTC. */
export const README_RELEASE_START = new Date('2026-11-23T00:00:00Z');

export const README = path.join(__dirname, '..', 'README.md');

/** Each generated block of the README by its marker name, as the example's plan draws it. */
export function readmeDiagrams(): { [marker: string]: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-diagrams-'));
  try {
    const plan = exampleApp(outdir).pipeline.plan;
    return { 'plan-flowchart': plan.toMermaid(), 'plan-gantt': plan.toGantt(README_RELEASE_START) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * `readme` with each block between `<!-- <marker> ... -->` and `<!-- /<marker> -->` replaced by a
 * fenced Mermaid block of `diagrams[marker]`.
 */
export function withDiagrams(readme: string, diagrams: { [marker: string]: string }): string {
  let text = readme;
  for (const [marker, diagram] of Object.entries(diagrams)) {
    const block = new RegExp(`(<!-- ${marker} [^\\n]*-->\\n)[\\s\\S]*?(<!-- /${marker} -->)`);
    if (!block.test(text)) {
      throw new Error(`README.md has no block <!-- ${marker} ... --> ... <!-- /${marker} -->`);
    }
    text = text.replace(block, (_, open: string, close: string) => `${open}\`\`\`mermaid\n${diagram}\`\`\`\n${close}`);
  }
  return text;
}

if (require.main === module) {
  const before = fs.readFileSync(README, 'utf-8');
  const after = withDiagrams(before, readmeDiagrams());
  fs.writeFileSync(README, after);
  console.log(before === after ? 'README.md diagrams are current' : 'README.md diagrams rewritten');
}
