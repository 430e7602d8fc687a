// Gradients of the pointwise ops. Each derivative is the one torch's
// autograd formula uses (tools/autograd/derivatives.yaml), written from the
// forward input or result, whichever torch saves: relu's mask is `x > 0`
// (no gradient at 0), leaky_relu's is `x > 0 ? 1 : slope`, maximum and
// minimum split a tie evenly between their operands.
import type { Node, ValueId } from '../../ir/types.ts';
import { sumToShape } from '../grad-ops.ts';
import type { VjpContext, VjpRule } from '../vjp.ts';
import { NoGradientRuleError } from '../vjp.ts';

export const unaryVjp: VjpRule<'unary'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  const x = node.inputs[0]!;
  const y = node.id;
  const { fn, alpha } = node.attrs;
  const mul = (p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn: 'mul' }, origin);
  const un = (f: Node<'unary'>['attrs']['fn'], v: ValueId, a?: number, c?: number) =>
    b.add('unary', [v], { fn: f, ...(a !== undefined ? { alpha: a } : {}), ...(c !== undefined ? { beta: c } : {}) }, origin);
  switch (fn) {
    case 'relu':
      return [mul(g, un('step', x, 0, 0))];
    case 'leaky_relu': {
      const slope = alpha ?? 0.01;
      return [mul(g, un('step', x, slope, slope))];
    }
    case 'gelu':
      return [mul(g, un('gelu_grad', x))];
    case 'gelu_tanh':
      return [mul(g, un('gelu_tanh_grad', x))];
    case 'silu':
      return [mul(g, un('silu_grad', x))];
    case 'sigmoid':
      // y (1 - y)
      return [mul(g, mul(y, un('affine', y, -1, 1)))];
    case 'tanh':
      // 1 - y^2
      return [mul(g, un('affine', un('square', y), -1, 1))];
    case 'neg':
      return [un('neg', g)];
    case 'exp':
      return [mul(g, y)];
    case 'log':
      return [b.add('binary', [g, x], { fn: 'div' }, origin)];
    case 'sqrt':
      // g / (2 y)
      return [b.add('binary', [un('affine', g, 0.5, 0), y], { fn: 'div' }, origin)];
    case 'rsqrt':
      // -0.5 y^3
      return [mul(g, un('affine', mul(un('square', y), y), -0.5, 0))];
    case 'abs':
      return [mul(g, un('sign', x))];
    case 'square':
      return [mul(g, un('affine', x, 2, 0))];
    case 'affine':
      return [un('affine', g, alpha ?? 1, 0)];
    case 'step':
    case 'sign':
      return [zerosFor(ctx, x)];
    case 'gelu_grad':
    case 'gelu_tanh_grad':
    case 'silu_grad':
      // Second derivatives are not needed by anything the language trains.
      throw new NoGradientRuleError('unary', node.origin, `${fn} (a second derivative)`);
  }
  return [];
};

/** A piecewise-constant function's gradient: zero almost everywhere, as torch's. */
function zerosFor(ctx: VjpContext, x: ValueId): ValueId {
  return ctx.b.add('unary', [x], { fn: 'affine', alpha: 0, beta: 0 }, ctx.origin);
}

export const binaryVjp: VjpRule<'binary'> = (node, g, ctx) => {
  const { b, origin } = ctx;
  const [x, y] = node.inputs as [ValueId, ValueId];
  const xs = ctx.type(x).shape;
  const ys = ctx.type(y).shape;
  const bin = (fn: Node<'binary'>['attrs']['fn'], p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn }, origin);
  const neg = (v: ValueId) => b.add('unary', [v], { fn: 'neg' }, origin);
  const gx = (f: () => ValueId) => (ctx.needs(0) ? sumToShape(ctx, f(), xs) : undefined);
  const gy = (f: () => ValueId) => (ctx.needs(1) ? sumToShape(ctx, f(), ys) : undefined);
  switch (node.attrs.fn) {
    case 'add':
      return [gx(() => g), gy(() => g)];
    case 'sub':
      return [gx(() => g), gy(() => neg(g))];
    case 'mul':
      return [gx(() => bin('mul', g, y)), gy(() => bin('mul', g, x))];
    case 'div':
      // d(x/y)/dy = -x / y^2 = -(x/y) / y
      return [gx(() => bin('div', g, y)), gy(() => neg(bin('div', bin('mul', g, node.id), y)))];
    case 'max':
    case 'min': {
      // The winner gets the gradient, a tie half of it to each side (torch's maximum/minimum).
      const diff = node.attrs.fn === 'max' ? bin('sub', x, y) : bin('sub', y, x);
      const toX = b.add('unary', [diff], { fn: 'step', alpha: 0, beta: 0.5 }, origin);
      const toY = b.add('unary', [neg(diff)], { fn: 'step', alpha: 0, beta: 0.5 }, origin);
      return [gx(() => bin('mul', g, toX)), gy(() => bin('mul', g, toY))];
    }
  }
  return [];
};
