// A hand-built graph through codegen, bundle files and the runtime loader on
// the real Dawn device; and hostile manifests refused before the GPU.
import { describe, expect, test } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { BundleError, validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import { getTestDevice } from '../support/gpu.ts';

function linearRelu() {
  const b = new GraphBuilder('eval');
  const x = b.input('input', { dtype: 'f32', shape: ['N', 3] });
  const w = b.tensor({ name: 'filter.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, 3] } }, new Float32Array([1, -1, 0, 0.5, 0.5, 0.5]));
  const bias = b.tensor({ name: 'filter.bias', role: 'trainable', type: { dtype: 'f32', shape: [2] } }, new Float32Array([0.25, -1]));
  const y = b.add('linear', [x, w, bias], { epilogue: [{ kind: 'unary', fn: 'relu' }] });
  const r = b.add('reshape', [y], { shape: ['N', 2, 1] });
  b.output('output', r);
  return generateBundle(b.finish(), { model: 'Tiny', generator: 'test' });
}

function reference(x: number[]): number[] {
  const out: number[] = [];
  for (let n = 0; n < x.length / 3; n++) {
    const [a, b, c] = x.slice(n * 3, n * 3 + 3) as [number, number, number];
    out.push(Math.max(0, a - b + 0.25), Math.max(0, 0.5 * (a + b + c) - 1));
  }
  return out;
}

describe('bundles on the device', () => {
  test('run at several batch sizes, names that are WGSL keywords included', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device);
    for (const n of [1, 3, 7]) {
      const x = Array.from({ length: 3 * n }, (_, i) => Math.sin(i * 1.7) * 2);
      const out = await loaded.run({ input: Float32Array.from(x) });
      expect(out.output!.shape).toEqual([n, 2, 1]);
      const expected = reference(x);
      out.output!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    }
    await expect(loaded.run({ input: new Float32Array(4) })).rejects.toThrow(/not a multiple of 3/);
    await expect(loaded.run({ wrong: new Float32Array(3) })).rejects.toThrow(/unknown input "wrong"/);
    loaded.destroy();
  });

  test('every pipeline choice computes the same, and tiered ones switch to fast after the first run', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const dispatch = bundle.manifest.dispatches[0]!;
    expect(dispatch.quick, 'the GEMM has a quick twin').toBeDefined();
    expect(bundle.manifest.shaders.map((s) => s.id)).toContain(dispatch.quick!.shader);
    const x = Array.from({ length: 3 * 5 }, (_, i) => Math.cos(i * 0.9) * 3);
    const expected = reference(x);
    for (const pipelines of ['tiered', 'quick', 'fast'] as const) {
      const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { pipelines });
      const first = await loaded.run({ input: Float32Array.from(x) });
      await loaded.ready();
      const later = await loaded.run({ input: Float32Array.from(x) });
      for (const out of [first, later]) out.output!.data.forEach((v, i) => expect(v, pipelines).toBeCloseTo(expected[i]!, 5));
      loaded.destroy();
    }
  });

  test('a shader that does not compile is refused at load, whichever tier it is in', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    for (const id of [bundle.manifest.dispatches[0]!.shader, bundle.manifest.dispatches[0]!.quick!.shader]) {
      const files = new Map(bundleFiles(bundle));
      files.set(`shaders/${id}.wgsl`, 'fn main( {');
      await expect(loadBundleFrom(memorySource({ files }), device), id).rejects.toThrow(BundleError);
    }
  });

  test('a weights file with a wrong tensor size is refused', async () => {
    const device = await getTestDevice();
    const files = new Map(bundleFiles(linearRelu()));
    const manifest = JSON.parse(files.get('manifest.json') as string);
    const w = manifest.buffers.find((b: { kind: string }) => b.kind === 'weight');
    w.elements = 5;
    files.set('manifest.json', JSON.stringify(manifest));
    await expect(loadBundleFrom(memorySource({ files }), device)).rejects.toThrow(/elements, the manifest expects 5/);
  });
});

describe('compile-time work', () => {
  test("a stored conv weight is reordered at compile time: no reorder dispatch, and only the reordered tensor ships", () => {
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 4, 6, 6] });
    const data = Float32Array.from({ length: 8 * 4 * 9 }, (_, i) => i);
    const w = b.tensor({ name: 'c.weight', role: 'trainable', type: { dtype: 'f32', shape: [8, 4, 3, 3] } }, data);
    const y = b.add('conv', [x, w], { spatial: 2, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: [] });
    b.output('y', y);
    const bundle = generateBundle(b.finish(), { model: 'Conv', generator: 'test' });
    expect(bundle.manifest.dispatches.map((d) => d.label)).toHaveLength(1);
    expect([...bundle.weights.keys()]).toEqual(['c.weight.weight_t']);
    // [O, C, taps] -> [taps, C, O]: element (o, c, tap) lands at (tap * C + c) * O + o.
    const moved = bundle.weights.get('c.weight.weight_t')!.data;
    for (const [o, c, tap] of [[0, 0, 0], [7, 3, 8], [5, 1, 4]] as const) expect(moved[(tap * 4 + c) * 8 + o]).toBe(data[(o * 4 + c) * 9 + tap]);
  });
});

describe('hostile manifests', () => {
  const good = () => JSON.parse(bundleFiles(linearRelu()).get('manifest.json') as string);
  const cases: [string, (m: any) => void, RegExp][] = [
    ['wrong version', (m) => (m.version = 99), /version/],
    ['path escape', (m) => (m.shaders[0].file = '../../etc/passwd'), /unsafe file path/],
    ['buffer id out of range', (m) => (m.dispatches[0].buffers[0] = 999), /\[0, \d+\]/],
    ['huge buffer', (m) => (m.buffers[0].elements = { perN: 2 ** 30, fixed: 0 }), /larger than the limit/],
    ['binding count mismatch', (m) => m.dispatches[0].buffers.pop(), /storage bindings/],
    ['weight written', (m) => {
      const shader = m.shaders[0];
      const wb = m.buffers.find((b: { kind: string }) => b.kind === 'weight').id;
      m.dispatches[0].buffers[shader.bindings.indexOf('read_write')] = wb;
    }, /writes a weight buffer/],
    ['unknown shader', (m) => (m.dispatches[0].shader = 'nope'), /unknown shader/],
    ['batch bound', (m) => (m.maxBatch = 1e12), /maxBatch/],
    ['not an object', (m) => (m.buffers[0] = 5), /expected an object/],
    ['unknown quick shader', (m) => (m.dispatches[0].quick.shader = 'nope'), /unknown shader/],
    ['a dispatch shader needing a feature', (m) => (m.shaders[0].features = ['subgroups']), /only a subgroups variant may/],
    ['an unknown feature', (m) => (m.shaders[0].features = ['shader-f16']), /unknown feature/],
    ['quick twin binds otherwise', (m) => {
      const twin = m.shaders.find((s: { id: string }) => s.id === m.dispatches[0].quick.shader);
      twin.bindings = twin.bindings.map(() => 'read');
    }, /does not bind what/],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const m = good();
      mutate(m);
      expect(() => validateManifest(m)).toThrow(BundleError);
      expect(() => validateManifest(m)).toThrow(message);
    });
  }
  test('the generated manifest validates', () => {
    expect(() => validateManifest(good())).not.toThrow();
  });
});
