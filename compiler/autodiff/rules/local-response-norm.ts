// Gradients of local_response_norm and of the channel-window sum it is
// differentiated with. With W the window sum over channels (size // 2
// before, (size - 1) // 2 after), d = k + alpha / size * W(x^2) and
// y = x / d^beta (torch's F.local_response_norm):
//
//   dx = g / d^beta - (2 alpha beta / size) * x * W^T(g * y / d)
//
// W^T, the window's transpose, sums over the channels whose window holds a
// channel: the same window flipped. d is recomputed from x rather than kept
// from the forward kernel, which stores y only; d^beta is exp(beta * log d),
// exact enough since d >= k > 0 (the registry's ranges).
import type { Node, ValueId } from '../../ir/types.ts';
import type { VjpContext, VjpRule } from '../vjp.ts';

function windowSum(ctx: VjpContext, v: ValueId, before: number, after: number): ValueId {
  return ctx.b.add('channel_window_sum', [v], { before, after }, ctx.origin);
}

export const channelWindowSumVjp: VjpRule<'channel_window_sum'> = (node, g, ctx) => [windowSum(ctx, g, node.attrs.after, node.attrs.before)];

export const localResponseNormVjp: VjpRule<'local_response_norm'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  const x = node.inputs[0]!;
  const { size, alpha, beta, k } = node.attrs;
  const [before, after] = [Math.floor(size / 2), Math.floor((size - 1) / 2)];
  const un = (fn: Node<'unary'>['attrs']['fn'], v: ValueId, a?: number, c?: number) =>
    b.add('unary', [v], { fn, ...(a !== undefined ? { alpha: a } : {}), ...(c !== undefined ? { beta: c } : {}) }, origin);
  const bin = (fn: Node<'binary'>['attrs']['fn'], p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn }, origin);
  const d = un('affine', windowSum(ctx, un('square', x), before, after), alpha / size, k);
  const direct = bin('div', g, un('exp', un('affine', un('log', d), beta, 0)));
  const throughWindow = windowSum(ctx, bin('div', bin('mul', g, node.id), d), after, before);
  return [bin('sub', direct, un('affine', bin('mul', x, throughWindow), (2 * alpha * beta) / size, 0))];
};
