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

/** x [N, 8] -> linear 8->12 + relu -> linear 12->4 (+ linear 4->4 + relu when `third`): sizes whose GEMMs can be shape-generic. */
function twoLinears(third = false) {
  const b = new GraphBuilder('eval');
  let h = b.input('x', { dtype: 'f32', shape: ['N', 8] });
  const layers: [number, number, boolean][] = [[8, 12, true], [12, 4, false], ...(third ? [[4, 4, true] as [number, number, boolean]] : [])];
  layers.forEach(([inF, outF, relu], i) => {
    const w = b.tensor({ name: `l${i}.weight`, role: 'trainable', type: { dtype: 'f32', shape: [outF, inF] } }, Float32Array.from({ length: outF * inF }, (_, k) => Math.sin(k * 0.37 + i)));
    const bias = b.tensor({ name: `l${i}.bias`, role: 'trainable', type: { dtype: 'f32', shape: [outF] } }, Float32Array.from({ length: outF }, (_, k) => 0.1 * k - 0.3));
    h = b.add('linear', [h, w, bias], { epilogue: relu ? [{ kind: 'unary', fn: 'relu' }] : [] });
  });
  b.output('y', h);
  const graph = b.finish();
  const reference = (x: Float32Array): number[] => {
    let rows = Array.from({ length: x.length / 8 }, (_, n) => Array.from(x.slice(n * 8, n * 8 + 8)));
    layers.forEach(([inF, outF, relu], i) => {
      const w = graph.data.get(`l${i}.weight`)!;
      const bias = graph.data.get(`l${i}.bias`)!;
      rows = rows.map((r) =>
        Array.from({ length: outF }, (_, o) => {
          const v = r.reduce((s, xi, k) => s + xi * w[o * inF + k]!, bias[o]!);
          return relu ? Math.max(0, v) : v;
        }),
      );
    });
    return rows.flat();
  };
  return { bundle: generateBundle(graph, { model: 'Linears', generator: 'test' }), reference };
}

/** Replaces a shader's text in its file and, where the manifest carries it (`code`), there too. */
function withShader(files: Map<string, string | Uint8Array>, id: string, edit: (text: string) => string): void {
  const manifest = JSON.parse(files.get('manifest.json') as string);
  const spec = manifest.shaders.find((s: { id: string }) => s.id === id);
  files.set(spec.file, edit(files.get(spec.file) as string));
  if (spec.code !== undefined) spec.code = edit(spec.code);
  files.set('manifest.json', JSON.stringify(manifest));
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

  test('layers of different sizes run one shape-generic quick shader, each with its own sizes', async () => {
    const device = await getTestDevice();
    const { bundle, reference: expectedOf } = twoLinears();
    const [first, second] = bundle.manifest.dispatches;
    expect(first!.quick!.shader).toBe(second!.quick!.shader);
    expect(first!.params).toEqual([1, 8, 12, 1, 0]); // rows per sample, depth, columns, relu, residual
    expect(bundle.manifest.shaders.find((s) => s.id === first!.quick!.shader)!.params).toBe(5);
    expect(second!.params).toEqual([1, 12, 4, 0, 0]);
    const x = Float32Array.from({ length: 8 * 5 }, (_, i) => Math.cos(i * 0.61) * 2);
    const expected = expectedOf(x);
    for (const pipelines of ['quick', 'fast'] as const) {
      // The device may still be on its way when loading starts.
      const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), Promise.resolve(device), { pipelines });
      for (const n of [5, 2]) {
        const out = await loaded.run({ x: x.slice(0, 8 * n) });
        out.y!.data.forEach((v, i) => expect(v, `${pipelines}, batch ${n}`).toBeCloseTo(expected[i]!, 4));
      }
      loaded.destroy();
    }
  });

  test('layers with a relu, a residual add or neither share one shape-generic quick shader, binding what each needs', async () => {
    const device = await getTestDevice();
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 8] });
    const param = (name: string, shape: number[], seed: number) =>
      b.tensor({ name, role: 'trainable', type: { dtype: 'f32', shape } }, Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, k) => Math.sin(k * 0.37 + seed)));
    const h = b.add('linear', [x, param('l0.weight', [8, 8], 0), param('l0.bias', [8], 1)], { epilogue: [{ kind: 'unary', fn: 'relu' }] });
    const r = b.add('linear', [h, param('l1.weight', [8, 8], 2), param('l1.bias', [8], 3), x], { epilogue: [{ kind: 'binary', fn: 'add', operand: 3 }] });
    const y = b.add('linear', [r, param('l2.weight', [4, 8], 4), param('l2.bias', [4], 5)], { epilogue: [] });
    b.output('y', y);
    const graph = b.finish();
    const bundle = generateBundle(graph, { model: 'Residual', generator: 'test' });
    const ds = bundle.manifest.dispatches;
    expect(new Set(ds.map((d) => d.quick?.shader)).size, 'one quick shader').toBe(1);
    expect(ds.map((d) => d.params!.slice(3))).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(ds[1]!.quick!.buffers, 'the residual layer binds what its fast shader binds').toBeUndefined();
    expect(ds[0]!.quick!.buffers, 'the others bind a buffer more, never read').toHaveLength(ds[0]!.buffers.length + 1);
    expect(bundle.manifest.version, 'which needs version 3').toBe(3);
    const data = (name: string) => graph.data.get(name)!;
    const linear = (rows: number[][], w: Float32Array, bias: Float32Array, out: number) =>
      rows.map((row) => Array.from({ length: out }, (_, o) => row.reduce((acc, v, k) => acc + v * w[o * row.length + k]!, bias[o]!)));
    const input = Float32Array.from({ length: 8 * 3 }, (_, i) => Math.cos(i * 0.7));
    const rows = [0, 1, 2].map((n) => Array.from(input.slice(n * 8, n * 8 + 8)));
    const hidden = linear(rows, data('l0.weight'), data('l0.bias'), 8).map((row) => row.map((v) => Math.max(0, v)));
    const residual = linear(hidden, data('l1.weight'), data('l1.bias'), 8).map((row, n) => row.map((v, k) => v + rows[n]![k]!));
    const expected = linear(residual, data('l2.weight'), data('l2.bias'), 4).flat();
    for (const pipelines of ['quick', 'tiered'] as const) {
      const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { pipelines });
      for (let run = 0; run < 2; run++) {
        (await loaded.run({ x: input })).y!.data.forEach((v, i) => expect(v, `${pipelines} run ${run}`).toBeCloseTo(expected[i]!, 4));
        await loaded.ready();
      }
      loaded.destroy();
    }
  });

  test("a first-run shader that does not compile is refused at load; a later one fails ready() and runs go on", async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const [fast, quick] = [bundle.manifest.dispatches[0]!.shader, bundle.manifest.dispatches[0]!.quick!.shader];
    const broken = (id: string) => {
      const files = new Map(bundleFiles(bundle));
      withShader(files, id, () => 'fn main( {');
      return memorySource({ files });
    };
    await expect(loadBundleFrom(broken(quick), device)).rejects.toThrow(BundleError);
    await expect(loadBundleFrom(broken(fast), device, { pipelines: 'fast' })).rejects.toThrow(BundleError);
    const loaded = await loadBundleFrom(broken(fast), device);
    const x = [1, 2, 3, -1, 0.5, 2];
    const expected = reference(x);
    const check = async () => (await loaded.run({ input: new Float32Array(x) })).output!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    await check();
    await expect(loaded.ready()).rejects.toThrow(new RegExp(`${fast}\\.wgsl`));
    await check();
    loaded.destroy();
  });

  test('a bundle destroyed before its later pipelines compile does not compile them, and ready() says so', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const read: string[] = [];
    const source = memorySource({ files: bundleFiles(bundle) });
    const loaded = await loadBundleFrom({ ...source, readText: (path: string) => (read.push(path), source.readText(path)) }, device);
    loaded.destroy();
    await expect(loaded.ready()).rejects.toThrow(/destroyed/);
    const fast = bundle.manifest.shaders.find((s) => s.id === bundle.manifest.dispatches[0]!.shader)!;
    expect(read).not.toContain(fast.file);
  });

  test('the weights are asked for with the manifest; a bundle that names other weights gets those', async () => {
    const device = await getTestDevice();
    const files = new Map(bundleFiles(linearRelu()));
    const source = memorySource({ files });
    const asked: string[] = [];
    let release!: () => void;
    const manifestHeld = new Promise<void>((done) => (release = done));
    const watching = {
      ...source,
      readText: async (path: string) => (asked.push(path), path === 'manifest.json' ? manifestHeld.then(() => source.readText(path)) : source.readText(path)),
      readBytes: (path: string) => (asked.push(path), source.readBytes(path)),
    };
    const loading = loadBundleFrom(watching, device);
    await new Promise((done) => setTimeout(done, 10));
    expect(asked, 'before the manifest has arrived').toEqual(['manifest.json', 'weights.safetensors']);
    release();
    (await loading).destroy();

    const renamed = new Map(files);
    const manifest = JSON.parse(renamed.get('manifest.json') as string);
    manifest.weightsFile = 'params.safetensors';
    renamed.set('manifest.json', JSON.stringify(manifest));
    renamed.set('params.safetensors', renamed.get('weights.safetensors')!);
    renamed.delete('weights.safetensors');
    const loaded = await loadBundleFrom(memorySource({ files: renamed }), device);
    const x = [1, 2, 3, -1, 0.5, 2];
    (await loaded.run({ input: new Float32Array(x) })).output!.data.forEach((v, i) => expect(v).toBeCloseTo(reference(x)[i]!, 5));
    loaded.destroy();
  });

  test('a later shader file that is missing fails ready(), not the load, and runs go on', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const fast = bundle.manifest.shaders.find((s) => s.id === bundle.manifest.dispatches[0]!.shader)!;
    const files = new Map(bundleFiles(bundle));
    files.delete(fast.file);
    const loaded = await loadBundleFrom(memorySource({ files }), device);
    const x = [1, 2, 3, -1, 0.5, 2];
    const out = await loaded.run({ input: new Float32Array(x) });
    out.output!.data.forEach((v, i) => expect(v).toBeCloseTo(reference(x)[i]!, 5));
    await expect(loaded.ready()).rejects.toThrow(BundleError);
    loaded.destroy();
  });

  test('a pipeline that fails only when created fails the run that needs it, naming its shader', async () => {
    const device = await getTestDevice();
    const bundle = linearRelu();
    const id = bundle.manifest.dispatches[0]!.quick!.shader;
    const files = new Map(bundleFiles(bundle));
    // Valid WGSL whose workgroup storage is over the device's limit: only pipeline creation refuses it
    // (an over-large @workgroup_size is already refused at load, from the shader's text).
    withShader(files, id, (text) =>
      text.replace('@compute', 'var<workgroup> big: array<f32, 8192>;\n@compute').replace(/(@compute[^{]*\{)/, '$1\n  big[0] = 1.0;'),
    );
    const loaded = await loadBundleFrom(memorySource({ files }), device, { pipelines: 'quick' });
    await expect(loaded.run({ input: new Float32Array(3) })).rejects.toThrow(new RegExp(`${id}.wgsl does not compile`));
    await expect(loaded.ready()).rejects.toThrow(BundleError);
    loaded.destroy();
  });

  test("the first run's shaders come with the manifest: loading reads no shader file for them", async () => {
    const device = await getTestDevice();
    const { bundle, reference } = twoLinears(true);
    const files = new Map(bundleFiles(bundle));
    const read: string[] = [];
    const source = memorySource({ files });
    const counting = { ...source, readText: (path: string) => (read.push(path), source.readText(path)) };
    const loaded = await loadBundleFrom(counting, device);
    const x = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i));
    const out = await loaded.run({ x });
    expect(Array.from(out.y!.data).map((v, i) => v - reference(x)[i]!).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    const inline = bundle.manifest.shaders.filter((s) => s.code !== undefined);
    expect(inline.length).toBeGreaterThan(0);
    for (const s of inline) expect(read, s.file).not.toContain(s.file);
    loaded.destroy();
  });

  test("the first run's pipelines compile one after another, in the order the run uses them", async () => {
    const device = await getTestDevice();
    const b = new GraphBuilder('eval');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 8] });
    const w = b.tensor({ name: 'l.weight', role: 'trainable', type: { dtype: 'f32', shape: [4, 8] } }, Float32Array.from({ length: 32 }, (_, k) => Math.sin(k)));
    const y = b.add('linear', [x, w], { epilogue: [] });
    b.output('p', b.add('softmax', [y], { axis: 1, log: false }));
    const bundle = generateBundle(b.finish(), { model: 'Classifier', generator: 'test' });
    const events: string[] = [];
    const original = device.createComputePipelineAsync;
    device.createComputePipelineAsync = (descriptor) => {
      events.push(`start ${descriptor.label}`);
      return original.call(device, descriptor).then((p) => (events.push(`done ${descriptor.label}`), p));
    };
    try {
      const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { pipelines: 'quick' });
      await loaded.run({ x: new Float32Array(8) });
      loaded.destroy();
    } finally {
      device.createComputePipelineAsync = original;
    }
    const [linear, softmax] = bundle.manifest.dispatches.map((d) => d.quick?.shader ?? d.shader);
    // The test device is shared: other bundles' background compiles may show up too.
    const ours = events.filter((e) => e.endsWith(` ${linear}`) || e.endsWith(` ${softmax}`));
    expect(ours).toEqual([`start ${linear}`, `done ${linear}`, `start ${softmax}`, `done ${softmax}`]);
  });

  test("the background starts after the first run's caller has its result", async () => {
    const device = await getTestDevice();
    const started: string[] = [];
    const original = { pipeline: device.createComputePipelineAsync, module: device.createShaderModule };
    device.createComputePipelineAsync = (descriptor) => (started.push(`pipeline ${descriptor.label}`), original.pipeline.call(device, descriptor));
    device.createShaderModule = (descriptor) => (started.push(`module ${descriptor.label}`), original.module.call(device, descriptor));
    try {
      const bundle = linearRelu();
      const source = memorySource({ files: bundleFiles(bundle) });
      const loaded = await loadBundleFrom({ ...source, readText: (path: string) => (started.push(`read ${path}`), source.readText(path)) }, device);
      const before = started.length;
      await loaded.run({ input: new Float32Array(3) });
      expect(started.slice(before), 'no read, module or pipeline started before the caller resumed').toEqual([]);
      await loaded.ready();
      const fast = bundle.manifest.shaders.find((s) => s.id === bundle.manifest.dispatches[0]!.shader)!;
      expect(started.slice(before)).toContain(`read ${fast.file}`);
      loaded.destroy();
    } finally {
      Object.assign(device, { createComputePipelineAsync: original.pipeline, createShaderModule: original.module });
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
  test('a shape-generic quick shader is used only where it merges shaders that differ', () => {
    const lone = linearRelu().manifest.dispatches[0]!;
    expect(lone.quick, 'a lone GEMM keeps its quick twin with sizes written in').toBeDefined();
    expect(lone.params).toBeUndefined();
    const { bundle } = twoLinears(true);
    const quick = new Set(bundle.manifest.dispatches.map((d) => d.quick?.shader));
    expect(quick.size, 'three layers, one quick shader').toBe(1);
    const fast = new Set(bundle.manifest.dispatches.map((d) => d.shader));
    expect(fast.size, 'fast shaders keep their sizes written in').toBe(3);
  });

  test("the manifest carries the text of exactly the shaders a first run compiles, the same as their files", () => {
    const bundle = linearRelu();
    const files = bundleFiles(bundle);
    const first = new Set(bundle.manifest.dispatches.map((d) => d.quick?.shader ?? d.shader));
    for (const s of bundle.manifest.shaders) {
      if (first.has(s.id)) expect(s.code, s.id).toBe(files.get(s.file));
      else expect(s.code, s.id).toBeUndefined();
    }
    expect(bundle.manifest.shaders.map((s) => s.code !== undefined), 'the quick twin in, the fast GEMM out').toEqual([false, true]);
  });

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
    ['params in a version-1 bundle', (m) => {
      m.version = 1;
      m.dispatches[0].params = [1];
    }, /params need bundle version 2/],
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
    ['params that are not u32s', (m) => (m.dispatches[0].params = [1, -2]), /params\[1\]/],
    ['params that are not whole', (m) => (m.dispatches[0].params = [1.5]), /params\[0\]/],
    ['more params than a uniform block holds', (m) => (m.dispatches[0].params = new Array(64).fill(1)), /params/],
    ['a shape-generic shader given too few params', (m) => {
      const d = m.dispatches[0];
      m.shaders.find((s: { id: string }) => s.id === d.quick.shader).params = 4;
      d.params = [1, 2];
    }, /reads 4 params, the dispatch gives 2/],
    ['params declared on a shader without a Dims uniform', (m) => {
      for (const s of m.shaders) s.usesBatch = false;
      m.shaders[0].params = 1;
    }, /without the Dims uniform/],
    ['params for a shader without a Dims uniform', (m) => {
      m.shaders[0].usesBatch = false;
      for (const s of m.shaders) s.usesBatch = false;
      m.dispatches[0].params = [1];
    }, /binds no Dims uniform/],
    ['shader code that is not text', (m) => (m.shaders[0].code = 42), /shaders\[0\]\.code/],
    ['shader code past the limit', (m) => (m.shaders[0].code = 'x'.repeat((1 << 20) + 1)), /shaders\[0\]\.code: expected a non-empty string of at most/],
    ["a variant's own buffers in a version-2 bundle", (m) => {
      m.version = 2;
      m.dispatches[0].quick.buffers = [...m.dispatches[0].buffers];
    }, /need bundle version 3/],
    ["a variant's own buffers that write a weight", (m) => {
      const d = m.dispatches[0];
      const wb = m.buffers.find((b: { kind: string }) => b.kind === 'weight').id;
      const twin = m.shaders.find((s: { id: string }) => s.id === d.quick.shader);
      d.quick.buffers = twin.bindings.map((a: string, k: number) => (a === 'read_write' ? wb : d.buffers[k]));
    }, /quick\.buffers\[\d\]: writes a weight buffer/],
    ["a variant's own buffers, too few", (m) => (m.dispatches[0].quick.buffers = [0]), /quick\.buffers: shader .* storage bindings, 1 given/],
    ["a variant's own buffers out of range", (m) => (m.dispatches[0].quick.buffers = m.dispatches[0].buffers.map(() => 999)), /quick\.buffers\[0\]/],
    ["a variant's own buffers that read what they write", (m) => {
      const d = m.dispatches[0];
      const twin = m.shaders.find((s: { id: string }) => s.id === d.quick.shader);
      const out = d.buffers[twin.bindings.indexOf('read_write')];
      d.quick.buffers = twin.bindings.map(() => out);
    }, /is bound twice and written|both read and written/],
    ["a variant's own buffers that write another buffer than the dispatch", (m) => {
      const d = m.dispatches[0];
      const twin = m.shaders.find((s: { id: string }) => s.id === d.quick.shader);
      m.buffers.push({ id: m.buffers.length, kind: 'activation', elements: { perN: 8, fixed: 0 } });
      d.quick.buffers = twin.bindings.map((a: string, k: number) => (a === 'read_write' ? m.buffers.length - 1 : d.buffers[k]));
    }, /writes other buffers than its dispatch/],
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
  test('the generated manifest validates, and so do older versions without what they lack', () => {
    expect(validateManifest(good()).version, 'version 2: no variant has buffers of its own').toBe(2);
    expect(validateManifest({ ...good(), version: 3 }).version).toBe(3);
    expect(validateManifest({ ...good(), version: 2 }).version).toBe(2);
    expect(validateManifest({ ...good(), version: 1 }).version).toBe(1);
  });
});
