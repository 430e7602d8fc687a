// Elementwise work moves into the kernel that produces its input, so a
// conv -> bias -> relu -> residual add is one dispatch and one write.
// - unary(x): appended to x's epilogue when x is a kernel with an epilogue and
//   nothing else reads x; unary(unary(y)) becomes one `elementwise` node.
// - binary(x, y) with equal shapes: appended as a binary step reading y,
//   which becomes an extra input of x's kernel.
// - a 2x2, stride-2 max or average pool of a 2d conv's result: the conv pools
//   its own output (ConvAttrs.pool), so the full-size result is never stored
//   and the pool needs no dispatch; LeNet-style conv -> relu -> pool stacks.
import type { EpilogueStep, OpName } from '../ir/ops.ts';
import { shapesEqual } from '../ir/ops.ts';
import type { RewriteContext, Rule } from '../ir/rewrite.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { rulePass } from './pass.ts';

// Attention's epilogue runs in its output projection's stores: a
// Transformer layer's residual add then needs no dispatch of its own.
const WITH_EPILOGUE: ReadonlySet<OpName> = new Set(['conv', 'linear', 'matmul', 'channel_affine', 'elementwise', 'multihead_attention']);

/** Binary operands add storage bindings; keep every kernel within Dawn's default 8. */
const MAX_BINDINGS = 8;

function epilogueOf(node: Node): readonly EpilogueStep[] {
  return (node.attrs as { epilogue?: readonly EpilogueStep[] }).epilogue ?? [];
}

function withEpilogue(ctx: RewriteContext, producer: Node, extraInputs: readonly ValueId[], step: EpilogueStep, at: Node): ValueId {
  const attrs = { ...(producer.attrs as object), epilogue: [...epilogueOf(producer), step] };
  return ctx.b.addTyped(producer.op, [...producer.inputs, ...extraInputs], attrs as never, producer.type, producer.origin ?? at.origin);
}

function fusableProducer(ctx: RewriteContext, id: ValueId): Node | undefined {
  const n = ctx.b.node(id);
  return WITH_EPILOGUE.has(n.op) && ctx.uses(id) === 1 ? n : undefined;
}

const unaryIntoProducer: Rule = {
  name: 'unary-into-producer',
  ops: ['unary'],
  apply(node, ctx) {
    const u = node as Node<'unary'>;
    const step: EpilogueStep = { kind: 'unary', ...u.attrs };
    const producer = fusableProducer(ctx, node.inputs[0]!);
    if (producer) return withEpilogue(ctx, producer, [], step, node);
    const inner = ctx.b.node(node.inputs[0]!);
    if (inner.op === 'unary' && ctx.uses(inner.id) === 1) {
      const first: EpilogueStep = { kind: 'unary', ...(inner as Node<'unary'>).attrs };
      return ctx.b.addTyped('elementwise', [inner.inputs[0]!], { epilogue: [first, step] }, node.type, node.origin);
    }
    return undefined;
  },
};

const binaryIntoProducer: Rule = {
  name: 'binary-into-producer',
  ops: ['binary'],
  apply(node, ctx) {
    const fn = (node as Node<'binary'>).attrs.fn;
    const [left, right] = node.inputs as [ValueId, ValueId];
    if (!shapesEqual(ctx.b.type(left).shape, ctx.b.type(right).shape)) return undefined;
    for (const [mine, other, operandFirst] of [
      [left, right, false],
      [right, left, true],
    ] as const) {
      const producer = fusableProducer(ctx, mine);
      if (!producer || !shapesEqual(producer.type.shape, node.type.shape)) continue;
      if (producer.inputs.length + 2 > MAX_BINDINGS) continue;
      const step: EpilogueStep = { kind: 'binary', fn, operand: producer.inputs.length, ...(operandFirst ? { operandFirst } : {}) };
      return withEpilogue(ctx, producer, [other], step, node);
    }
    return undefined;
  },
};

const poolIntoConv: Rule = {
  name: 'pool-into-conv',
  ops: ['pool'],
  apply(node, ctx) {
    const a = (node as Node<'pool'>).attrs;
    const window2 = a.spatial === 2 && a.kernel.every((k) => k === 2) && a.stride.every((s) => s === 2) && a.padding.every((p) => p === 0);
    const conv = ctx.b.node(node.inputs[0]!);
    if (!window2 || conv.op !== 'conv' || ctx.uses(conv.id) !== 1) return undefined;
    const attrs = (conv as Node<'conv'>).attrs;
    // Operands have the full-size shape, which the pooled kernel no longer stores.
    if (attrs.spatial !== 2 || attrs.pool || attrs.epilogue.some((s) => s.kind === 'binary')) return undefined;
    return ctx.b.addTyped('conv', conv.inputs, { ...attrs, pool: { kind: a.kind } }, node.type, conv.origin ?? node.origin);
  },
};

export const fuseEpilogues = rulePass(
  'fuse-epilogues',
  'fuse activations, elementwise chains, residual adds and 2x2 pools into the producing kernel',
  [unaryIntoProducer, binaryIntoProducer, poolIntoConv],
);
