// Gradient clipping as IR nodes between the backward pass and the update:
//   grad_norm: torch.nn.utils.clip_grad_norm_: the norm of all gradients
//     together, total = ||(||g_1||, ..., ||g_k||)||_p, then every g times
//     min(max_norm / (total + 1e-6), 1);
//   grad_value: torch.nn.utils.clip_grad_value_: every element clamped to
//     [-clip_value, clip_value].
import type { GraphBuilder } from '../ir/builder.ts';
import type { Origin, ValueId } from '../ir/types.ts';
import type { ClipData } from './train-section.ts';

export class ClipGraphError extends Error {}

/** The clipped gradients, in the order given. */
export function addClipping(b: GraphBuilder, clip: ClipData, grads: readonly ValueId[], origin?: Origin): ValueId[] {
  const constant = (v: number) => b.constant([v], [1], origin);
  if (clip.kind === 'grad_value') {
    const hi = constant(clip.clipValue);
    const lo = constant(-clip.clipValue);
    return grads.map((g) => b.add('binary', [b.add('binary', [g, hi], { fn: 'min' }, origin), lo], { fn: 'max' }, origin));
  }
  if (clip.normType !== 2 && clip.normType !== 1) {
    throw new ClipGraphError(`grad_norm with norm_type=${clip.normType} does not run yet; norm_type 1 and 2 do`);
  }
  const all = (v: ValueId) => b.type(v).shape.map((_, i) => i);
  const sum = (v: ValueId) => b.add('reduce', [v], { fn: 'sum', axes: all(v), keepDims: false }, origin);
  const power = (v: ValueId) => b.add('unary', [v], { fn: clip.normType === 2 ? 'square' : 'abs' }, origin);
  const root = (v: ValueId) => (clip.normType === 2 ? b.add('unary', [v], { fn: 'sqrt' }, origin) : v);
  const norms = grads.map((g) => root(sum(power(g))));
  const total = root(norms.map(power).reduce((acc, n) => b.add('binary', [acc, n], { fn: 'add' }, origin)));
  const denom = b.add('unary', [total], { fn: 'affine', alpha: 1, beta: 1e-6 }, origin);
  const coef = b.add('binary', [b.add('binary', [b.constant([clip.maxNorm], [], origin), denom], { fn: 'div' }, origin), b.constant([1], [], origin)], { fn: 'min' }, origin);
  return grads.map((g) => b.add('binary', [g, coef], { fn: 'mul' }, origin));
}
