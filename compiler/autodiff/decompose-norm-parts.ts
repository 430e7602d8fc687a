// Pieces the normaliser decompositions share: statistics over axes, the
// per-channel views of [C] tensors, the input layout lowering emits, and the
// running-statistic updates of train mode in torch's convention.
import { elementCount, type CountInN } from '../ir/ops.ts';
import type { Node, Shape, ValueId } from '../ir/types.ts';
import type { Emitter } from './decompose-ops.ts';
import { assignTarget, storedName, type Decomposition } from './decompose-pass.ts';

/** Mean and biased variance over `axes` (two passes, as torch): the centred value too. */
export interface Moments {
  readonly mean: ValueId;
  readonly centred: ValueId;
  readonly variance: ValueId;
}

export function moments(e: Emitter, x: ValueId, axes: readonly number[]): Moments {
  const mean = e.mean(x, axes);
  const centred = e.sub(x, mean);
  return { mean, centred, variance: e.mean(e.unary('square', centred), axes) };
}

/** 1 / sqrt(variance + eps). */
export function rstd(e: Emitter, variance: ValueId, eps: number): ValueId {
  return e.unary('rsqrt', e.affine(variance, 1, eps));
}

/** (x - mean) / sqrt(variance + eps) from moments. */
export function standardised(e: Emitter, m: Moments, eps: number): ValueId {
  return e.mul(m.centred, rstd(e, m.variance, eps));
}

/** A per-channel [C] tensor viewed as [C, 1, ...] so that it broadcasts along axis 1 of a rank-`rank` tensor. */
export function perChannel(e: Emitter, v: ValueId, rank: number): ValueId {
  return e.reshape(v, [e.shape(v)[0]!, ...new Array<number>(Math.max(0, rank - 2)).fill(1)]);
}

/** The axes of a [N, C, ...] tensor other than the channels: what batch statistics reduce. */
export function batchAxes(rank: number): number[] {
  return [0, ...spatialAxes(rank)];
}

/** The axes after the first two: what instance statistics reduce. */
export function spatialAxes(rank: number): number[] {
  return Array.from({ length: rank - 2 }, (_, i) => i + 2);
}

/** How many elements a reduction over `axes` of `shape` combines, as a count in N. */
export function reducedCount(shape: Shape, axes: readonly number[]): CountInN {
  return elementCount(axes.map((a) => shape[a]!));
}

/** The biased variance over `count` elements made unbiased: times n / (n - 1), n perhaps known only at run time. */
export function unbiased(e: Emitter, variance: ValueId, count: CountInN): ValueId {
  return e.countScale(variance, count, { perN: count.perN, fixed: count.fixed - 1 });
}

/** torch's running-statistic update: (1 - momentum) * running + momentum * batch. */
export function movingAverage(e: Emitter, running: ValueId, batch: ValueId, momentum: number): ValueId {
  return e.add(e.affine(running, 1 - momentum), e.affine(batch, momentum));
}

/**
 * x, then weight and bias when `affine`, then running_mean and running_var
 * when `tracked`: the input layout lowering emits.
 */
export function normInputs(node: Node, affine: boolean, tracked: boolean) {
  const rest = node.inputs.slice(1);
  const stats = rest.slice(affine ? 2 : 0);
  return {
    x: node.inputs[0]!,
    weight: affine ? rest[0] : undefined,
    bias: affine ? rest[1] : undefined,
    runningMean: tracked ? stats[0] : undefined,
    runningVar: tracked ? stats[1] : undefined,
  };
}

/** `v * weight[c] + bias[c]` along axis 1, each part only when given. */
export function channelAffine(e: Emitter, v: ValueId, weight: ValueId | undefined, bias: ValueId | undefined): ValueId {
  const rank = e.shape(v).length;
  const scaled = weight === undefined ? v : e.mul(v, perChannel(e, weight, rank));
  return bias === undefined ? scaled : e.add(scaled, perChannel(e, bias, rank));
}

/** (x - running_mean) / sqrt(running_var + eps): eval with running statistics. */
export function withRunningStats(e: Emitter, x: ValueId, runningMean: ValueId, runningVar: ValueId, eps: number): ValueId {
  const rank = e.shape(x).length;
  return e.mul(e.sub(x, perChannel(e, runningMean, rank)), perChannel(e, rstd(e, runningVar, eps), rank));
}

/** A batch's per-channel statistics (any shape holding C values) and the running tensors they update. */
export interface BatchStats {
  readonly runningMean: ValueId;
  readonly runningVar: ValueId;
  readonly mean: ValueId;
  /** Already the variance the running one averages (unbiased for batchnorm). */
  readonly variance: ValueId;
}

/** running = (1 - momentum) * running + momentum * batch, for the mean and the variance. */
export function updateRunningStats(d: Decomposition, node: Node, stats: BatchStats, momentum: number): void {
  const { e } = d;
  const c = e.shape(stats.runningMean);
  e.b.assign(assignTarget(d, stats.runningMean, 'running_mean', node), movingAverage(e, stats.runningMean, e.reshape(stats.mean, c), momentum));
  e.b.assign(assignTarget(d, stats.runningVar, 'running_var', node), movingAverage(e, stats.runningVar, e.reshape(stats.variance, c), momentum));
}

/** num_batches_tracked += 1 (a count held as f32) for the layer owning `runningMean`, where it has one. */
export function countBatch(d: Decomposition, runningMean: ValueId): void {
  const name = storedName(d.e.b, runningMean);
  const dot = name?.lastIndexOf('.') ?? -1;
  if (name === undefined || dot < 0) return;
  const counterName = `${name.slice(0, dot)}.num_batches_tracked`;
  const counter = d.stored.read(d.e.b, counterName);
  if (counter !== undefined) d.e.b.assign(counterName, d.e.affine(counter, 1, 1));
}
