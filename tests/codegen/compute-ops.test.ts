// Golden tests for the compute-heavy kernels (linear, matmul, conv, pool,
// global_avgpool) against torch: each case runs on the real Dawn device at
// its stored batch and, where the batch is symbolic, again at batch 1 from
// the same shaders, and every shader must compile without a message. Where
// another tiling (small register blocks, sizes from the Dims uniform, quad-
// shared loads; see kernels/tiling.ts) gives other WGSL, that runs against
// the same golden too. The last block checks
// generation itself (grids, determinism, limits) on the host.
import { describe, expect, it } from 'vitest';
import { emitEpilogue } from '../../compiler/codegen/epilogue.ts';
import { evalAffine } from '../../compiler/codegen/kernel.ts';
import { MAX_STORAGE_BINDINGS } from '../../compiler/codegen/kernels/elementwise.ts';
import { generateKernels } from '../../compiler/codegen/kernels/index.ts';
import { gemmTile } from '../../compiler/codegen/kernels/matmul.ts';
import { TILINGS } from '../../compiler/codegen/kernels/tiling.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { EpilogueStep } from '../../compiler/ir/ops.ts';
import type { Dim, Shape } from '../../compiler/ir/types.ts';
import { differingTwins, firstMismatch, listOpCases, loadOpCase, runOpCase, shaderMessages } from './op-harness.ts';

const CASES = listOpCases(['linear-', 'matmul-', 'conv-', 'pool-', 'global_avgpool-']);

describe('compute op kernels match torch', () => {
  it('has golden cases', () => {
    expect(CASES.length).toBeGreaterThan(0);
  });

  for (const name of CASES) {
    it(name, async () => {
      const c = loadOpCase(name);
      const full = await runOpCase(c);
      expect(await shaderMessages(full.kernels)).toEqual([]);
      for (const k of full.kernels) expect(k.bindings.length, k.name).toBeLessThanOrEqual(MAX_STORAGE_BINDINGS);
      expect(firstMismatch(full.got, full.want.data, c.tolerance), `batch ${full.batch}`).toBeUndefined();
      if (full.batch !== null && full.batch > 1) {
        const one = await runOpCase(c, 1);
        expect(one.kernels.map((k) => k.wgsl)).toEqual(full.kernels.map((k) => k.wgsl));
        expect(firstMismatch(one.got, one.want.data, c.tolerance), 'batch 1').toBeUndefined();
      }
      for await (const [tiling, twin] of differingTwins(full, (t) => runOpCase(c, undefined, t))) {
        expect(await shaderMessages(twin.kernels)).toEqual([]);
        expect(firstMismatch(twin.got, twin.want.data, c.tolerance), `${tiling} tiling`).toBeUndefined();
        if (full.batch !== null && full.batch > 1) {
          const one = await runOpCase(c, 1, tiling);
          expect(firstMismatch(one.got, one.want.data, c.tolerance), `${tiling} tiling, batch 1`).toBeUndefined();
        }
      }
    });
  }
});

describe('compute kernel generation', () => {
  const linearNode = (rows: Dim[], k: number, out: number, epilogue: EpilogueStep[] = [], extra: Shape[] = []) => {
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: [...rows, k] });
    const w = b.input('w', { dtype: 'f32', shape: [out, k] });
    const bias = b.input('bias', { dtype: 'f32', shape: [out] });
    const operands = extra.map((shape, i) => b.input(`r${i}`, { dtype: 'f32', shape }));
    const type = { dtype: 'f32' as const, shape: [...rows, out] };
    const id = b.addTyped('linear', [x, w, bias, ...operands], { epilogue }, type);
    const graph = b.finish();
    const node = graph.nodes[id]!;
    return { node, types: node.inputs.map((i) => graph.nodes[i]!.type) };
  };

  it('launches enough invocations for every output tile at any batch size, with either tiling', () => {
    // 520 columns make 65 column tiles, so a grid short by one row of tiles is short by a workgroup.
    for (const tiling of TILINGS)
      for (const [rows, out] of [[['N'], 7], [['N', 3], 20], [['N', 5], 4], [['N'], 520]] as [Dim[], number][]) {
        const { node, types } = linearNode(rows, 12, out);
        const [kernel] = generateKernels(node, types, tiling);
        const perN = rows.reduce<number>((p, d) => p * (d === 'N' ? 1 : d), 1);
        const tile = gemmTile({ k: perN, n: true }, out, tiling);
        for (let n = 1; n <= 70; n++) {
          const needed = Math.ceil((perN * n) / tile.rows) * Math.ceil(out / tile.cols);
          const launched = Math.ceil(evalAffine(kernel!.groups, n) / kernel!.groupsDivisor) * kernel!.workgroupSize;
          expect(launched, `${tiling}, rows ${JSON.stringify(rows)}, n = ${n}`).toBeGreaterThanOrEqual(needed);
        }
      }
  });

  it('gives the blocked kernels smaller quick twins with the same bindings', () => {
    const { node, types } = linearNode(['N'], 64, 64);
    const [fast] = generateKernels(node, types, 'fast');
    const [quick] = generateKernels(node, types, 'quick');
    expect(quick!.wgsl).not.toBe(fast!.wgsl);
    expect(quick!.bindings).toEqual(fast!.bindings);
    expect(gemmTile({ k: 1, n: true }, 64, 'quick')).toEqual({ rows: 2, cols: 4 });
    const [shared] = generateKernels(node, types, 'fast-subgroups');
    expect(shared!.features).toEqual(['subgroups']);
    expect(shared!.wgsl).toContain('quadBroadcast');
    expect(shared!.bindings).toEqual(fast!.bindings);
    expect(shared!.groups).toEqual(fast!.groups);
    expect(gemmTile({ k: 1, n: true }, 64, 'fast')).toEqual({ rows: 8, cols: 8 });
  });

  it('generates the same WGSL for the same node', () => {
    const { node, types } = linearNode(['N'], 16, 8, [{ kind: 'unary', fn: 'gelu' }]);
    expect(generateKernels(node, types).map((k) => k.wgsl)).toEqual(generateKernels(node, types).map((k) => k.wgsl));
  });

  it('refuses an epilogue that needs more storage buffers than a kernel may bind', () => {
    const operands = [3, 4, 5, 6, 7].map((operand) => ({ kind: 'binary', fn: 'add', operand }) as EpilogueStep);
    const { node, types } = linearNode(['N'], 16, 8, operands, operands.map(() => ['N', 8]));
    expect(() => generateKernels(node, types)).toThrow(/storage buffers/);
  });

  it('binds the value before an epilogue operator applies and names a missing operand', () => {
    const mul: EpilogueStep = { kind: 'binary', fn: 'mul', operand: 3 };
    expect(emitEpilogue([mul], 'acc + b[i]', 'i', { 3: 'r' })).toBe('((acc + b[i]) * r[i])');
    expect(emitEpilogue([{ ...mul, operandFirst: true }], 'acc', 'i', { 3: 'r' })).toBe('(r[i] * acc)');
    expect(() => emitEpilogue([mul], 'acc', 'i', {})).toThrow(/input 3/);
  });
});
