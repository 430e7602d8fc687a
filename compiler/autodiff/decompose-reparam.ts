// Weight reparameterisations as primitive ops on their trained tensors, in
// both modes (the eval pipeline folds them into constant weights instead,
// which would lose the gradient):
//
// - weight_norm (torch.nn.utils.weight_norm): w = v * (g / ||v||), the norm
//   over every axis but `dim`; g and v get gradients.
// - spectral_norm (torch.nn.utils.spectral_norm): W = weight_orig as an
//   [h, rest] matrix (axis `dim` first). Train: `powerIterations` times
//   v = normalize(W^T u), u = normalize(W v), normalize(t) = t / max(||t||, eps),
//   the new u and v assigned to their state tensors and detached (torch runs
//   the iteration under no_grad); eval: the stored u and v, no iteration.
//   Then w = weight_orig / (u . W v), the gradient flowing through both
//   weight_orig and sigma's W.
import type { Node, ValueId } from '../ir/types.ts';
import type { Pass } from '../passes/pass.ts';
import type { Emitter } from './decompose-ops.ts';
import { assignTarget, decompositionPass, type DecomposeRule } from './decompose-pass.ts';

const weightNorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { dim } = (node as Node<'weight_norm'>).attrs;
  const [v, g] = node.inputs as [ValueId, ValueId];
  const rank = e.shape(v).length;
  const axes = Array.from({ length: rank }, (_, i) => i).filter((a) => a !== dim);
  const norm = e.unary('sqrt', e.sum(e.unary('square', v), axes));
  return e.mul(v, e.div(g, norm));
};

/** t / max(||t||, eps) along `axis` of a row or column vector (torch.nn.functional.normalize). */
function normalize(e: Emitter, t: ValueId, axis: number, eps: number): ValueId {
  const norm = e.unary('sqrt', e.sum(e.unary('square', t), [axis]));
  return e.div(t, e.binary('max', norm, e.scalar(eps, 2)));
}

// The matrix-vector products are a broadcast product and a sum (W is a
// weight: small, and its gradient is the size of the product anyway), which
// keeps GEMM kernels for two vectors out of the bundle.
const spectralNorm: DecomposeRule = (node, d) => {
  const { e } = d;
  const { dim, eps, powerIterations } = (node as Node<'spectral_norm'>).attrs;
  const [w, u, v] = node.inputs as [ValueId, ValueId, ValueId];
  const shape = e.shape(w) as readonly number[];
  const h = shape[dim]!;
  const rest = shape.reduce((p, s) => p * s, 1) / h;
  const axisFirst = dim === 0 ? w : e.b.add('permute', [w], { perm: [dim, ...shape.map((_, i) => i).filter((i) => i !== dim)] }, e.origin);
  const matrix = e.reshape(axisFirst, [h, rest]);
  const timesV = (row: ValueId) => e.sum(e.mul(matrix, row), [1]); // W v, [h, 1]
  let uColumn = e.reshape(u, [h, 1]);
  let vRow = e.reshape(v, [1, rest]);
  if (d.mode === 'train' && powerIterations > 0) {
    for (let i = 0; i < powerIterations; i++) {
      vRow = normalize(e, e.sum(e.mul(matrix, uColumn), [0]), 1, eps); // (W^T u)^T, [1, rest]
      uColumn = normalize(e, timesV(vRow), 0, eps);
    }
    e.b.assign(assignTarget(d, u, 'u', node), e.reshape(uColumn, [h]));
    e.b.assign(assignTarget(d, v, 'v', node), e.reshape(vRow, [rest]));
    uColumn = e.detach(uColumn);
    vRow = e.detach(vRow);
  }
  const sigma = e.sum(e.mul(uColumn, timesV(vRow)), [0, 1]);
  return e.div(w, e.reshape(sigma, shape.map(() => 1)));
};

const RULES = { weight_norm: weightNorm, spectral_norm: spectralNorm } as const;

export const decomposeReparamForTraining: Pass = decompositionPass(
  'decompose-reparam-train',
  'weight_norm and spectral_norm as primitive ops on their trained tensors, one power iteration updating u and v (train meaning)',
  'train',
  RULES,
);

export const decomposeReparamForEval: Pass = decompositionPass(
  'decompose-reparam-eval',
  'weight_norm and spectral_norm as primitive ops on their trained tensors, sigma from the stored u and v (eval meaning)',
  'eval',
  RULES,
);
