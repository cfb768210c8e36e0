import { formatInZone } from './time-format';

/*
 * The deployment plan as Mermaid diagrams: a flowchart of the stages and a Gantt chart of a release's
 * schedule. The shapes below are the parts of the plan the diagrams read (the plan's own records fit
 * them), so this module does not import the plan.
 * @see https://mermaid.js.org/syntax/flowchart.html
 * @see https://mermaid.js.org/syntax/gantt.html
 */

/** An action, as the flowchart reads it. */
export interface DiagramAction {
  readonly stageName: string;
  readonly region: string;
  readonly runOrder: number;
  readonly kind: string;
  readonly stackName?: string;
}

/** A stage, as the flowchart reads it. */
export interface DiagramStage {
  readonly stageName: string;
  readonly window?: string;
  /** `before entry: ...`, `on success: ...`, `on failure: ...` */
  readonly gates: string[];
  readonly wave?: string;
}

/** A stage of a release's schedule, as the Gantt chart reads it. */
export interface DiagramScheduledStage {
  readonly stageName: string;
  readonly regions: string[];
  readonly window?: string;
  readonly timeZone?: string;
  readonly earliestStart?: Date;
  readonly bakeEnds?: Date;
  readonly nextOpenings?: { readonly opensAt: Date; readonly closesAt: Date }[];
  /** With regional pipelines: the pipeline of the stage (each starts from the release). */
  readonly pipeline?: string;
}

/** Regions listed on one line of a flowchart node. */
const REGIONS_PER_LINE = 3;
/** Regions named in a Gantt task before `+N more`. */
const REGIONS_PER_TASK = 3;
/** The longest window opening drawn, so that a window open for days does not squash the chart. */
const MAX_OPENING_MS = 24 * 3_600_000;

const ENTITIES: { [c: string]: string } = { '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;' };

/**
 * Text inside a quoted flowchart label: `#`, `"`, `<` and `>` as Mermaid entity codes (decoded when
 * the diagram is rendered); `:` and `;` are plain text there.
 */
export function mermaidText(text: string): string {
  return text.replace(/[#"<>]/g, c => ENTITIES[c]);
}

/**
 * The name of a Gantt task: `:` ends it and Mermaid renders no entity code there (checked in
 * Chromium), so times are written with U+2236 RATIO (`01∶00`), which looks like a colon; `#` and
 * `;` become spaces.
 */
export function ganttText(text: string): string {
  return text.replace(/:/g, '\u2236').replace(/[#;]/g, ' ');
}

/**
 * A flowchart (left to right) of the stages in order: each stage a subgraph holding one node per
 * group of regions that run the same steps (run order, kind, stack), so 33 identical regions make
 * one node; a stage's window and entry alarms a hexagon on the edge into it, its on-success alarms or
 * wave bake a parallelogram on the edge out of it, its rollback on failure a dotted note; the stages
 * of a wave inside a subgraph of the wave.
 */
export function planFlowchart(stages: DiagramStage[], actions: DiagramAction[]): string {
  const lines = ['flowchart LR'];
  const edges: string[] = [];
  let previousExit: string | undefined;
  let openWave: string | undefined;
  stages.forEach((stage, index) => {
    const id = `s${index + 1}`;
    if (stage.wave !== openWave) {
      if (openWave !== undefined) { lines.push('  end'); }
      if (stage.wave !== undefined) { lines.push(`  subgraph w${index + 1} ["${mermaidText(`wave ${stage.wave}`)}"]`); }
      openWave = stage.wave;
    }
    const indent = stage.wave !== undefined ? '    ' : '  ';
    const guards = stageGuards(id, stage);
    lines.push(...guards.nodes.map(node => indent + node));
    lines.push(...stageSubgraph(id, stage.stageName, actions.filter(a => a.stageName === stage.stageName)).map(line => indent + line));
    const entry = guards.entry ?? id;
    if (previousExit) { edges.push(`  ${previousExit} --> ${entry}`); }
    if (guards.entry) { edges.push(`  ${guards.entry} --> ${id}`); }
    if (guards.success) { edges.push(`  ${id} --> ${guards.success}`); }
    if (guards.failure) { edges.push(`  ${id} -.- ${guards.failure}`); }
    previousExit = guards.success ?? id;
  });
  if (openWave !== undefined) { lines.push('  end'); }
  return [...lines, ...edges].join('\n') + '\n';
}

/** The subgraph of one stage: a node per group of regions with the same steps. */
function stageSubgraph(id: string, stageName: string, actions: DiagramAction[]): string[] {
  const groups = new Map<string, string[]>();
  const steps = new Map<string, string[]>();
  for (const region of [...new Set(actions.map(a => a.region))]) {
    const own = actions.filter(a => a.region === region).sort((a, b) => a.runOrder - b.runOrder)
      .map(a => `${a.runOrder} ${a.kind}${a.stackName !== undefined ? ` ${a.stackName}` : ''}`);
    const key = own.join('\n');
    groups.set(key, [...(groups.get(key) ?? []), region]);
    steps.set(key, own);
  }
  const nodes = [...groups.entries()].map(([key, regions], i) => {
    const regionLines: string[] = [];
    for (let start = 0; start < regions.length; start += REGIONS_PER_LINE) {
      regionLines.push(mermaidText(regions.slice(start, start + REGIONS_PER_LINE).join(', ')));
    }
    const count = regions.length > REGIONS_PER_LINE ? [`${regions.length} regions`] : [];
    const label = [`<b>${regionLines.join('<br/>')}</b>`, ...count, ...steps.get(key)!.map(mermaidText)].join('<br/>');
    return `  ${id}r${i + 1}["${label}"]`;
  });
  return [`subgraph ${id} ["${mermaidText(stageName)}"]`, ...nodes, 'end'];
}

/** The nodes of a stage's conditions: its entry (window and alarms), success (alarms, bake) and failure. */
function stageGuards(id: string, stage: DiagramStage): { nodes: string[]; entry?: string; success?: string; failure?: string } {
  const after = (prefix: string) => stage.gates.filter(g => g.startsWith(prefix)).map(g => g.slice(prefix.length));
  const entryLines = [...(stage.window !== undefined ? [`window ${stage.window}`] : []), ...after('before entry: ')];
  const successLines = after('on success: ');
  const failureLines = after('on failure: ');
  const label = (title: string, body: string[]) => [`<b>${title}</b>`, ...body.map(mermaidText)].join('<br/>');
  const nodes: string[] = [];
  const guards: { entry?: string; success?: string; failure?: string } = {};
  if (entryLines.length > 0) {
    guards.entry = `${id}in`;
    nodes.push(`${guards.entry}{{"${label('before entry', entryLines)}"}}`);
  }
  if (successLines.length > 0) {
    guards.success = `${id}ok`;
    nodes.push(`${guards.success}[/"${label('on success', successLines)}"/]`);
  }
  if (failureLines.length > 0) {
    guards.failure = `${id}fail`;
    nodes.push(`${guards.failure}(["${label('on failure', failureLines)}"])`);
  }
  return { nodes, ...guards };
}

/**
 * A Gantt chart of a release started at `from`, in UTC: per stage, when it starts (a milestone), how
 * long it waits for its window and the window's first opening (labelled with the local time and time
 * zone), its bake; a stage whose window never opens, and the stages after it, as critical milestones.
 */
export function planGantt(schedule: DiagramScheduledStage[], from: Date): string {
  const lines = [
    'gantt',
    `  title Release started ${formatInZone(from, 'UTC')} UTC (times in UTC)`,
    '  dateFormat YYYY-MM-DDTHH:mm',
    '  axisFormat %a %H:%M',
    '  todayMarker off',
  ];
  // per pipeline (one, or the home pipeline and each regional pipeline, which starts from the release)
  const reachedIn = new Map<string | undefined, Date | undefined>();
  const blockers = new Map<string | undefined, string>();
  schedule.forEach((stage, index) => {
    const id = `t${index + 1}`;
    const reached = reachedIn.has(stage.pipeline) ? reachedIn.get(stage.pipeline) : from;
    const blocker = blockers.get(stage.pipeline);
    lines.push(`  section ${ganttText(stage.stageName)}`);
    const start = stage.earliestStart;
    if (!start) {
      const why = blocker !== undefined ? `not reached, ${blocker} never starts` : `never starts, its window (${stage.timeZone}) does not open again`;
      lines.push(task(`${regionList(stage.regions)} ${why}`, 'crit, milestone', id, reached ?? from));
      blockers.set(stage.pipeline, blocker ?? stage.stageName);
      return;
    }
    lines.push(...windowTasks(stage, id, reached ?? from, start));
    if (stage.bakeEnds) {
      lines.push(task(`bake until ${formatInZone(stage.bakeEnds, 'UTC')} UTC`, 'done', `${id}bake`, start, stage.bakeEnds));
    }
    reachedIn.set(stage.pipeline, stage.bakeEnds ?? start);
  });
  return lines.join('\n') + '\n';
}

/** A stage's start; for a windowed stage, the wait for the window and the window's first opening. */
function windowTasks(stage: DiagramScheduledStage, id: string, reached: Date, start: Date): string[] {
  const regions = regionList(stage.regions);
  if (stage.window === undefined || stage.timeZone === undefined) {
    return [task(`${regions} start ${formatInZone(start, 'UTC')} UTC`, 'milestone', id, start)];
  }
  const local = `${formatInZone(start, stage.timeZone)} ${stage.timeZone}`;
  const closes = stage.nextOpenings?.[0]?.closesAt ?? start;
  const end = new Date(Math.min(closes.getTime(), start.getTime() + MAX_OPENING_MS));
  return [
    ...(start.getTime() > reached.getTime() ? [task('waits for its window', 'done', `${id}wait`, reached, start)] : []),
    task(`${regions} start ${local}`, 'active', id, start, end),
  ];
}

function task(name: string, tags: string, id: string, start: Date, end?: Date): string {
  const finish = end && end.getTime() > start.getTime() ? ganttDate(end) : '0m';
  return `  ${ganttText(name)} :${tags}, ${id}, ${ganttDate(start)}, ${finish}`;
}

function regionList(regions: string[]): string {
  const shown = regions.slice(0, REGIONS_PER_TASK).join(' ');
  return regions.length > REGIONS_PER_TASK ? `${shown} +${regions.length - REGIONS_PER_TASK} more` : shown;
}

/** `2026-11-23T01:00`, UTC (the chart's `dateFormat`). */
function ganttDate(date: Date): string {
  return date.toISOString().slice(0, 16);
}
