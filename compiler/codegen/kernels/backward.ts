// Kernels of the ops only training makes (compiler/autodiff/, compiler/train/):
// broadcasting a gradient back over reduced axes, taking a slice, scaling by
// a count that depends on the batch size, the A^T B product that sums a
// weight's gradient over every row of the batch, and the one-hot encoding
// of class labels.
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import { f32Literal } from '../wgsl.ts';
import { pointwiseKernel } from './elementwise.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  inputBinding,
  kernelName,
  offsetWgsl,
  outputBinding,
  perElementGrid,
  shapeSize,
  sizeOfDim,
  sizeWgsl,
  stridesOf,
  unravel,
} from './layout.ts';

/** One thread per output element of a one-input op; `body` writes `dst[gidx]` from `src`. */
export function pointwise(node: Node, body: (src: string, dst: string) => string[]): Kernel[] {
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  return [pointwiseKernel(node, node.type.shape, [src, dst], body(src.name, dst.name).join('\n'))];
}

/** One thread per output element, reading the input with stride 0 along its size-1 axes. */
export function expandKernels(node: Node<'expand'>, inputTypes: readonly TensorType[]): Kernel[] {
  const inShape = inputTypes[0]!.shape;
  const outSizes = node.type.shape.map(sizeOfDim);
  const inStrides = stridesOf(inShape.map(sizeOfDim)).map((s, d) => (inShape[d] === 1 ? null : s));
  const coords = outSizes.map((_, d) => `c${d}`);
  return pointwise(node, (src, dst) => [unravel('gidx', outSizes, 'c'), `${dst}[gidx] = ${src}[${offsetWgsl(coords, inStrides)}];`]);
}

export function sliceKernels(node: Node<'slice'>, inputTypes: readonly TensorType[]): Kernel[] {
  const inShape = inputTypes[0]!.shape;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + inShape.length : node.attrs.axis;
  const outSizes = node.type.shape.map(sizeOfDim);
  const coords = outSizes.map((_, d) => (d === axis ? `(c${d} + ${node.attrs.start}u)` : `c${d}`));
  const strides = stridesOf(inShape.map(sizeOfDim));
  return pointwise(node, (src, dst) => [unravel('gidx', outSizes, 'c'), `${dst}[gidx] = ${src}[${offsetWgsl(coords, strides)}];`]);
}

/** A count `perN * N + fixed` as a WGSL f32 expression. */
function countWgsl(c: { readonly perN: number; readonly fixed: number }): string {
  if (c.perN === 0) return f32Literal(c.fixed);
  const scaled = c.perN === 1 ? 'f32(dims.n)' : `(f32(dims.n) * ${f32Literal(c.perN)})`;
  return c.fixed === 0 ? scaled : `(${scaled} + ${f32Literal(c.fixed)})`;
}

export function countScaleKernels(node: Node<'count_scale'>): Kernel[] {
  const { numerator, denominator } = node.attrs;
  const one = numerator.perN === 0 && numerator.fixed === 1;
  const value = (src: string) => (one ? `${src}[gidx] / ${countWgsl(denominator)}` : `${src}[gidx] * ${countWgsl(numerator)} / ${countWgsl(denominator)}`);
  return pointwise(node, (src, dst) => [`${dst}[gidx] = ${value(src)};`]);
}

/**
 * out[i, j] = sum over rows r of a[r, i] * b[r, j]: the rows, a multiple of
 * the batch size, are the long axis; the outputs are a weight's elements.
 * Where both widths are multiples of four, each thread computes a 4 x 4
 * block with vec4 loads (two loads per 16 multiply-adds, against two per one
 * for a thread per element: about 6x faster on SwiftShader); otherwise a
 * thread per element.
 */
export function gemmTnKernels(node: Node<'gemm_tn'>, inputTypes: readonly TensorType[]): Kernel[] {
  const a = inputTypes[0]!;
  const rows = shapeSize(a.shape.slice(0, -1));
  const [i, j] = node.type.shape as [number, number];
  if (i % 4 === 0 && j % 4 === 0) return [gemmTnBlocked(node, rows, i, j)];
  const lhs = inputBinding('lhs', 0);
  const rhs = inputBinding('rhs', 1);
  const dst = outputBinding();
  const grid = perElementGrid({ k: i * j, n: false });
  const body = [
    grid.guard,
    `let oi = gidx / ${j}u;`,
    `let oj = gidx % ${j}u;`,
    'var acc = 0.0;',
    `for (var r = 0u; r < ${sizeWgsl(rows)}; r++) {`,
    `  acc += ${lhs.name}[r * ${i}u + oi] * ${rhs.name}[r * ${j}u + oj];`,
    '}',
    `${dst.name}[gidx] = acc;`,
  ].join('\n');
  return [
    assembleKernel({
      name: kernelName(node),
      bindings: [lhs, rhs, dst],
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body,
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}

function gemmTnBlocked(node: Node<'gemm_tn'>, rows: ReturnType<typeof shapeSize>, i: number, j: number): Kernel {
  const vec4 = { elementType: 'vec4<f32>' as const };
  const lhs = { ...inputBinding('lhs', 0), ...vec4 };
  const rhs = { ...inputBinding('rhs', 1), ...vec4 };
  const dst = { ...outputBinding(), ...vec4 };
  const [bi, bj] = [i / 4, j / 4];
  const grid = perElementGrid({ k: bi * bj, n: false });
  const body = [
    grid.guard,
    `let ti = gidx / ${bj}u;`,
    `let tj = gidx % ${bj}u;`,
    'var acc0 = vec4<f32>(0.0);',
    'var acc1 = vec4<f32>(0.0);',
    'var acc2 = vec4<f32>(0.0);',
    'var acc3 = vec4<f32>(0.0);',
    `for (var r = 0u; r < ${sizeWgsl(rows)}; r++) {`,
    `  let av = ${lhs.name}[r * ${bi}u + ti];`,
    `  let bv = ${rhs.name}[r * ${bj}u + tj];`,
    '  acc0 += av.x * bv;',
    '  acc1 += av.y * bv;',
    '  acc2 += av.z * bv;',
    '  acc3 += av.w * bv;',
    '}',
    `let base = ti * 4u * ${bj}u + tj;`,
    `${dst.name}[base] = acc0;`,
    `${dst.name}[base + ${bj}u] = acc1;`,
    `${dst.name}[base + ${2 * bj}u] = acc2;`,
    `${dst.name}[base + ${3 * bj}u] = acc3;`,
  ].join('\n');
  return assembleKernel({
    name: kernelName(node),
    bindings: [lhs, rhs, dst],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body,
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

/** One thread per output element: 1 where the element's class is its row's label. */
export function oneHotKernels(node: Node<'one_hot'>): Kernel[] {
  const classes = node.attrs.classes;
  return pointwise(node, (src, dst) => [`${dst}[gidx] = select(0.0, 1.0, ${src}[gidx / ${classes}u] == f32(gidx % ${classes}u));`]);
}
