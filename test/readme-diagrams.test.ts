import * as fs from 'fs';
import { parseMermaid } from './mermaid/mermaid';
import { README, README_RELEASE_START, readmeDiagrams, withDiagrams } from '../example/readme-diagrams';

describe('README diagrams', () => {
  const readme = fs.readFileSync(README, 'utf-8');
  const diagrams = readmeDiagrams();

  test('are what the example draws (run `npx projen readme:diagrams` after changing the diagrams or the example)', () => {
    expect(withDiagrams(readme, diagrams)).toBe(readme);
  });

  test('are valid Mermaid: a flowchart and a Gantt chart of a release started at the README\'s fixed date', () => {
    const [flowchart, gantt] = parseMermaid(diagrams['plan-flowchart'], diagrams['plan-gantt']);
    expect(flowchart).toMatchObject({ type: 'flowchart-v2' });
    expect(flowchart.error).toBeUndefined();
    expect(gantt).toMatchObject({ type: 'gantt', title: 'Release started 2026-11-23 00:00 Mon UTC (times in UTC)' });
    expect(gantt.tasks![0].start).toBe(README_RELEASE_START.toISOString());
  });

  test('a README without the markers is refused, not silently passed', () => {
    expect(() => withDiagrams('no markers here', diagrams)).toThrow(/README.md has no block <!-- plan-flowchart/);
  });
});
