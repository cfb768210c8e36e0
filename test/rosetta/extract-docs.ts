/**
 * Compiles the TypeScript examples of README.md and docs/*.md with `jsii-rosetta extract --strict`,
 * and keeps their Python and Java translations in the markdown up to date.
 *
 *   ts-node test/rosetta/extract-docs.ts [--update] [FILE.md ...]      (npx projen rosetta [--update])
 *
 * jsii-rosetta extracts snippets from jsii assemblies only: the README (the assembly's `readme`) and
 * the docs of the API. So each markdown file becomes the readme of a temporary copy of the compiled
 * assembly (`.jsii`, next to links to this package's `package.json`, `lib/`, `node_modules/` and
 * `node_modules/`), and `extract --strict` fails when one of its `ts` blocks does not compile.
 * There are no fixtures: every example compiles exactly as a user copies it, imports included. This
 * script fails when a `rosetta/` fixture directory exists or a block asks for a fixture (`ts fixture=NAME`).
 *
 * Only `ts`/`typescript` blocks are compiled; rosetta leaves blocks in other languages alone (they are
 * never compiled, and would appear as they are in every language's documentation). So the Python and
 * Java versions are not written by hand: a block preceded by `<!-- rosetta:python -->` or
 * `<!-- rosetta:java -->` holds rosetta's translation of the closest `ts` block above it (for Java,
 * completed into a program that compiles as it stands: see java-program.ts). This script fails when
 * such a block differs from the translation, and rewrites it with `--update`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { javaProgram } from './java-program';

const ROOT = path.resolve(__dirname, '..', '..');
/** The class of the README's Java program (test/consumers/run.sh compiles `<class>.java`). */
const JAVA_CLASS = 'DeliveryPipelineApp';
const MARKER = /^<!--\s*rosetta:(python|java|csharp|go)\s*-->\s*$/;
const FENCE = /^(`{3,}|~{3,})\s*([\w-]*)(.*)$/;

interface TabletSnippet {
  readonly translations: { [language: string]: { source: string } };
  readonly location?: { api?: { api?: string }; field?: { field?: string; line?: number } };
  readonly didCompile?: boolean;
}

function main(): number {
  const args = process.argv.slice(2);
  const update = args.includes('--update');
  const files = args.filter(a => a !== '--update');
  if (files.length === 0) {
    const docs = path.join(ROOT, 'docs');
    const docFiles = fs.existsSync(docs) ? fs.readdirSync(docs).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`) : [];
    files.push('README.md', ...docFiles);
  }
  const fixtures = fixtureProblems(files);
  if (fixtures.length > 0) {
    for (const problem of fixtures) {
      console.error(`rosetta: FAIL ${problem}`);
    }
    return 1;
  }
  const assemblyFile = path.join(ROOT, '.jsii');
  if (!fs.existsSync(assemblyFile)) {
    console.error('rosetta: no .jsii assembly; run `npx projen compile` first');
    return 1;
  }
  const assembly = JSON.parse(fs.readFileSync(assemblyFile, 'utf-8'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rosetta-docs-'));
  try {
    const dirs = files.map((file, i) => {
      const dir = path.join(work, String(i));
      fs.mkdirSync(dir);
      const markdown = fs.readFileSync(path.resolve(ROOT, file), 'utf-8');
      fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify({ ...assembly, readme: { markdown } }));
      for (const entry of ['package.json', 'lib', 'node_modules']) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
      }
      return dir;
    });

    let failed = false;
    for (const [i, file] of files.entries()) {
      // one run per file, so that rosetta's messages are about one file
      console.log(`rosetta: jsii-rosetta extract --strict ${file}`);
      const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-rosetta'), ['extract', '--strict', dirs[i]], {
        stdio: 'inherit',
        env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
      });
      if (result.status !== 0) {
        console.error(`rosetta: FAIL ${file}: a TypeScript example does not compile (see above: \`README-L<N>\` is the example whose fence is on line N of ${file}, ` +
          'the position after it counts lines from the start of the example)');
        failed = true;
        continue;
      }
      // rosetta writes no tablet when the file has no TypeScript example
      const tabletFile = path.join(dirs[i], '.jsii.tabl.json');
      const tablet = fs.existsSync(tabletFile) ? JSON.parse(fs.readFileSync(tabletFile, 'utf-8')) : {};
      const byLine = new Map<number, TabletSnippet>();
      for (const snippet of Object.values(tablet.snippets ?? {}) as TabletSnippet[]) {
        if (snippet.location?.api?.api === 'moduleReadme' && snippet.location.field?.line !== undefined) {
          byLine.set(snippet.location.field.line, snippet);
        }
      }
      const problems = syncTranslations(path.resolve(ROOT, file), byLine, update);
      for (const problem of problems) {
        console.error(`rosetta: FAIL ${file}: ${problem}`);
      }
      failed = failed || problems.length > 0;
      if (problems.length === 0) {
        console.log(`rosetta: PASS ${file} (${byLine.size} TypeScript examples compile)`);
      }
    }
    return failed ? 1 : 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Examples must compile as they stand: no fixture directory, and no block that names a fixture.
 */
function fixtureProblems(files: string[]): string[] {
  const problems: string[] = [];
  if (fs.existsSync(path.join(ROOT, 'rosetta'))) {
    problems.push('rosetta/: examples are compiled without fixtures, exactly as written; give each example its imports instead');
  }
  for (const file of files) {
    const lines = fs.readFileSync(path.resolve(ROOT, file), 'utf-8').split('\n');
    lines.forEach((line, i) => {
      const fence = FENCE.exec(line);
      if (fence && (fence[2] === 'ts' || fence[2] === 'typescript') && /\bfixture=/.test(fence[3])) {
        problems.push(`${file}:${i + 1}: \`${line.trim()}\` names a fixture; examples must compile as written`);
      }
    });
  }
  return problems;
}

/**
 * Checks (or with `update` rewrites) the blocks after `<!-- rosetta:LANG -->` markers; returns problems.
 */
function syncTranslations(file: string, byLine: Map<number, TabletSnippet>, update: boolean): string[] {
  const lines = fs.readFileSync(file, 'utf-8').split('\n');
  const problems: string[] = [];
  const out: string[] = [];
  let lastTsFence: number | undefined; // 1-based line of the opening fence of the last ts block
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i]);
    if (fence) {
      // copy the whole block
      const close = findClose(lines, i, fence[1]);
      if (fence[2] === 'ts' || fence[2] === 'typescript') {
        lastTsFence = i + 1;
      }
      out.push(...lines.slice(i, close + 1));
      i = close;
      continue;
    }
    out.push(lines[i]);
    const marker = MARKER.exec(lines[i]);
    if (!marker) {
      continue;
    }
    const language = marker[1];
    const next = FENCE.exec(lines[i + 1] ?? '');
    if (!next) {
      problems.push(`line ${i + 1}: <!-- rosetta:${language} --> must be followed by a ${language} code block`);
      continue;
    }
    const close = findClose(lines, i + 1, next[1]);
    const current = lines.slice(i + 2, close).join('\n');
    const snippet = lastTsFence !== undefined ? byLine.get(lastTsFence) : undefined;
    const translation = completeProgram(language, snippet?.translations[language]?.source);
    if (translation === undefined) {
      problems.push(`line ${i + 1}: no TypeScript example above this marker has a ${language} translation`);
    } else if (current !== translation.trimEnd()) {
      if (update) {
        changed = true;
      } else {
        const a = current.split('\n');
        const b = translation.trimEnd().split('\n');
        const n = a.findIndex((l, k) => l !== b[k]);
        const at = n === -1 ? a.length : n;
        problems.push(`line ${i + 3 + at}: the ${language} block is not the translation of the TypeScript block at line ${lastTsFence} ` +
          `(expected: ${JSON.stringify(b[at] ?? '<end of block>')}); run \`npx projen rosetta --update\``);
      }
    }
    out.push(`${next[1]}${language}`, ...(translation?.trimEnd().split('\n') ?? lines.slice(i + 2, close)), next[1]);
    i = close;
  }
  if (update && changed) {
    fs.writeFileSync(file, out.join('\n'));
    console.log(`rosetta: updated the translated blocks of ${path.relative(ROOT, file)}`);
  }
  return problems;
}

/**
 * The block a user can copy whole: rosetta's Python is a program already (it imports every name it
 * uses); its Java is statements, which `javaProgram` completes with imports and a class.
 */
function completeProgram(language: string, translation: string | undefined): string | undefined {
  return language === 'java' && translation !== undefined ? javaProgram(translation, JAVA_CLASS) : translation;
}

function findClose(lines: string[], open: number, fence: string): number {
  for (let j = open + 1; j < lines.length; j++) {
    if (lines[j].trim() === fence) {
      return j;
    }
  }
  return lines.length - 1;
}

process.exitCode = main();
