// The one rewrite driver every pass uses. A rule sees a node whose inputs
// already point into the graph being built, and either returns the id of a
// replacement (built through ctx.b) or undefined. Rules never mutate; the
// driver sweeps until nothing fires, with a step limit so a rule that keeps
// firing is an error instead of a hang.
import { GraphBuilder } from './builder.ts';
import type { OpName } from './ops.ts';
import type { Graph, Node, ValueId } from './types.ts';

export interface RewriteContext {
  readonly b: GraphBuilder;
  /** How many nodes of the source graph use the value now at `id` (outputs and assigns count). */
  uses(id: ValueId): number;
  /** Compile-time contents of a stored tensor, if known. */
  data(name: string): Float32Array | undefined;
  /** The source graph's mode. */
  readonly mode: 'train' | 'eval';
}

export interface Rule {
  readonly name: string;
  /** Only nodes with these ops are offered to the rule. */
  readonly ops: readonly OpName[];
  apply(node: Node, ctx: RewriteContext): ValueId | undefined;
}

export class RewriteLimitError extends Error {}

export interface RewriteStats {
  readonly fired: ReadonlyMap<string, number>;
  readonly sweeps: number;
}

const MAX_SWEEPS = 64;
const MAX_REWRITES = 100_000;

/** Runs `rules` to a fixed point and removes dead nodes. */
export function rewrite(graph: Graph, rules: readonly Rule[], passName = 'rewrite'): { graph: Graph; stats: RewriteStats } {
  const fired = new Map<string, number>();
  // No node a rule could take: a sweep would copy the graph node for node (see sweepOnce), so skip it.
  const ops = new Set(rules.flatMap((rule) => rule.ops));
  if (!graph.nodes.some((node) => ops.has(node.op))) return { graph: eliminateDeadNodes(graph), stats: { fired, sweeps: 0 } };
  let total = 0;
  let current = graph;
  for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
    const { graph: next, changes } = sweepOnce(current, rules, (rule) => {
      fired.set(rule, (fired.get(rule) ?? 0) + 1);
      if (++total > MAX_REWRITES) {
        throw new RewriteLimitError(`pass ${passName} made more than ${MAX_REWRITES} rewrites; a rule is looping`);
      }
    });
    current = eliminateDeadNodes(next);
    if (changes === 0) return { graph: current, stats: { fired, sweeps: sweep } };
  }
  throw new RewriteLimitError(`pass ${passName} did not reach a fixed point in ${MAX_SWEEPS} sweeps`);
}

function useCounts(graph: Graph): number[] {
  const counts = new Array<number>(graph.nodes.length).fill(0);
  for (const n of graph.nodes) for (const i of n.inputs) counts[i]!++;
  for (const o of graph.outputs) counts[o.value]!++;
  for (const a of graph.assigns) counts[a.value]!++;
  return counts;
}

function sweepOnce(graph: Graph, rules: readonly Rule[], onFire: (rule: string) => void): { graph: Graph; changes: number } {
  const b = new GraphBuilder(graph.mode);
  const counts = useCounts(graph);
  const oldToNew = new Map<ValueId, ValueId>();
  const newToOld = new Map<ValueId, ValueId>();
  const ctx: RewriteContext = {
    b,
    mode: graph.mode,
    uses: (id) => {
      const old = newToOld.get(id);
      return old === undefined ? 0 : counts[old]!;
    },
    data: (name) => b.getData(name) ?? graph.data.get(name),
  };
  let changes = 0;
  const tensors = graph.tensors;
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => oldToNew.get(i)!);
    let newId: ValueId | undefined;
    if (node.op === 'input') {
      newId = b.input((node as Node<'input'>).attrs.name, node.type, node.origin);
    } else if (node.op === 'param') {
      const name = (node as Node<'param'>).attrs.name;
      newId = b.tensor(tensors.get(name)!, graph.data.get(name), node.origin);
    } else {
      const candidate: Node = { ...node, id: -1, inputs };
      for (const rule of rules) {
        if (!rule.ops.includes(node.op)) continue;
        const replacement = rule.apply(candidate, ctx);
        if (replacement !== undefined) {
          onFire(rule.name);
          changes++;
          newId = replacement;
          break;
        }
      }
      newId ??= b.addTyped(node.op, inputs, node.attrs as never, node.type, node.origin);
    }
    oldToNew.set(node.id, newId);
    if (!newToOld.has(newId)) newToOld.set(newId, node.id);
  }
  for (const o of graph.outputs) b.output(o.name, oldToNew.get(o.value)!);
  for (const a of graph.assigns) b.assign(a.target, oldToNew.get(a.value)!);
  return { graph: b.finish(), changes };
}

/**
 * Drops nodes nothing reaches from the outputs or assigns, and stored tensors
 * no remaining node reads or writes. Inputs always stay: they are the graph's
 * interface even when unused.
 */
export function eliminateDeadNodes(graph: Graph): Graph {
  const live = new Array<boolean>(graph.nodes.length).fill(false);
  const stack = [...graph.outputs.map((o) => o.value), ...graph.assigns.map((a) => a.value), ...graph.inputs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = true;
    stack.push(...graph.nodes[id]!.inputs);
  }
  const assigned = new Set(graph.assigns.map((a) => a.target));
  // Most sweeps leave nothing dead: then the graph is its own result, with no copy of every node.
  if (live.every(Boolean) && everyTensorUsed(graph, assigned)) return graph;
  const renumber = new Map<ValueId, ValueId>();
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    if (!live[n.id]) continue;
    const id = nodes.length;
    renumber.set(n.id, id);
    nodes.push({ ...n, id, inputs: n.inputs.map((i) => renumber.get(i)!) });
  }
  const used = new Set<string>(assigned);
  for (const n of nodes) if (n.op === 'param') used.add((n as Node<'param'>).attrs.name);
  const tensors = new Map([...graph.tensors].filter(([name]) => used.has(name)));
  const data = new Map([...graph.data].filter(([name]) => used.has(name)));
  return {
    ...graph,
    nodes,
    inputs: graph.inputs.map((i) => renumber.get(i)!),
    outputs: graph.outputs.map((o) => ({ ...o, value: renumber.get(o.value)! })),
    assigns: graph.assigns.map((a) => ({ ...a, value: renumber.get(a.value)! })),
    tensors,
    data,
  };
}

function everyTensorUsed(graph: Graph, assigned: ReadonlySet<string>): boolean {
  const read = new Set<string>();
  for (const n of graph.nodes) if (n.op === 'param') read.add((n as Node<'param'>).attrs.name);
  for (const name of graph.tensors.keys()) if (!read.has(name) && !assigned.has(name)) return false;
  for (const name of graph.data.keys()) if (!read.has(name) && !assigned.has(name)) return false;
  return true;
}
