// The train section's `noise gaussian(std) on input` / `on GLOB, ...` /
// `on weights` as IR: a gaussian_noise node after each targeted input or
// stored tensor, which every use then reads instead; train-randomness
// (compiler/autodiff/randomness.ts) draws it from the step's RNG. Noise on a
// weight is the same for every sample of the step, as torch code adding
// noise to a parameter does.
import { GraphBuilder } from '../ir/builder.ts';
import type { Span } from '../../grammar/source.ts';
import type { Graph, Node, Origin, ValueId } from '../ir/types.ts';

export interface NoiseData {
  readonly std: number;
  /** The statement, for the nodes' origin. */
  readonly span: Span;
  /** The model's inputs, or the stored tensors by name. */
  readonly target: { readonly kind: 'input' } | { readonly kind: 'params'; readonly params: readonly string[] };
}

/** The graph with the noise of `noise` added (a train-mode graph; eval sees no noise). */
export function addNoise(graph: Graph, noise: readonly NoiseData[]): Graph {
  if (noise.length === 0) return graph;
  const stds = new Map<ValueId, NoiseData[]>();
  for (const node of graph.nodes) {
    for (const n of noise) {
      const hit =
        n.target.kind === 'input'
          ? node.op === 'input' && node.type.dtype === 'f32'
          : node.op === 'param' && n.target.params.includes((node as Node<'param'>).attrs.name);
      if (hit && n.std > 0) stds.set(node.id, [...(stds.get(node.id) ?? []), n]);
    }
  }
  const b = new GraphBuilder(graph.mode);
  const remap = new Map<ValueId, ValueId>();
  for (const node of graph.nodes) {
    let id: ValueId;
    if (node.op === 'input') id = b.input((node as Node<'input'>).attrs.name, node.type, node.origin);
    else if (node.op === 'param') {
      const name = (node as Node<'param'>).attrs.name;
      id = b.tensor(graph.tensors.get(name)!, graph.data.get(name), node.origin);
    } else id = b.addTyped(node.op, node.inputs.map((i) => remap.get(i)!), node.attrs as never, node.type, node.origin);
    // Each statement its own stream: the layer name says what the noise is on.
    (stds.get(node.id) ?? []).forEach((n, k) => {
      id = b.add('gaussian_noise', [id], { std: n.std }, noiseOrigin(node, n, k));
    });
    remap.set(node.id, id);
  }
  for (const o of graph.outputs) b.output(o.name, remap.get(o.value)!);
  for (const a of graph.assigns) b.assign(a.target, remap.get(a.value)!);
  for (const info of graph.tensors.values()) if (!b.hasTensor(info.name)) b.tensor(info, graph.data.get(info.name));
  return b.finish();
}

function noiseOrigin(node: Node, noise: NoiseData, k: number): Origin {
  const name = node.op === 'input' ? `input ${(node as Node<'input'>).attrs.name}` : (node as Node<'param'>).attrs.name;
  return { layer: `noise on ${name}${k > 0 ? ` #${k + 1}` : ''}`, file: node.origin?.file ?? '', span: noise.span };
}
