// Building blocks the gradient rules share: undoing broadcasting (a value
// used at a larger shape gets the sum of its gradient over the broadcast
// axes) and spreading a reduced gradient back over the axes it came from.
import { elementCount, shapesEqual } from '../ir/ops.ts';
import type { Shape, ValueId } from '../ir/types.ts';
import type { VjpContext } from './vjp.ts';

/** `g` summed down to `target`, the shape a broadcasting op read its operand at. */
export function sumToShape(ctx: VjpContext, g: ValueId, target: Shape): ValueId {
  const shape = ctx.type(g).shape;
  if (shapesEqual(shape, target)) return g;
  const lead = shape.length - target.length;
  const axes: number[] = [];
  shape.forEach((d, i) => {
    if (i < lead || (target[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = axes.length > 0 ? ctx.b.add('reduce', [g], { fn: 'sum', axes, keepDims: true }, ctx.origin) : g;
  return shapesEqual(ctx.type(summed).shape, target) ? summed : ctx.b.add('reshape', [summed], { shape: target }, ctx.origin);
}

/**
 * `g`, the gradient of a reduction over `axes` of a tensor of shape `shape`,
 * spread back over those axes; divided by their element count for a mean
 * (a count that may grow with the batch size, so the kernel divides at run time).
 */
export function spreadOver(ctx: VjpContext, g: ValueId, shape: Shape, axes: readonly number[], mean: boolean): ValueId {
  const kept: Shape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const gKept = shapesEqual(ctx.type(g).shape, kept) ? g : ctx.b.add('reshape', [g], { shape: kept }, ctx.origin);
  const spread = ctx.b.add('expand', [gKept], { shape }, ctx.origin);
  if (!mean) return spread;
  const count = elementCount(axes.map((a) => shape[a]!));
  return ctx.b.add('count_scale', [spread], { numerator: { perN: 0, fixed: 1 }, denominator: count }, ctx.origin);
}

/** The gradient of an input nothing flows into: zeros of its shape. */
export function zerosLike(ctx: VjpContext, shape: Shape): ValueId {
  const count = elementCount(shape);
  if (count.perN === 0) return ctx.b.constant(new Array<number>(count.fixed).fill(0), shape as number[], ctx.origin);
  const one = ctx.b.constant([0], shape.map(() => 1), ctx.origin);
  return ctx.b.add('expand', [one], { shape }, ctx.origin);
}
