// Train-mode randomness. dropout, drop_path, dropconnect and gaussian_noise
// keep their eval meaning (the identity) in their own kernels; for training
// this pass rewrites each into a random op (random_mask, random_normal) and
// the mul or add that applies it, so their gradient is mul's (the mask
// times the incoming gradient) or add's, with no rule of their own.
//
//   dropout(x, p)        x * random_mask(shape of x)            torch.nn.Dropout
//   drop_path(x, p)      x * random_mask([N, 1, ...])           torchvision StochasticDepth, mode="row"
//   dropconnect(w, p)    w * random_mask(shape of w)            one mask per step, shared by the batch
//   gaussian_noise(x, s) x + random_normal(shape of x, std s)
//
// The random ops read the RNG state, a graph input `rng` of four u32s (seed
// low and high words, step low and high words) that the training loop feeds
// each step. Each op draws from its own Philox stream, an id hashed from the
// op and its layer's name, so a run reproduces from its seed and a layer's
// draws do not move when another layer is added (the counter layout is in
// compiler/codegen/kernels/random.ts and docs/training.md).
import { GraphBuilder } from '../ir/builder.ts';
import type { OpName } from '../ir/ops.ts';
import type { Graph, Node, Origin, TensorType, ValueId } from '../ir/types.ts';
import type { Pass } from '../passes/pass.ts';

/** The graph input the RNG state is fed under. */
export const RNG_INPUT = 'rng';
export const RNG_STATE_TYPE: TensorType = { dtype: 'u32', shape: [4] };

/** The ops this pass gives their training meaning. */
export const RANDOM_REGULARIZERS: ReadonlySet<OpName> = new Set(['dropout', 'drop_path', 'dropconnect', 'gaussian_noise']);

export class RandomnessError extends Error {
  constructor(
    message: string,
    readonly origin: Origin | undefined,
  ) {
    super(origin ? `${origin.file}:${origin.span.start.line}:${origin.span.start.column}: ${message}` : message);
  }
}

/** 32-bit FNV-1a of the UTF-8 bytes of `key`: a stream id that depends on nothing but the name. */
export function streamId(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The stream of every random regularizer, by node id: the hash of
 * `op:layer`. A second node with the same op and layer (or a hash
 * collision) takes `op:layer#2`, `#3`, ... in graph order, which a given
 * spec always produces, so streams are distinct and reproducible.
 */
export function assignStreams(graph: Graph): Map<ValueId, number> {
  const streams = new Map<ValueId, number>();
  const taken = new Set<number>();
  for (const node of graph.nodes) {
    if (!RANDOM_REGULARIZERS.has(node.op)) continue;
    const key = `${node.op}:${node.origin?.layer ?? `%${node.id}`}`;
    let stream = streamId(key);
    for (let k = 2; taken.has(stream); k++) stream = streamId(`${key}#${k}`);
    taken.add(stream);
    streams.set(node.id, stream);
  }
  return streams;
}

function randomApplied(b: GraphBuilder, node: Node, x: ValueId, stream: number, rng: () => ValueId): ValueId {
  const origin = node.origin;
  const shape = b.type(x).shape;
  switch (node.op) {
    case 'dropout':
    case 'dropconnect':
    case 'drop_path': {
      const { p } = node.attrs as { p: number };
      if (p === 0) return x;
      const maskShape = node.op === 'drop_path' ? shape.map((d, i) => (i === 0 ? d : 1)) : shape;
      const mask = b.add('random_mask', [rng()], { p, stream, shape: maskShape }, origin);
      return b.add('binary', [x, mask], { fn: 'mul' }, origin);
    }
    case 'gaussian_noise': {
      const { std } = node.attrs as { std: number };
      if (std === 0) return x;
      const noise = b.add('random_normal', [rng()], { std, stream, shape }, origin);
      return b.add('binary', [x, noise], { fn: 'add' }, origin);
    }
  }
  throw new Error(`randomness: ${node.op} is not a random regularizer`);
}

function rewriteRandomness(graph: Graph): Graph {
  const streams = assignStreams(graph);
  if (streams.size === 0) return graph;
  const clash = graph.inputs.map((id) => graph.nodes[id] as Node<'input'>).find((n) => n.attrs.name === RNG_INPUT);
  if (clash) {
    throw new RandomnessError(`the model input '${RNG_INPUT}' has the name training gives the random number generator's state; rename the input`, clash.origin);
  }
  const b = new GraphBuilder(graph.mode);
  let rng: ValueId | undefined;
  const rngInput = (): ValueId => (rng ??= b.input(RNG_INPUT, RNG_STATE_TYPE));
  const moved = new Map<ValueId, ValueId>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((i) => moved.get(i)!);
    let id: ValueId;
    const stream = streams.get(node.id);
    if (node.op === 'input') id = b.input((node as Node<'input'>).attrs.name, node.type, node.origin);
    else if (node.op === 'param') {
      const name = (node as Node<'param'>).attrs.name;
      id = b.tensor(graph.tensors.get(name)!, graph.data.get(name), node.origin);
    } else if (stream !== undefined) id = randomApplied(b, node, inputs[0]!, stream, rngInput);
    else id = b.addTyped(node.op, inputs, node.attrs as never, node.type, node.origin);
    moved.set(node.id, id);
  }
  for (const o of graph.outputs) b.output(o.name, moved.get(o.value)!);
  for (const a of graph.assigns) b.assign(a.target, moved.get(a.value)!);
  // Stored tensors no node reads (an assign target only) keep their declaration.
  for (const info of graph.tensors.values()) if (!b.hasTensor(info.name)) b.tensor(info, graph.data.get(info.name));
  return b.finish();
}

export const trainRandomness: Pass = {
  name: 'train-randomness',
  description: 'dropout, drop_path, DropConnect and gaussian noise as masks and noise from the counter-based RNG (training)',
  run: rewriteRandomness,
};
