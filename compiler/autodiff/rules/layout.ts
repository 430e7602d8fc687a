// Gradients of the ops that only move values: each sends the gradient back
// to where the value came from.
import type { ValueId } from '../../ir/types.ts';
import { normaliseAxis } from '../../ir/ops.ts';
import { spreadOver, zerosLike } from '../grad-ops.ts';
import type { VjpRule } from '../vjp.ts';

export const reshapeVjp: VjpRule<'reshape'> = (node, g, ctx) => [
  ctx.b.add('reshape', [g], { shape: ctx.type(node.inputs[0]!).shape }, ctx.origin),
];

export const permuteVjp: VjpRule<'permute'> = (node, g, ctx) => {
  const inverse: number[] = [];
  node.attrs.perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.b.add('permute', [g], { perm: inverse }, ctx.origin)];
};

/** Each input gets its own stretch of the gradient along the axis. */
export const concatVjp: VjpRule<'concat'> = (node, g, ctx) => {
  const axis = normaliseAxis(node.attrs.axis, node.type.shape.length);
  let start = 0;
  return node.inputs.map((input, i): ValueId | undefined => {
    const length = ctx.type(input).shape[axis] as number;
    const from = start;
    start += length;
    return ctx.needs(i) ? ctx.b.add('slice', [g], { axis, start: from, length }, ctx.origin) : undefined;
  });
};

/** The gradient lands on the sliced stretch, zeros on either side of it (concat's inverse). */
export const sliceVjp: VjpRule<'slice'> = (node, g, ctx) => {
  const shape = ctx.type(node.inputs[0]!).shape;
  const axis = normaliseAxis(node.attrs.axis, shape.length);
  const { start, length } = node.attrs;
  const size = shape[axis] as number;
  const zeros = (n: number) => zerosLike(ctx, shape.map((d, i) => (i === axis ? n : d)));
  const parts = [...(start > 0 ? [zeros(start)] : []), g, ...(start + length < size ? [zeros(size - start - length)] : [])];
  return [parts.length === 1 ? g : ctx.b.add('concat', parts, { axis }, ctx.origin)];
};

export const globalAvgPoolVjp: VjpRule<'global_avgpool'> = (node, g, ctx) => {
  const shape = ctx.type(node.inputs[0]!).shape;
  const axes = shape.map((_, i) => i).slice(2);
  return [spreadOver(ctx, g, shape, axes, true)];
};
