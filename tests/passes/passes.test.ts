import { describe, expect, test } from 'vitest';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Node } from '../../compiler/ir/types.ts';
import { verifyGraph } from '../../compiler/ir/verify.ts';
import {
  EVAL_PIPELINE,
  foldBatchNorm,
  foldGlobalPool,
  foldInputNormalize,
  fuseEpilogues,
  lowerNormalizers,
  materialiseReparam,
  mergeAffinesPass,
  removeTrainOnly,
  runPipeline,
} from '../../compiler/passes/index.ts';
import { affineFromRunningStats } from '../../compiler/passes/lower-normalizers.ts';
import { convBnRelu, ops, seeded, tensor } from './graphs.ts';

describe('remove-train-only', () => {
  test('dropout, drop_path, noise and dropconnect disappear', () => {
    const rand = seeded(2);
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 4] });
    const w = b.add('dropconnect', [tensor(b, 'fc.weight', [3, 4], rand)], { p: 0.5 });
    const d = b.add('dropout', [x], { p: 0.5 });
    const n = b.add('gaussian_noise', [d], { std: 0.1 });
    const l = b.add('linear', [n, w], { epilogue: [] });
    b.output('y', b.add('drop_path', [l], { p: 0.2 }));
    const out = removeTrainOnly.run(b.finish());
    expect(ops(out)).toEqual(['linear']);
    expect(verifyGraph(out, { evalLowered: true })).toEqual([]);
  });
});

describe('lower-normalizers', () => {
  test('batchnorm with running stats becomes a per-channel affine with torch\'s formula', () => {
    const g = lowerNormalizers.run(convBnRelu());
    expect(ops(g)).toEqual(['conv', 'channel_affine', 'unary']);
    const affine = g.nodes.find((n) => n.op === 'channel_affine')!;
    const scale = g.data.get((g.nodes[affine.inputs[1]!] as Node<'param'>).attrs.name)!;
    const src = convBnRelu();
    const [w, v] = [src.data.get('bn1.weight')!, src.data.get('bn1.running_var')!];
    for (let c = 0; c < 4; c++) expect(scale[c]).toBeCloseTo(w[c]! / Math.sqrt(v[c]! + 1e-5), 6);
  });

  test('batchnorm without running stats keeps batch statistics and is left alone', () => {
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 2, 3] });
    b.output('y', b.add('batchnorm', [x], { eps: 1e-5, momentum: 0.1, affine: false, trackRunningStats: false }));
    expect(ops(lowerNormalizers.run(b.finish()))).toEqual(['batchnorm']);
  });

  test('affineFromRunningStats without affine parameters', () => {
    const { scale, shift } = affineFromRunningStats(new Float32Array([1, 2]), new Float32Array([4, 9]), 0);
    expect(Array.from(scale)).toEqual([0.5, Math.fround(1 / 3)]);
    expect(shift[0]).toBeCloseTo(-0.5, 7);
  });
});

describe('fold-batchnorm', () => {
  for (const withBias of [true, false]) {
    test(`folds into a conv ${withBias ? 'with' : 'without'} bias`, () => {
      const g = foldBatchNorm.run(lowerNormalizers.run(convBnRelu(withBias)));
      expect(ops(g)).toEqual(['conv', 'unary']);
      const conv = g.nodes.find((n) => n.op === 'conv')!;
      expect(conv.inputs).toHaveLength(3);
      expect([...g.tensors.values()].every((t) => t.role === 'derived')).toBe(true);
      expect(verifyGraph(g)).toEqual([]);
    });
  }

  test('does not fold when the conv output has another reader', () => {
    const src = lowerNormalizers.run(convBnRelu());
    const b = new GraphBuilder('eval');
    // Rebuild with a second reader of the conv.
    const ids: number[] = [];
    for (const n of src.nodes) {
      const inputs = n.inputs.map((i) => ids[i]!);
      if (n.op === 'input') ids.push(b.input('x', n.type));
      else if (n.op === 'param') ids.push(b.tensor(src.tensors.get((n as Node<'param'>).attrs.name)!, src.data.get((n as Node<'param'>).attrs.name)));
      else ids.push(b.addTyped(n.op, inputs, n.attrs as never, n.type));
    }
    const conv = src.nodes.findIndex((n) => n.op === 'conv');
    b.output('y', ids[src.outputs[0]!.value]!);
    b.output('raw', ids[conv]!);
    expect(ops(foldBatchNorm.run(b.finish()))).toContain('channel_affine');
  });
});

describe('merge-affines and fold-input-normalize', () => {
  function affineChain(padding: number) {
    const rand = seeded(3);
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 2, 5, 5] });
    const a1 = b.add('channel_affine', [x, b.constant([2, 3], [2]), b.constant([1, -1], [2])], { axis: 1, epilogue: [] });
    const a2 = b.add('channel_affine', [a1, b.constant([0.5, 0.25], [2]), b.constant([0, 1], [2])], { axis: 1, epilogue: [] });
    const c = b.add('conv', [a2, tensor(b, 'c.weight', [3, 2, 3, 3], rand)], {
      spatial: 2, stride: [1, 1], padding: [padding, padding], dilation: [1, 1], groups: 1, epilogue: [],
    });
    b.output('y', c);
    return b.finish();
  }

  test('two affines on one axis merge into one', () => {
    const g = mergeAffinesPass.run(affineChain(0));
    expect(ops(g)).toEqual(['channel_affine', 'conv']);
  });

  test('an input affine folds into a conv without padding', () => {
    const g = foldInputNormalize.run(mergeAffinesPass.run(affineChain(0)));
    expect(ops(g)).toEqual(['conv']);
    expect(verifyGraph(g)).toEqual([]);
  });

  test('but not into a padded conv, where padding would see the shift', () => {
    expect(ops(foldInputNormalize.run(mergeAffinesPass.run(affineChain(1))))).toEqual(['channel_affine', 'conv']);
  });
});

describe('fold-global-pool', () => {
  /** x [N, C, H, W] -> global_avgpool -> flatten -> linear(out), the pool optionally read twice. */
  function head(channels: number, h: number, w: number, out: number, poolReadTwice = false) {
    const rand = seeded(5);
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', channels, h, w] });
    const pool = b.add('global_avgpool', [x], {});
    const flat = b.add('reshape', [pool], { shape: ['N', channels] });
    const fc = b.add('linear', [flat, tensor(b, 'fc.weight', [out, channels], rand), tensor(b, 'fc.bias', [out], rand)], { epilogue: [] });
    b.output('y', fc);
    if (poolReadTwice) b.output('pooled', pool);
    return b.finish();
  }

  test('the pool and flatten fold into the linear, whose weight is repeated over the positions and divided by their count', () => {
    const before = head(3, 2, 2, 4);
    const g = foldGlobalPool.run(before);
    expect(ops(g)).toEqual(['reshape', 'linear']);
    expect(verifyGraph(g)).toEqual([]);
    const reshape = g.nodes.find((n) => n.op === 'reshape') as Node<'reshape'>;
    expect(reshape.attrs.shape).toEqual(['N', 12]);
    expect(g.nodes[reshape.inputs[0]!]!.op).toBe('input');
    const folded = g.tensors.get('fc.weight.pool_folded')!;
    expect(folded.type.shape).toEqual([4, 12]);
    const original = before.data.get('fc.weight')!;
    const data = g.data.get(folded.name)!;
    // One sample by hand: the folded linear on x equals the linear on x's per-channel means.
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    for (let o = 0; o < 4; o++) {
      let pooled = 0;
      for (let c = 0; c < 3; c++) pooled += original[o * 3 + c]! * ((x[c * 4]! + x[c * 4 + 1]! + x[c * 4 + 2]! + x[c * 4 + 3]!) / 4);
      let flat = 0;
      for (let i = 0; i < 12; i++) flat += data[o * 12 + i]! * x[i]!;
      expect(flat).toBeCloseTo(pooled, 6);
    }
  });

  test('not when something else reads the pool, nor when the folded weight or its sums would be large', () => {
    expect(ops(foldGlobalPool.run(head(3, 2, 2, 4, true)))).toEqual(['global_avgpool', 'reshape', 'linear']);
    // 64 channels at 8x8 into 100 outputs: 400K floats instead of 6.4K.
    expect(ops(foldGlobalPool.run(head(64, 8, 8, 100)))).toEqual(['global_avgpool', 'reshape', 'linear']);
    // 32 channels at 16x16 into 10: a small weight, but sums of 8192 terms, which lose accuracy in f32.
    expect(ops(foldGlobalPool.run(head(32, 16, 16, 10)))).toEqual(['global_avgpool', 'reshape', 'linear']);
    expect(ops(foldGlobalPool.run(head(16, 16, 16, 10)))).toEqual(['reshape', 'linear']);
  });
});

describe('fuse-epilogues', () => {
  test('activation and residual add fuse into the conv', () => {
    const rand = seeded(4);
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 2, 4, 4] });
    const c = b.add('conv', [x, tensor(b, 'c.weight', [2, 2, 3, 3], rand)], {
      spatial: 2, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: [],
    });
    const sum = b.add('binary', [c, x], { fn: 'add' });
    b.output('y', b.add('unary', [sum], { fn: 'relu' }));
    const g = fuseEpilogues.run(b.finish());
    expect(ops(g)).toEqual(['conv']);
    const conv = g.nodes.find((n) => n.op === 'conv') as Node<'conv'>;
    expect(conv.attrs.epilogue.map((s) => s.kind)).toEqual(['binary', 'unary']);
    expect(conv.inputs).toHaveLength(3);
  });

  test("a Transformer layer's residual add fuses into attention (its output projection)", () => {
    const rand = seeded(5);
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 3, 8] });
    const a = b.add('multihead_attention', [x, tensor(b, 'in_proj_weight', [24, 8], rand), tensor(b, 'in_proj_bias', [24], rand), tensor(b, 'out_proj.weight', [8, 8], rand), tensor(b, 'out_proj.bias', [8], rand)], { heads: 2, dropout: 0 });
    b.output('y', b.add('binary', [x, a], { fn: 'add' }));
    const g = fuseEpilogues.run(b.finish());
    expect(ops(g)).toEqual(['multihead_attention']);
    const attention = g.nodes.find((n) => n.op === 'multihead_attention') as Node<'multihead_attention'>;
    expect(attention.attrs.epilogue).toEqual([{ kind: 'binary', fn: 'add', operand: 5, operandFirst: true }]);
    expect(attention.inputs[5]).toBe(x);
    expect(verifyGraph(g, { evalLowered: true })).toEqual([]);
  });

  test('a 2x2 pool after a conv and its activation is pooled by the conv; other pools are left alone', () => {
    const rand = seeded(6);
    const build = (kernel: number, residual: boolean) => {
      const b = new GraphBuilder('eval');
      const x = b.input('x', { dtype: 'f32', shape: ['N', 2, 5, 5] });
      const c = b.add('conv', [x, tensor(b, 'c.weight', [2, 2, 3, 3], rand)], {
        spatial: 2, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: [],
      });
      const act = b.add('unary', [residual ? b.add('binary', [c, x], { fn: 'add' }) : c], { fn: 'relu' });
      b.output('y', b.add('pool', [act], { kind: 'max', spatial: 2, kernel: [kernel, kernel], stride: [2, 2], padding: [0, 0], countIncludePad: true }));
      return fuseEpilogues.run(b.finish());
    };
    const fused = build(2, false);
    expect(ops(fused)).toEqual(['conv']);
    const conv = fused.nodes.find((n) => n.op === 'conv') as Node<'conv'>;
    expect(conv.attrs.pool).toEqual({ kind: 'max' });
    expect(conv.type.shape).toEqual(['N', 2, 2, 2]);
    expect(verifyGraph(fused, { evalLowered: true })).toEqual([]);
    expect(ops(build(3, false))).toEqual(['conv', 'pool']);
    expect(ops(build(2, true)), 'a residual operand has the unpooled shape').toEqual(['conv', 'pool']);
  });

  test('consecutive unaries become one elementwise node', () => {
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 3] });
    b.output('y', b.add('unary', [b.add('unary', [x], { fn: 'tanh' })], { fn: 'sigmoid' }));
    expect(ops(fuseEpilogues.run(b.finish()))).toEqual(['elementwise']);
  });
});

describe('materialise-reparam', () => {
  test('weight norm gives g * v / ||v|| per output row', () => {
    const b = new GraphBuilder('eval');
    const v = b.tensor({ name: 'fc.weight_v', role: 'trainable', type: { dtype: 'f32', shape: [2, 2] } }, new Float32Array([3, 4, 0, 2]));
    const g = b.tensor({ name: 'fc.weight_g', role: 'trainable', type: { dtype: 'f32', shape: [2, 1] } }, new Float32Array([10, 3]));
    const x = b.input('x', { dtype: 'f32', shape: ['N', 2] });
    b.output('y', b.add('linear', [x, b.add('weight_norm', [v, g], { dim: 0 })], { epilogue: [] }));
    const out = materialiseReparam.run(b.finish());
    expect(ops(out)).toEqual(['linear']);
    expect(Array.from(out.data.get('fc.weight.weight_norm')!)).toEqual([6, 8, 0, 3]);
  });

  test('spectral norm divides by u . W v', () => {
    const b = new GraphBuilder('eval');
    const w = b.tensor({ name: 'fc.weight_orig', role: 'trainable', type: { dtype: 'f32', shape: [2, 2] } }, new Float32Array([2, 0, 0, 1]));
    const u = b.tensor({ name: 'fc.weight_u', role: 'state', type: { dtype: 'f32', shape: [2] } }, new Float32Array([1, 0]));
    const v = b.tensor({ name: 'fc.weight_v', role: 'state', type: { dtype: 'f32', shape: [2] } }, new Float32Array([1, 0]));
    const x = b.input('x', { dtype: 'f32', shape: ['N', 2] });
    b.output('y', b.add('linear', [x, b.add('spectral_norm', [w, u, v], { dim: 0, eps: 1e-12, powerIterations: 1 })], { epilogue: [] }));
    const out = materialiseReparam.run(b.finish());
    expect(Array.from(out.data.get('fc.weight.spectral_norm')!)).toEqual([1, 0, 0, 0.5]);
  });
});

test('the whole eval pipeline keeps every invariant', () => {
  const g = runPipeline({ ...convBnRelu(), mode: 'train' }, EVAL_PIPELINE, {
    after: (pass, graph) => expect(verifyGraph(graph), pass.name).toEqual([]),
  });
  expect(g.mode).toBe('eval');
  expect(ops(g)).toEqual(['conv']);
});

test('a fused residual on a conv without bias keeps the graph valid', () => {
  const rand = seeded(5);
  const b = new GraphBuilder('eval');
  const x = b.input('x', { dtype: 'f32', shape: ['N', 2, 3, 3] });
  const c = b.add('conv', [x, tensor(b, 'c.weight', [2, 2, 1, 1], rand)], {
    spatial: 2, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, epilogue: [],
  });
  const a = b.add('channel_affine', [c, b.constant([1, 2], [2]), b.constant([0, 1], [2])], { axis: 1, epilogue: [] });
  b.output('y', b.add('binary', [a, x], { fn: 'add' }));
  const g = fuseEpilogues.run(b.finish());
  expect(ops(g)).toEqual(['conv', 'channel_affine']);
  expect(verifyGraph(g)).toEqual([]);
});
