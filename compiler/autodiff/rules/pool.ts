// The gradient of max and average pooling: one pool_grad node, which for a
// max pool also reads the pool's input to find each window's argmax again
// (the forward kernel keeps no indices).
import type { ValueId } from '../../ir/types.ts';
import type { VjpRule } from '../vjp.ts';

export const poolVjp: VjpRule<'pool'> = (node, g, ctx) => {
  const x = node.inputs[0]!;
  const inputs: ValueId[] = node.attrs.kind === 'max' ? [g, x] : [g];
  const inputSpatial = ctx.type(x).shape.slice(2) as number[];
  return [ctx.b.add('pool_grad', inputs, { ...node.attrs, inputSpatial }, ctx.origin)];
};
