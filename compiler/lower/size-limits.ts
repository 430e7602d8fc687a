// Caps on how large a model's tensors may be, checked on shapes alone while
// lowering, before any weight is allocated. Without them a typo such as
// `input x: f32[N, 1, 100000, 100000]` before a `linear` makes the compiler
// try to fill a weight of 10^11 values (and fail with a RangeError), and a
// bundle whose buffers no device could hold is only found out at run time.
//
// The caps are far above real specs (the largest in specs/, fashion.reg,
// stores 422,028 values and its largest value between layers has 25,088 per
// sample) and above what WebGPU promises by default (maxBufferSize
// 256 MiB, maxStorageBufferBindingSize 128 MiB), since adapters may offer
// more. What bounds them from above:
// - one stored tensor is one Float32Array while compiling and one buffer at
//   run time: 2^27 values is 512 MiB, twice WebGPU's default buffer size;
// - every stored tensor together makes weights.safetensors, which the
//   runtime reads in one piece of at most 2 GiB (runtime/bundle/load-bundle.ts):
//   2^28 values is 1 GiB in f32, so the file fits with room for its header;
// - one value between layers is one buffer holding N samples: 2^28 values per
//   sample is 1 GiB for a batch of one, four times WebGPU's default buffer
//   size, and far from 2^53, where counts stop being exact.
import type { Dim } from '../ir/types.ts';

/** Values one stored tensor (a weight, bias, running statistic) may have. */
export const MAX_TENSOR_ELEMENTS = 2 ** 27;

/** Values all stored tensors of one model may have together. */
export const MAX_MODEL_PARAMETERS = 2 ** 28;

/** Values one sample of a value between layers (an input, a layer's output) may have. */
export const MAX_VALUE_ELEMENTS_PER_SAMPLE = 2 ** 28;

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
