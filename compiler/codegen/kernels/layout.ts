// Memory layout: the sizes, strides and index arithmetic that the generators
// in this folder share, and the two ops that only move data (permute, concat).
//
// Every size a kernel needs is either a constant or a constant multiple of
// the batch size N (a shape holds N at most once), so a size is `k` or
// `k * N` and becomes the WGSL expression `ku` or `dims.n * ku`. Constants are
// baked into the shader; N comes from the `dims` uniform at run time.
import type { Node, Shape, TensorType } from '../../ir/types.ts';
import type { AffineInN, Kernel, KernelBinding, KernelParam } from '../kernel.ts';
import { computeShader, wgslName } from '../wgsl.ts';

/** `k`, or `k * N` when `n` is true. */
export interface Size {
  readonly k: number;
  readonly n: boolean;
}

export const ONE: Size = { k: 1, n: false };

export function sizeOfDim(d: number | 'N'): Size {
  return d === 'N' ? { k: 1, n: true } : { k: d, n: false };
}

export function sizeProduct(sizes: readonly Size[]): Size {
  let k = 1;
  let n = false;
  for (const s of sizes) {
    if (s.n && n) throw new Error('a size cannot hold the batch size N twice');
    k *= s.k;
    n ||= s.n;
  }
  return { k, n };
}

export function shapeSize(shape: Shape): Size {
  return sizeProduct(shape.map(sizeOfDim));
}

export function sizesEqual(a: Size, b: Size): boolean {
  return a.k === b.k && a.n === b.n;
}

export function isOne(s: Size): boolean {
  return !s.n && s.k === 1;
}

/** The size as a WGSL u32 expression. */
export function sizeWgsl(s: Size): string {
  if (!s.n) return `${s.k}u`;
  return s.k === 1 ? 'dims.n' : `(dims.n * ${s.k}u)`;
}

export function sizeAffine(s: Size): AffineInN {
  return s.n ? { perN: s.k, fixed: 0 } : { perN: 0, fixed: s.k };
}

/** `a * b` in WGSL, dropping factors of one. */
export function mulWgsl(a: string, b: Size): string {
  if (isOne(b)) return a;
  return `${a} * ${sizeWgsl(b)}`;
}

/** Row-major strides of `sizes`. */
export function stridesOf(sizes: readonly Size[]): Size[] {
  const strides: Size[] = new Array(sizes.length);
  let running = ONE;
  for (let i = sizes.length - 1; i >= 0; i--) {
    strides[i] = running;
    running = sizeProduct([running, sizes[i]!]);
  }
  return strides;
}

/**
 * WGSL `let` statements splitting the linear index `index` into coordinates
 * `${prefix}0 .. ${prefix}{rank-1}` over `sizes` (row-major). The first
 * coordinate needs no modulo: the caller has bounds-checked the index.
 */
export function unravel(index: string, sizes: readonly Size[], prefix: string): string {
  const lines: string[] = [];
  let rest = index;
  for (let d = sizes.length - 1; d >= 0; d--) {
    if (d === 0) {
      lines.push(`let ${prefix}0 = ${rest};`);
      break;
    }
    const size = sizeWgsl(sizes[d]!);
    lines.push(`let ${prefix}${d} = ${rest} % ${size};`);
    lines.push(`let ${prefix}r${d} = ${rest} / ${size};`);
    rest = `${prefix}r${d}`;
  }
  return lines.join('\n');
}

/** `sum coords[d] * strides[d]` in WGSL, skipping zero strides (broadcast dims); `0u` when empty. */
export function offsetWgsl(coords: readonly string[], strides: readonly (Size | null)[]): string {
  const terms = coords.flatMap((c, d) => (strides[d] ? [mulWgsl(c, strides[d]!)] : []));
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/** Default workgroup size for one-thread-per-element kernels. */
export const ELEMENTWISE_WORKGROUP = 64;

/**
 * Assembles a Kernel from its parts. `usesBatch` follows from the text (a
 * kernel that declares the `dims` uniform but never reads it would lose the
 * binding in an automatic pipeline layout), and every storage binding must
 * be used for the same reason.
 */
export function assembleKernel(opts: {
  readonly name: string;
  readonly bindings: readonly KernelBinding[];
  readonly workgroupSize: number;
  readonly body: string;
  readonly helpers?: string;
  readonly groups: AffineInN;
  readonly groupsDivisor: number;
  readonly subgroups?: boolean;
  /** Sizes read from the Dims uniform (see KernelParam). */
  readonly params?: readonly KernelParam[];
}): Kernel {
  const code = `${opts.helpers ?? ''}\n${opts.body}`;
  const params = opts.params ?? [];
  const usesBatch = /\bdims\.n\b/.test(code) || params.length > 0;
  for (const p of params) {
    if (!new RegExp(`\\bdims\\.${p.name}\\b`).test(code)) throw new Error(`kernel ${opts.name}: parameter ${p.name} is never used`);
  }
  for (const b of opts.bindings) {
    if (!new RegExp(`\\b${b.name}\\b`).test(code)) {
      throw new Error(`kernel ${opts.name}: binding ${b.name} is never used`);
    }
  }
  const shader = computeShader({
    bindings: opts.bindings,
    usesBatch,
    ...(params.length > 0 ? { params: params.map((p) => p.name) } : {}),
    workgroupSize: opts.workgroupSize,
    body: opts.body,
    ...(opts.helpers ? { helpers: opts.helpers } : {}),
    ...(opts.subgroups ? { subgroups: true } : {}),
  });
  return {
    name: opts.name,
    wgsl: shader,
    entryPoint: 'main',
    workgroupSize: opts.workgroupSize,
    bindings: opts.bindings,
    usesBatch,
    ...(params.length > 0 ? { params } : {}),
    groups: opts.groups,
    groupsDivisor: opts.groupsDivisor,
    ...(opts.subgroups ? { features: ['subgroups'] as const } : {}),
  };
}

/** A stable kernel name for a node: unique in a graph because node ids are. */
export function kernelName(node: Node, part?: string): string {
  return wgslName(part === undefined ? `${node.op}_${node.id}` : `${node.op}_${node.id}_${part}`);
}

export function inputBinding(name: string, index: number): KernelBinding {
  return { name: wgslName(name), access: 'read', source: { kind: 'input', index } };
}

export function outputBinding(name = 'dst'): KernelBinding {
  return { name: wgslName(name), access: 'read_write', source: { kind: 'output' } };
}

/** One thread per element of `count`: the guard line and the grid. */
export function perElementGrid(count: Size, workgroupSize = ELEMENTWISE_WORKGROUP): {
  readonly guard: string;
  readonly groups: AffineInN;
  readonly groupsDivisor: number;
} {
  return {
    guard: `if (gidx >= ${sizeWgsl(count)}) { return; }`,
    groups: sizeAffine(count),
    groupsDivisor: workgroupSize,
  };
}

// ---------------------------------------------------------------- permute

/**
 * One thread per output element; the output coordinate along output axis d
 * steps the input by its stride along `perm[d]`. Axes of size one are dropped
 * and neighbours that stay adjacent in the input are merged, so an NCHW ->
 * NHWC permute splits the index three ways, not four.
 */
export function permuteKernels(node: Node<'permute'>, inputTypes: readonly TensorType[]): Kernel[] {
  const inShape = inputTypes[0]!.shape;
  const inStrides = stridesOf(inShape.map(sizeOfDim));
  const dimsOut: { size: Size; stride: Size }[] = [];
  node.attrs.perm.forEach((p) => {
    const size = sizeOfDim(inShape[p]!);
    if (isOne(size)) return;
    const stride = inStrides[p]!;
    const last = dimsOut[dimsOut.length - 1];
    if (last && sizesEqual(last.stride, sizeProduct([stride, size]))) {
      dimsOut[dimsOut.length - 1] = { size: sizeProduct([last.size, size]), stride };
    } else {
      dimsOut.push({ size, stride });
    }
  });
  const count = shapeSize(node.type.shape);
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const grid = perElementGrid(count);
  const coords = dimsOut.map((_, d) => `c${d}`);
  const body = [
    grid.guard,
    unravel('gidx', dimsOut.map((d) => d.size), 'c'),
    `${dst.name}[gidx] = ${src.name}[${offsetWgsl(coords, dimsOut.map((d) => d.stride))}];`,
  ].join('\n');
  return [
    assembleKernel({
      name: kernelName(node),
      bindings: [src, dst],
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body,
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}

// ---------------------------------------------------------------- concat

/**
 * One kernel per input, each copying its input into its slice of the output:
 * no per-element search for the source and no limit on the number of inputs
 * from the storage-binding budget. The tensors are viewed as [outer, axis,
 * inner].
 */
export function concatKernels(node: Node<'concat'>, inputTypes: readonly TensorType[]): Kernel[] {
  const outShape = node.type.shape;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + outShape.length : node.attrs.axis;
  const outer = shapeSize(outShape.slice(0, axis));
  const inner = shapeSize(outShape.slice(axis + 1));
  const total = outShape[axis] as number;
  let start = 0;
  return inputTypes.map((t, index) => {
    const span = t.shape[axis] as number;
    const offset = start;
    start += span;
    const src = inputBinding('src', index);
    const dst = outputBinding();
    const count = sizeProduct([outer, { k: span, n: false }, inner]);
    const grid = perElementGrid(count);
    // Output position = input position + offset * inner + o * (total - span) * inner.
    const body = [
      grid.guard,
      `let o = gidx / ${sizeWgsl(sizeProduct([{ k: span, n: false }, inner]))};`,
      `${dst.name}[gidx + o * ${sizeWgsl(sizeProduct([{ k: total - span, n: false }, inner]))} + ${sizeWgsl(sizeProduct([{ k: offset, n: false }, inner]))}] = ${src.name}[gidx];`,
    ].join('\n');
    return assembleKernel({
      name: kernelName(node, `part${index}`),
      bindings: [src, dst],
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body,
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    });
  });
}
