// The normalisers torch.nn does not ship, decomposed like the others
// (decompose-normalizers.ts), each in the meaning of its reference code:
//
// - batch_renorm (Ioffe 2017, Algorithm 1; torchrl.modules.BatchRenorm1d
//   with warmup_steps=0): train normalises with the batch statistics,
//   corrected by r = clip(sigma_B / sigma, 1/r_max, r_max) and
//   d = clip((mu_B - mu) / sigma, -d_max, d_max), both detached;
//   running_mean moves towards mu_B. The spread is kept as torchrl keeps it,
//   running_var (sigma = sqrt(running_var + eps), moving towards the
//   unbiased batch variance, n = every element it averages: N for torchrl's
//   [N, C], N * spatial beyond), or as the paper keeps it, `running_std`
//   (sigma itself, moving towards sigma_B; the node's `runningStd`, which
//   lowering sets where the weight file holds one). Eval: (x - mu) / sigma.
//   num_batches_tracked += 1.
// - batch_instance_norm (Nam & Kim 2018): weight * (rho * BN(x) +
//   (1 - rho) * IN(x)) + bias, rho clamped to [0, 1] with torch's clamp
//   gradient; BN is batchnorm in the mode's meaning, running statistics and
//   num_batches_tracked updated as batchnorm does.
// - switchable_norm (Luo et al. 2018): softmax(mean_weight) and
//   softmax(var_weight) mix the instance, layer and batch means and biased
//   variances (the batch ones are the running statistics at eval); the
//   running statistics average the batch mean and the same biased variance
//   the mix used (the reference code's choice: it stores what it mixes),
//   torch's momentum convention; num_batches_tracked += 1.
import type { Node, ValueId } from '../ir/types.ts';
import {
  batchAxes,
  channelAffine,
  countBatch,
  moments,
  movingAverage,
  perChannel,
  reducedCount,
  spatialAxes,
  standardised,
  unbiased,
  updateRunningStats,
  withRunningStats,
} from './decompose-norm-parts.ts';
import type { Emitter } from './decompose-ops.ts';
import { assignTarget, type DecomposeRule } from './decompose-pass.ts';

/** sqrt(variance + eps). */
function spread(e: Emitter, variance: ValueId, eps: number): ValueId {
  return e.unary('sqrt', e.affine(variance, 1, eps));
}

const batchRenorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, momentum, rMax, dMax, runningStd: keepsStd } = (node as Node<'batch_renorm'>).attrs;
  const [x, weight, bias, runningMean, runningSpread] = node.inputs as [ValueId, ValueId, ValueId, ValueId, ValueId];
  const shape = e.shape(x);
  const rank = shape.length;
  const sigma = perChannel(e, keepsStd ? runningSpread : spread(e, runningSpread, eps), rank);
  const mu = perChannel(e, runningMean, rank);
  if (d.mode === 'eval') return channelAffine(e, e.div(e.sub(x, mu), sigma), weight, bias);

  const axes = batchAxes(rank);
  const m = moments(e, x, axes);
  const sigmaB = spread(e, m.variance, eps);
  const r = e.detach(e.clip(e.div(sigmaB, sigma), 1 / rMax, rMax));
  const shift = e.detach(e.clip(e.div(e.sub(m.mean, mu), sigma), -dMax, dMax));
  const normalised = e.add(e.mul(e.div(m.centred, sigmaB), r), shift);

  const c = e.shape(runningMean);
  e.b.assign(assignTarget(d, runningMean, 'running_mean', node), movingAverage(e, runningMean, e.reshape(m.mean, c), momentum));
  const batchSpread = keepsStd ? sigmaB : unbiased(e, m.variance, reducedCount(shape, axes));
  e.b.assign(assignTarget(d, runningSpread, keepsStd ? 'running_std' : 'running_var', node), movingAverage(e, runningSpread, e.reshape(batchSpread, c), momentum));
  countBatch(d, runningMean);
  return channelAffine(e, normalised, weight, bias);
};

const batchInstanceNorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, momentum } = (node as Node<'batch_instance_norm'>).attrs;
  const [x, weight, bias, rho, runningMean, runningVar] = node.inputs as [ValueId, ValueId, ValueId, ValueId, ValueId, ValueId];
  const shape = e.shape(x);
  const rank = shape.length;
  const instance = standardised(e, moments(e, x, spatialAxes(rank)), eps);
  let batch: ValueId;
  if (d.mode === 'eval') batch = withRunningStats(e, x, runningMean, runningVar, eps);
  else {
    const axes = batchAxes(rank);
    const m = moments(e, x, axes);
    updateRunningStats(d, node, { runningMean, runningVar, mean: m.mean, variance: unbiased(e, m.variance, reducedCount(shape, axes)) }, momentum);
    countBatch(d, runningMean);
    batch = standardised(e, m, eps);
  }
  const gate = perChannel(e, e.clampLikeTorch(rho, 0, 1), rank);
  const mixed = e.add(e.mul(gate, batch), e.mul(e.affine(gate, -1, 1), instance));
  return channelAffine(e, mixed, weight, bias);
};

const switchableNorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { eps, momentum } = (node as Node<'switchable_norm'>).attrs;
  const [x, weight, bias, meanWeight, varWeight, runningMean, runningVar] = node.inputs as [
    ValueId, ValueId, ValueId, ValueId, ValueId, ValueId, ValueId,
  ];
  const rank = e.shape(x).length;
  const instance = moments(e, x, spatialAxes(rank));
  const layer = moments(e, x, Array.from({ length: rank - 1 }, (_, i) => i + 1));
  let batchMean: ValueId;
  let batchVar: ValueId;
  if (d.mode === 'eval') {
    batchMean = perChannel(e, runningMean, rank);
    batchVar = perChannel(e, runningVar, rank);
  } else {
    const m = moments(e, x, batchAxes(rank));
    updateRunningStats(d, node, { runningMean, runningVar, mean: m.mean, variance: m.variance }, momentum);
    countBatch(d, runningMean);
    batchMean = m.mean;
    batchVar = m.variance;
  }
  const mix = (logits: ValueId, parts: readonly ValueId[]): ValueId => {
    const w = e.softmax(logits, 0);
    return parts.map((part, k) => e.mul(e.slice(w, 0, k), part)).reduce((sum, next) => e.add(sum, next));
  };
  const mean = mix(meanWeight, [instance.mean, layer.mean, batchMean]);
  const variance = mix(varWeight, [instance.variance, layer.variance, batchVar]);
  const normalised = e.div(e.sub(x, mean), spread(e, variance, eps));
  return channelAffine(e, normalised, weight, bias);
};

export const mixedNormRules = {
  batch_renorm: batchRenorm,
  batch_instance_norm: batchInstanceNorm,
  switchable_norm: switchableNorm,
} as const;
