import { DeploymentWindow } from '../deployment-window';

/* Plain-text pieces of the deployment plan: its tables, notes and stage keys. */

/** The name of the home pipeline in `PlannedAction.pipeline` (regional pipelines are named by their region). */
export const HOME_PIPELINE = 'home';

/**
 * How the schedule reads a seconds or minutes field of `0`, when a window has one. CodePipeline's page
 * reproduces Quartz's cron reference, where a field holds the values it allows; its field table lists
 * only `*` for seconds while its own example writes `0 0 9-17 ? * MON-FRI *`.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */
export function zeroFieldNote(windows: DeploymentWindow[]): string {
  const fields = windows.map(w => w.expression.trim().split(/\s+/));
  const notes = [
    ...(fields.some(f => f[0] === '0') ? ['a seconds field of 0 is read as the whole minute (the field table allows only *, AWS\'s example writes 0)'] : []),
    ...(fields.some(f => f[1] === '0') ? ['a minutes field of 0 as the first minute of each allowed hour only (Quartz, as the page reproduces it)'] : []),
  ];
  return notes.length > 0 ? `\nNote: ${notes.join('; ')}.\n` : '';
}

/**
 * What identifies a stage in the plan: its name, and with regional pipelines the pipeline too (every
 * regional pipeline has a `Release` and a `Deploy` stage).
 */
export function stageKey(stage: { readonly stageName: string; readonly pipeline?: string }): string {
  return stage.pipeline === undefined ? stage.stageName : `${stage.pipeline}/${stage.stageName}`;
}

/** For the diagrams, which know stages by name only: `eu-west-1/Deploy` for a stage of a regional pipeline. */
export function qualified<T extends { readonly stageName: string; readonly pipeline?: string }>(stage: T): T {
  return stage.pipeline === undefined ? stage : { ...stage, stageName: stageKey(stage) };
}

export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** The accounts of `actions`, each once, when the plan names them. */
export function accountsOf(actions: { readonly account?: string }[]): { accounts?: string[] } {
  const accounts = [...new Set(actions.map(a => a.account).filter((a): a is string => a !== undefined))];
  return accounts.length > 0 ? { accounts } : {};
}
