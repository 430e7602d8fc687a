// The eval pipeline, in order. Each entry is a pure IR -> IR pass; `regc
// compile --no-opt` runs only the passes that change meaning to eval
// semantics (no folding or fusion), `--disable-pass NAME` skips one.
import { foldBatchNorm, foldInputNormalize, mergeAffinesPass } from './fold-affine.ts';
import { foldGlobalPool } from './fold-global-pool.ts';
import { fuseEpilogues } from './fuse-epilogues.ts';
import { lowerNormalizers } from './lower-normalizers.ts';
import { materialiseReparam } from './materialise-reparam.ts';
import type { Pass } from './pass.ts';
import { removeTrainOnly } from './remove-train-only.ts';
import type { Graph } from '../ir/types.ts';

/** Makes the graph mean eval mode; the rest of the pipeline requires it. */
export const toEvalMode: Pass = {
  name: 'to-eval-mode',
  description: 'switch the graph to eval semantics (running statistics, no randomness)',
  run: (graph: Graph) => ({ ...graph, mode: 'eval', assigns: [] }),
};

/** Passes required for eval semantics: without them the graph would still mean training. */
export const EVAL_SEMANTICS: readonly Pass[] = [toEvalMode, removeTrainOnly, materialiseReparam];

/** Optimisations that keep eval semantics (each tested to preserve outputs numerically). */
export const EVAL_OPTIMISATIONS: readonly Pass[] = [
  lowerNormalizers,
  mergeAffinesPass,
  foldBatchNorm,
  foldInputNormalize,
  foldGlobalPool,
  fuseEpilogues,
];

export const EVAL_PIPELINE: readonly Pass[] = [...EVAL_SEMANTICS, ...EVAL_OPTIMISATIONS];

export { runPipeline, type Pass, type PipelineOptions } from './pass.ts';
export { foldBatchNorm, foldGlobalPool, foldInputNormalize, mergeAffinesPass, fuseEpilogues, lowerNormalizers, materialiseReparam, removeTrainOnly };
