// Gradients of linear and matmul. A weight's gradient sums over every row
// of the batch, a count known only at run time, so it is one `gemm_tn`
// (A^T B over all leading axes) rather than a per-sample product and a sum.
import type { ValueId } from '../../ir/types.ts';
import { sumToShape } from '../grad-ops.ts';
import type { VjpRule } from '../vjp.ts';
import { NoGradientRuleError } from '../vjp.ts';

/** y = x W^T + b: dx = g W, dW = g^T x (over all rows), db = sum of g over rows. */
export const linearVjp: VjpRule<'linear'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  if (node.attrs.epilogue.length > 0) throw new NoGradientRuleError('linear', node.origin, 'a fused epilogue');
  const [x, w, bias] = node.inputs as [ValueId, ValueId, ValueId | undefined];
  if (ctx.type(x).shape.length < 2) throw new NoGradientRuleError('linear', node.origin, 'a rank-1 input');
  const gx = ctx.needs(0) ? b.add('matmul', [g, w], { epilogue: [] }, origin) : undefined;
  const gw = ctx.needs(1) ? b.add('gemm_tn', [g, x], {}, origin) : undefined;
  const gb = bias !== undefined && ctx.needs(2) ? sumToShape(ctx, g, ctx.type(bias).shape) : undefined;
  return [gx, gw, gb];
};

/** out = A B (batched, broadcasting): dA = g B^T, dB = A^T g, each summed over the axes it was broadcast along. */
export const matmulVjp: VjpRule<'matmul'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  if (node.attrs.epilogue.length > 0) throw new NoGradientRuleError('matmul', node.origin, 'a fused epilogue');
  const [x, y] = node.inputs as [ValueId, ValueId];
  const xs = ctx.type(x).shape;
  const ys = ctx.type(y).shape;
  const swapLast = (rank: number) => [...Array(rank - 2).keys(), rank - 1, rank - 2];
  const transpose = (v: ValueId) => b.add('permute', [v], { perm: swapLast(ctx.type(v).shape.length) }, origin);
  const gx = ctx.needs(0) ? sumToShape(ctx, b.add('matmul', [g, transpose(y)], { epilogue: [] }, origin), xs) : undefined;
  let gy: ValueId | undefined;
  if (ctx.needs(1)) {
    // A matrix shared by the whole batch sums its gradient over it in one product.
    gy = ys.length === 2 ? b.add('gemm_tn', [x, g], {}, origin) : sumToShape(ctx, b.add('matmul', [transpose(x), g], { epilogue: [] }, origin), ys);
  }
  return [gx, gy];
};
