// Kernels of the convolution and pooling gradients (compiler/autodiff/rules/
// conv.ts, pool.ts). Each is one thread per element of the gradient it
// computes, gathering what it sums: no atomics, and the same order of
// additions on every run.
//
// - conv_grad_input: the transposed convolution. An input pixel receives
//   g[oh, ow] * w[kh, kw] from every tap whose window it was read by, i.e.
//   where ih + padding - kh * dilation is a multiple of the stride, at an
//   output position inside the gradient; rows and columns a stride left unread
//   (the "output_padding" leftovers) receive nothing, and are zero.
// - conv_grad_weight: the correlation of x with g, summed over the batch (a
//   run-time size) and over the output positions for which the tap falls in
//   x rather than in the padding.
// - pool_grad: the output windows containing an input element are a range of
//   rows and columns. Average pooling adds g / divisor of each, with the
//   divisor computed exactly as the forward kernel (kernels/pool.ts) and torch
//   do; max pooling rescans each window as the forward kernel does (padding is
//   -inf, the first maximum in row-major order wins, a NaN replaces it) and
//   adds g where this element is the window's argmax.
//
// 1d ops run as 2d with a height of one.
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
  sizeWgsl,
} from './layout.ts';

/** The window geometry with 1d made 2d (height 1, kernel 1, stride 1, no padding). */
interface Window2d {
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
}

function window2d(
  spatial: 1 | 2,
  input: readonly number[],
  output: readonly number[],
  attrs: { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[]; readonly dilation: readonly number[] },
): Window2d {
  const two = (v: readonly number[], fill: number): [number, number] => (spatial === 1 ? [fill, v[0]!] : [v[0]!, v[1]!]);
  const [h, w] = two(input, 1);
  const [oh, ow] = two(output, 1);
  const [kh, kw] = two(attrs.kernel, 1);
  const [sh, sw] = two(attrs.stride, 1);
  const [ph, pw] = two(attrs.padding, 0);
  const [dh, dw] = two(attrs.dilation, 1);
  return { h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw };
}

const spatialOf = (shape: readonly (number | 'N')[]): number[] => shape.slice(2) as number[];

function perElementKernel(node: Node, bindings: Parameters<typeof assembleKernel>[0]['bindings'], lines: readonly string[]): Kernel[] {
  const grid = perElementGrid(shapeSize(node.type.shape));
  return [
    assembleKernel({
      name: kernelName(node),
      bindings,
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body: [grid.guard, ...lines].join('\n'),
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}

/** dx[n, c, ih, iw] = sum over the group's output channels and the taps that read it of g * w. */
export function convGradInputKernels(node: Node<'conv_grad_input'>, inputTypes: readonly TensorType[]): Kernel[] {
  const a = node.attrs;
  const [gType, wType] = [inputTypes[0]!, inputTypes[1]!];
  const o = gType.shape[1] as number;
  const c = node.type.shape[1] as number;
  const win = window2d(a.spatial, a.inputSpatial, spatialOf(gType.shape), { kernel: spatialOf(wType.shape), stride: a.stride, padding: a.padding, dilation: a.dilation });
  const [cg, og] = [c / a.groups, o / a.groups];
  const g = inputBinding('grad', 0);
  const w = inputBinding('weight', 1);
  const dst = outputBinding();
  const lines = [
    `let iw = i32(gidx % ${win.w}u);`,
    `let r1 = gidx / ${win.w}u;`,
    `let ih = i32(r1 % ${win.h}u);`,
    `let r2 = r1 / ${win.h}u;`,
    `let ch = r2 % ${c}u;`,
    `let img = r2 / ${c}u;`,
    `let grp = ch / ${cg}u;`,
    `let ci = ch % ${cg}u;`,
    `var acc = 0.0;`,
    `for (var kh = 0i; kh < ${win.kh}i; kh++) {`,
    // th = oh * stride where this pixel is tap kh of output row oh.
    `  let th = ih + ${win.ph}i - kh * ${win.dh}i;`,
    `  let ohs = th / ${win.sh}i;`,
    `  if ((th < 0i) | (th % ${win.sh}i != 0i) | (ohs >= ${win.oh}i)) { continue; }`,
    `  for (var kw = 0i; kw < ${win.kw}i; kw++) {`,
    `    let tw = iw + ${win.pw}i - kw * ${win.dw}i;`,
    `    let ows = tw / ${win.sw}i;`,
    `    if ((tw < 0i) | (tw % ${win.sw}i != 0i) | (ows >= ${win.ow}i)) { continue; }`,
    `    let tap = u32(kh * ${win.kw}i + kw);`,
    `    let pixel = u32(ohs * ${win.ow}i + ows);`,
    `    for (var j = 0u; j < ${og}u; j++) {`,
    `      let oc = grp * ${og}u + j;`,
    `      acc += ${g.name}[(img * ${o}u + oc) * ${win.oh * win.ow}u + pixel] * ${w.name}[(oc * ${cg}u + ci) * ${win.kh * win.kw}u + tap];`,
    `    }`,
    `  }`,
    `}`,
    `${dst.name}[gidx] = acc;`,
  ];
  return perElementKernel(node, [g, w, dst], lines);
}

/**
 * dw[oc, ci, kh, kw] = sum over images and output positions of
 * x[img, grp * cg + ci, oh * s - p + kh * d, ...] * g[img, oc, oh, ow]. The
 * output rows (columns) whose tap lies inside x are a range, computed once,
 * so the inner loops test nothing.
 */
export function convGradWeightKernels(node: Node<'conv_grad_weight'>, inputTypes: readonly TensorType[]): Kernel[] {
  const a = node.attrs;
  const [xType, gType] = [inputTypes[0]!, inputTypes[1]!];
  const [c, o] = [xType.shape[1] as number, gType.shape[1] as number];
  const win = window2d(a.spatial, spatialOf(xType.shape), spatialOf(gType.shape), a);
  const [cg, og] = [c / a.groups, o / a.groups];
  const batch = sizeOfDim(xType.shape[0]!);
  const x = inputBinding('x', 0);
  const g = inputBinding('grad', 1);
  const dst = outputBinding();
  // First and last output index along one axis whose tap `offset + o * stride` lies in [0, size).
  const range = (axis: string, offset: string, stride: number, size: number, outputs: number) => [
    `let ${axis}Off = ${offset};`,
    `let ${axis}0 = select(0i, (-${axis}Off + ${stride - 1}i) / ${stride}i, ${axis}Off < 0i);`,
    // Truncating division would round a negative bound up to 0: no output then.
    `let ${axis}High = ${size - 1}i - ${axis}Off;`,
    `let ${axis}1 = select(-1i, min(${outputs - 1}i, ${axis}High / ${stride}i), ${axis}High >= 0i);`,
  ];
  const lines = [
    `let kw = i32(gidx % ${win.kw}u);`,
    `let r1 = gidx / ${win.kw}u;`,
    `let kh = i32(r1 % ${win.kh}u);`,
    `let r2 = r1 / ${win.kh}u;`,
    `let ci = r2 % ${cg}u;`,
    `let oc = r2 / ${cg}u;`,
    `let ch = (oc / ${og}u) * ${cg}u + ci;`,
    ...range('oh', `kh * ${win.dh}i - ${win.ph}i`, win.sh, win.h, win.oh),
    ...range('ow', `kw * ${win.dw}i - ${win.pw}i`, win.sw, win.w, win.ow),
    `var acc = 0.0;`,
    `for (var img = 0u; img < ${sizeWgsl(batch)}; img++) {`,
    `  let xPlane = (img * ${c}u + ch) * ${win.h * win.w}u;`,
    `  let gPlane = (img * ${o}u + oc) * ${win.oh * win.ow}u;`,
    `  for (var oh = oh0; oh <= oh1; oh++) {`,
    `    let xRow = xPlane + u32(ohOff + oh * ${win.sh}i) * ${win.w}u;`,
    `    let gRow = gPlane + u32(oh) * ${win.ow}u;`,
    `    for (var ow = ow0; ow <= ow1; ow++) {`,
    `      acc += ${x.name}[xRow + u32(owOff + ow * ${win.sw}i)] * ${g.name}[gRow + u32(ow)];`,
    `    }`,
    `  }`,
    `}`,
    `${dst.name}[gidx] = acc;`,
  ];
  return perElementKernel(node, [x, g, dst], lines);
}

/** dx of a max or average pool, one thread per input element over the windows that contain it. */
export function poolGradKernels(node: Node<'pool_grad'>, inputTypes: readonly TensorType[]): Kernel[] {
  const a = node.attrs;
  const win = window2d(a.spatial, a.inputSpatial, spatialOf(inputTypes[0]!.shape), { ...a, dilation: a.kernel.map(() => 1) });
  const g = inputBinding('grad', 0);
  const x = a.kind === 'max' ? inputBinding('x', 1) : undefined;
  const dst = outputBinding();
  const lines = [
    `let plane = gidx / ${win.h * win.w}u;`,
    `let p = gidx % ${win.h * win.w}u;`,
    `let ih = i32(p / ${win.w}u);`,
    `let iw = i32(p % ${win.w}u);`,
    // Output rows whose window [oh * s - p, oh * s - p + k) holds ih.
    `let hLow = ih + ${win.ph - win.kh + 1}i;`,
    `let oh0 = select(0i, (hLow + ${win.sh - 1}i) / ${win.sh}i, hLow > 0i);`,
    `let oh1 = min(${win.oh - 1}i, (ih + ${win.ph}i) / ${win.sh}i);`,
    `let wLow = iw + ${win.pw - win.kw + 1}i;`,
    `let ow0 = select(0i, (wLow + ${win.sw - 1}i) / ${win.sw}i, wLow > 0i);`,
    `let ow1 = min(${win.ow - 1}i, (iw + ${win.pw}i) / ${win.sw}i);`,
    `let gBase = plane * ${win.oh * win.ow}u;`,
    // A runtime bitcast: -inf may not appear in a WGSL constant expression.
    ...(x ? [`let xBase = plane * ${win.h * win.w}u;`, `var negInfBits = 0xff800000u;`, `let negInf = bitcast<f32>(negInfBits);`] : []),
    `var acc = 0.0;`,
    `for (var oh = oh0; oh <= oh1; oh++) {`,
    `  for (var ow = ow0; ow <= ow1; ow++) {`,
    `    let hstart = oh * ${win.sh}i - ${win.ph}i;`,
    `    let wstart = ow * ${win.sw}i - ${win.pw}i;`,
    `    let go = ${g.name}[gBase + u32(oh * ${win.ow}i + ow)];`,
    ...(x ? maxWindowLines(x.name, win) : avgWindowLines(a.countIncludePad, win)),
    `  }`,
    `}`,
    `${dst.name}[gidx] = acc;`,
  ];
  return perElementKernel(node, x ? [g, x, dst] : [g, dst], lines);
}

/** The window's argmax as the forward kernel finds it (torch starts at the window's first element). */
function maxWindowLines(x: string, win: Window2d): string[] {
  return [
    ...clippedWindowLines(win),
    `    var m = negInf;`,
    `    var at = h0 * ${win.w}i + w0;`,
    `    for (var wh = h0; wh < h1; wh++) {`,
    `      for (var ww = w0; ww < w1; ww++) {`,
    `        let v = ${x}[xBase + u32(wh * ${win.w}i + ww)];`,
    `        if (v > m || v != v) { m = v; at = wh * ${win.w}i + ww; }`,
    `      }`,
    `    }`,
    `    if (at == ih * ${win.w}i + iw) { acc += go; }`,
  ];
}

/** g / divisor, the divisor as the forward kernel and torch compute it. */
function avgWindowLines(countIncludePad: boolean, win: Window2d): string[] {
  if (countIncludePad) {
    // Padded taps count: torch's pool_size, the window clipped to input + padding (it never reaches past that without ceil_mode).
    return [`    acc += go / f32((min(hstart + ${win.kh}i, ${win.h + win.ph}i) - hstart) * (min(wstart + ${win.kw}i, ${win.w + win.pw}i) - wstart));`];
  }
  return [...clippedWindowLines(win), `    acc += go / f32((h1 - h0) * (w1 - w0));`];
}

/** The window clipped to the input, as the forward kernel clips it. */
function clippedWindowLines(win: Window2d): string[] {
  return [
    `    let h0 = max(hstart, 0i);`,
    `    let w0 = max(wstart, 0i);`,
    `    let h1 = min(hstart + ${win.kh}i, ${win.h}i);`,
    `    let w1 = min(wstart + ${win.kw}i, ${win.w}i);`,
  ];
}
