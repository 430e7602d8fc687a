// torch.nn.functional.linear: y = x W^T + b over the last axis of x. Every
// leading axis of x (the batch N among them) folds into the GEMM's rows; the
// weight [out, in] is B stored [n, k], so both operands are read along k.
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import { kernelName, sizeOfDim, sizeProduct } from './layout.ts';
import { gemmKernel } from './matmul.ts';
import type { Tiling } from './tiling.ts';

export function linearKernels(node: Node<'linear'>, inputTypes: readonly TensorType[], tiling: Tiling = 'fast'): Kernel[] {
  const xShape = inputTypes[0]!.shape;
  const [outFeatures, inFeatures] = inputTypes[1]!.shape as [number, number];
  const hasBias = inputTypes.length > 2 && !node.attrs.epilogue.some((s) => s.kind === 'binary' && s.operand === 2);
  return [
    gemmKernel({
      name: kernelName(node),
      batch: { k: 1, n: false },
      m: sizeProduct(xShape.slice(0, -1).map(sizeOfDim)),
      k: inFeatures,
      n: outFeatures,
      bLayout: 'nk',
      a: { name: 'x', input: 0 },
      b: { name: 'weight', input: 1 },
      ...(hasBias ? { bias: { name: 'bias', input: 2, index: (_row: string, col: string) => col } } : {}),
      epilogue: node.attrs.epilogue,
      tiling,
    }),
  ];
}
