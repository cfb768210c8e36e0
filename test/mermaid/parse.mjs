// Parses Mermaid diagrams with Mermaid itself and prints what it understood, as JSON.
// Mermaid is an ES module and needs a DOM for DOMPurify, so the tests run it here, in a child node
// process with a jsdom window: stdin is a JSON array of diagram texts; stdout a JSON array with, per
// diagram, its type and error (if any), and for flowcharts the vertices, edges and subgraphs, for
// Gantt charts the title and the tasks (times written as given, read in UTC: the process runs with TZ=UTC).
// Flowchart labels are decoded as rendering decodes them; Gantt names are not, since Mermaid renders
// no entity code in them (an entity code there shows up in the tests as the encoded text).
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

/** Mermaid keeps entity codes (`#58;`, `#quot;`) encoded until rendering; decode them as rendering would. */
function decode(text) {
  const named = { quot: '"', amp: '&', lt: '<', gt: '>', nbsp: ' ' };
  return String(text ?? '').replace(/ﬂ°°(\d+)¶ß/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (whole, name) => named[name] ?? whole);
}

function flowchart(db) {
  return {
    vertices: [...db.getVertices().values()].map(v => ({ id: v.id, text: decode(v.text), type: v.type })),
    edges: db.getEdges().map(e => ({ start: e.start, end: e.end, text: decode(e.text), stroke: e.stroke })),
    subgraphs: db.getSubGraphs().map(s => ({ id: s.id, title: decode(s.title), nodes: s.nodes })),
  };
}

function gantt(db) {
  return {
    title: db.getDiagramTitle(),
    tasks: db.getTasks().map(t => ({
      id: t.id, name: t.task.trim(), section: t.section, milestone: Boolean(t.milestone), classes: t.classes,
      crit: Boolean(t.crit), done: Boolean(t.done), active: Boolean(t.active),
      start: t.startTime.toISOString(), end: t.endTime.toISOString(),
    })),
  };
}

const texts = JSON.parse(await new Promise(resolve => {
  let data = '';
  process.stdin.on('data', chunk => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
}));
const results = [];
for (const text of texts) {
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const type = diagram.type;
    const details = type.startsWith('flowchart') ? flowchart(diagram.db) : type === 'gantt' ? gantt(diagram.db) : {};
    results.push({ type, ...details });
  } catch (e) {
    results.push({ error: String(e.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(results));
