// Golden tests for the pointwise, softmax, reduction, layout, normalisation
// and attention kernels against torch (cases from scripts/golden/ops_rest.py).
// Each case runs on the real Dawn device at its stored batch and, where the
// batch is symbolic and samples do not mix, again at batch 1 from the same
// shaders; cases that mix samples come at two stored batch sizes instead.
// Every shader must compile without a message and stay within the default
// storage-binding limit. Where another tiling gives other WGSL (attention's
// quick and quad-shared twins), that runs against the same golden.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { OpAttrs, OpName } from '../../compiler/ir/ops.ts';
import type { Dim, Graph, Node, Shape } from '../../compiler/ir/types.ts';
import { evalAffine, foldWorkgroups } from '../../compiler/codegen/kernel.ts';
import { generateKernels } from '../../compiler/codegen/kernels/index.ts';
import type { Tiling } from '../../compiler/codegen/kernels/tiling.ts';
import {
  buildOpGraph,
  differingTwins,
  firstMismatch,
  inputTypes,
  listOpCases,
  loadOpCase,
  OPS_GOLDEN_DIR,
  runKernels,
  runOpCase,
  shaderMessages,
  sliceBatch,
  type OpCase,
  type OpRun,
} from './op-harness.ts';

const PREFIXES = [
  'unary-', 'binary-', 'elementwise-', 'softmax-', 'reduce-', 'permute-', 'concat-', 'batchnorm-', 'batch_renorm-',
  'instancenorm-', 'groupnorm-', 'layernorm-', 'scalenorm-', 'batch_instance_norm-', 'switchable_norm-',
  'channel_affine-', 'multihead_attention-',
];
const CASES = listOpCases(PREFIXES);
const MAX_STORAGE_BINDINGS = 8;

/** Cases whose expectation cannot be sliced to a smaller batch (see ops_rest.py). */
function batchDependent(name: string): boolean {
  const spec = JSON.parse(readFileSync(join(OPS_GOLDEN_DIR, name, 'case.json'), 'utf8')) as { batchDependent?: boolean };
  return spec.batchDependent === true;
}

/**
 * channel_affine's type rule checks every input after x against [C], so a
 * residual operand (which the fusion pass adds with `addTyped`) cannot be
 * built through `GraphBuilder.add`: such cases get the node with the type of
 * x, as fusion makes it, and run like any other.
 */
function hasEpilogueOperands(c: OpCase): boolean {
  return c.op === 'channel_affine' && c.inputs.length > 3;
}

function buildFusedGraph(c: OpCase): { readonly graph: Graph; readonly node: Node } {
  const b = new GraphBuilder('eval');
  const ids = c.inputs.map((name) => {
    const shape: Dim[] = [...c.tensors.get(name)!.shape];
    if (c.batched.includes(name)) shape[c.batchAxis!] = 'N';
    return b.input(name, { dtype: 'f32', shape });
  });
  const id = b.addTyped(c.op, ids, c.attrs as never, b.type(ids[0]!));
  b.output(c.expected, id);
  const graph = b.finish();
  return { graph, node: graph.nodes[id]! };
}

async function runCase(c: OpCase, batch?: number, tiling: Tiling = 'fast'): Promise<OpRun> {
  if (!hasEpilogueOperands(c)) return runOpCase(c, batch, tiling);
  const { graph, node } = buildFusedGraph(c);
  const kernels = generateKernels(node, inputTypes(graph, node), tiling);
  const n = batch ?? c.tensors.get(c.batched[0]!)!.shape[c.batchAxis!]!;
  const pick = (name: string) => {
    const t = c.tensors.get(name)!;
    return batch !== undefined && (c.batched.includes(name) || name === c.expected) ? sliceBatch(t, batch) : t;
  };
  const want = pick(c.expected);
  const got = await runKernels(kernels, c.inputs.map((name) => pick(name).data), want.data.length, n);
  return { kernels, got, want, batch: n };
}

function buildCaseGraph(c: OpCase): { readonly graph: Graph; readonly node: Node } {
  return hasEpilogueOperands(c) ? buildFusedGraph(c) : buildOpGraph(c);
}

describe('pointwise, softmax, reduction, layout, normalisation and attention kernels match torch', () => {
  it('has golden cases for every op', () => {
    for (const prefix of PREFIXES) expect(CASES.some((name) => name.startsWith(prefix)), prefix).toBe(true);
  });

  for (const name of CASES) {
    it(name, async () => {
      const c = loadOpCase(name);
      const full = await runCase(c);
      expect(await shaderMessages(full.kernels)).toEqual([]);
      for (const k of full.kernels) expect(k.bindings.length, k.name).toBeLessThanOrEqual(MAX_STORAGE_BINDINGS);
      // The -long cases exist to exercise the workgroup-per-row reductions.
      if (name.includes('-long')) expect(full.kernels.some((k) => k.groupsDivisor === 1 && k.workgroupSize > 1)).toBe(true);
      expect(firstMismatch(full.got, full.want.data, c.tolerance), `batch ${full.batch}`).toBeUndefined();

      // Generators are pure: the same node gives the same text (pipelines are cached by it).
      const { graph, node } = buildCaseGraph(c);
      expect(generateKernels(node, inputTypes(graph, node)).map((k) => k.wgsl)).toEqual(full.kernels.map((k) => k.wgsl));

      if (full.batch !== null && full.batch > 1 && !batchDependent(name)) {
        const one = await runCase(c, 1);
        expect(one.kernels.map((k) => k.wgsl)).toEqual(full.kernels.map((k) => k.wgsl));
        expect(firstMismatch(one.got, one.want.data, c.tolerance), 'batch 1').toBeUndefined();
      }

      // Where another tiling gives other WGSL (attention's quick twins), that runs against the golden too.
      for await (const [tiling, twin] of differingTwins(full, (t) => runCase(c, undefined, t))) {
        expect(await shaderMessages(twin.kernels)).toEqual([]);
        expect(firstMismatch(twin.got, twin.want.data, c.tolerance), `${tiling} tiling`).toBeUndefined();
      }
    });
  }

  it('serves batch-dependent cases at two batch sizes from the same shaders', () => {
    const byStem = new Map<string, string[]>();
    for (const name of CASES.filter(batchDependent)) {
      const stem = name.replace(/-n\d+$/, '');
      byStem.set(stem, [...(byStem.get(stem) ?? []), name]);
    }
    let compared = 0;
    for (const [stem, names] of byStem) {
      if (names.length < 2) continue;
      compared++;
      const texts = names.map((name) => {
        const { graph, node } = buildOpGraph(loadOpCase(name));
        return generateKernels(node, inputTypes(graph, node)).map((k) => k.wgsl);
      });
      for (const t of texts.slice(1)) expect(t, stem).toEqual(texts[0]);
    }
    expect(compared).toBeGreaterThan(0);
  });
});

/** A one-node graph with every operand a graph input. */
function singleNode<Op extends OpName>(op: Op, attrs: OpAttrs[Op], shapes: readonly Shape[]) {
  const b = new GraphBuilder('eval');
  const ids = shapes.map((shape, i) => b.input(`in${i}`, { dtype: 'f32', shape }));
  const id = b.add(op, ids, attrs);
  const graph = b.finish();
  const node = graph.nodes[id]!;
  return { node, kernels: generateKernels(node, inputTypes(graph, node)) };
}

function seededValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe('grids past the 65535-workgroup fold', () => {
  it('a pointwise kernel covers every element and no more when the grid folds into two dimensions', async () => {
    // 65537 workgroups of 64 fold into 32769 x 2: one workgroup past the end must do nothing.
    const count = 65536 * 64 + 1;
    const { kernels } = singleNode('unary', { fn: 'affine', alpha: 2, beta: 1 }, [[count]]);
    const [k] = kernels;
    const groups = Math.ceil(evalAffine(k!.groups, 0) / k!.groupsDivisor);
    const [x, y] = foldWorkgroups(groups);
    expect(x * y).toBeGreaterThan(groups);
    const input = seededValues(count, 7);
    const got = await runKernels(kernels, [input], count, 0);
    let bad = 0;
    for (let i = 0; i < count; i++) if (got[i] !== Math.fround(2 * input[i]! + 1)) bad++;
    expect(bad).toBe(0);
  });

  it('a thread-per-row reduction covers every row when the grid folds into two dimensions', async () => {
    const rows = 65536 * 64 + 1;
    const { kernels } = singleNode('reduce', { fn: 'sum', axes: [1], keepDims: false }, [['N', 2]]);
    expect(kernels[0]!.groupsDivisor).toBe(kernels[0]!.workgroupSize);
    const input = seededValues(rows * 2, 11);
    const got = await runKernels(kernels, [input], rows, rows);
    let bad = 0;
    for (let r = 0; r < rows; r++) if (got[r] !== Math.fround(input[2 * r]! + input[2 * r + 1]!)) bad++;
    expect(bad).toBe(0);
  });
});
