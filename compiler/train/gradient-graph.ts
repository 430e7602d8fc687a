// The graph `regc grad` runs: the model's forward pass in eval or train
// semantics, then its backward pass from a cotangent of the output, with the
// gradient of every trainable tensor and of every input as outputs, and the
// value every persistent tensor takes after the pass (running statistics).
import { differentiate, type GradientGraph } from '../autodiff/differentiate.ts';
import { EVAL_PREPARATION, TRAIN_PREPARATION } from '../autodiff/prepare.ts';
import type { Graph, Node } from '../ir/types.ts';
import { runPipeline } from '../passes/index.ts';

/** The input the cotangent of the model's output is fed under. */
export const GRAD_OUTPUT_INPUT = 'grad_output';
export const stateOutput = (tensor: string): string => `state.${tensor}`;

export interface GradientGraphOptions {
  readonly mode: 'eval' | 'train';
}

export function gradientGraph(lowered: Graph, options: GradientGraphOptions): GradientGraph {
  const forward = runPipeline(lowered, options.mode === 'eval' ? EVAL_PREPARATION : TRAIN_PREPARATION);
  if (forward.outputs.length !== 1) throw new Error(`regc grad needs a model with one output, not ${forward.outputs.length}`);
  // Only real-valued inputs have gradients (not the RNG state).
  const inputs = forward.inputs.filter((id) => forward.nodes[id]!.type.dtype === 'f32').map((id) => (forward.nodes[id] as Node<'input'>).attrs.name);
  const result = differentiate(forward, {
    seeds: [{ value: forward.outputs[0]!.value, cotangent: { input: GRAD_OUTPUT_INPUT } }],
    inputs,
  });
  const graph = result.graph;
  const states = graph.assigns.map((a) => ({ name: stateOutput(a.target), value: a.value }));
  return { ...result, graph: { ...graph, outputs: [...graph.outputs, ...states] } };
}
