import * as fs from 'fs';
import * as path from 'path';

/*
 * The layout of src/ as issue "A house ready for more target kinds" set it: the data path reads
 * top-down (props, resolved targets, layout, stages, actions), no module imports one above it, and
 * the public API is only `export *` lines.
 */

const SRC = path.join(__dirname, '..', 'src');

function modules(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => entry.isDirectory()
    ? modules(path.join(dir, entry.name))
    : entry.name.endsWith('.ts') ? [path.relative(SRC, path.join(dir, entry.name)).replace(/\.ts$/, '')] : []);
}

function importsOf(module: string): string[] {
  const text = fs.readFileSync(path.join(SRC, `${module}.ts`), 'utf-8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map(m => path.normalize(path.join(path.dirname(module), m[1])));
}

/** Every module `module` imports, directly or not. */
function reach(module: string, seen = new Set<string>()): Set<string> {
  for (const dep of importsOf(module)) {
    if (!seen.has(dep)) {
      seen.add(dep);
      reach(dep, seen);
    }
  }
  return seen;
}

describe('src/ layout', () => {
  test('no import cycle', () => {
    const cyclic = modules().filter(m => reach(m).has(m));
    expect(cyclic).toEqual([]);
  });

  test('the data path reads top-down: props, resolved targets, layout, stages, pipeline', () => {
    const path_ = ['targets/region-target', 'private/resolved-target', 'private/layout', 'private/render', 'multi-region-delivery-pipeline'];
    path_.forEach((module, i) => {
      const later = path_.slice(i + 1);
      expect([...reach(module)].filter(dep => later.includes(dep))).toEqual([]);
      if (i > 0) {
        expect(reach(module).has(path_[i - 1])).toBe(true);
      }
    });
  });

  test('plug-in kinds know the protocol, not the pipeline', () => {
    const kinds = modules().filter(m => /^(targets|sources)\//.test(m) || ['pipeline-build', 'template-validation'].includes(m));
    for (const kind of kinds) {
      expect([...reach(kind)].filter(dep => /resolved-target|layout|render|roles|store-directory|multi-region-delivery-pipeline/.test(dep))).toEqual([]);
    }
  });

  test('src/index.ts is only export * lines, and never exports src/private', () => {
    const lines = fs.readFileSync(path.join(SRC, 'index.ts'), 'utf-8').trim().split('\n');
    expect(lines.filter(line => !/^export \* from '\.\/[a-z0-9/-]+';$/.test(line))).toEqual([]);
    expect(lines.filter(line => line.includes('private/'))).toEqual([]);
  });

  test('no file in src/ is over 400 lines', () => {
    const long = modules().filter(m => fs.readFileSync(path.join(SRC, `${m}.ts`), 'utf-8').split('\n').length > 400);
    expect(long).toEqual([]);
  });
});
