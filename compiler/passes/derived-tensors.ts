// Helpers for passes that compute new stored tensors at compile time (folded
// weights, materialised reparameterisations). Derived tensors get fresh names
// so the spec's own names keep meaning what the user's state_dict says.
import type { RewriteContext } from '../ir/rewrite.ts';
import type { Node, ValueId } from '../ir/types.ts';

/** The compile-time data behind a `param` node, or undefined when unknown or not a param. */
export function paramData(ctx: RewriteContext, id: ValueId): Float32Array | undefined {
  const node = ctx.b.node(id);
  if (node.op === 'param') return ctx.data((node as Node<'param'>).attrs.name);
  if (node.op === 'constant') return Float32Array.from((node as Node<'constant'>).attrs.values);
  return undefined;
}

export function paramName(ctx: RewriteContext, id: ValueId): string | undefined {
  const node = ctx.b.node(id);
  return node.op === 'param' ? (node as Node<'param'>).attrs.name : undefined;
}

/** Adds a derived tensor named `${base}.${tag}` (suffixed further if taken) and returns its param node. */
export function derivedTensor(ctx: RewriteContext, base: string, tag: string, shape: readonly number[], data: Float32Array): ValueId {
  let name = `${base}.${tag}`;
  for (let i = 2; ctx.b.hasTensor(name); i++) name = `${base}.${tag}${i}`;
  return ctx.b.tensor({ name, role: 'derived', type: { dtype: 'f32', shape } }, data);
}

export function product(shape: readonly (number | 'N')[]): number {
  return shape.reduce<number>((p, d) => p * (d === 'N' ? 1 : d), 1);
}
