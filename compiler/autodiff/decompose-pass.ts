// The frame of the decomposition passes (decompose-normalizers.ts,
// decompose-reparam.ts): one rule per op that returns the op rewritten into
// primitive ops for one mode, with access to the stored tensors the node
// does not take as inputs (a normaliser's num_batches_tracked) and to
// Assigns (running statistics, spectral norm's u and v).
import type { GraphBuilder } from '../ir/builder.ts';
import { rewrite, type RewriteContext, type Rule } from '../ir/rewrite.ts';
import type { OpName } from '../ir/ops.ts';
import type { Graph, Node, ValueId } from '../ir/types.ts';
import type { Pass } from '../passes/pass.ts';
import { Emitter } from './decompose-ops.ts';

export type Mode = 'train' | 'eval';

/** What a decomposition rule gets besides the node. */
export interface Decomposition {
  readonly e: Emitter;
  readonly mode: Mode;
  readonly stored: StoredTensors;
}

/** The node, its inputs already in the graph being built, rewritten: the id of the value replacing it. */
export type DecomposeRule = (node: Node, d: Decomposition) => ValueId;

/** A pass that rewrites every node of the ops in `rules` (until none is left). */
export function decompositionPass(name: string, description: string, mode: Mode, rules: Readonly<Partial<Record<OpName, DecomposeRule>>>): Pass {
  return {
    name,
    description,
    run(graph: Graph) {
      const stored = new StoredTensors(graph);
      const asRules: Rule[] = Object.entries(rules).map(([op, decompose]) => ({
        name: `decompose-${op}`,
        ops: [op as OpName],
        apply: (node: Node, ctx: RewriteContext) => decompose!(node, { e: new Emitter(ctx.b, node.origin), mode, stored }),
      }));
      return keepAssignTargets(rewrite(graph, asRules, name).graph, graph);
    },
  };
}

/**
 * The rewrite driver declares a stored tensor only where a param node reads
 * it, so a tensor only an Assign names (spectral norm's v, which the power
 * iteration overwrites without reading) is lost in its second sweep: put
 * its declaration back from the source graph.
 */
function keepAssignTargets(result: Graph, source: Graph): Graph {
  const missing = result.assigns.map((a) => a.target).filter((t) => !result.tensors.has(t) && source.tensors.has(t));
  if (missing.length === 0) return result;
  const tensors = new Map(result.tensors);
  const data = new Map(result.data);
  for (const name of missing) {
    tensors.set(name, source.tensors.get(name)!);
    const values = source.data.get(name);
    if (values) data.set(name, values);
  }
  return { ...result, tensors, data };
}

/** The stored tensors of the source graph, for those a decomposition reads besides its node's inputs. */
export class StoredTensors {
  constructor(private readonly graph: Graph) {}

  /** The param node of `name` in `b`, declared there if the rewrite has not copied it yet; undefined when the graph has no such tensor. */
  read(b: GraphBuilder, name: string): ValueId | undefined {
    const info = this.graph.tensors.get(name);
    if (!info) return undefined;
    return b.tensor(info, this.graph.data.get(name));
  }
}

/** The stored tensor's name behind a param node, if it is one. */
export function storedName(b: GraphBuilder, id: ValueId | undefined): string | undefined {
  if (id === undefined) return undefined;
  const node = b.node(id);
  return node.op === 'param' ? (node as Node<'param'>).attrs.name : undefined;
}

/** The name of the stored tensor an Assign updates through `id`, an input lowering makes a param; else a compiler error. */
export function assignTarget(d: Decomposition, id: ValueId, what: string, node: Node): string {
  const name = storedName(d.e.b, id);
  if (!name) throw new Error(`${node.op}${node.origin ? ` (layer ${node.origin.layer})` : ''}: its ${what} is not a stored tensor, so it cannot be updated`);
  return name;
}
