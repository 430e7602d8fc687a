// Eval forms of the normalisers. Whatever normalises with running statistics
// is an affine map per channel at eval, so it becomes `channel_affine` with
// compile-time scale and shift; fold-affine.ts then folds it into a
// preceding conv/linear where it can. Normalisers that need per-sample
// statistics at eval (instancenorm without running stats, groupnorm,
// layernorm, scalenorm, mixed batch-instance and switchable norm) stay as
// they are and get their own kernels.
import type { RewriteContext, Rule } from '../ir/rewrite.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { derivedTensor, paramData, paramName } from './derived-tensors.ts';
import { rulePass } from './pass.ts';

interface AffineFromStats {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

/** y = (x - mean) / sqrt(var + eps) * weight + bias, as scale/shift per channel. */
export function affineFromRunningStats(
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
  weight?: Float32Array,
  bias?: Float32Array,
): AffineFromStats {
  // f32 arithmetic in the same order torch uses, so folding adds no error of its own.
  return affineFromInverseSpread(mean, (i) => Math.fround(1 / Math.fround(Math.sqrt(Math.fround(variance[i]! + eps)))), weight, bias);
}

/** y = (x - mean) / std * weight + bias: batch_renorm keeping the paper's sigma (running_std), eps already in it. */
export function affineFromRunningStd(mean: Float32Array, std: Float32Array, weight?: Float32Array, bias?: Float32Array): AffineFromStats {
  return affineFromInverseSpread(mean, (i) => Math.fround(1 / std[i]!), weight, bias);
}

function affineFromInverseSpread(mean: Float32Array, inverse: (channel: number) => number, weight?: Float32Array, bias?: Float32Array): AffineFromStats {
  const c = mean.length;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = Math.fround(inverse(i) * (weight ? weight[i]! : 1));
    shift[i] = Math.fround((bias ? bias[i]! : 0) - Math.fround(mean[i]! * scale[i]!));
  }
  return { scale, shift };
}

function emitAffine(ctx: RewriteContext, node: Node, x: ValueId, affine: AffineFromStats, base: string): ValueId {
  const c = affine.scale.length;
  const scale = derivedTensor(ctx, base, 'scale', [c], affine.scale);
  const shift = derivedTensor(ctx, base, 'shift', [c], affine.shift);
  return ctx.b.addTyped('channel_affine', [x, scale, shift], { axis: 1, epilogue: [] }, node.type, node.origin);
}

/** `bn1.running_mean` -> `bn1`. */
function layerOf(ctx: RewriteContext, id: ValueId | undefined, fallback: string): string {
  const name = id === undefined ? undefined : paramName(ctx, id);
  return name ? name.replace(/\.[^.]*$/, '') : fallback;
}

/**
 * Inputs are x, then optional weight, bias (when `affine`), then optional
 * running_mean, running_var (when tracked; batch_renorm's running_std in
 * its place): the layout lowering emits.
 */
function splitNormInputs(node: Node, affine: boolean, tracked: boolean) {
  const rest = node.inputs.slice(1);
  const weight = affine ? rest[0] : undefined;
  const bias = affine ? rest[1] : undefined;
  const stats = rest.slice(affine ? 2 : 0);
  return { weight, bias, mean: tracked ? stats[0] : undefined, variance: tracked ? stats[1] : undefined };
}

const runningStatsNorm: Rule = {
  name: 'running-stats-to-affine',
  ops: ['batchnorm', 'instancenorm', 'batch_renorm'],
  apply(node, ctx) {
    const attrs = node.attrs as { affine?: boolean; trackRunningStats?: boolean; eps: number };
    // batch_renorm always has weight, bias and running statistics.
    const affine = attrs.affine ?? true;
    const tracked = attrs.trackRunningStats ?? true;
    if (!tracked) return undefined;
    const parts = splitNormInputs(node, affine, tracked);
    const mean = parts.mean === undefined ? undefined : paramData(ctx, parts.mean);
    const variance = parts.variance === undefined ? undefined : paramData(ctx, parts.variance);
    if (!mean || !variance) return undefined;
    const weight = parts.weight === undefined ? undefined : paramData(ctx, parts.weight);
    const bias = parts.bias === undefined ? undefined : paramData(ctx, parts.bias);
    if (affine && (!weight || !bias)) return undefined;
    const keepsStd = node.op === 'batch_renorm' && (node as Node<'batch_renorm'>).attrs.runningStd;
    const affineMap = keepsStd ? affineFromRunningStd(mean, variance, weight, bias) : affineFromRunningStats(mean, variance, attrs.eps, weight, bias);
    return emitAffine(ctx, node, node.inputs[0]!, affineMap, layerOf(ctx, parts.mean, node.origin?.layer ?? 'norm'));
  },
};

/** Batch-instance norm with every rho = 1 is batch norm; with every rho = 0, instance norm. */
const batchInstanceExtremes: Rule = {
  name: 'batch-instance-norm-extremes',
  ops: ['batch_instance_norm'],
  apply(node, ctx) {
    const [x, weight, bias, rhoId, rm, rv] = node.inputs as [number, number, number, number, number, number];
    const rho = paramData(ctx, rhoId);
    if (!rho) return undefined;
    const attrs = (node as Node<'batch_instance_norm'>).attrs;
    const clamped = Array.from(rho, (r) => Math.min(1, Math.max(0, r)));
    if (clamped.every((r) => r === 1)) {
      const mean = paramData(ctx, rm);
      const variance = paramData(ctx, rv);
      const w = paramData(ctx, weight);
      const b = paramData(ctx, bias);
      if (!mean || !variance || !w || !b) return undefined;
      return emitAffine(ctx, node, x, affineFromRunningStats(mean, variance, attrs.eps, w, b), layerOf(ctx, rm, 'bin'));
    }
    if (clamped.every((r) => r === 0)) {
      return ctx.b.addTyped(
        'instancenorm',
        [x, weight, bias],
        { eps: attrs.eps, momentum: attrs.momentum, affine: true, trackRunningStats: false },
        node.type,
        node.origin,
      );
    }
    return undefined;
  },
};

export const lowerNormalizers = rulePass(
  'lower-normalizers',
  'turn normalisers that use running statistics at eval into per-channel affines',
  [runningStatsNorm, batchInstanceExtremes],
);
