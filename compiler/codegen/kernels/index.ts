// Which generator makes the kernels of each op. One entry per line, so
// generators can be added without touching each other's lines.
import type { OpName } from '../../ir/ops.ts';
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import { linearKernels } from './linear.ts';
import { matmulKernels } from './matmul.ts';
import { convKernels } from './conv.ts';
import { globalAvgPoolKernels, poolKernels } from './pool.ts';
import { multiheadAttentionKernels } from './attention.ts';
import { binaryKernels, elementwiseKernels, unaryKernels } from './elementwise.ts';
import { concatKernels, permuteKernels } from './layout.ts';
import {
  batchInstanceNormKernels,
  batchnormKernels,
  batchRenormKernels,
  channelAffineKernels,
  groupnormKernels,
  instancenormKernels,
  layernormKernels,
  scalenormKernels,
  switchableNormKernels,
} from './normalization.ts';
import { reduceKernels } from './reduce.ts';
import { countScaleKernels, expandKernels, gemmTnKernels, oneHotKernels, sliceKernels } from './backward.ts';
import { convGradInputKernels, convGradWeightKernels, poolGradKernels } from './conv-backward.ts';
import { randomMaskKernels, randomNormalKernels } from './random.ts';
import { softmaxKernels } from './softmax.ts';
import { channelWindowSumKernels, localResponseNormKernels } from './local-response-norm.ts';
import type { Tiling } from './tiling.ts';

/**
 * Pure and deterministic: the same node, input types and tiling give the same
 * WGSL text. Generators without blocked kernels ignore the tiling.
 */
export type KernelGenerator<Op extends OpName = OpName> = (node: Node<Op>, inputTypes: readonly TensorType[], tiling?: Tiling) => Kernel[];

export const KERNELS: { readonly [Op in OpName]?: KernelGenerator<Op> } = {
  linear: linearKernels,
  matmul: matmulKernels,
  conv: convKernels,
  pool: poolKernels,
  global_avgpool: globalAvgPoolKernels,
  unary: unaryKernels,
  binary: binaryKernels,
  elementwise: elementwiseKernels,
  softmax: softmaxKernels,
  reduce: reduceKernels,
  permute: permuteKernels,
  concat: concatKernels,
  batchnorm: batchnormKernels,
  batch_renorm: batchRenormKernels,
  instancenorm: instancenormKernels,
  groupnorm: groupnormKernels,
  layernorm: layernormKernels,
  scalenorm: scalenormKernels,
  batch_instance_norm: batchInstanceNormKernels,
  switchable_norm: switchableNormKernels,
  channel_affine: channelAffineKernels,
  multihead_attention: multiheadAttentionKernels,
  expand: expandKernels,
  slice: sliceKernels,
  gemm_tn: gemmTnKernels,
  count_scale: countScaleKernels,
  one_hot: oneHotKernels,
  conv_grad_input: convGradInputKernels,
  conv_grad_weight: convGradWeightKernels,
  pool_grad: poolGradKernels,
  random_mask: randomMaskKernels,
  random_normal: randomNormalKernels,
  local_response_norm: localResponseNormKernels,
  channel_window_sum: channelWindowSumKernels,
  // A copy: the empty elementwise chain (detach only matters to autodiff).
  detach: (node, inputTypes) => elementwiseKernels({ ...node, attrs: { epilogue: [] } } as unknown as Node<'elementwise'>, inputTypes),
};

export function generateKernels(node: Node, inputTypes: readonly TensorType[], tiling: Tiling = 'fast'): Kernel[] {
  const generate = KERNELS[node.op] as KernelGenerator | undefined;
  if (!generate) throw new Error(`no kernel generator for op '${node.op}'`);
  return generate(node, inputTypes, tiling);
}
