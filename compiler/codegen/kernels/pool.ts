// Max and average pooling (torch max_pool1d/2d, avg_pool1d/2d without
// ceil_mode), and global average pooling (AdaptiveAvgPool(1)).
//
// Pooling is one thread per output element walking its window; the window is
// small and every tap is read once, so there is nothing to block. The window
// bounds and the average's divisor follow torch's CPU kernels exactly: padding
// is -inf for max (a padded tap never wins) and zero for avg, and with
// count_include_pad the divisor counts padded taps that lie within
// `input + padding`, otherwise only real taps. NaN propagates through max as
// in torch (`v > m || isnan(v)` replaces the maximum).
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel } from '../kernel.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  inputBinding,
  kernelName,
  outputBinding,
  perElementGrid,
  shapeSize,
  sizeOfDim,
  sizeProduct,
} from './layout.ts';
import { planRows, rowGrid, rowLoop, rowPrelude, rowReductionHelpers } from './reduce.ts';
import { f32Literal } from '../wgsl.ts';

export function poolKernels(node: Node<'pool'>, inputTypes: readonly TensorType[]): Kernel[] {
  const a = node.attrs;
  const x = inputTypes[0]!.shape;
  const out = node.type.shape;
  // 1d pools as 2d with a height of one.
  const two = (v: readonly number[], fill: number): [number, number] => (a.spatial === 1 ? [fill, v[0]!] : [v[0]!, v[1]!]);
  const [h, w] = a.spatial === 1 ? [1, x[2] as number] : [x[2] as number, x[3] as number];
  const [oh, ow] = a.spatial === 1 ? [1, out[2] as number] : [out[2] as number, out[3] as number];
  const [kh, kw] = two(a.kernel, 1);
  const [sh, sw] = two(a.stride, 1);
  const [ph, pw] = two(a.padding, 0);

  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const count = shapeSize(out);
  const grid = perElementGrid(count);
  const lines = [
    grid.guard,
    `let plane = gidx / ${oh * ow}u;`,
    `let p = gidx % ${oh * ow}u;`,
    `let base = plane * ${h * w}u;`,
    `let hstart = i32(p / ${ow}u) * ${sh}i - ${ph}i;`,
    `let wstart = i32(p % ${ow}u) * ${sw}i - ${pw}i;`,
    // The window clipped to the input; padding never exceeds half the kernel, so it is never empty.
    `let h0 = max(hstart, 0i);`,
    `let w0 = max(wstart, 0i);`,
    `let h1 = min(hstart + ${kh}i, ${h}i);`,
    `let w1 = min(wstart + ${kw}i, ${w}i);`,
  ];
  if (a.kind === 'max') {
    lines.push(
      // A runtime bitcast: -inf may not appear in a WGSL constant expression.
      `var negInfBits = 0xff800000u;`,
      `var m = bitcast<f32>(negInfBits);`,
      `for (var ih = h0; ih < h1; ih++) {`,
      `  for (var iw = w0; iw < w1; iw++) {`,
      `    let v = ${src.name}[base + u32(ih) * ${w}u + u32(iw)];`,
      `    if (v > m || v != v) { m = v; }`,
      `  }`,
      `}`,
      `${dst.name}[gidx] = m;`,
    );
  } else {
    const divisor = a.countIncludePad
      ? `f32((min(hstart + ${kh}i, ${h + ph}i) - hstart) * (min(wstart + ${kw}i, ${w + pw}i) - wstart))`
      : `f32((h1 - h0) * (w1 - w0))`;
    lines.push(
      `var sum = 0.0;`,
      `for (var ih = h0; ih < h1; ih++) {`,
      `  for (var iw = w0; iw < w1; iw++) {`,
      `    sum += ${src.name}[base + u32(ih) * ${w}u + u32(iw)];`,
      `  }`,
      `}`,
      `${dst.name}[gidx] = sum / ${divisor};`,
    );
  }
  return [
    assembleKernel({
      name: kernelName(node),
      bindings: [src, dst],
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body: lines.join('\n'),
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}

/** The mean of each (n, c) plane: a thread per plane when planes are short, a workgroup each when long. */
export function globalAvgPoolKernels(node: Node<'global_avgpool'>, inputTypes: readonly TensorType[]): Kernel[] {
  const x = inputTypes[0]!.shape;
  const rows = sizeProduct(x.slice(0, 2).map(sizeOfDim));
  const length = shapeSize(x.slice(2));
  const plan = planRows(length);
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const body = [
    rowPrelude(plan, rows),
    `let base = row * ${length.k}u;`,
    `var acc = 0.0;`,
    `${rowLoop(plan, length)} {`,
    `  acc += ${src.name}[base + i];`,
    `}`,
    `let total = row_sum(acc, lane);`,
    // Divided, not multiplied by 1/length: torch's mean rounds this way.
    `if (lane == 0u) { ${dst.name}[row] = total / ${f32Literal(length.k)}; }`,
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
