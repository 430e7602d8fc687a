// The random ops (random_mask, random_normal) on the Dawn device, against
// their host reference and statistically; and the train-randomness pass that
// gives dropout, drop_path, DropConnect and gaussian noise their training
// meaning through them.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { differentiate } from '../../compiler/autodiff/differentiate.ts';
import { TRAIN_PREPARATION } from '../../compiler/autodiff/prepare.ts';
import { assignStreams, RNG_INPUT, RNG_STATE_TYPE, streamId, trainRandomness } from '../../compiler/autodiff/randomness.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import {
  keepScale,
  randomMaskKernel,
  randomMaskValues,
  randomNormalKernel,
  randomNormalValues,
  rngWords,
  type RandomKernelOptions,
  type RngState,
} from '../../compiler/codegen/kernels/random.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Graph, Node, Shape } from '../../compiler/ir/types.ts';
import { runPipeline } from '../../compiler/passes/pass.ts';
import { runKernels } from '../codegen/op-harness.ts';
import { runBundle } from '../e2e/model-cases.ts';

const SEED = 20240611n;
const at = (step: number, seed: bigint = SEED): RngState => ({ seed, step });

/** The RNG state as the f32 buffer the harness writes: the same bytes as the u32 words. */
const rngBuffer = (state: RngState): Float32Array => new Float32Array(rngWords(state).buffer);

function randomNode<Op extends 'random_mask' | 'random_normal'>(op: Op, attrs: Node<Op>['attrs']): Node<Op> {
  const b = new GraphBuilder('train');
  const rng = b.input(RNG_INPUT, RNG_STATE_TYPE);
  const id = b.add(op, [rng], attrs as never);
  return b.finish().nodes[id] as Node<Op>;
}

const sizeAt = (shape: Shape, n: number): number => shape.reduce<number>((p, d) => p * (d === 'N' ? n : d), 1);

async function maskOnDevice(attrs: { p: number; stream: number; shape: Shape }, state: RngState, n = 1, options: RandomKernelOptions = {}): Promise<Float32Array> {
  const kernel = randomMaskKernel(randomNode('random_mask', attrs), options);
  return runKernels([kernel], [rngBuffer(state)], sizeAt(attrs.shape, n), n);
}

async function normalOnDevice(attrs: { std: number; stream: number; shape: Shape }, state: RngState, n = 1, options: RandomKernelOptions = {}): Promise<Float32Array> {
  const kernel = randomNormalKernel(randomNode('random_normal', attrs), options);
  return runKernels([kernel], [rngBuffer(state)], sizeAt(attrs.shape, n), n);
}

function firstDifference(got: Float32Array, want: Float32Array): string | undefined {
  if (got.length !== want.length) return `${got.length} elements, want ${want.length}`;
  const i = got.findIndex((g, k) => !Object.is(g, want[k]));
  return i < 0 ? undefined : `element ${i}: got ${got[i]}, want ${want[i]}`;
}

const mean = (xs: Float32Array): number => xs.reduce((s, x) => s + x, 0) / xs.length;

function correlation(a: Float32Array, b: Float32Array): number {
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const SPLITS: readonly RandomKernelOptions[] = [
  { workgroupSize: 64, elementsPerThread: 4 },
  { workgroupSize: 256, elementsPerThread: 1 },
  { workgroupSize: 1, elementsPerThread: 4 },
  { workgroupSize: 32, elementsPerThread: 1 },
];

describe('random_mask on the device', () => {
  const attrs = { p: 0.3, stream: streamId('dropout:drop1'), shape: ['N', 3, 7] as Shape };

  it('equals the host reference at every element, however the work is split', async () => {
    // 13 * 21 = 273 elements: not a multiple of 4, nor of any workgroup.
    const want = randomMaskValues(attrs, rngWords(at(5)), 273);
    for (const split of SPLITS) {
      expect(firstDifference(await maskOnDevice(attrs, at(5), 13, split), want), JSON.stringify(split)).toBeUndefined();
    }
  });

  it('keeps 1 - p of the elements, each at exactly 1 / (1 - p) in f32, as torch scales them', async () => {
    const n = 1 << 16;
    for (const p of [0.1, 0.5, 0.9]) {
      const mask = await maskOnDevice({ p, stream: 7, shape: [n] }, at(1));
      const scale = Math.fround(1 / Math.fround(1 - p));
      expect(keepScale(p)).toBe(scale);
      const kept = mask.filter((m) => m !== 0);
      expect(mask.every((m) => m === 0 || m === scale)).toBe(true);
      const standardError = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(kept.length / n - (1 - p)), `p=${p}`).toBeLessThan(4 * standardError);
    }
  });

  it('repeats bit for bit for the same seed and step, and draws afresh for another step, seed or stream', async () => {
    const shape: Shape = [1 << 14];
    const base = { p: 0.5, stream: 11, shape };
    const first = await maskOnDevice(base, at(3));
    expect(firstDifference(await maskOnDevice(base, at(3)), first)).toBeUndefined();
    // Independent draws of a fair mask: correlation within 4 standard errors (1 / sqrt(n)) of 0.
    const bound = 4 / Math.sqrt(shape[0] as number);
    const others = {
      'the next step': await maskOnDevice(base, at(4)),
      'a step 2^32 later': await maskOnDevice(base, at(3 + 2 ** 32)),
      'another seed low word': await maskOnDevice(base, at(3, SEED + 1n)),
      'another seed high word': await maskOnDevice(base, at(3, SEED + (1n << 32n))),
      'another stream': await maskOnDevice({ ...base, stream: 12 }, at(3)),
    };
    for (const [what, other] of Object.entries(others)) {
      expect(Math.abs(correlation(first, other)), what).toBeLessThan(bound);
    }
  });

  it('shares one shader among masks of any p, stream and shape (their constants are Dims params)', () => {
    const a = randomMaskKernel(randomNode('random_mask', { p: 0.1, stream: 1, shape: ['N', 8] }));
    const b = randomMaskKernel(randomNode('random_mask', { p: 0.7, stream: 2, shape: [3, 5] }));
    expect(a.wgsl).toBe(b.wgsl);
    expect(a.params).not.toEqual(b.params);
  });

  it('is all ones at p = 0', async () => {
    const mask = await maskOnDevice({ p: 0, stream: 1, shape: [1000] }, at(0));
    expect(mask.every((m) => m === 1)).toBe(true);
  });
});

describe('random_normal on the device', () => {
  it('draws N(0, std^2): mean and standard deviation within a few standard errors', async () => {
    const n = 1 << 16;
    const std = 0.5;
    const z = await normalOnDevice({ std, stream: streamId('gaussian_noise:input'), shape: [n] }, at(2));
    const m = mean(z);
    const s = Math.sqrt(z.reduce((acc, v) => acc + (v - m) ** 2, 0) / (n - 1));
    expect(Math.abs(m)).toBeLessThan((4 * std) / Math.sqrt(n));
    expect(Math.abs(s - std)).toBeLessThan((4 * std) / Math.sqrt(2 * n));
    // Tails: about 4.55% beyond 2 sigma for a normal.
    const beyond = z.filter((v) => Math.abs(v) > 2 * std).length / n;
    expect(Math.abs(beyond - 0.0455)).toBeLessThan(4 * Math.sqrt((0.0455 * 0.9545) / n));
  });

  it('gives the same bits however the work is split, close to the host reference', async () => {
    const attrs = { std: 2, stream: 99, shape: ['N', 5, 3] as Shape };
    const count = 11 * 15;
    const first = await normalOnDevice(attrs, at(9), 11, SPLITS[0]);
    for (const split of SPLITS.slice(1)) {
      expect(firstDifference(await normalOnDevice(attrs, at(9), 11, split), first), JSON.stringify(split)).toBeUndefined();
    }
    const want = randomNormalValues(attrs, rngWords(at(9)), count);
    // f32 log, sqrt and cos on the device against doubles: a radius near 0
    // (u1 near 1) carries the log's absolute error (WGSL allows 2^-21 near
    // 1, up to 1e-3 in the radius), hence the absolute part.
    const outside = [...first].flatMap((g, i) => (Math.abs(g - want[i]!) <= 2e-3 + 1e-4 * Math.abs(want[i]!) ? [] : [`${i}: ${g} vs ${want[i]}`]));
    expect(outside).toEqual([]);
  });
});

// ---------------------------------------------------------------- the pass

const randomOps = (graph: Graph) => graph.nodes.filter((n) => n.op === 'random_mask' || n.op === 'random_normal');

function regularizedGraph(): Graph {
  const b = new GraphBuilder('train');
  const origin = (layer: string) => ({ layer, file: 'net.reg', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } } });
  const x = b.input('x', { dtype: 'f32', shape: ['N', 4, 3, 3] });
  const w = b.tensor({ name: 'fc.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, 36] } }, new Float32Array(72).fill(0.5));
  const noisy = b.add('gaussian_noise', [x], { std: 0.1 }, origin('input_noise'));
  const dropped = b.add('dropout', [noisy], { p: 0.25 }, origin('drop1'));
  const path = b.add('drop_path', [dropped], { p: 0.5 }, origin('path'));
  const flat = b.add('reshape', [path], { shape: ['N', 36] });
  const wMasked = b.add('dropconnect', [w], { p: 0.2 }, origin('fc'));
  const kept = b.add('dropout', [flat], { p: 0 }, origin('drop_nothing'));
  b.output('y', b.add('linear', [kept, wMasked], { epilogue: [] }, origin('fc')));
  return b.finish();
}

describe('train-randomness pass', () => {
  it('rewrites each regularizer into its random op and a mul or add, reading one u32 [4] rng input', () => {
    const graph = trainRandomness.run(regularizedGraph());
    expect(graph.nodes.some((n) => ['dropout', 'drop_path', 'dropconnect', 'gaussian_noise'].includes(n.op))).toBe(false);
    const rngInputs = graph.inputs.map((id) => graph.nodes[id]!).filter((n) => (n as Node<'input'>).attrs.name === RNG_INPUT);
    expect(rngInputs.map((n) => n.type)).toEqual([RNG_STATE_TYPE]);
    const ops = randomOps(graph).map((n) => ({ op: n.op, layer: n.origin?.layer, attrs: n.attrs, user: graph.nodes.find((u) => u.inputs.includes(n.id))?.attrs }));
    expect(ops).toEqual([
      { op: 'random_normal', layer: 'input_noise', attrs: { std: 0.1, stream: streamId('gaussian_noise:input_noise'), shape: ['N', 4, 3, 3] }, user: { fn: 'add' } },
      { op: 'random_mask', layer: 'drop1', attrs: { p: 0.25, stream: streamId('dropout:drop1'), shape: ['N', 4, 3, 3] }, user: { fn: 'mul' } },
      // One draw per sample, broadcast over the rest (torchvision's mode="row").
      { op: 'random_mask', layer: 'path', attrs: { p: 0.5, stream: streamId('drop_path:path'), shape: ['N', 1, 1, 1] }, user: { fn: 'mul' } },
      // DropConnect masks the weight itself: one mask per step for the whole batch.
      { op: 'random_mask', layer: 'fc', attrs: { p: 0.2, stream: streamId('dropconnect:fc'), shape: [2, 36] }, user: { fn: 'mul' } },
    ]);
  });

  it('leaves a graph without randomness as it is, and refuses a model input named rng', () => {
    const b = new GraphBuilder('train');
    b.output('y', b.add('unary', [b.input('x', { dtype: 'f32', shape: ['N', 2] })], { fn: 'relu' }));
    const plain = b.finish();
    expect(trainRandomness.run(plain)).toBe(plain);

    const clash = new GraphBuilder('train');
    clash.output('y', clash.add('dropout', [clash.input('rng', { dtype: 'f32', shape: ['N', 2] })], { p: 0.5 }));
    expect(() => trainRandomness.run(clash.finish())).toThrow(/model input 'rng'.*rename the input/);
  });

  it('names streams by op and layer: unchanged by other layers, distinct within a graph', () => {
    const spec = (extra: string) => `model Net {
  input x: f32[N, 8]
  output y
${extra}
  d1: dropout(0.5)
  fc1: linear(6) with dropconnect(0.3)
  d2: dropout(0.5)
  fc2: linear(2)
}`;
    const streamsOf = (text: string) => {
      const compiled = compileSource(text, 'net.reg');
      const graph = compiled.trainGraph!;
      return new Map([...assignStreams(graph)].map(([id, stream]) => [`${graph.nodes[id]!.op}:${graph.nodes[id]!.origin?.layer}`, stream]));
    };
    const plain = streamsOf(spec(''));
    const grown = streamsOf(spec('  d0: dropout(0.1)\n  fc0: linear(8)'));
    expect([...plain.keys()]).toEqual(['dropout:d1', 'dropconnect:fc1', 'dropout:d2']);
    for (const [key, stream] of plain) expect(grown.get(key), key).toBe(stream);
    expect(new Set(grown.values()).size).toBe(grown.size);

    // Two regularizers of one op in one layer still draw from different streams.
    const b = new GraphBuilder('train');
    const origin = { layer: 'twice', file: 'f.reg', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } } };
    const x = b.input('x', { dtype: 'f32', shape: [4] });
    b.output('y', b.add('dropout', [b.add('dropout', [x], { p: 0.5 }, origin)], { p: 0.5 }, origin));
    const twice = [...assignStreams(b.finish()).values()];
    expect(twice).toEqual([streamId('dropout:twice'), streamId('dropout:twice#2')]);
  });
});

describe('dropout in a train-mode step on the device', () => {
  it('multiplies by the mask forward and its gradient by the same mask backward (mul\'s rule)', async () => {
    const p = 0.4;
    const compiled = compileSource('model Drop {\n  input x: f32[N, 64]\n  output y\n  drop: dropout(0.4)\n}\n', 'drop.reg');
    expect(TRAIN_PREPARATION).toContain(trainRandomness);
    const forward = runPipeline(compiled.trainGraph!, TRAIN_PREPARATION);
    const { graph, inputGrads } = differentiate(forward, { seeds: [{ value: forward.outputs[0]!.value, cotangent: { input: 'grad_output' } }], inputs: ['x'] });
    const bundle = generateBundle(graph, { model: 'Drop', generator: 'test' });

    const n = 8;
    const xs = Float32Array.from({ length: n * 64 }, (_, i) => 1 + ((i * 37) % 101) / 7);
    const gs = Float32Array.from({ length: n * 64 }, (_, i) => ((i * 53) % 97) / 13 - 3);
    const run = async (state: RngState) => (await runBundle(bundle, [{ x: xs, grad_output: gs, [RNG_INPUT]: rngBuffer(state) }]))[0]!;
    const outputs = await run(at(6));
    const mask = randomMaskValues({ p, stream: streamId('dropout:drop') }, rngWords(at(6)), n * 64);
    expect(firstDifference(outputs.y!.data, xs.map((v, i) => Math.fround(v * mask[i]!)))).toBeUndefined();
    expect(firstDifference(outputs[inputGrads.get('x')!]!.data, gs.map((v, i) => Math.fround(v * mask[i]!)))).toBeUndefined();
    // Kept values are x * (1 / (1 - p)) exactly, torch's inverted dropout.
    const scale = keepScale(p);
    expect(outputs.y!.data.filter((v, i) => v !== 0 && v !== Math.fround(xs[i]! * scale))).toHaveLength(0);

    // Same seed and step: the same step again; the next step: a new mask.
    expect(firstDifference((await run(at(6))).y!.data, outputs.y!.data)).toBeUndefined();
    expect(firstDifference((await run(at(7))).y!.data, outputs.y!.data)).toBeDefined();
  });

  it('drops whole samples with drop_path, 1 - p of them kept and scaled by 1 / (1 - p)', async () => {
    const p = 0.25;
    const compiled = compileSource('model Path {\n  input x: f32[N, 3, 2, 2]\n  output y\n  drop_path(0.25)\n}\n', 'path.reg');
    const forward = runPipeline(compiled.trainGraph!, TRAIN_PREPARATION);
    const bundle = generateBundle(forward, { model: 'Path', generator: 'test' });
    const n = 4096;
    const xs = Float32Array.from({ length: n * 12 }, (_, i) => 1 + (i % 12));
    const y = (await runBundle(bundle, [{ x: xs, [RNG_INPUT]: rngBuffer(at(1)) }]))[0]!.y!.data;
    const scale = keepScale(p);
    let kept = 0;
    for (let s = 0; s < n; s++) {
      const row = y.subarray(12 * s, 12 * s + 12);
      const keep = row[0] !== 0;
      if (keep) kept++;
      expect([...row], `sample ${s}`).toEqual([...xs.subarray(12 * s, 12 * s + 12)].map((v) => (keep ? Math.fround(v * scale) : 0)));
    }
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });
});
