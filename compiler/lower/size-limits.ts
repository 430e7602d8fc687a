// Caps on how large a model's tensors may be, checked on shapes alone while
// lowering, before any weight is allocated. Without them a typo such as
// `input x: f32[N, 1, 100000, 100000]` before a `linear` makes the compiler
// try to fill a weight of 10^11 values (and fail with a RangeError), and a
// bundle whose buffers no device could hold is only found out at run time.
//
// The caps are far above the specs in specs/ (the largest, fashion.reg,
// stores 422,028 values and its largest value between layers has 25,088 per
// sample). What bounds them from above:
// - `regc compile` fills in every stored tensor on the host (initialised, or
//   read from --weights) and folds normalisers and reparameterisations into
//   them there, at 10 to 25 ns a value along the slowest paths (spectral
//   norm over a later dimension, weight norm, a folded conv): 2^24 values in
//   all (64 MiB of f32, the weights of a ResNet-18) compile in well under a
//   second on two cores, which is the fuzz campaign's budget for any spec
//   (docs/fuzzing.md). One tensor may take all of it.
// - one value between layers is one buffer holding N samples: 2^28 values per
//   sample is 1 GiB for a batch of one, four times WebGPU's default buffer
//   size, and far from 2^53, where counts stop being exact;
// - all values together bound what a run allocates (see
//   MAX_MODEL_VALUES_PER_SAMPLE); codegen/generate.ts then lowers the
//   bundle's maxBatch to the largest batch its buffers and the runtime's
//   caps allow.
import type { Dim } from '../ir/types.ts';

/** Values one stored tensor (a weight, bias, running statistic) may have. */
export const MAX_TENSOR_ELEMENTS = 2 ** 24;

/** Values all stored tensors of one model may have together. */
export const MAX_MODEL_PARAMETERS = 2 ** 24;

/**
 * Characters of a name the bundle's manifest holds: the model's, an input's
 * or output's, and a stored tensor's full name (`layer1.0.c1.weight`), which
 * labels and block instances make as long as they nest. Real names have
 * tens; the manifest allows 4096 (runtime/bundle/validate-manifest.ts), and
 * 1024 keep a manifest of thousands of layers within its 16 MiB.
 */
export const MAX_NAME_LENGTH = 1024;

/** Values one sample of a value between layers (an input, a layer's output) may have. */
export const MAX_VALUE_ELEMENTS_PER_SAMPLE = 2 ** 28;

/**
 * Values one sample of all a model's values together (inputs, layer
 * outputs, the scratch their kernels use) may have. The memory plan shares
 * buffers between values that are not alive at once, but only this sum
 * bounds what it needs: 2^29 values are 2 GiB at batch 1, so with the
 * outputs' readback and the weights a run stays within the runtime's 8 GiB
 * memory cap (runtime/bundle/run-limits.ts) and the bundle runs at least at
 * batch 1 (codegen/generate.ts then picks the largest batch that fits).
 */
export const MAX_MODEL_VALUES_PER_SAMPLE = 2 ** 29;

/** Values per sample a node's kernels keep in scratch buffers, beyond its output of `count` values. */
export function internalValuesPerSample(node: { readonly op: string }, count: number): number {
  // Self-attention's q, k, v and context rows (codegen/kernels/attention.ts).
  return node.op === 'multihead_attention' ? 4 * count : 0;
}

/**
 * The product of a shape's sizes with the batch dimension N left out: a
 * stored tensor's size, or a value's per sample. Infinity past Number's
 * range, never an error.
 */
export function countValues(shape: readonly Dim[]): number {
  let count = 1;
  for (const d of shape) if (d !== 'N') count *= d;
  return count;
}
