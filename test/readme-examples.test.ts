import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import * as ts from 'typescript';

/*
 * Every TypeScript example of the README runs as it is written (imports included) against this
 * library, and what it builds synthesizes. `npx projen rosetta` compiles the same text strictly and
 * checks its Python and Java translations; this test proves the examples also work: a window the
 * library refuses, or a target it rejects at synthesis, fails here.
 */

const README = path.join(__dirname, '..', 'README.md');
const LIBRARY = path.join(__dirname, '..', 'src');
const load = createRequire(__filename);

interface Example {
  readonly line: number;
  readonly code: string;
}

function typeScriptExamples(): Example[] {
  const lines = fs.readFileSync(README, 'utf-8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^```(ts|typescript)\b/.test(lines[i])) {
      const start = i;
      const body: string[] = [];
      for (i++; lines[i] !== '```'; i++) {
        body.push(lines[i]);
      }
      out.push({ line: start + 1, code: body.join('\n') });
    }
  }
  return out;
}

/** Runs an example as a CommonJS module, with the package name resolved to this library's source. */
function run(example: Example): { apps: App[] } {
  const js = ts.transpileModule(example.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  }).outputText;
  const apps: App[] = [];
  const requireFromHere = (name: string) => {
    if (name === 'cdk-multi-region-delivery-pipeline') {
      return load(LIBRARY);
    }
    const module = load(name);
    if (name === 'aws-cdk-lib') {
      // collect the apps the example creates, to synthesize them
      return new Proxy(module, {
        get: (target, key) => key === 'App'
          ? class extends target.App {
            constructor(...args: any[]) {
              super(...args);
              apps.push(this as unknown as App);
            }
          }
          : target[key],
      });
    }
    return module;
  };
  const module = { exports: {} };
  vm.runInThisContext(`(function (require, module, exports) {\n${js}\n})`, { filename: `README.md:${example.line}` })(
    requireFromHere, module, module.exports);
  return { apps };
}

const examples = typeScriptExamples();

test('the README has TypeScript examples, and none uses a fixture', () => {
  expect(examples.length).toBeGreaterThanOrEqual(10);
  expect(fs.existsSync(path.join(__dirname, '..', 'rosetta'))).toBe(false);
});

describe.each(examples.map(e => [e.line, e] as const))('the README example at line %d', (_line, example) => {
  test('imports everything it uses and runs as written', () => {
    // a name used but not imported throws a ReferenceError here
    const { apps } = run(example);
    for (const app of apps) {
      const assembly = app.synth();
      expect(assembly.stacks.length).toBeGreaterThan(0);
      for (const stack of app.node.findAll().filter(c => c instanceof Stack) as Stack[]) {
        const errors = stack.node.metadata.filter(m => m.type === 'aws:cdk:error');
        expect(errors.map(e => String(e.data))).toEqual([]);
      }
    }
  });
});

test('the README\'s integration-test table lists every integration test', () => {
  const readme = fs.readFileSync(README, 'utf-8');
  const table = readme.slice(readme.indexOf('## Integration tests'), readme.indexOf('## Development'));
  const listed = [...table.matchAll(/^\| `(integ\.[a-z0-9-]+)` \|/gm)].map(m => m[1]).sort();
  const tests = fs.readdirSync(path.join(__dirname, '..', 'integ')).filter(f => /^integ\..*\.ts$/.test(f)).map(f => f.replace(/\.ts$/, '')).sort();
  expect(listed).toEqual(tests);
});
