/**
 * Turns jsii-rosetta's Java translation of a TypeScript example (a whole program: README examples have
 * no fixture) into a program that compiles as it stands, so the README's Java block can be copied whole.
 *
 * rosetta translates statements: its Java has no class, and it imports only the names the TypeScript
 * imported, not the types Java names besides (struct builders such as `S3SourceProps`, `Environment`,
 * `java.util.List`, the types of declared variables). This adds an import for each of those, resolved
 * in this library's assembly, in aws-cdk-lib's (its core package, then the packages the example already
 * imports) and in java.util, and wraps the statements in `public class <name>`'s `main` method.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const ROOT = path.resolve(__dirname, '..', '..');
const JAVA_LANG = new Set(['String', 'Object', 'Integer', 'Long', 'Double', 'Boolean', 'Number', 'System', 'Math', 'Override']);
const JAVA_UTIL = new Set(['List', 'Map', 'Set', 'Arrays']);

interface Assembly {
  readonly name: string;
  readonly types: { [fqn: string]: { name: string; namespace?: string } };
  readonly targets: { java: { package: string } };
  readonly submodules?: { [fqn: string]: { targets?: { java?: { package: string } } } };
}

function loadAssembly(dir: string): Assembly {
  const file = path.join(dir, '.jsii');
  const content = JSON.parse(fs.readFileSync(file, 'utf-8'));
  if (content.schema === 'jsii/file-redirect') {
    return JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, content.filename))).toString('utf-8'));
  }
  return content;
}

/** Java class name -> the Java packages that hold a type of that name (top-level types only). */
function javaTypes(assembly: Assembly): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [fqn, type] of Object.entries(assembly.types)) {
    if (type.namespace && !assembly.submodules?.[`${assembly.name}.${type.namespace}`]) {
      continue; // a nested type (Foo.Bar): reached through its parent
    }
    const submodule = type.namespace ? assembly.submodules?.[fqn.slice(0, fqn.length - type.name.length - 1)] : undefined;
    const pkg = submodule?.targets?.java?.package ?? assembly.targets.java.package;
    byName.set(type.name, [...(byName.get(type.name) ?? []), pkg]);
  }
  return byName;
}

let ownTypes: Map<string, string[]> | undefined;
let cdkTypes: Map<string, string[]> | undefined;
let cdkRoot: string | undefined;

/** Statement lines of the snippet, then import lines, then the program. Throws when a name cannot be resolved. */
export function javaProgram(translation: string, className: string): string {
  const lines = translation.trimEnd().split('\n');
  const imports = lines.filter(l => l.startsWith('import '));
  const statements = lines.filter(l => !l.startsWith('import '));
  const imported = new Set(imports.map(l => /\.(\w+);$/.exec(l)?.[1]).filter((n): n is string => n !== undefined));
  const wildcards = imports.map(l => /^import ([\w.]+)\.\*;$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  const explicitPackages = imports.map(l => /^import ([\w.]+)\.[A-Z]\w*;$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);

  // names in code, outside string literals and comments, not after a '.' (members, nested types)
  const code = statements.map(l => l.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/.*$/, '')).join('\n');
  const names = new Set([...code.matchAll(/(?<![.\w])([A-Z][A-Za-z0-9]*)\b/g)].map(m => m[1]).filter(n => !/^[A-Z0-9_]+$/.test(n)));

  ownTypes ??= javaTypes(loadAssembly(ROOT));
  const added: string[] = [];
  for (const name of [...names].sort()) {
    if (imported.has(name) || JAVA_LANG.has(name)) { continue; }
    if (JAVA_UTIL.has(name)) { added.push(`import java.util.${name};`); continue; }
    const own = ownTypes.get(name);
    if (own) { added.push(`import ${own[0]}.${name};`); continue; }
    cdkTypes ??= javaTypes(loadAssembly(path.join(ROOT, 'node_modules', 'aws-cdk-lib')));
    cdkRoot ??= loadAssembly(path.join(ROOT, 'node_modules', 'aws-cdk-lib')).targets.java.package;
    const packages = cdkTypes.get(name) ?? [];
    if (packages.some(p => wildcards.includes(p))) { continue; }
    const pkg = [cdkRoot, ...explicitPackages].find(p => packages.includes(p));
    if (!pkg) {
      throw new Error(`java: cannot tell which package '${name}' comes from (candidates: ${packages.join(', ') || 'none'}); import it in the TypeScript example`);
    }
    added.push(`import ${pkg}.${name};`);
  }
  return [
    ...[...imports, ...added].sort(),
    '',
    `public class ${className} {`,
    '    public static void main(final String[] args) {',
    ...statements.map(l => (l === '' ? '' : `        ${l}`)),
    '    }',
    '}',
  ].join('\n').replace(/\n{3,}/g, '\n\n').replace(/ {4}public static void main\(final String\[\] args\) \{\n\n/, '    public static void main(final String[] args) {\n');
}
