// Convolution (torch conv1d/conv2d: stride, zero padding, dilation, groups),
// with the bias and the epilogue applied before the store.
//
// A 1x1 convolution with stride 1 and no padding is a GEMM per image and
// group (weight [O, C] times the image [C, H*W]) and goes to the shared GEMM
// kernel. Groups of one or two output channels (depthwise) with unit width
// stride go to rowConv, which shares input loads between neighbouring taps
// along a row. Everything else is a direct blocked convolution: each
// invocation computes several output channels of one group times several
// output pixels of one image (pixels flattened over the output plane, so small
// planes waste little; see convTile). The loop runs over the kernel window
// outside and the group's input channels inside: where a window tap falls for
// each pixel, and whether it falls in the padding, depends only on the tap, so
// it is computed once per tap and reused for every input channel.
import { convOutSize } from '../../ir/ops.ts';
import type { Node, TensorType } from '../../ir/types.ts';
import { emitEpilogue, EPILOGUE_FLAGS_HELPER, epilogueFlagParams, epilogueFlags, epilogueHelpers, epilogueOperands, flaggedEpilogue, residualBinding, type EpilogueFlags } from '../epilogue.ts';
import type { AffineInN, Kernel, KernelBinding } from '../kernel.ts';
import { assembleKernel, kernelName, sizeOfDim, sizeWgsl, type Size } from './layout.ts';
import { checkStorageBudget, gemmKernel } from './matmul.ts';
import { isQuick, type Tiling } from './tiling.ts';

const WORKGROUP = 64;

/** The convolution with 1d made 2d (a height of 1), so one code path serves both. */
interface ConvGeometry {
  readonly batch: Size;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly oh: number;
  readonly ow: number;
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

function geometry(node: Node<'conv'>, inputTypes: readonly TensorType[]): ConvGeometry {
  const a = node.attrs;
  const x = inputTypes[0]!.shape;
  const wt = inputTypes[1]!.shape as readonly number[];
  const two = (v: readonly number[], fill: number): [number, number] => (a.spatial === 1 ? [fill, v[0]!] : [v[0]!, v[1]!]);
  const [h, w] = [a.spatial === 1 ? 1 : (x[2] as number), x[x.length - 1] as number];
  const [kh, kw] = [a.spatial === 1 ? 1 : wt[2]!, wt[wt.length - 1]!];
  const [stride, padding, dilation] = [two(a.stride, 1), two(a.padding, 0), two(a.dilation, 1)];
  return {
    batch: sizeOfDim(x[0]!),
    c: x[1] as number,
    h,
    w,
    o: wt[0]!,
    kh,
    kw,
    // The convolution's own output, before any fused pool.
    oh: convOutSize(h, kh, stride[0], padding[0], dilation[0]) as number,
    ow: convOutSize(w, kw, stride[1], padding[1], dilation[1]) as number,
    stride,
    padding,
    dilation,
    groups: a.groups,
  };
}

/** Input 2 is the bias unless an epilogue step reads it as an operand (a fused node without bias). */
function hasBias(node: Node<'conv'>, inputTypes: readonly TensorType[]): boolean {
  return inputTypes.length > 2 && !node.attrs.epilogue.some((s) => s.kind === 'binary' && s.operand === 2);
}

export function convKernels(node: Node<'conv'>, inputTypes: readonly TensorType[], tiling: Tiling = 'fast'): Kernel[] {
  const g = geometry(node, inputTypes);
  const pointwise =
    g.kh === 1 && g.kw === 1 && g.stride.every((s) => s === 1) && g.padding.every((p) => p === 0);
  const bias = hasBias(node, inputTypes);
  // Only the direct convolution pools its own output.
  if (node.attrs.pool) return directConv(node, g, bias, tiling);
  if (pointwise) return [pointwiseConv(node, g, bias, tiling)];
  if (g.o / g.groups <= 2 && g.stride[1] === 1) return [rowConv(node, g, bias)];
  return directConv(node, g, bias, tiling);
}

/** Output pixels per invocation in rowConv, along one output row. */
const ROW_PIXELS = 8;

/**
 * Narrow groups (depthwise convolutions above all) with unit width stride:
 * each invocation computes ROW_PIXELS consecutive pixels of one output row
 * for the group's one or two output channels. Those pixels' taps along a
 * kernel row overlap, so the input row segment is loaded once per kernel row
 * (ROW_PIXELS + (kw - 1) * dilation loads) and shared by every tap, instead
 * of one load per pixel per tap: a third of the loads for a 3x3 kernel.
 */
function rowConv(node: Node<'conv'>, g: ConvGeometry, bias: boolean): Kernel {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const [sh] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const tilesW = Math.ceil(g.ow / ROW_PIXELS);
  const segment = ROW_PIXELS + (g.kw - 1) * dw;
  const window = g.kh * g.kw;
  const plane = g.oh * g.ow;
  const bindings = convBindings(node, bias, { name: 'weight', access: 'read', source: { kind: 'input', index: 1 } });
  const operandNames = operandNamesOf(node);
  const chans = Array.from({ length: og }, (_, j) => j);
  const vecs = Array.from({ length: ROW_PIXELS / 4 }, (_, v) => v);

  const lines: string[] = [
    `let owt = gidx % ${tilesW}u;`,
    `let r1 = gidx / ${tilesW}u;`,
    `let oh = r1 % ${g.oh}u;`,
    `let r2 = r1 / ${g.oh}u;`,
    `let grp = r2 % ${g.groups}u;`,
    `let img = r2 / ${g.groups}u;`,
    `if (img >= ${sizeWgsl(g.batch)}) { return; }`,
    `let ow0 = owt * ${ROW_PIXELS}u;`,
    `let ih0 = i32(oh) * ${sh}i - ${ph}i;`,
    `let iwStart = i32(ow0) - ${pw}i;`,
    `let xBase = (img * ${g.c}u + grp * ${cg}u) * ${g.h * g.w}u;`,
  ];
  for (const j of chans) for (const v of vecs) lines.push(`var acc${j}_${v} = vec4<f32>();`);
  lines.push(`for (var c = 0u; c < ${cg}u; c++) {`);
  lines.push(`  for (var kh = 0u; kh < ${g.kh}u; kh++) {`);
  lines.push(`    let ih = ih0 + i32(kh * ${dh}u);`);
  lines.push(`    let rowOk = (ih >= 0i) & (ih < ${g.h}i);`);
  lines.push(`    let rowBase = xBase + c * ${g.h * g.w}u + u32(select(0i, ih, rowOk)) * ${g.w}u;`);
  // The segment of the input row under the tile, zero in the padding. The
  // bounds use `&`, not `&&`: short-circuit chains become nested branches,
  // and SwiftShader took minutes to compile a few dozen of them.
  for (let u = 0; u < segment; u++) {
    lines.push(`    let iw${u} = iwStart + ${u}i;`);
    lines.push(`    let ok${u} = rowOk & (iw${u} >= 0i) & (iw${u} < ${g.w}i);`);
    lines.push(`    let s${u} = select(0.0, x[rowBase + u32(select(0i, iw${u}, ok${u}))], ok${u});`);
  }
  for (const j of chans) {
    lines.push(`    let wRow${j} = ((grp * ${og}u + ${j}u) * ${cg}u + c) * ${window}u + kh * ${g.kw}u;`);
    for (let kw = 0; kw < g.kw; kw++) {
      lines.push(`    let w${j}_${kw} = weight[wRow${j} + ${kw}u];`);
      for (const v of vecs) {
        const taps = [0, 1, 2, 3].map((t) => `s${kw * dw + 4 * v + t}`).join(', ');
        lines.push(`    acc${j}_${v} += w${j}_${kw} * vec4<f32>(${taps});`);
      }
    }
  }
  lines.push('  }');
  lines.push('}');

  const pixelsExact = g.ow % ROW_PIXELS === 0;
  for (const j of chans) {
    const body = [`let oc = grp * ${og}u + ${j}u;`, `let row = (img * ${g.o}u + oc) * ${plane}u + oh * ${g.ow}u + ow0;`];
    for (const v of vecs) {
      for (let t = 0; t < 4; t++) {
        const p = 4 * v + t;
        let value = `acc${j}_${v}[${t}]`;
        if (bias) value = `${value} + bias[oc]`;
        const store = `dst[row + ${p}u] = ${emitEpilogue(node.attrs.epilogue, value, `row + ${p}u`, operandNames)};`;
        body.push(pixelsExact ? store : `if (ow0 + ${p}u < ${g.ow}u) { ${store} }`);
      }
    }
    lines.push(`{\n${body.map((l) => `  ${l}`).join('\n')}\n}`);
  }

  const threads = tilesW * g.oh * g.groups * g.batch.k;
  return assembleKernel({
    name: kernelName(node),
    bindings,
    workgroupSize: WORKGROUP,
    body: lines.join('\n'),
    helpers: epilogueHelpers(node.attrs.epilogue),
    groups: g.batch.n ? { perN: threads, fixed: 0 } : { perN: 0, fixed: threads },
    groupsDivisor: WORKGROUP,
  });
}

/**
 * x, the given weight binding, bias?, epilogue operands (or, with epilogue
 * flags, the residual, x where there is none), dst; within the
 * storage-buffer budget.
 */
function convBindings(node: Node<'conv'>, bias: boolean, weight: KernelBinding, flags?: EpilogueFlags): KernelBinding[] {
  const bindings: KernelBinding[] = [{ name: 'x', access: 'read', source: { kind: 'input', index: 0 } }, weight];
  if (bias) bindings.push({ name: 'bias', access: 'read', source: { kind: 'input', index: 2 } });
  if (flags) bindings.push(residualBinding(flags, 0));
  else {
    for (const [index, name] of Object.entries(operandNamesOf(node))) {
      bindings.push({ name, access: 'read', source: { kind: 'input', index: Number(index) } });
    }
  }
  bindings.push({ name: 'dst', access: 'read_write', source: { kind: 'output' } });
  checkStorageBudget(kernelName(node), bindings);
  return bindings;
}

function operandNamesOf(node: Node<'conv'>): Record<number, string> {
  const names: Record<number, string> = {};
  for (const index of epilogueOperands(node.attrs.epilogue)) names[index] = `operand${index}`;
  return names;
}

/** out[n, g, :, :] = W[g] (Og x Cg) times x[n, g] (Cg x H*W): one GEMM per image and group. */
function pointwiseConv(node: Node<'conv'>, g: ConvGeometry, bias: boolean, tiling: Tiling): Kernel {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const plane = g.h * g.w;
  return gemmKernel({
    name: kernelName(node),
    batch: { k: g.batch.k * g.groups, n: g.batch.n },
    m: { k: og, n: false },
    k: cg,
    n: plane,
    bLayout: 'kn',
    a: { name: 'weight', input: 1 },
    b: { name: 'x', input: 0 },
    ...(bias
      ? { bias: { name: 'bias', input: 2, index: (row: string) => (g.groups === 1 ? row : `(bi % ${g.groups}u) * ${og}u + ${row}`) } }
      : {}),
    // Batch index bi = image * groups + group; images are [C, plane], groups consecutive in C.
    batchOffsets: (bi) => ({ setup: '', a: g.groups === 1 ? '0u' : `(${bi} % ${g.groups}u) * ${og * cg}u`, b: `${bi} * ${cg * plane}u` }),
    epilogue: node.attrs.epilogue,
    tiling,
  });
}

/**
 * Output channels x vec4s of pixels per invocation. On SwiftShader the cost
 * is in the loads (each a per-lane gather), so tiles that reuse each input
 * load across more channels pay off; more pixels per channel do not (3x3 conv
 * 32 -> 64 on 28x28, N = 16, GFLOP/s: 4x4 0.5-0.7, 8x4 0.7-0.95, 8x8 1.5,
 * 16x4 2.0-2.3, 16x8 2.0-2.4, 16x16 2.4). 16 x 4 runs as fast as 16 x 8 and
 * compiles in a quarter of the time (250 ms against 1 s), so it is the tile
 * for whole groups of 16. Groups whose channels are not whole quads get
 * 4 x 4, narrow ones (depthwise) fewer channels with more pixels. The quick
 * tiling caps the block at 4 x 4, which compiles in 30-80 ms (see tiling.ts).
 */
function convTile(og: number, tiling: Tiling): { readonly channels: number; readonly pixelVecs: number } {
  if (isQuick(tiling) && og > 4) return { channels: 4, pixelVecs: 1 };
  if (og % 16 === 0) return { channels: 16, pixelVecs: 1 };
  if (og % 8 === 0) return { channels: 8, pixelVecs: 2 };
  if (og % 4 === 0) return { channels: 4, pixelVecs: 2 };
  if (og > 4) return { channels: 4, pixelVecs: 1 };
  return { channels: og, pixelVecs: og >= 3 ? 1 : 2 };
}

function directConv(node: Node<'conv'>, g: ConvGeometry, bias: boolean, tiling: Tiling): Kernel[] {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const { channels, pixelVecs } = convTile(og, tiling);
  // With a fused 2x2 pool (ConvAttrs.pool) each vec4 of a tile is one pooled
  // pixel's window, so a tile stores pixelVecs pooled pixels instead of
  // 4 * pixelVecs convolved ones.
  const pool = node.attrs.pool?.kind;
  const [poolH, poolW] = [Math.floor(g.oh / 2), Math.floor(g.ow / 2)];
  const pixels = pool ? pixelVecs : 4 * pixelVecs;
  const plane = pool ? poolH * poolW : g.oh * g.ow;
  const tilesP = Math.ceil(plane / pixels);
  const tilesO = Math.ceil(og / channels);
  const window = g.kh * g.kw;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;

  // With whole quads of output channels, the weight is first reordered to
  // [group, tap, in channel, out channel] so each step loads a vec4 of four
  // output channels' weights instead of four scalars.
  const quadWeights = og % 4 === 0 && channels % 4 === 0;
  const weightT: KernelBinding = {
    name: 'weight_t',
    access: 'read',
    source: { kind: 'scratch', id: 'weight_t', elements: { perN: 0, fixed: g.o * cg * window } },
    elementType: 'vec4<f32>',
  };
  // The 'quick-generic' twin takes its epilogue as flags (epilogueFlags)
  // where it can and pools nothing, so that convolutions of one geometry that
  // differ only there (a residual block's two) share one shader. Their sizes
  // stay written in: read from Dims, a conv compiles in twice the time.
  const flags = tiling === 'quick-generic' && !node.attrs.pool ? epilogueFlags(node.attrs.epilogue) : undefined;
  const bindings = convBindings(
    node,
    bias,
    quadWeights ? weightT : { name: 'weight', access: 'read', source: { kind: 'input', index: 1 } },
    flags,
  );
  const operandNames = operandNamesOf(node);

  const vecs = Array.from({ length: pixelVecs }, (_, v) => v);
  const chans = Array.from({ length: channels }, (_, j) => j);
  // Quad-shared weight loads (see tiling.ts): the four invocations of a quad
  // work on neighbouring pixel tiles of the same channels, so each loads one
  // of the four weight vec4s and the quad passes them round. Every invocation
  // stays alive through the loop; those past the end skip only their stores.
  const shared = tiling === 'fast-subgroups' && quadWeights && channels === 16 && tilesP % 4 === 0;
  const lines: string[] = [
    `let pt = gidx % ${tilesP}u;`,
    `let r1 = gidx / ${tilesP}u;`,
    `let ot = r1 % ${tilesO}u;`,
    `let r2 = r1 / ${tilesO}u;`,
    `let grp = r2 % ${g.groups}u;`,
    ...(shared
      ? [`let img0 = r2 / ${g.groups}u;`, `let live = img0 < ${sizeWgsl(g.batch)};`, `let img = min(img0, ${sizeWgsl(g.batch)} - 1u);`, 'let lane = sid % 4u;']
      : [`let img = r2 / ${g.groups}u;`, `if (img >= ${sizeWgsl(g.batch)}) { return; }`]),
    `let p0 = pt * ${pixels}u;`,
    `let oc0 = ot * ${channels}u;`,
    `let xBase = (img * ${g.c}u + grp * ${cg}u) * ${g.h * g.w}u;`,
  ];
  // Each pixel's window origin in the (unpadded) input; edge pixels clamp to the last one.
  for (const v of vecs) {
    if (pool) {
      // The four pixels of pooled pixel q's window, in row-major order as torch visits them.
      lines.push(`let q${v} = min(p0 + ${v}u, ${plane - 1}u);`);
      lines.push(`let ih${v} = (vec4<i32>(i32(q${v} / ${poolW}u) * 2i) + vec4<i32>(0, 0, 1, 1)) * ${sh}i - ${ph}i;`);
      lines.push(`let iw${v} = (vec4<i32>(i32(q${v} % ${poolW}u) * 2i) + vec4<i32>(0, 1, 0, 1)) * ${sw}i - ${pw}i;`);
      continue;
    }
    lines.push(`let pix${v} = min(vec4<u32>(p0 + ${4 * v}u) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(${plane - 1}u));`);
    lines.push(`let ih${v} = vec4<i32>(pix${v} / ${g.ow}u) * ${sh}i - ${ph}i;`);
    lines.push(`let iw${v} = vec4<i32>(pix${v} % ${g.ow}u) * ${sw}i - ${pw}i;`);
  }
  for (const j of chans) {
    if (!quadWeights) lines.push(`let wBase${j} = (grp * ${og}u + min(oc0 + ${j}u, ${og - 1}u)) * ${cg * window}u;`);
    for (const v of vecs) lines.push(`var acc${j}_${v} = vec4<f32>();`);
  }
  lines.push(`for (var kh = 0u; kh < ${g.kh}u; kh++) {`);
  lines.push(`  for (var kw = 0u; kw < ${g.kw}u; kw++) {`);
  lines.push(`    let tap = kh * ${g.kw}u + kw;`);
  for (const v of vecs) {
    lines.push(`    let y${v} = ih${v} + i32(kh * ${dh}u);`);
    lines.push(`    let x${v} = iw${v} + i32(kw * ${dw}u);`);
    lines.push(
      `    let ok${v} = (y${v} >= vec4<i32>(0)) & (y${v} < vec4<i32>(${g.h})) & (x${v} >= vec4<i32>(0)) & (x${v} < vec4<i32>(${g.w}));`,
    );
    // Taps in the padding read element 0 of the plane (always valid) and are zeroed.
    lines.push(`    let at${v} = vec4<u32>(select(vec4<i32>(0), y${v} * ${g.w}i + x${v}, ok${v}));`);
  }
  if (quadWeights) lines.push(`    let wRow = (grp * ${window}u + tap) * ${cg * (og / 4)}u + oc0 / 4u;`);
  lines.push(`    for (var c = 0u; c < ${cg}u; c++) {`);
  lines.push(`      let plane = xBase + c * ${g.h * g.w}u;`);
  for (const v of vecs) {
    const gather = ['x', 'y', 'z', 'w'].map((lane) => `x[plane + at${v}.${lane}]`).join(', ');
    lines.push(`      let in${v} = select(vec4<f32>(0.0), vec4<f32>(${gather}), ok${v});`);
  }
  if (shared) {
    lines.push(`      let mine = weight_t[wRow + c * ${og / 4}u + lane];`);
    for (let q = 0; q < 4; q++) lines.push(`      let wq${q} = quadBroadcast(mine, ${q}u);`);
  } else if (quadWeights) {
    for (let q = 0; q < channels / 4; q++) lines.push(`      let wq${q} = weight_t[wRow + c * ${og / 4}u + ${q}u];`);
  }
  for (const j of chans) {
    const w = quadWeights ? `wq${j >> 2}[${j & 3}]` : `weight[wBase${j} + c * ${window}u + tap]`;
    lines.push(`      let w${j} = ${w};`);
    for (const v of vecs) lines.push(`      acc${j}_${v} += w${j} * in${v};`);
  }
  lines.push('    }');
  lines.push('  }');
  lines.push('}');

  // Stores: channel j of the tile, pixel 4v + t.
  const channelsExact = og % channels === 0;
  const pixelsExact = plane % pixels === 0;
  // A quick kernel stores in a loop over its channels (see loopedStores in
  // matmul.ts): a 4 x 4 tile with a fused pool then compiles in 66 instead
  // of 78 ms in Chromium (medians of seven), and the loop runs once per
  // invocation, after the reduction.
  const looped = isQuick(tiling) && channels > 1;
  if (looped) {
    const accs = chans.flatMap((j) => vecs.map((v) => `acc${j}_${v}`));
    lines.push(`let accs = array<vec4<f32>, ${accs.length}>(${accs.join(', ')});`);
    lines.push(`for (var j = 0u; j < ${channels}u; j++) {`);
    if (!channelsExact) lines.push(`  if (oc0 + j >= ${og}u) { break; }`);
  }
  for (const j of looped ? ['j'] : chans) {
    const acc = (v: number) => (looped ? `accs[j * ${pixelVecs}u + ${v}u]` : `acc${j}_${v}`);
    const body: string[] = [`let oc = grp * ${og}u + oc0 + ${looped ? 'j' : `${j}u`};`, `let row = (img * ${g.o}u + oc) * ${plane}u + p0;`];
    for (const v of vecs) {
      if (pool) {
        body.push(...pooledStore(node, acc(v), bias, `row + ${v}u`, pixelsExact ? undefined : `p0 + ${v}u < ${plane}u`, pool));
        continue;
      }
      for (let t = 0; t < 4; t++) {
        const p = 4 * v + t;
        let value = `${acc(v)}[${t}]`;
        if (bias) value = `${value} + bias[oc]`;
        const store = flags
          ? `{ ${flaggedEpilogue(value, `row + ${p}u`)} }`
          : `dst[row + ${p}u] = ${emitEpilogue(node.attrs.epilogue, value, `row + ${p}u`, operandNames)};`;
        body.push(pixelsExact ? store : `if (p0 + ${p}u < ${plane}u) { ${store} }`);
      }
    }
    const block = body.map((l) => `  ${l}`).join('\n');
    const guard = [...(shared ? ['live'] : []), ...(channelsExact || looped ? [] : [`oc0 + ${j}u < ${og}u`])];
    lines.push(guard.length === 0 ? `{\n${block}\n}` : `if (${guard.join(' && ')}) {\n${block}\n}`);
  }
  if (looped) lines.push('}');

  const threads = tilesP * tilesO * g.groups * g.batch.k;
  const groups: AffineInN = g.batch.n ? { perN: threads, fixed: 0 } : { perN: 0, fixed: threads };
  const conv = assembleKernel({
    name: kernelName(node),
    bindings,
    workgroupSize: WORKGROUP,
    body: lines.join('\n'),
    helpers: flags ? EPILOGUE_FLAGS_HELPER : epilogueHelpers(node.attrs.epilogue),
    groups,
    groupsDivisor: WORKGROUP,
    ...(shared ? { subgroups: true } : {}),
    ...(flags ? { params: epilogueFlagParams(flags) } : {}),
  });
  return quadWeights ? [reorderWeights(node, g, weightT), conv] : [conv];
}

/**
 * One pooled pixel from the four convolved ones in `acc` (its window, row
 * major): each through bias and epilogue first, as torch pools the
 * activation's output; max keeps torch's NaN rule (`v > m || v != v`), avg
 * sums in torch's order and divides by the window's 4.
 */
function pooledStore(node: Node<'conv'>, acc: string, bias: boolean, at: string, guard: string | undefined, pool: 'max' | 'avg'): string[] {
  const lines = [0, 1, 2, 3].map((t) => `let e${t} = ${emitEpilogue(node.attrs.epilogue, bias ? `${acc}[${t}] + bias[oc]` : `${acc}[${t}]`, '', {})};`);
  if (pool === 'max') {
    lines.push('var m = e0;');
    // `|`, not `||`, and a select, not an if: branch-free, which SwiftShader compiles about a fifth faster.
    for (const t of [1, 2, 3]) lines.push(`m = select(m, e${t}, (e${t} > m) | (e${t} != e${t}));`);
    lines.push(`dst[${at}] = m;`);
  } else {
    lines.push(`dst[${at}] = (((e0 + e1) + e2) + e3) / 4.0;`);
  }
  return guard ? [`if (${guard}) {`, ...lines.map((l) => `  ${l}`), '}'] : [`{`, ...lines.map((l) => `  ${l}`), '}'];
}

/**
 * weight [G, Og, Cg, taps] -> weight_t [G, taps, Cg, Og], one thread per
 * element; on the host at compile time when the weight is stored.
 */
function reorderWeights(node: Node<'conv'>, g: ConvGeometry, target: KernelBinding): Kernel {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const taps = g.kh * g.kw;
  const total = g.o * cg * taps;
  // The WGSL below, on the host: weight[((grp * og + o) * cg + c) * taps + tap] moves to
  // weight_t[((grp * taps + tap) * cg + c) * og + o]. For each group and channel that
  // transposes an og x taps matrix; done in blocks of outputs so that both the rows read
  // and the runs written stay in cache (element by element, a 2^24-value weight took 0.5 s).
  const onHost = (weight: Float32Array): Float32Array => {
    const out = new Float32Array(total);
    const block = 16;
    for (let grp = 0; grp < g.groups; grp++) {
      for (let c = 0; c < cg; c++) {
        for (let o0 = 0; o0 < og; o0 += block) {
          const o1 = Math.min(og, o0 + block);
          for (let tap = 0; tap < taps; tap++) {
            const to = ((grp * taps + tap) * cg + c) * og;
            for (let o = o0; o < o1; o++) out[to + o] = weight[((grp * og + o) * cg + c) * taps + tap]!;
          }
        }
      }
    }
    return out;
  };
  const body = [
    `if (gidx >= ${total}u) { return; }`,
    `let tap = gidx % ${taps}u;`,
    `let r1 = gidx / ${taps}u;`,
    `let c = r1 % ${cg}u;`,
    `let r2 = r1 / ${cg}u;`,
    `let o = r2 % ${og}u;`,
    `let grp = r2 / ${og}u;`,
    `weight_t[((grp * ${taps}u + tap) * ${cg}u + c) * ${og}u + o] = weight[gidx];`,
  ].join('\n');
  const kernel = assembleKernel({
    name: kernelName(node, 'weight_t'),
    bindings: [
      { name: 'weight', access: 'read', source: { kind: 'input', index: 1 } },
      { name: target.name, access: 'read_write', source: target.source },
    ],
    workgroupSize: WORKGROUP,
    body,
    groups: { perN: 0, fixed: total },
    groupsDivisor: WORKGROUP,
  });
  return { ...kernel, onHost: { inputs: [1], scratch: 'weight_t', compute: ([weight]) => onHost(weight!) } };
}
