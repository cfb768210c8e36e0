import { execFileSync } from 'child_process';
import * as path from 'path';

/** What Mermaid itself understood of a diagram (test/mermaid/parse.mjs). */
export interface ParsedDiagram {
  readonly type?: string;
  readonly error?: string;
  readonly vertices?: { id: string; text: string; type?: string }[];
  readonly edges?: { start: string; end: string; text: string; stroke: string }[];
  readonly subgraphs?: { id: string; title: string; nodes: string[] }[];
  readonly title?: string;
  readonly tasks?: {
    id: string;
    name: string;
    section: string;
    milestone: boolean;
    crit: boolean;
    done: boolean;
    active: boolean;
    start: string;
    end: string;
  }[];
}

/**
 * Parses diagrams with Mermaid (the `mermaid` package, in a child node process with a jsdom window;
 * Mermaid is an ES module, the tests run as CommonJS). Gantt times are read in UTC.
 */
export function parseMermaid(...texts: string[]): ParsedDiagram[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'parse.mjs')], {
    input: JSON.stringify(texts),
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString('utf-8'));
}
