// What runs before differentiation. Ops whose kernels compute their eval
// meaning (batchnorm with running statistics, dropout as the identity, ...)
// or that have no gradient rule of their own (a normaliser is a dozen
// primitive ops) are rewritten here, per mode, into ops that both compute
// the right numbers and have gradient rules. One entry per line: each is a
// pure IR -> IR pass with its own tests.
import type { Pass } from '../passes/pass.ts';
import { removeTrainOnly, toEvalMode } from '../passes/index.ts';
import { decomposeAttention } from './decompose-attention.ts';
import { trainRandomness } from './randomness.ts';
import { decomposeNormalizersForEval, decomposeNormalizersForTraining } from './decompose-normalizers.ts';
import { decomposeReparamForEval, decomposeReparamForTraining } from './decompose-reparam.ts';

/**
 * Train mode: normalisers with batch statistics and running-statistic
 * assigns, reparameterisations kept differentiable, randomness from the
 * counter-based RNG.
 */
export const TRAIN_PREPARATION: readonly Pass[] = [
  // First: it reads num_batches_tracked, which no node uses and any rewrite before would drop.
  decomposeNormalizersForTraining,
  decomposeAttention,
  trainRandomness,
  // Last: a later rewrite would drop spectral norm's v, which only its Assign names (ir/rewrite.ts).
  decomposeReparamForTraining,
];

/**
 * Eval mode: the eval meaning (running statistics, no randomness), with
 * reparameterisations kept as ops on their trained tensors (not folded into
 * a constant weight, whose gradient would be lost).
 */
export const EVAL_PREPARATION: readonly Pass[] = [toEvalMode, removeTrainOnly, decomposeAttention, decomposeNormalizersForEval, decomposeReparamForEval];
