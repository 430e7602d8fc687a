import { expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';

const SPEC = `block Basic(ch: int) {
  input x
  let h = x -> c1: conv2d(ch, 3, padding=1, bias=false) -> bn1: batchnorm -> relu
  output relu(h + x)
}

model M {
  input x: f32[N, 4, 6, 6]
  output y
  normalize(mean=[0.5], std=[0.25])
  layer1: repeat 2 Basic(4)
  global_avgpool
  flatten
  fc: linear(3) with weightnorm
  relu
}
`;

test('tensor names follow the spec: labels, block prefixes, repeat indices, automatic names, attachments', () => {
  const r = compileSource(SPEC, 'm.reg', { verify: true });
  expect(r.diagnostics).toEqual([]);
  expect([...r.trainGraph!.tensors.keys()]).toEqual([
    'layer1.0.c1.weight',
    'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean', 'layer1.0.bn1.running_var', 'layer1.0.bn1.num_batches_tracked',
    'layer1.1.c1.weight',
    'layer1.1.bn1.weight', 'layer1.1.bn1.bias', 'layer1.1.bn1.running_mean', 'layer1.1.bn1.running_var', 'layer1.1.bn1.num_batches_tracked',
    'fc.weight_v', 'fc.weight_g', 'fc.bias',
  ]);
  const layers = r.trainGraph!.nodes.flatMap((n) => (n.origin && n.op !== 'param' ? [n.origin.layer] : []));
  expect(layers).toContain('normalize_0');
  expect(layers).toContain('global_avgpool_2');
  expect(layers).toContain('relu_5');
  expect(layers).toContain('layer1.1.relu_2');
});

test('initial weights follow torch\'s default distributions, reproducibly', () => {
  const a = compileSource(SPEC, 'm.reg', { seed: 7 }).trainGraph!;
  const b = compileSource(SPEC, 'm.reg', { seed: 7 }).trainGraph!;
  const c = compileSource(SPEC, 'm.reg', { seed: 8 }).trainGraph!;
  const conv = a.data.get('layer1.0.c1.weight')!;
  const bound = 1 / Math.sqrt(4 * 9);
  expect(Math.max(...conv.map(Math.abs))).toBeLessThanOrEqual(bound);
  expect(Math.max(...conv.map(Math.abs))).toBeGreaterThan(bound * 0.8);
  expect(Array.from(a.data.get('layer1.0.bn1.weight')!)).toEqual([1, 1, 1, 1]);
  expect(Array.from(a.data.get('layer1.0.bn1.running_var')!)).toEqual([1, 1, 1, 1]);
  // weight_g starts at ||weight_v|| per output row, so w == v before training.
  const v = a.data.get('fc.weight_v')!;
  const g = a.data.get('fc.weight_g')!;
  for (let o = 0; o < 3; o++) expect(g[o]).toBeCloseTo(Math.hypot(...v.subarray(o * 4, o * 4 + 4)), 5);
  expect(Array.from(b.data.get('layer1.0.c1.weight')!)).toEqual(Array.from(conv));
  expect(Array.from(c.data.get('layer1.0.c1.weight')!)).not.toEqual(Array.from(conv));
});

test('a block with two tensor inputs takes them as leading arguments', () => {
  const r = compileSource(
    'block Mix(scale: float = 0.5) {\n  input a\n  input b\n  output a + b * scale\n}\n\nmodel M {\n  input x: f32[N, 4]\n  output y\n  let h = x -> fc1: linear(4)\n  let y = Mix(h, x, scale=2.0)\n}\n',
    'm.reg',
    { verify: true },
  );
  expect(r.diagnostics).toEqual([]);
  const ops = r.evalGraph!.nodes.map((n) => n.op);
  expect(ops).toContain('linear');
  expect(r.bundle!.manifest.dispatches.length).toBe(2);
});

test('enum words in arguments are not layers: automatic names agree with the checker', () => {
  const text = 'model M {\n  input x: f32[N, 4]\n  output y\n  gelu(approximate=tanh)\n  gelu(tanh)\n  fc: linear(2)\n  relu\n}\n';
  const r = compileSource(text, 'm.reg');
  const layers = r.trainGraph!.nodes.flatMap((n) => (n.origin && n.op !== 'param' && n.op !== 'input' ? [n.origin.layer] : []));
  expect(layers).toEqual(['gelu_0', 'gelu_1', 'fc', 'relu_3']);
});
