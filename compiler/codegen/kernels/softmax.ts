// softmax and log_softmax along any axis, as torch computes them: subtract the
// row maximum before exponentiating, so no exp overflows, and write
// log_softmax as x - max - log(sum) rather than the log of a softmax that may
// have underflowed to zero.
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import {
  assembleKernel,
  inputBinding,
  isOne,
  kernelName,
  mulWgsl,
  outputBinding,
  shapeSize,
  sizeOfDim,
  sizeProduct,
  sizeWgsl,
} from './layout.ts';
import { F32_LOWEST, planRows, rowGrid, rowLoop, rowPrelude, rowReductionHelpers } from './reduce.ts';

/** The tensor is viewed as [outer, length, inner]; a row is one (outer, inner) pair. */
export function softmaxKernels(node: Node<'softmax'>, inputTypes: readonly TensorType[]): Kernel[] {
  const shape = inputTypes[0]!.shape;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + shape.length : node.attrs.axis;
  const outer = shapeSize(shape.slice(0, axis));
  const length = sizeOfDim(shape[axis]!);
  const inner = shapeSize(shape.slice(axis + 1));
  const rows = sizeProduct([outer, inner]);
  const plan = planRows(length, rows);
  const src = inputBinding('src', 0);
  const dst = outputBinding();

  const base = isOne(inner)
    ? `let base = ${mulWgsl('row', length)};`
    : `let base = ${mulWgsl(`(row / ${sizeWgsl(inner)})`, sizeProduct([length, inner]))} + row % ${sizeWgsl(inner)};`;
  const at = (j: string): string => `base + ${mulWgsl(j, inner)}`;
  const write = node.attrs.log ? 'x - m - log_total' : 'exp(x - m) * inv_total';
  const body = [
    rowPrelude(plan, rows),
    base,
    `var local_max = ${F32_LOWEST};`,
    `${rowLoop(plan, length)} { local_max = max(local_max, ${src.name}[${at('i')}]); }`,
    'let m = row_max(local_max, lane);',
    'var local_sum = 0.0;',
    `${rowLoop(plan, length)} { local_sum += exp(${src.name}[${at('i')}] - m); }`,
    'let total = row_sum(local_sum, lane);',
    node.attrs.log ? 'let log_total = log(total);' : 'let inv_total = 1.0 / total;',
    `${rowLoop(plan, length)} {`,
    `  let x = ${src.name}[${at('i')}];`,
    `  ${dst.name}[${at('i')}] = ${write};`,
    '}',
  ].join('\n');
  const grid = rowGrid(plan, rows);
  return [
    assembleKernel({
      name: kernelName(node),
      bindings: [src, dst],
      workgroupSize: plan.workgroupSize,
      helpers: rowReductionHelpers(plan),
      body,
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}
