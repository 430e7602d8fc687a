// Gradients of reductions and of softmax.
import { normaliseAxis, shapesEqual } from '../../ir/ops.ts';
import type { Node, Shape, ValueId } from '../../ir/types.ts';
import { spreadOver } from '../grad-ops.ts';
import type { VjpContext, VjpRule } from '../vjp.ts';

export const reduceVjp: VjpRule<'reduce'> = (node, g, ctx) => {
  const shape = ctx.type(node.inputs[0]!).shape;
  const axes = node.attrs.axes.map((a) => normaliseAxis(a, shape.length));
  if (node.attrs.fn === 'max') return [maxVjp(node, g, ctx, axes)];
  return [spreadOver(ctx, g, shape, axes, node.attrs.fn === 'mean')];
};

/**
 * torch's amax backward: the gradient goes to every element equal to the
 * maximum, split evenly among ties (g * mask / sum(mask)). The maximum is
 * one of the elements, so `x - max` is exactly 0 at the winners and
 * negative elsewhere: step(x - max) with 1 at 0 and 0 below is the mask.
 * (An infinite maximum makes inf - inf = NaN there, where torch's mask is 1.)
 */
function maxVjp(node: Node<'reduce'>, g: ValueId, ctx: VjpContext, axes: readonly number[]): ValueId {
  const { b, origin } = ctx;
  const x = node.inputs[0]!;
  const kept: Shape = ctx.type(x).shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keep = (v: ValueId) => (shapesEqual(ctx.type(v).shape, kept) ? v : b.add('reshape', [v], { shape: kept }, origin));
  const below = b.add('binary', [x, keep(node.id)], { fn: 'sub' }, origin);
  const mask = b.add('unary', [below], { fn: 'step', alpha: 0, beta: 1 }, origin);
  const ties = b.add('reduce', [mask], { fn: 'sum', axes, keepDims: true }, origin);
  const share = b.add('binary', [mask, ties], { fn: 'div' }, origin);
  return b.add('binary', [share, keep(g)], { fn: 'mul' }, origin);
}

/**
 * softmax: dx = y * (g - sum(g * y)); log_softmax: dx = g - exp(y) * sum(g),
 * the sums along the softmax axis (torch's _softmax_backward_data and
 * _log_softmax_backward_data).
 */
export const softmaxVjp: VjpRule<'softmax'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  const y = node.id;
  const axis = normaliseAxis(node.attrs.axis, node.type.shape.length);
  const sum = (v: number) => b.add('reduce', [v], { fn: 'sum', axes: [axis], keepDims: true }, origin);
  if (node.attrs.log) {
    const p = b.add('unary', [y], { fn: 'exp' }, origin);
    return [b.add('binary', [g, b.add('binary', [p, sum(g)], { fn: 'mul' }, origin)], { fn: 'sub' }, origin)];
  }
  const gy = b.add('binary', [g, y], { fn: 'mul' }, origin);
  return [b.add('binary', [y, b.add('binary', [g, sum(gy)], { fn: 'sub' }, origin)], { fn: 'mul' }, origin)];
};
