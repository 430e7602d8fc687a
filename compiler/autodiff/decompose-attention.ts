// Multi-head attention has one fused forward kernel (codegen/kernels/
// attention.ts) and no gradient rule of its own: before differentiation it
// becomes the primitive ops torch.nn.MultiheadAttention (batch_first=True,
// no mask) is made of, each of which has a rule:
//
//   qkv  = linear(x, in_proj_weight, in_proj_bias)           [N, L, 3E]
//   q, k, v = three slices of qkv along its last axis, split into heads [N, H, L, D]
//   p    = softmax((q / sqrt(D)) k^T)                        [N, H, L, L]
//   y    = linear(heads of p v put side by side, out_proj)   [N, L, E]
//
// q is scaled before the product, as the kernel and torch's
// multi_head_attention_forward do. Both reductions (over D in q k^T, over L
// in p v) are fixed sizes, which the matmul kernel needs.
import type { RewriteContext, Rule } from '../ir/rewrite.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { rulePass } from '../passes/pass.ts';
import { NoGradientRuleError } from './vjp.ts';

function decompose(node: Node<'multihead_attention'>, ctx: RewriteContext): ValueId {
  const { b } = ctx;
  const origin = node.origin;
  const refuse = (detail: string): never => {
    throw new NoGradientRuleError('multihead_attention', origin, detail);
  };
  // Fusion runs after autodiff, so a fused epilogue here means the passes ran out of order.
  if ((node.attrs.epilogue ?? []).length > 0) refuse('a fused epilogue; fusion must run after differentiation');
  const hasBias = node.inputs.length === 5;
  if (!hasBias && node.inputs.length !== 3) refuse(`${node.inputs.length} inputs, expected 3 or 5`);
  const [x, inWeight, inBias, outWeight, outBias] = hasBias
    ? (node.inputs as [ValueId, ValueId, ValueId, ValueId, ValueId])
    : [node.inputs[0]!, node.inputs[1]!, undefined, node.inputs[2]!, undefined];

  const [batch, length, embed] = b.type(x).shape;
  if (typeof length !== 'number' || typeof embed !== 'number') refuse('a sequence or embedding axis that is the batch size N');
  const L = length as number;
  const E = embed as number;
  const H = node.attrs.heads;
  const D = E / H;

  const withBias = (input: ValueId, weight: ValueId, bias: ValueId | undefined) =>
    b.add('linear', bias === undefined ? [input, weight] : [input, weight, bias], { epilogue: [] }, origin);
  const permute = (v: ValueId, perm: number[]) => b.add('permute', [v], { perm }, origin);
  /** The `part`-th E-wide stretch of qkv (0 = q, 1 = k, 2 = v) as [N, H, L, D]. */
  const heads = (qkv: ValueId, part: number) => {
    const slice = b.add('slice', [qkv], { axis: 2, start: part * E, length: E }, origin);
    return permute(b.add('reshape', [slice], { shape: [batch!, L, H, D] }, origin), [0, 2, 1, 3]);
  };

  const qkv = withBias(x, inWeight, inBias);
  const q = b.add('unary', [heads(qkv, 0)], { fn: 'affine', alpha: 1 / Math.sqrt(D), beta: 0 }, origin);
  const kT = permute(heads(qkv, 1), [0, 1, 3, 2]);
  const v = heads(qkv, 2);
  const scores = b.add('matmul', [q, kT], { epilogue: [] }, origin);
  const probs = b.add('softmax', [scores], { axis: 3, log: false }, origin);
  // torch drops attention weights after the softmax; train-randomness (which runs after this pass) draws the mask.
  const p = ctx.mode === 'train' && node.attrs.dropout > 0 ? b.add('dropout', [probs], { p: node.attrs.dropout }, origin) : probs;
  const context = b.add('matmul', [p, v], { epilogue: [] }, origin);
  const joined = b.add('reshape', [permute(context, [0, 2, 1, 3])], { shape: [batch!, L, E] }, origin);
  return withBias(joined, outWeight, outBias);
}

const attentionToPrimitives: Rule = {
  name: 'attention-to-primitives',
  ops: ['multihead_attention'],
  apply: (node, ctx) => decompose(node as Node<'multihead_attention'>, ctx),
};

export const decomposeAttention = rulePass(
  'decompose-attention',
  'rewrite multihead_attention into linear, slice, matmul and softmax, which have gradient rules',
  [attentionToPrimitives],
);
