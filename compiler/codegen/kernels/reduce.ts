// Row reductions. A "row" is the set of elements that reduce to one value
// (one output of `reduce`, one softmax slice, one normalisation group). Short
// rows get a thread each; long ones get a workgroup each, whose threads stride
// over the row and combine their partial results with a tree in workgroup
// memory. Softmax and the normalisations use the same plan and helpers.
import type { Node, TensorType } from '../../ir/types.ts';
import type { AffineInN, Kernel } from '../kernel.ts';
import {
  assembleKernel,
  inputBinding,
  isOne,
  offsetWgsl,
  outputBinding,
  kernelName,
  shapeSize,
  sizeAffine,
  sizeOfDim,
  sizeProduct,
  sizesEqual,
  sizeWgsl,
  stridesOf,
  unravel,
  type Size,
} from './layout.ts';

/** How threads map onto rows. */
export interface RowPlan {
  /** Threads cooperating on one row: 1 means a thread per row. */
  readonly threads: number;
  readonly workgroupSize: number;
}

// Choosing between the two. Workgroup barriers are expensive on SwiftShader,
// and the more so the more workgroups and the wider they are: layernorm over
// 65537 rows of 40 took 9.6 s with a 64-thread workgroup per row and 0.12 s
// with a thread per row; groupnorm over 128 rows of 3136 took 470 ms with
// 256-thread workgroups, 52 ms with 64-thread ones and 54 ms with a thread
// per row. A workgroup per row pays off on a real GPU when the rows are too
// few to keep it busy and long enough that one thread would crawl (a
// batchnorm channel over the batch: 32 rows of 12544 took 42 ms against
// 67 ms with a thread per row even on SwiftShader), so that is the only case
// that gets one, of 64 threads.
const LONG_ROW = 512;
const FEW_ROWS = 128;
const ROW_WORKGROUP = 64;
/** The batch size assumed when a row length or count scales with N. */
const TYPICAL_BATCH = 8;

function expectedSize(s: Size): number {
  return s.n ? s.k * TYPICAL_BATCH : s.k;
}

/**
 * The plan for `rows` rows of `rowLength` elements each. Without `rows` the
 * count is taken to be small, so the choice rests on the length alone.
 */
export function planRows(rowLength: Size, rows?: Size): RowPlan {
  const length = expectedSize(rowLength);
  const few = rows === undefined || expectedSize(rows) < FEW_ROWS;
  if (length < LONG_ROW || !few) return { threads: 1, workgroupSize: 64 };
  return { threads: ROW_WORKGROUP, workgroupSize: ROW_WORKGROUP };
}

/** The grid for `rows` rows under `plan`. */
export function rowGrid(plan: RowPlan, rows: Size): { readonly groups: AffineInN; readonly groupsDivisor: number } {
  return { groups: sizeAffine(rows), groupsDivisor: plan.threads === 1 ? plan.workgroupSize : 1 };
}

/**
 * Declares `row` and `lane` and returns from threads past the last row. With a
 * workgroup per row the guard depends only on the workgroup index, so it is
 * uniform and the barriers that follow stay legal.
 */
export function rowPrelude(plan: RowPlan, rows: Size): string {
  const row = plan.threads === 1 ? 'gidx' : 'wid';
  const lane = plan.threads === 1 ? '0u' : 'lid';
  return [`let row = ${row};`, `let lane = ${lane};`, `if (row >= ${sizeWgsl(rows)}) { return; }`].join('\n');
}

/** `for (var i = lane; i < length; i += threads)`: the loop header over a row. */
export function rowLoop(plan: RowPlan, length: Size, variable = 'i'): string {
  return `for (var ${variable} = lane; ${variable} < ${sizeWgsl(length)}; ${variable} += ${plan.threads}u)`;
}

/** The lowest finite f32, the identity of max over finite values. */
export const F32_LOWEST = 'bitcast<f32>(0xff7fffffu)';

/**
 * `row_sum(v, lane)` and `row_max(v, lane)`: the value combined over the row's
 * threads, returned to every thread. Each call ends with a barrier so the
 * scratch array can be reused by the next call.
 */
export function rowReductionHelpers(plan: RowPlan): string {
  if (plan.threads === 1) {
    return [
      'fn row_sum(v: f32, lane: u32) -> f32 { return v; }',
      'fn row_max(v: f32, lane: u32) -> f32 { return v; }',
    ].join('\n');
  }
  const tree = (name: string, combine: string): string =>
    [
      `fn ${name}(v: f32, lane: u32) -> f32 {`,
      '  partials[lane] = v;',
      '  workgroupBarrier();',
      `  for (var s = ${plan.threads / 2}u; s > 0u; s = s >> 1u) {`,
      `    if (lane < s) { partials[lane] = ${combine}; }`,
      '    workgroupBarrier();',
      '  }',
      '  let r = partials[0];',
      '  workgroupBarrier();',
      '  return r;',
      '}',
    ].join('\n');
  return [
    `var<workgroup> partials: array<f32, ${plan.threads}>;`,
    tree('row_sum', 'partials[lane] + partials[lane + s]'),
    tree('row_max', 'max(partials[lane], partials[lane + s])'),
  ].join('\n');
}

/** A run of input axes that are all reduced or all kept, merged into one. */
export interface AxisRun {
  readonly size: Size;
  readonly stride: Size;
  readonly reduced: boolean;
}

/** Drops size-one axes and merges neighbours of the same kind that are contiguous. */
export function axisRuns(shape: TensorType['shape'], reduced: ReadonlySet<number>): AxisRun[] {
  const strides = stridesOf(shape.map(sizeOfDim));
  const runs: AxisRun[] = [];
  shape.forEach((d, axis) => {
    const size = sizeOfDim(d);
    if (isOne(size)) return;
    const run = { size, stride: strides[axis]!, reduced: reduced.has(axis) };
    const last = runs[runs.length - 1];
    if (last && last.reduced === run.reduced && sizesEqual(last.stride, sizeProduct([run.stride, run.size]))) {
      runs[runs.length - 1] = { size: sizeProduct([last.size, run.size]), stride: run.stride, reduced: run.reduced };
    } else {
      runs.push(run);
    }
  });
  return runs;
}

/**
 * sum / mean / max over `axes`. Output element `row` reads the input at
 * `base(row) + offset(i)` for i over the reduced extent; both offsets come
 * from the merged axis runs, so reducing the trailing axes of a contiguous
 * tensor is a plain strided loop.
 */
export function reduceKernels(node: Node<'reduce'>, inputTypes: readonly TensorType[]): Kernel[] {
  const shape = inputTypes[0]!.shape;
  const reducedAxes = new Set(node.attrs.axes.map((a) => (a < 0 ? a + shape.length : a)));
  const runs = axisRuns(shape, reducedAxes);
  const kept = runs.filter((r) => !r.reduced);
  const red = runs.filter((r) => r.reduced);
  const rows = shapeSize(node.type.shape);
  const length = sizeProduct(red.map((r) => r.size));
  const plan = planRows(length, rows);
  const src = inputBinding('src', 0);
  const dst = outputBinding();

  const keptCoords = kept.map((_, i) => `k${i}`);
  const redCoords = red.map((_, i) => `r${i}`);
  const fn = node.attrs.fn;
  const init = fn === 'max' ? F32_LOWEST : '0.0';
  const combine = fn === 'max' ? 'acc = max(acc, v);' : 'acc += v;';
  const finish =
    fn === 'mean' ? `total / f32(${sizeWgsl(length)})` : 'total';
  const body = [
    rowPrelude(plan, rows),
    unravel('row', kept.map((r) => r.size), 'k'),
    `let base = ${offsetWgsl(keptCoords, kept.map((r) => r.stride))};`,
    `var acc = ${init};`,
    `${rowLoop(plan, length)} {`,
    indent(unravel('i', red.map((r) => r.size), 'r')),
    `  let v = ${src.name}[base + ${offsetWgsl(redCoords, red.map((r) => r.stride))}];`,
    `  ${combine}`,
    '}',
    `let total = ${fn === 'max' ? 'row_max' : 'row_sum'}(acc, lane);`,
    `if (lane == 0u) { ${dst.name}[row] = ${finish}; }`,
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

export function indent(text: string, pad = '  '): string {
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? pad + l : l))
    .join('\n');
}
