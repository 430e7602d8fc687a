// linear(flatten(global_avgpool(x))) == linear'(flatten(x)): the mean over S
// positions is linear, so it moves into the weights, W'[o, c*S + s] =
// W[o, c] / S. A classifier head (ResNet's GAP -> fc) then needs no pooling
// dispatch, and its linear shares the model's GEMM pipeline: one pipeline
// fewer to compile before the first result. The folded weight is S times the
// size of the original and each sample costs O*C*S multiply-adds instead of
// C*S + O*C, so the fold is taken only while that stays small. It also makes
// each output one sum of C*S terms, summed in order in f32: the benchmark
// ResNet's head (16 channels at 32x32) came out 1.2e-5 off torch that way
// instead of 1.4e-6, so long sums keep the pool too.
import type { RewriteContext, Rule } from '../ir/rewrite.ts';
import type { Node } from '../ir/types.ts';
import { derivedTensor, paramData, paramName } from './derived-tensors.ts';
import { rulePass } from './pass.ts';

/** Folded weights larger than this (256Ki floats, 1 MiB) keep the pool. */
export const MAX_FOLDED_WEIGHT_ELEMENTS = 1 << 18;
/** Nor does a fold whose sums, C*S terms each, would be longer than this. */
export const MAX_FOLDED_DEPTH = 4096;

const poolIntoLinear: Rule = {
  name: 'global-avgpool-into-linear',
  ops: ['linear'],
  apply(node, ctx: RewriteContext) {
    const flatId = node.inputs[0]!;
    const flat = ctx.b.node(flatId);
    if (flat.op !== 'reshape' || ctx.uses(flatId) !== 1) return undefined;
    const poolId = flat.inputs[0]!;
    const pool = ctx.b.node(poolId);
    if (pool.op !== 'global_avgpool' || ctx.uses(poolId) !== 1) return undefined;
    const xId = pool.inputs[0]!;
    const xShape = ctx.b.type(xId).shape;
    const flatShape = (flat as Node<'reshape'>).attrs.shape;
    // Only the flatten to [batch, C]: any other reshape moves channels around.
    const [batch, channels, ...spatial] = xShape;
    if (flatShape.length !== 2 || flatShape[0] !== batch || flatShape[1] !== channels || typeof channels !== 'number') return undefined;
    if (!spatial.every((d): d is number => typeof d === 'number')) return undefined;
    const positions = (spatial as number[]).reduce((p, d) => p * d, 1);
    const wId = node.inputs[1]!;
    const w = paramData(ctx, wId);
    if (!w) return undefined;
    const out = w.length / channels;
    if (channels * positions > MAX_FOLDED_DEPTH || out * channels * positions > MAX_FOLDED_WEIGHT_ELEMENTS) return undefined;
    const folded = new Float32Array(out * channels * positions);
    for (let o = 0; o < out; o++) {
      for (let c = 0; c < channels; c++) {
        const value = w[o * channels + c]! / positions;
        folded.fill(value, (o * channels + c) * positions, (o * channels + c + 1) * positions);
      }
    }
    const base = (paramName(ctx, wId) ?? 'linear.weight').replace(/\.weight(\..*)?$/, '');
    const newW = derivedTensor(ctx, base, 'weight.pool_folded', [out, channels * positions], folded);
    const flattened = ctx.b.add('reshape', [xId], { shape: [batch!, channels * positions] }, flat.origin);
    return ctx.b.addTyped('linear', [flattened, newW, ...node.inputs.slice(2)], (node as Node<'linear'>).attrs, node.type, node.origin);
  },
};

export const foldGlobalPool = rulePass(
  'fold-global-pool',
  'fold a global average pool and flatten into the following linear (its weight repeated over the positions) where the folded weight stays small',
  [poolIntoLinear],
);
