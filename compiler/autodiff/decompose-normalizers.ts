// Normalisers as primitive ops, in the meaning of one mode. Their kernels
// (codegen/kernels/normalization.ts) compute the eval meaning and have no
// gradient rule; decomposed into reduce, unary, binary and reshape nodes
// they get their gradient from those ops' rules, and in train mode they
// normalise with batch statistics and update the running ones (Assigns),
// as torch.nn's modules do:
//
// - batchnorm: the batch mean and biased variance over every axis but the
//   channels; running = (1 - momentum) * running + momentum * batch, with
//   the unbiased variance (n / (n - 1), n = N * spatial, known at run time);
//   num_batches_tracked += 1. Untracked, batch statistics in eval too.
// - instancenorm: per (sample, channel) statistics; tracked, the running
//   statistics take the batch mean of the per-instance mean and unbiased
//   variance (torch's instance_norm) and num_batches_tracked is left alone
//   (torch's _InstanceNorm never counts); eval uses them.
// - groupnorm, layernorm, scalenorm, channel_affine: the same in both modes.
//
// Why decompose rather than give each op a gradient rule: each primitive's
// rule is tested once, the forward and the backward cannot disagree, and the
// chain rule through mean and variance is torch's batch_norm_backward formula
// written out (agreeing to rounding). The cost is more, smaller dispatches.
import type { Node, ValueId } from '../ir/types.ts';
import type { Pass } from '../passes/pass.ts';
import { mixedNormRules } from './decompose-mixed-norms.ts';
import {
  batchAxes,
  channelAffine,
  countBatch,
  moments,
  normInputs,
  reducedCount,
  spatialAxes,
  standardised,
  unbiased,
  updateRunningStats,
  withRunningStats,
} from './decompose-norm-parts.ts';
import { decompositionPass, type DecomposeRule } from './decompose-pass.ts';
import { NoGradientRuleError } from './vjp.ts';

const batchnorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, momentum, affine, trackRunningStats } = (node as Node<'batchnorm'>).attrs;
  const p = normInputs(node, affine, trackRunningStats);
  if (d.mode === 'eval' && trackRunningStats) return channelAffine(e, withRunningStats(e, p.x, p.runningMean!, p.runningVar!, eps), p.weight, p.bias);
  const shape = e.shape(p.x);
  const axes = batchAxes(shape.length);
  const m = moments(e, p.x, axes);
  if (d.mode === 'train' && trackRunningStats) {
    const variance = unbiased(e, m.variance, reducedCount(shape, axes));
    updateRunningStats(d, node, { runningMean: p.runningMean!, runningVar: p.runningVar!, mean: m.mean, variance }, momentum);
    countBatch(d, p.runningMean!);
  }
  return channelAffine(e, standardised(e, m, eps), p.weight, p.bias);
};

const instancenorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, momentum, affine, trackRunningStats } = (node as Node<'instancenorm'>).attrs;
  const p = normInputs(node, affine, trackRunningStats);
  if (d.mode === 'eval' && trackRunningStats) return channelAffine(e, withRunningStats(e, p.x, p.runningMean!, p.runningVar!, eps), p.weight, p.bias);
  const shape = e.shape(p.x);
  const axes = spatialAxes(shape.length);
  const m = moments(e, p.x, axes);
  if (d.mode === 'train' && trackRunningStats) {
    // torch's instance_norm updates each channel once per sample and averages the copies.
    const variance = e.mean(unbiased(e, m.variance, reducedCount(shape, axes)), [0]);
    updateRunningStats(d, node, { runningMean: p.runningMean!, runningVar: p.runningVar!, mean: e.mean(m.mean, [0]), variance }, momentum);
  }
  return channelAffine(e, standardised(e, m, eps), p.weight, p.bias);
};

const groupnorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { groups, eps, affine } = (node as Node<'groupnorm'>).attrs;
  const p = normInputs(node, affine, false);
  const shape = e.shape(p.x);
  const perGroup = (shape.slice(1) as number[]).reduce((a, b) => a * b, 1) / groups;
  const grouped = e.reshape(p.x, [shape[0]!, groups, perGroup]);
  const m = moments(e, grouped, [2]);
  const normalised = e.reshape(standardised(e, m, eps), shape);
  return channelAffine(e, normalised, p.weight, p.bias);
};

const layernorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { dims, eps, affine } = (node as Node<'layernorm'>).attrs;
  const [x, weight, bias] = node.inputs as [ValueId, ValueId | undefined, ValueId | undefined];
  const rank = e.shape(x).length;
  const m = moments(e, x, Array.from({ length: dims }, (_, i) => rank - dims + i));
  const normalised = standardised(e, m, eps);
  if (!affine) return normalised;
  return e.add(e.mul(normalised, weight!), bias!);
};

/**
 * g * x / max(||x||, eps), taken as g * x / sqrt(max(||x||^2, eps^2)): the
 * same forward, and below eps the clamped norm passes no gradient (as
 * torch's clamp) instead of sqrt's 0 / 0 at an all-zero row.
 */
const scalenorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, axes } = (node as Node<'scalenorm'>).attrs;
  const [x, g] = node.inputs as [ValueId, ValueId];
  const rank = e.shape(x).length;
  const squares = e.sum(e.unary('square', x), axes);
  const norm = e.unary('sqrt', e.binary('max', squares, e.scalar(eps * eps, rank)));
  return e.div(e.mul(x, g), norm);
};

/** y = x * scale + shift along `axis` (an input `normalize`). */
const channelAffineOp: DecomposeRule = (node, d) => {
  const { e } = d;
  const { axis, epilogue } = (node as Node<'channel_affine'>).attrs;
  if (epilogue.length > 0) throw new NoGradientRuleError('channel_affine', node.origin, 'a fused epilogue');
  const [x, scale, shift] = node.inputs as [ValueId, ValueId, ValueId];
  const rank = e.shape(x).length;
  const at = axis < 0 ? axis + rank : axis;
  const view = (v: ValueId) => e.reshape(v, [e.shape(v)[0]!, ...new Array<number>(rank - 1 - at).fill(1)]);
  return e.add(e.mul(x, view(scale)), view(shift));
};

const RULES = {
  batchnorm,
  instancenorm,
  groupnorm,
  layernorm,
  scalenorm,
  channel_affine: channelAffineOp,
};

export const decomposeNormalizersForTraining: Pass = decompositionPass(
  'decompose-normalizers-train',
  'normalisers as primitive ops with batch statistics and running-statistic updates (train meaning)',
  'train',
  { ...RULES, ...mixedNormRules },
);

export const decomposeNormalizersForEval: Pass = decompositionPass(
  'decompose-normalizers-eval',
  'normalisers as primitive ops with running statistics (eval meaning), so that they have gradients',
  'eval',
  { ...RULES, ...mixedNormRules },
);
