// Register-blocked GEMM, shared by matmul and linear (and conv's 1x1 case).
//
// Each invocation computes a rows x cols tile of the output in registers
// (vec4 accumulators), walking the reduction axis four at a time: per step it
// loads one vec4 of A per row and a 4x4 block of B per four columns, and
// issues rows * cols / 4 mat4x4-vec4 products (see gemmTile). Operands whose
// contiguous axis is a multiple of four are bound as `array<vec4<f32>>`, which
// on SwiftShader is about twice as fast as gathering four f32s (one load and
// bounds clamp instead of four); other sizes gather scalars with the same
// arithmetic.
// Workgroup-memory tiling was measured slower on SwiftShader, so there is
// none. Rows and columns past the edge are clamped on load (the loop stays
// branch-free) and skipped on store.
import type { EpilogueStep } from '../../ir/ops.ts';
import type { Dim, Node, TensorType } from '../../ir/types.ts';
import { emitEpilogue, EPILOGUE_FLAGS_HELPER, epilogueFlagParams, epilogueFlags, epilogueHelpers, epilogueOperands, flaggedEpilogue, residualBinding, type EpilogueFlags } from '../epilogue.ts';
import { MAX_STORAGE_BINDINGS } from './elementwise.ts';
import type { AffineInN, Kernel, KernelBinding, KernelParam } from '../kernel.ts';
import {
  assembleKernel,
  kernelName,
  offsetWgsl,
  sizeOfDim,
  sizeProduct,
  sizeWgsl,
  stridesOf,
  unravel,
  type Size,
} from './layout.ts';
import { isQuick, type Tiling } from './tiling.ts';

const WORKGROUP = 64;

/**
 * Output rows x columns per invocation. 8 x 8 measured best on SwiftShader
 * (512^3 matmul: 8x8 2.4, 8x4 2.1, 4x8 2.0, 4x4 1.3 GFLOP/s in one quiet
 * run); problems too small to fill it get 4 where 8 would mostly compute
 * clamped copies of the edge. The quick tiling is 2 x 4: against 8 x 8 it
 * compiles four to six times faster and runs at about half the speed (1.5
 * against 3 GFLOP/s), which is the better trade for a first run; 4 x 4 (2.2
 * GFLOP/s) compiles only half as fast again as 2 x 4 (see tiling.ts).
 */
export function gemmTile(m: Size, n: number, tiling: Tiling = 'fast'): { readonly rows: number; readonly cols: number } {
  if (isQuick(tiling)) return { rows: 2, cols: 4 };
  return { rows: !m.n && m.k <= 4 ? 4 : 8, cols: n <= 4 ? 4 : 8 };
}

/**
 * One GEMM problem: `batch` independent products out[b] = A[b] (m x k) times
 * B[b] (k x n), plus an optional bias along n, plus an epilogue.
 */
export interface GemmProblem {
  readonly name: string;
  readonly batch: Size;
  readonly m: Size;
  readonly k: number;
  readonly n: number;
  /** B stored as [k, n] (matmul's right operand) or [n, k] (a linear weight). */
  readonly bLayout: 'kn' | 'nk';
  readonly a: { readonly name: string; readonly input: number };
  readonly b: { readonly name: string; readonly input: number };
  /** A bias added before the epilogue; `index` maps WGSL row and column expressions to its element. */
  readonly bias?: { readonly name: string; readonly input: number; readonly index: (row: string, col: string) => string };
  /** WGSL offsets (in f32s) of batch `bi`'s A and B; statements may define helpers. */
  readonly batchOffsets?: (bi: string) => { readonly setup: string; readonly a: string; readonly b: string };
  readonly epilogue: readonly EpilogueStep[];
  /** 'fast' when absent. */
  readonly tiling?: Tiling;
}

/**
 * Whether `p` gets a shape-generic kernel with the 'quick-generic' tiling:
 * its rows, depth and columns read from the Dims uniform (see KernelParam),
 * and its epilogue too where it has flags (epilogueFlags), so every layer
 * with the same operand layout and such an epilogue shares its shader and
 * the first run needs fewer pipelines (each costs 50-200 ms on
 * SwiftShader, even a small one). That covers single GEMMs whose rows grow
 * with the batch (linear layers, matmuls that fold their batch into rows)
 * with vec4 operands.
 */
function genericGemm(p: GemmProblem): boolean {
  const vec4Operands = p.k % 4 === 0 && (p.bLayout === 'nk' || p.n % 4 === 0);
  return p.tiling === 'quick-generic' && !p.batchOffsets && !p.batch.n && p.batch.k === 1 && p.m.n && vec4Operands;
}

export function gemmKernel(p: GemmProblem): Kernel {
  const { rows: R, cols: C } = gemmTile(p.m, p.n, p.tiling);
  const quads = C / 4;
  const aVec = p.k % 4 === 0;
  const bVec = p.bLayout === 'nk' ? p.k % 4 === 0 : p.n % 4 === 0;
  const kMain = p.k - (p.k % 4);
  const generic = genericGemm(p);
  const flags = generic ? epilogueFlags(p.epilogue) : undefined;
  const params: KernelParam[] = generic
    ? [
        { name: 'rows_per_n', value: p.m.k },
        { name: 'depth', value: p.k },
        { name: 'cols', value: p.n },
        ...(flags ? epilogueFlagParams(flags) : []),
      ]
    : [];
  // The sizes as WGSL: read from Dims when generic (into locals once: a
  // uniform read in the loop costs SwiftShader about a third more compile
  // time), written in otherwise.
  const kW = generic ? 'g_depth' : `${p.k}u`;
  const nW = generic ? 'g_cols' : `${p.n}u`;
  const nLastW = generic ? '(g_cols - 1u)' : `${p.n - 1}u`;
  const tilesN = Math.ceil(p.n / C);
  const tilesNW = generic ? `((g_cols + ${C - 1}u) / ${C}u)` : `${tilesN}u`;
  const mWgsl = generic ? 'g_rows' : sizeWgsl(p.m);
  const tilesMWgsl = p.m.n ? `((${mWgsl} + ${R - 1}u) / ${R}u)` : `${Math.ceil(p.m.k / R)}u`;

  // A generic kernel's operands have the same names whatever the op, so
  // that a linear layer and an attention projection can share its text.
  const A = generic ? 'a' : p.a.name;
  const B = generic ? 'b' : p.b.name;
  const biasName = generic ? 'bias' : p.bias?.name;
  const bindings: KernelBinding[] = [
    { name: A, access: 'read', source: { kind: 'input', index: p.a.input }, elementType: aVec ? 'vec4<f32>' : 'f32' },
    { name: B, access: 'read', source: { kind: 'input', index: p.b.input }, elementType: bVec ? 'vec4<f32>' : 'f32' },
  ];
  if (p.bias) bindings.push({ name: biasName!, access: 'read', source: { kind: 'input', index: p.bias.input } });
  // With epilogue flags the residual is always bound, so that layers with and
  // without one share the shader; one without binds A there, never read.
  if (flags) bindings.push(residualBinding(flags, p.a.input));
  const operandNames: Record<number, string> = {};
  if (!flags) epilogueOperands(p.epilogue).forEach((index, k) => {
    // Named by order in a generic kernel: a residual that is a linear's input 3 and an attention's input 5 reads the same.
    operandNames[index] = generic ? `operand_${k}` : `operand${index}`;
    bindings.push({ name: operandNames[index], access: 'read', source: { kind: 'input', index } });
  });
  bindings.push({ name: 'dst', access: 'read_write', source: { kind: 'output' } });
  checkStorageBudget(p.name, bindings);

  const lines: string[] = [];
  if (generic) {
    lines.push('let g_rows = dims.n * dims.rows_per_n;', 'let g_depth = dims.depth;', 'let g_cols = dims.cols;', 'let g_steps = g_depth / 4u;');
  }
  lines.push(`let tn = gidx % ${tilesNW};`);
  lines.push(`let rest = gidx / ${tilesNW};`);
  lines.push(`let tm = rest % ${tilesMWgsl};`);
  // Quad-shared loads (see tiling.ts) need whole quads on one row tile and
  // every invocation alive through the loop, so past-the-end invocations
  // compute on the last batch and skip only their stores.
  const shared = p.tiling === 'fast-subgroups' && R % 4 === 0 && tilesN % 4 === 0 && kMain > 0;
  if (shared) {
    lines.push(`let bi0 = rest / ${tilesMWgsl};`);
    lines.push(`let live = bi0 < ${sizeWgsl(p.batch)};`);
    lines.push(`let bi = min(bi0, ${sizeWgsl(p.batch)} - 1u);`);
  } else {
    lines.push(`let bi = rest / ${tilesMWgsl};`);
    lines.push(`if (bi >= ${sizeWgsl(p.batch)}) { return; }`);
  }
  lines.push(`let m0 = tm * ${R}u;`);
  lines.push(`let n0 = tn * ${C}u;`);
  const offsets = p.batchOffsets?.('bi');
  if (offsets?.setup) lines.push(offsets.setup);
  lines.push(`let aBase = ${offsets?.a ?? '0u'};`);
  lines.push(`let bBase = ${offsets?.b ?? '0u'};`);
  lines.push(`let oBase = bi * ${generic ? `(${mWgsl} * ${nW})` : sizeWgsl(sizeProduct([p.m, { k: p.n, n: false }]))};`);
  // Row starts in A, clamped to the last row so edge tiles load valid data.
  for (let i = 0; i < R; i++) {
    const start = `aBase + min(m0 + ${i}u, ${mWgsl} - 1u) * ${kW}`;
    lines.push(aVec ? `let ar${i} = (${start}) / 4u;` : `let ar${i} = ${start};`);
  }
  // Column j of B, clamped, where the kernel gathers scalars by column.
  const cols = Array.from({ length: C }, (_, j) => j);
  if (p.bLayout === 'nk') {
    for (const j of cols) {
      const start = `bBase + min(n0 + ${j}u, ${nLastW}) * ${kW}`;
      lines.push(bVec ? `let br${j} = (${start}) / 4u;` : `let br${j} = ${start};`);
    }
  } else if (!bVec) {
    for (const j of cols) lines.push(`let nc${j} = min(n0 + ${j}u, ${p.n - 1}u);`);
  }
  for (let i = 0; i < R; i++) for (let q = 0; q < quads; q++) lines.push(`var acc${i}_${q} = vec4<f32>();`);

  // With shared loads, quad lane q reads rows q * perLane .. of the tile and
  // the quad passes them round.
  const perLane = R / 4;
  if (shared) {
    lines.push('let lane = sid % 4u;');
    for (let j = 0; j < perLane; j++) {
      const start = `aBase + min(m0 + lane * ${perLane}u + ${j}u, ${mWgsl} - 1u) * ${kW}`;
      lines.push(aVec ? `let arq${j} = (${start}) / 4u;` : `let arq${j} = ${start};`);
    }
  }
  const loadA = (row: string) =>
    aVec ? `${A}[${row} + kq]` : `vec4<f32>(${[0, 1, 2, 3].map((t) => `${A}[${row} + kq * 4u + ${t}u]`).join(', ')})`;
  if (kMain > 0) {
    lines.push(`for (var kq = 0u; kq < ${generic ? 'g_steps' : `${kMain / 4}u`}; kq++) {`);
    if (shared) {
      for (let j = 0; j < perLane; j++) lines.push(`  let mine${j} = ${loadA(`arq${j}`)};`);
      for (let i = 0; i < R; i++) lines.push(`  let a${i} = quadBroadcast(mine${i % perLane}, ${Math.floor(i / perLane)}u);`);
    } else {
      for (let i = 0; i < R; i++) lines.push(`  let a${i} = ${loadA(`ar${i}`)};`);
    }
    for (let q = 0; q < quads; q++) {
      if (p.bLayout === 'nk') {
        // Columns of the block are B's rows: a * mat gives the four dot products.
        const rows = [0, 1, 2, 3].map((t) => {
          const j = 4 * q + t;
          return bVec
            ? `${B}[br${j} + kq]`
            : `vec4<f32>(${[0, 1, 2, 3].map((u) => `${B}[br${j} + kq * 4u + ${u}u]`).join(', ')})`;
        });
        lines.push(`  let bm${q} = mat4x4<f32>(${rows.join(', ')});`);
        for (let i = 0; i < R; i++) lines.push(`  acc${i}_${q} += a${i} * bm${q};`);
      } else {
        // Columns of the block are B's rows k..k+3: mat * a sums a[t] * row t.
        const rows = [0, 1, 2, 3].map((t) => bRowKn(p, B, `(kq * 4u + ${t}u)`, q, bVec, nW));
        lines.push(`  let bm${q} = mat4x4<f32>(${rows.join(', ')});`);
        for (let i = 0; i < R; i++) lines.push(`  acc${i}_${q} += bm${q} * a${i};`);
      }
    }
    lines.push('}');
  }
  // The last k % 4 steps, unrolled.
  for (let kk = kMain; kk < p.k; kk++) {
    lines.push('{');
    for (let i = 0; i < R; i++) lines.push(`  let a${i} = ${A}[ar${i} + ${kk}u];`);
    for (let q = 0; q < quads; q++) {
      const b =
        p.bLayout === 'nk'
          ? `vec4<f32>(${[0, 1, 2, 3].map((t) => `${B}[br${4 * q + t} + ${kk}u]`).join(', ')})`
          : bRowKn(p, B, `${kk}u`, q, bVec, nW);
      lines.push(`  let b${q} = ${b};`);
      for (let i = 0; i < R; i++) lines.push(`  acc${i}_${q} += a${i} * b${q};`);
    }
    lines.push('}');
  }

  // Stores, guarded where the tile can overhang the edge.
  const rowsExact = !p.m.n && p.m.k % R === 0;
  const colsExact = !generic && p.n % C === 0;
  if (isQuick(p.tiling)) {
    lines.push(...loopedStores(p, { R, C, mWgsl, nW, rowsExact, colsExact, biasName, flags, operandNames }));
  } else {
    for (let i = 0; i < R; i++) {
      const body: string[] = [];
      body.push(`let row = oBase + (m0 + ${i}u) * ${nW};`);
      for (let q = 0; q < quads; q++) {
        for (let t = 0; t < 4; t++) {
          const col = `n0 + ${4 * q + t}u`;
          let value = `acc${i}_${q}[${t}]`;
          if (p.bias) value = `${value} + ${biasName}[${p.bias.index(`m0 + ${i}u`, col)}]`;
          const store = `dst[row + ${col}] = ${emitEpilogue(p.epilogue, value, `row + ${col}`, operandNames)};`;
          body.push(colsExact ? store : `if (${col} < ${nW}) { ${store} }`);
        }
      }
      const guard = [...(shared ? ['live'] : []), ...(rowsExact ? [] : [`m0 + ${i}u < ${mWgsl}`])];
      lines.push(guard.length === 0 ? `{\n${indent(body)}\n}` : `if (${guard.join(' && ')}) {\n${indent(body)}\n}`);
    }
  }

  return assembleKernel({
    // A generic kernel serves several layers: named for what it is, not for one of them.
    name: generic ? 'gemm' : p.name,
    bindings,
    workgroupSize: WORKGROUP,
    body: lines.join('\n'),
    helpers: flags ? EPILOGUE_FLAGS_HELPER : epilogueHelpers(p.epilogue),
    ...gemmGrid(p.batch, p.m, tilesN, R),
    ...(shared ? { subgroups: true } : {}),
    params,
  });
}

/**
 * A quick kernel's stores as loops over the tile's rows and columns rather
 * than unrolled: SwiftShader compiles straight-line code by the statement,
 * and a 2 x 4 tile's eight guarded stores cost a quick GEMM a third of its
 * compile time (Chromium, medians of seven: 67 against 103 ms). The loops
 * cost the run next to nothing: they run once per invocation, after the
 * reduction.
 */
function loopedStores(
  p: GemmProblem,
  t: {
    R: number;
    C: number;
    mWgsl: string;
    nW: string;
    rowsExact: boolean;
    colsExact: boolean;
    biasName: string | undefined;
    flags: EpilogueFlags | undefined;
    operandNames: Record<number, string>;
  },
): string[] {
  const quads = t.C / 4;
  const accs = Array.from({ length: t.R * quads }, (_, k) => `acc${Math.floor(k / quads)}_${k % quads}`);
  let value = `accs[i * ${quads}u + j / 4u][j % 4u]`;
  if (p.bias) value = `${value} + ${t.biasName}[${p.bias.index('m0 + i', 'col')}]`;
  const store = t.flags ? flaggedEpilogue(value, 'row + col') : `dst[row + col] = ${emitEpilogue(p.epilogue, value, 'row + col', t.operandNames)};`;
  return [
    `let accs = array<vec4<f32>, ${accs.length}>(${accs.join(', ')});`,
    `for (var i = 0u; i < ${t.R}u; i++) {`,
    ...(t.rowsExact ? [] : [`  if (m0 + i >= ${t.mWgsl}) { break; }`]),
    `  let row = oBase + (m0 + i) * ${t.nW};`,
    `  for (var j = 0u; j < ${t.C}u; j++) {`,
    '    let col = n0 + j;',
    t.colsExact ? `    ${store}` : `    if (col < ${t.nW}) { ${store} }`,
    '  }',
    '}',
  ];
}

/** Fails at generation, with the kernel's name, rather than at pipeline creation on the device. */
export function checkStorageBudget(name: string, bindings: readonly KernelBinding[]): void {
  if (bindings.length > MAX_STORAGE_BINDINGS) {
    throw new Error(
      `kernel ${name} needs ${bindings.length} storage buffers (its epilogue reads ${bindings.length - MAX_STORAGE_BINDINGS} too many); at most ${MAX_STORAGE_BINDINGS} fit one kernel`,
    );
  }
}

/** Four consecutive columns (block q of the tile) of row `k` of a [k, n] B, as a vec4. */
function bRowKn(p: GemmProblem, B: string, k: string, q: number, bVec: boolean, nW: string): string {
  if (bVec) return `${B}[(bBase + ${k} * ${nW} + n0) / 4u + ${q}u]`;
  return `vec4<f32>(${[0, 1, 2, 3].map((t) => `${B}[bBase + ${k} * ${p.n}u + nc${4 * q + t}]`).join(', ')})`;
}

/**
 * Workgroups for batch * ceil(m / rows) * tilesN invocations. When m grows
 * with N, ceil(m / rows) is not affine in N, so the grid covers the upper
 * bound (m + rows - 1) / rows instead and the kernel's guard trims it.
 */
function gemmGrid(batch: Size, m: Size, tilesN: number, rows: number): { groups: AffineInN; groupsDivisor: number } {
  if (m.n) {
    const perTile = batch.k * tilesN;
    return { groups: { perN: perTile * m.k, fixed: perTile * (rows - 1) }, groupsDivisor: rows * WORKGROUP };
  }
  const threads = Math.ceil(m.k / rows) * tilesN * batch.k;
  return { groups: batch.n ? { perN: threads, fixed: 0 } : { perN: 0, fixed: threads }, groupsDivisor: WORKGROUP };
}

function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}

function fixedDim(d: Dim, what: string): number {
  if (d === 'N') throw new Error(`${what} cannot be the batch size N in a matmul kernel`);
  return d;
}

/**
 * torch.matmul on rank >= 2 operands. Batch axes broadcast; when B has no
 * batch of its own and A's batch is not broadcast, A's batch folds into its
 * rows, so [N, L, K] @ [K, P] is one GEMM with N * L rows.
 */
export function matmulKernels(node: Node<'matmul'>, inputTypes: readonly TensorType[], tiling: Tiling = 'fast'): Kernel[] {
  const [aShape, bShape] = [inputTypes[0]!.shape, inputTypes[1]!.shape];
  const outShape = node.type.shape;
  const rank = outShape.length;
  const k = fixedDim(aShape[aShape.length - 1]!, 'the inner dimension');
  const n = fixedDim(bShape[bShape.length - 1]!, 'the output columns');
  const m = sizeOfDim(aShape[aShape.length - 2]!);
  const outBatch = outShape.slice(0, rank - 2);
  // Batch axes of A and B aligned to the output's, 1 where an operand has none.
  const pad = (s: readonly Dim[]): Dim[] => [...new Array<Dim>(rank - s.length).fill(1), ...s.slice(0, s.length - 2)];
  const aBatch = pad(aShape);
  const bBatch = pad(bShape);
  const base = {
    name: kernelName(node),
    k,
    n,
    bLayout: 'kn' as const,
    a: { name: 'lhs', input: 0 },
    b: { name: 'rhs', input: 1 },
    epilogue: node.attrs.epilogue,
    tiling,
  };

  const bUnbatched = bBatch.every((d) => d === 1);
  const aFull = aBatch.every((d, i) => d === outBatch[i]);
  if (bUnbatched && aFull) {
    return [gemmKernel({ ...base, batch: { k: 1, n: false }, m: sizeProduct([...aBatch.map(sizeOfDim), m]) })];
  }

  const batchSizes = outBatch.map(sizeOfDim);
  const aStrides = stridesOf([...aBatch.map(sizeOfDim), m, { k, n: false }]);
  const bStrides = stridesOf([...bBatch.map(sizeOfDim), { k, n: false }, { k: n, n: false }]);
  // A broadcast axis (size 1 against a larger output axis) does not move the operand.
  const moving = (batch: Dim[], strides: Size[]) => batch.map((d, i) => (d === 1 ? null : strides[i]!));
  const coords = outBatch.map((_, i) => `bd${i}`);
  return [
    gemmKernel({
      ...base,
      batch: sizeProduct(batchSizes),
      m,
      batchOffsets: (bi) => ({
        setup: unravel(bi, batchSizes, 'bd'),
        a: offsetWgsl(coords, moving(aBatch, aStrides)),
        b: offsetWgsl(coords, moving(bBatch, bStrides)),
      }),
    }),
  ];
}
