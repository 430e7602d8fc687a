// local_response_norm and the channel-window sum its gradient is built from
// (compiler/autodiff/rules/local-response-norm.ts). One thread per element
// walks its window of channels, clipped to [0, C): torch pads with zeros,
// which add nothing to the sum, and divides by `size` all the same.
import type { Node, Shape, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import { f32Literal } from '../wgsl.ts';
import { pointwise } from './backward.ts';
import { isOne, mulWgsl, shapeSize, sizeWgsl, type Size } from './layout.ts';

/** Statements leaving in `window_sum` the sum of `term(v)` over the window of channels around the element `gidx`. */
function windowSum(shape: Shape, src: string, before: number, after: number, term: (v: string) => string): string[] {
  const channels = shape[1];
  if (typeof channels !== 'number') throw new Error('a channel window needs a static channel count (axis 1)');
  const spatial: Size = shapeSize(shape.slice(2));
  const channel = isOne(spatial) ? `gidx % ${channels}u` : `(gidx / ${sizeWgsl(spatial)}) % ${channels}u`;
  // A window reaching further than C - 1 channels reads no more of them, and stays within i32 and u32 literals.
  const [reachBefore, reachAfter] = [Math.min(before, channels - 1), Math.min(after, channels - 1)];
  return [
    `let c = ${channel};`,
    // The element of channel 0 at the same sample and position.
    `let channel0 = gidx - ${mulWgsl('c', spatial)};`,
    `let lo = u32(max(i32(c) - ${reachBefore}, 0));`,
    `let hi = min(c + ${reachAfter}u, ${channels - 1}u);`,
    'var window_sum = 0.0;',
    'for (var j = lo; j <= hi; j++) {',
    `  let v = ${src}[channel0 + ${mulWgsl('j', spatial)}];`,
    `  window_sum += ${term('v')};`,
    '}',
  ];
}


/**
 * In torch's order of operations: the window's mean square (the sum over
 * `size`), times alpha, plus k, to the power beta, x divided by that. With
 * alpha >= 0 and k > 0 (the registry's ranges) the base is >= k > 0, where
 * WGSL's pow is defined.
 */
export function localResponseNormKernels(node: Node<'local_response_norm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { size, alpha, beta, k } = node.attrs;
  return pointwise(node, (src, dst) => [
    ...windowSum(inputTypes[0]!.shape, src, Math.floor(size / 2), Math.floor((size - 1) / 2), (v) => `${v} * ${v}`),
    `let lrn_base = window_sum / ${f32Literal(size)} * ${f32Literal(alpha)} + ${f32Literal(k)};`,
    `${dst}[gidx] = ${src}[gidx] / pow(lrn_base, ${f32Literal(beta)});`,
  ]);
}

export function channelWindowSumKernels(node: Node<'channel_window_sum'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { before, after } = node.attrs;
  return pointwise(node, (src, dst) => [...windowSum(inputTypes[0]!.shape, src, before, after, (v) => v), `${dst}[gidx] = window_sum;`]);
}
