import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { edgesOf } from '../../lambda/src/conversation/flow-check';
import { FLOW } from '../../lambda/src/conversation/flow';
import type { Flow, Step, StepId } from '../../lambda/src/conversation/types';
import { SYMPTOMS } from '../../lambda/src/conversation/types';
import { englishTitles, escapeLabel, FLOW_DOC, flowDiagram, nodeId } from '../../scripts/flow-diagram';

interface Node {
  shape: string;
  label: string;
  cls?: string;
}
interface Edge {
  from: string;
  to: string;
  dotted: boolean;
  label?: string;
}

const OPENERS: Record<string, string> = {
  '{{': '}}',
  '(((': ')))',
  '([': '])',
  '{': '}',
  '[': ']',
  '>': ']',
};
const NODE = /^ {2}(\w+)(\{\{|\(\(\(|\(\[|\{|\[|>)"([^"]*)"(\}\}|\)\)\)|\]\)|\}|\])(?::::(\w+))?$/;
const EDGE = /^ {2}(\w+) (-->|-\.->)(?:\|([^|"]*)\|)? (\w+)$/;
const CLASS_DEF = /^ {2}classDef (\w+) \S.*$/;

/** The nodes and edges of the one Mermaid block in a Markdown text; any line of another form fails. */
function parseMermaid(markdown: string): { nodes: Map<string, Node>; edges: Edge[]; classDefs: Set<string> } {
  const blocks = [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)];
  expect(blocks).toHaveLength(1);
  const [header, ...lines] = (blocks[0]?.[1] ?? '').split('\n');
  expect(header).toBe('flowchart TD');
  const nodes = new Map<string, Node>();
  const edges: Edge[] = [];
  const classDefs = new Set<string>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const node = NODE.exec(line);
    const edge = EDGE.exec(line);
    const classDef = CLASS_DEF.exec(line);
    if (node) {
      const [, id, open, label, close, cls] = node as unknown as string[];
      expect(OPENERS[open as string]).toBe(close);
      expect(nodes.has(id as string)).toBe(false);
      nodes.set(id as string, { shape: `${open}${close}`, label: label as string, ...(cls ? { cls } : {}) });
    } else if (edge) {
      const [, from, arrow, label, to] = edge as unknown as (string | undefined)[];
      edges.push({
        from: from as string,
        to: to as string,
        dotted: arrow === '-.->',
        ...(label ? { label } : {}),
      });
    } else if (classDef) {
      classDefs.add(classDef[1] as string);
    } else {
      throw new Error(`unexpected Mermaid line: ${JSON.stringify(line)}`);
    }
  }
  return { nodes, edges, classDefs };
}

const SHAPE_OF: Record<Step['kind'], string> = {
  choice: '{{}}',
  check: '{}',
  state: '{}',
  action: '[]',
  handoff: '([])',
  end: '((()))',
};

const title = englishTitles();
const generated = flowDiagram(FLOW, title);
const sorted = (xs: string[]) => [...xs].sort();

describe('docs/flow.md', () => {
  it('is what `npm run flow:diagram` writes for the current flow', () => {
    const shown = relative(process.cwd(), FLOW_DOC);
    const current = existsSync(FLOW_DOC) ? readFileSync(FLOW_DOC, 'utf8') : undefined;
    if (current === generated) return;
    const was = current?.split('\n') ?? [];
    const now = generated.split('\n');
    const line = now.findIndex((text, i) => was[i] !== text);
    const where =
      line < 0 ? `it has ${was.length - now.length} extra line(s) at the end` : `line ${line + 1} differs`;
    throw new Error(
      current === undefined
        ? `${shown} is missing: run \`npm run flow:diagram\` and commit it.`
        : `${shown} is out of date with lambda/src/conversation/flow.ts (${where}): run \`npm run flow:diagram\` and commit it.\n` +
            `  in the file: ${JSON.stringify(was[line] ?? '')}\n  generated:   ${JSON.stringify(now[line] ?? '')}`,
    );
  });

  it('is already in Prettier style, so `npm run format` never fights the generator', () => {
    const formatted = execFileSync(
      process.execPath,
      [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', FLOW_DOC],
      { input: generated, encoding: 'utf8' },
    );
    expect(formatted).toBe(generated);
  });
});

describe('flowDiagram of the flow', () => {
  // Parsed in each test, so a line of an unexpected form fails a test rather than the whole file.
  const parsed = () => parseMermaid(generated);
  const stepIds = Object.keys(FLOW.steps);
  const stepNodes = new Set(stepIds.map(nodeId));

  it('has every step as a node, shaped by its kind, with its title and id', () => {
    const { nodes } = parsed();
    for (const [id, step] of Object.entries(FLOW.steps)) {
      const node = nodes.get(nodeId(id));
      expect({ id, shape: node?.shape }).toEqual({ id, shape: SHAPE_OF[step.kind] });
      expect(node?.label.startsWith(`${escapeLabel(title(id))}<br/><small>${escapeLabel(id)}`)).toBe(true);
      if (step.kind === 'handoff') expect(node?.label.includes('says a command')).toBe(step.command === true);
    }
  });

  it('has exactly the edges of edgesOf, each labelled, skips dotted', () => {
    const { nodes, edges } = parsed();
    const fromSteps = edges.filter((e) => stepNodes.has(e.from));
    const expected = stepIds.flatMap((id) =>
      edgesOf(FLOW.steps[id] as Step).map((to) => `${nodeId(id)} -> ${nodeId(to)}`),
    );
    expect(sorted(fromSteps.map((e) => `${e.from} -> ${e.to}`))).toEqual(sorted(expected));
    for (const edge of fromSteps) {
      expect(edge.label).toBeTruthy();
      expect({ edge, dotted: edge.dotted }).toEqual({ edge, dotted: edge.label === 'skip' });
    }
    for (const [id, step] of Object.entries(FLOW.steps)) {
      if ('skip' in step)
        expect(fromSteps).toContainEqual({
          from: nodeId(id),
          to: nodeId(step.skip),
          dotted: true,
          label: 'skip',
        });
      if (step.kind === 'state')
        for (const [state, to] of Object.entries(step.states))
          expect(fromSteps).toContainEqual({
            from: nodeId(id),
            to: nodeId(to),
            dotted: false,
            label: state.replace(/_/g, ' '),
          });
    }
    for (const edge of edges) expect(nodes.has(edge.to) && nodes.has(edge.from)).toBe(true);
  });

  it('has an entry node per symptom, one for the start, and one dotted edge to the safety stop', () => {
    const { nodes, edges } = parsed();
    const entries = (to: StepId) =>
      edges.filter((e) => !stepNodes.has(e.from) && e.to === nodeId(to)).map((e) => nodes.get(e.from)?.label);
    for (const symptom of SYMPTOMS) expect(entries(FLOW.symptomEntry[symptom])).toContain(symptom);
    expect(entries(FLOW.start)).toContain('open the skill');

    const toSafety = edges.filter((e) => e.to === nodeId(FLOW.safety));
    expect(toSafety).toHaveLength(1);
    expect(toSafety[0]).toMatchObject({ dotted: true, label: 'safety' });
    expect(nodes.get(toSafety[0]?.from as string)?.label).toBe('any step');
  });

  it('colours ends by outcome and marks state steps', () => {
    const { nodes, classDefs } = parsed();
    for (const [id, step] of Object.entries(FLOW.steps)) {
      const cls = nodes.get(nodeId(id))?.cls;
      if (step.kind === 'end') expect({ id, cls }).toEqual({ id, cls: step.outcome });
      else if (step.kind === 'state') expect({ id, cls }).toEqual({ id, cls: 'state' });
      else expect({ id, cls }).toEqual({ id, cls: undefined });
    }
    for (const node of nodes.values()) if (node.cls) expect(classDefs.has(node.cls)).toBe(true);
    for (const outcome of ['resolved', 'unresolved', 'safety']) expect(classDefs.has(outcome)).toBe(true);
  });
});

describe('flowDiagram labels', () => {
  const fake: Flow = {
    start: 'ask',
    safety: 'stop',
    resolved: 'end',
    symptomEntry: Object.fromEntries(SYMPTOMS.map((s) => [s, 'ask'])) as Flow['symptomEntry'],
    steps: {
      ask: { kind: 'choice', unsure: 'end', skip: 'end' },
      end: { kind: 'end', outcome: 'resolved' },
      stop: { kind: 'end', outcome: 'safety' },
    },
  };
  const nasty = 'Say "hi" [now] {or} (later) <b>#1</b> | `x` & more';
  const fakeTitle = (id: StepId) => (id === 'ask' ? nasty : `Title of ${id}`);
  const decode = (label: string) =>
    label
      .replace(/#quot;/g, '"')
      .replace(/#lt;/g, '<')
      .replace(/#gt;/g, '>')
      .replace(/#amp;/g, '&')
      .replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));

  it('escapes quotes, brackets and other Mermaid syntax in titles', () => {
    const { nodes } = parseMermaid(flowDiagram(fake, fakeTitle));
    const label = nodes.get('ask')?.label ?? '';
    expect(label).toContain('#quot;hi#quot;');
    const [text] = label.split('<br/>');
    expect(text).not.toMatch(/["[\]{}()|<>`]/);
    expect(decode(text as string)).toBe(nasty);
  });

  it('gives a step whose id Mermaid reserves (end) another node id, and still draws its edges', () => {
    const { nodes, edges } = parseMermaid(flowDiagram(fake, fakeTitle));
    expect(nodeId('end')).not.toBe('end');
    expect(nodes.has('end')).toBe(false);
    expect(nodes.get(nodeId('end'))?.label).toBe('Title of end<br/><small>end</small>');
    expect(edges.filter((e) => e.from === 'ask').map((e) => e.to)).toEqual([nodeId('end'), nodeId('end')]);
  });
});
