// The gradient of a convolution: x's is the transposed convolution of g with
// the weight (conv_grad_input), the weight's the correlation of x with g
// summed over the batch (conv_grad_weight), the bias's g summed over every
// axis but the channels. Autodiff runs before fusion, so a conv with a fused
// epilogue or pool is a graph this rule was not meant for.
import type { ValueId } from '../../ir/types.ts';
import { sumToShape } from '../grad-ops.ts';
import type { VjpRule } from '../vjp.ts';
import { NoGradientRuleError } from '../vjp.ts';

export const convVjp: VjpRule<'conv'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  const { spatial, stride, padding, dilation, groups, epilogue, pool } = node.attrs;
  if (epilogue.length > 0) throw new NoGradientRuleError('conv', node.origin, 'a fused epilogue');
  if (pool) throw new NoGradientRuleError('conv', node.origin, 'a fused pool');
  const [x, w, bias] = node.inputs as [ValueId, ValueId, ValueId | undefined];
  const window = { spatial, stride, padding, dilation, groups };
  const xs = ctx.type(x).shape;
  const ws = ctx.type(w).shape;
  const gx = ctx.needs(0) ? b.add('conv_grad_input', [g, w], { ...window, inputSpatial: xs.slice(2) as number[] }, origin) : undefined;
  const gw = ctx.needs(1) ? b.add('conv_grad_weight', [x, g], { ...window, kernel: ws.slice(2) as number[] }, origin) : undefined;
  let gb: ValueId | undefined;
  if (bias !== undefined && ctx.needs(2)) {
    // The bias is broadcast along axis 1, not the trailing axis: sum to [1, O, 1, ...], then drop the ones.
    const channels = ws[0]!;
    const kept = sumToShape(ctx, g, [1, channels, ...xs.slice(2).map(() => 1)]);
    gb = b.add('reshape', [kept], { shape: [channels] }, origin);
  }
  return [gx, gw, gb];
};
