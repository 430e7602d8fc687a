// One training step as one graph: the forward pass in the chosen mode, the
// loss (or sum(output * g) for a given cotangent g, as
// torch.autograd.backward(output, g) differentiates), the penalties, the
// backward pass, clipping, and, when asked, the optimizer's update. What
// persists after the step (weights, running statistics, optimizer state)
// is the graph's Assigns; everything else is an output:
//   `loss`, the model's output under its own name, `grad.<param>` (after
//   clipping, as p.grad is after clip_grad_norm_), `grad_input.<input>`,
//   and `state.<tensor>` for every Assign.
import { appendBackward, copyGraph, inputGradOutput, paramGradOutput } from '../autodiff/differentiate.ts';
import { EVAL_PREPARATION, TRAIN_PREPARATION } from '../autodiff/prepare.ts';
import type { Graph, Node, ValueId } from '../ir/types.ts';
import { runPipeline } from '../passes/index.ts';
import { addClipping } from './clip-graph.ts';
import { addLoss } from './loss-graph.ts';
import { addNoise, type NoiseData } from './noise-graph.ts';
import { addOptimizerStep } from './optimizer-graph.ts';
import type { ClipData, LossData, OptimizerData, PenaltyData } from './train-section.ts';

/** The input a given cotangent of the model's output is fed under. */
export const GRAD_OUTPUT_INPUT = 'grad_output';
export const LOSS_OUTPUT = 'loss';
export const stateOutput = (tensor: string): string => `state.${tensor}`;

export class StepGraphError extends Error {}

export interface StepGraphOptions {
  readonly mode: 'train' | 'eval';
  /** The loss against labels; without one, the backward pass starts from a cotangent of the output (`grad_output`). */
  readonly loss?: LossData;
  readonly penalties?: readonly PenaltyData[];
  /** Noise on the inputs and weights (train mode only: eval sees none). */
  readonly noise?: readonly NoiseData[];
  readonly clip?: ClipData;
  /** The optimizer's update (regc step); without one the graph stops after the gradients (regc grad). */
  readonly optimizer?: OptimizerData;
  /**
   * 'all' (the default): everything the debugging commands write; 'training':
   * the loss and the model's output, what a training loop reads back for its
   * metrics; 'loss': the loss alone. The updates stay Assigns either way.
   */
  readonly outputs?: 'all' | 'training' | 'loss';
}

export interface StepGraph {
  readonly graph: Graph;
  /** The model's output name. */
  readonly output: string;
  readonly params: readonly string[];
  readonly inputs: readonly string[];
}

export function stepGraph(lowered: Graph, options: StepGraphOptions): StepGraph {
  const noisy = options.mode === 'train' ? addNoise(lowered, options.noise ?? []) : lowered;
  const forward = runPipeline(noisy, options.mode === 'eval' ? EVAL_PREPARATION : TRAIN_PREPARATION);
  if (forward.outputs.length !== 1) throw new StepGraphError(`training needs a model with one output, not ${forward.outputs.length}`);
  const { name: output, value: out } = forward.outputs[0]!;
  // Only real-valued inputs have gradients (not the RNG state).
  const inputs = forward.inputs.filter((id) => forward.nodes[id]!.type.dtype === 'f32').map((id) => (forward.nodes[id] as Node<'input'>).attrs.name);
  const params = [...forward.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
  const paramNode = new Map<string, ValueId>();
  for (const n of forward.nodes) if (n.op === 'param') paramNode.set((n as Node<'param'>).attrs.name, n.id);

  const b = copyGraph(forward);
  let loss: ValueId;
  if (options.loss) {
    loss = addLoss(b, out, options.loss).loss;
  } else {
    const g = b.input(GRAD_OUTPUT_INPUT, b.type(out));
    const product = b.add('binary', [out, g], { fn: 'mul' });
    loss = b.add('reduce', [product], { fn: 'sum', axes: b.type(out).shape.map((_, i) => i), keepDims: false });
  }
  for (const penalty of options.penalties ?? []) {
    for (const name of penalty.params) {
      const w = paramNode.get(name);
      if (w === undefined) continue;
      const all = b.type(w).shape.map((_, i) => i);
      const term = b.add('unary', [w], { fn: penalty.kind === 'l1' ? 'abs' : 'square' });
      const sum = b.add('reduce', [term], { fn: 'sum', axes: all, keepDims: false });
      const scaled = b.add('unary', [sum], { fn: 'affine', alpha: penalty.kind === 'l1' ? penalty.lambda : penalty.lambda / 2, beta: 0 });
      loss = b.add('binary', [loss, scaled], { fn: 'add' });
    }
  }
  b.output(LOSS_OUTPUT, loss);
  const withLoss = b.finish();

  const full = copyGraph(withLoss);
  const grads = appendBackward(full, withLoss, { seeds: [{ value: loss, cotangent: 'one' }], params, inputs });
  const raw = params.map((p) => grads.params.get(p)!);
  const clipped = options.clip ? addClipping(full, options.clip, raw) : raw;
  params.forEach((p, i) => full.output(paramGradOutput(p), clipped[i]!));
  for (const [name, id] of grads.inputs) full.output(inputGradOutput(name), id);
  if (options.optimizer) {
    const rho = rhoTensors(lowered);
    const updated = params.flatMap((name, i) => {
      const value = paramNode.get(name);
      return value === undefined ? [] : [{ name, value, grad: clipped[i]!, ...(rho.has(name) ? { range: [0, 1] as const } : {}) }];
    });
    addOptimizerStep(full, options.optimizer, updated);
  }
  const graph = full.finish();
  if (options.outputs === 'loss' || options.outputs === 'training') {
    const kept = (name: string) => name === LOSS_OUTPUT || (options.outputs === 'training' && name === output);
    return { graph: { ...graph, outputs: graph.outputs.filter((o) => kept(o.name)) }, output, params, inputs };
  }
  const states = graph.assigns.map((a) => ({ name: stateOutput(a.target), value: a.value }));
  return { graph: { ...graph, outputs: [...graph.outputs, ...states] }, output, params, inputs };
}

/** batch_instance_norm's rho tensors (its fourth input), which stay in [0, 1] after every step. */
function rhoTensors(lowered: Graph): Set<string> {
  const names = new Set<string>();
  for (const n of lowered.nodes) {
    if (n.op !== 'batch_instance_norm') continue;
    const rho = lowered.nodes[n.inputs[3]!];
    if (rho?.op === 'param') names.add((rho as Node<'param'>).attrs.name);
  }
  return names;
}
