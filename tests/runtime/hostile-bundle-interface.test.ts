// Hostile bundles that the fuzz campaign (docs/fuzzing.md, "Findings") got
// past the runtime, loaded on the real Dawn device: each is a compiled bundle
// with a manifest field, a shader's text or a name changed, and each must be
// refused with a BundleError before anything reaches the device (no GPU
// validation error, no bare TypeError or OperationError), or run correctly.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memorySource, urlSource } from '../../runtime/bundle/bundle-source.ts';
import { firstInvalidUtf8 } from '../../runtime/bundle/bundle-text.ts';
import { loadBundleFrom, type BundleLoadOptions, type LoadedBundle } from '../../runtime/bundle/load-bundle.ts';
import { checkInputShapes, numpyDtypeName } from '../../runtime/bundle/input-shapes.ts';
import { batchLimitProblems, DEFAULT_RUN_CAPS, largestFittingBatch, runFigures, type BundleDeviceLimits } from '../../runtime/bundle/run-limits.ts';
import { BundleError, validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { readNpy } from '../../runtime/io/npy.ts';
import { readSafetensors, writeSafetensors } from '../../runtime/io/safetensors.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { getTestDevice } from '../support/gpu.ts';
import { tinyLinearBundle } from '../support/tiny-bundle.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

type Files = Map<string, string | Uint8Array>;

/** The tiny bundle's files with its manifest changed by `edit`. */
function withManifest(edit: (m: any) => void, features: 3 | 4 = 3): Files {
  const files = tinyLinearBundle(features);
  const manifest = JSON.parse(files.get('manifest.json') as string);
  edit(manifest);
  files.set('manifest.json', JSON.stringify(manifest));
  return files;
}

/** The manifest's entry for shader `id` and its text, wherever the manifest keeps it. */
function shaderText(files: Files, id: string): string {
  const manifest = JSON.parse(files.get('manifest.json') as string);
  const s = manifest.shaders.find((x: { id: string }) => x.id === id);
  return s.code ?? (files.get(s.file) as string);
}

/** The tiny bundle with shader `id`'s text changed by `edit` (in the manifest where its code is there, else in its file). */
function withShaderText(id: string, edit: (code: string) => string, features: 3 | 4 = 3): Files {
  const files = tinyLinearBundle(features);
  const manifest = JSON.parse(files.get('manifest.json') as string);
  const s = manifest.shaders.find((x: { id: string }) => x.id === id);
  if (s.code) s.code = edit(s.code);
  else files.set(s.file, edit(files.get(s.file) as string));
  files.set('manifest.json', JSON.stringify(manifest));
  return files;
}

const INPUT = new Float32Array([1, 2, 3, -1, -2, -3]);
/** relu(W x + b) for the tiny bundle's W = [[1,-1,0],[.5,.5,.5]], b = [.25,-1]. */
const OUTPUT = [0, 2, 1.25, 0];

const CREATES = ['createBuffer', 'createShaderModule', 'createBindGroupLayout', 'createPipelineLayout', 'createComputePipeline', 'createComputePipelineAsync', 'createBindGroup', 'createCommandEncoder'] as const;

let device: GPUDevice;
/** Every object made on the device and every submit, while a test runs. */
let made: string[];
let restore: () => void;

beforeEach(async () => {
  device = await getTestDevice();
  made = [];
  const originals = CREATES.map((name) => [name, device[name]] as const);
  for (const [name, original] of originals) {
    (device as any)[name] = (...args: unknown[]) => (made.push(name), (original as (...a: unknown[]) => unknown).apply(device, args));
  }
  const submit = device.queue.submit;
  device.queue.submit = (buffers) => (made.push('submit'), submit.call(device.queue, buffers));
  restore = () => {
    for (const [name, original] of originals) (device as any)[name] = original;
    device.queue.submit = submit;
  };
  device.pushErrorScope('validation');
});

afterEach(async () => {
  restore();
  // Nothing any test here does may reach the device as a validation error.
  expect(await device.popErrorScope(), 'no GPU validation error').toBeNull();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  return error as Error;
}

/** The load's BundleError message, with nothing made on the device. */
async function refusedAtLoad(files: Files, options: BundleLoadOptions = {}): Promise<string> {
  const error = await rejection(loadBundleFrom(memorySource({ files }), device, options).then((loaded) => loaded.destroy()));
  expect(made, 'nothing made on the device').toEqual([]);
  return error.message;
}

async function withLoaded<T>(files: Files, options: BundleLoadOptions, use: (loaded: LoadedBundle) => Promise<T>): Promise<T> {
  const loaded = await loadBundleFrom(memorySource({ files }), device, options);
  try {
    return await use(loaded);
  } finally {
    loaded.destroy();
  }
}

describe('ports: names once, inputs on buffers of their own (two outputs on one buffer failed with a bare OperationError)', () => {
  test('a duplicated output port is refused by the manifest', async () => {
    const message = await refusedAtLoad(withManifest((m) => m.outputs.push({ ...m.outputs[0] })));
    expect(message).toBe('manifest.json: outputs[1].name: "output" is the name of outputs[0] too');
  });

  test('a duplicated input name, and two inputs on one buffer', async () => {
    expect(await refusedAtLoad(withManifest((m) => m.inputs.push({ ...m.inputs[0] })))).toBe('manifest.json: inputs[1].name: "input" is the name of inputs[0] too');
    expect(await refusedAtLoad(withManifest((m) => m.inputs.push({ ...m.inputs[0], name: 'other' })))).toBe('manifest.json: inputs[1].buffer: buffer 0 holds inputs[0] too');
  });

  test('two outputs of other names on one buffer each come back, as their shapes say', async () => {
    const files = withManifest((m) => m.outputs.push({ ...m.outputs[0], name: 'first', shape: ['N', 1] }));
    const out = await withLoaded(files, { pipelines: 'fast' }, (loaded) => loaded.run({ input: INPUT }));
    expect(Object.keys(out)).toEqual(['output', 'first']);
    expect(Array.from(out.output!.data)).toEqual(OUTPUT);
    expect(out.first!.shape).toEqual([2, 1]);
    expect(Array.from(out.first!.data)).toEqual(OUTPUT.slice(0, 2));
  });
});

describe('grids: at most one workgroup per element a dispatch writes (2^31 groups ran for hours inside the work cap)', () => {
  test.each([
    ['dispatches[0].groups', (m: any) => (m.dispatches[0].groups.perN = 2 ** 31 - 1), '4194305 workgroups at batch 1 (groups 2147483647 * N + 7, over groupsDivisor 512) for the 2 elements shader linear_3 writes'],
    ['dispatches[0].quick.groups', (m: any) => (m.dispatches[0].quick.groups.perN = 2 ** 31 - 1), '16777216 workgroups at batch 1 (groups 2147483647 * N + 1, over groupsDivisor 128) for the 2 elements shader linear_3.quick writes'],
    ['dispatches[0].groups', (m: any) => (m.dispatches[0].groups.fixed = 2 ** 31), '4194305 workgroups at batch 1 (groups 1 * N + 2147483648, over groupsDivisor 512) for the 2 elements shader linear_3 writes'],
    ['dispatches[0].groups', (m: any) => (m.dispatches[0].groupsDivisor = 1), '8 workgroups at batch 1 (groups 1 * N + 7, over groupsDivisor 1) for the 2 elements shader linear_3 writes'],
  ])('%s: refused at once, before anything is made', async (path, edit, figure) => {
    const started = performance.now();
    const message = await refusedAtLoad(withManifest(edit));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(message).toBe(`manifest.json: ${path}: ${figure}; a dispatch launches at most one workgroup per element it writes: the bundle is inconsistent, compile it again`);
  });

  test('a grid that agrees at batch 1 but outgrows its buffer by maxBatch', async () => {
    const message = await refusedAtLoad(
      withManifest((m) => {
        m.buffers[1].elements = { perN: 2, fixed: 100 };
        m.dispatches[0].groups = { perN: 50, fixed: 0 };
        m.dispatches[0].groupsDivisor = 1;
      }),
    );
    expect(message).toMatch(/^manifest\.json: dispatches\[0\]\.groups: 204800 workgroups at batch 4096 \(.*\) for the 8292 elements shader linear_3 writes;/);
  });

  // An output of 2^18 values a sample, computed by 2^31 - 1 groups a sample over 2^13: the grid agrees with
  // the buffer (2^18 workgroups a sample), perN * N passes 2^32 from batch 3 on, and the work cap decides.
  const big = () =>
    withManifest((m) => {
      m.buffers[1].elements = { perN: 2 ** 18, fixed: 0 };
      m.outputs[0].shape = ['N', 2 ** 18];
      m.dispatches[0].groups = { perN: 2 ** 31 - 1, fixed: 0 };
      m.dispatches[0].groupsDivisor = 2 ** 13;
    });
  /** Exact invocations at batch n: ceil((2^31 - 1) n / 2^13) workgroups of 64. */
  const invocationsAt = (n: number) => Number(((2n ** 31n - 1n) * BigInt(n) + 2n ** 13n - 1n) / 2n ** 13n) * 64;
  const roomy: BundleDeviceLimits = {
    maxComputeWorkgroupsPerDimension: 65535,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupSizeZ: 64,
    maxComputeInvocationsPerWorkgroup: 256,
    maxBufferSize: 2 ** 34,
    maxStorageBufferBindingSize: 2 ** 34,
    maxStorageBuffersPerShaderStage: 8,
    maxBindingsPerBindGroup: 1000,
    maxUniformBufferBindingSize: 65536,
  };

  test('the work cap at several batch sizes, past 2^32 groups before the divisor', () => {
    const m = validateManifest(JSON.parse(big().get('manifest.json') as string));
    for (const n of [1, 2, 3, 64, 1024, 1025, 2048, 4096]) expect(runFigures(m, n).invocations, `batch ${n}`).toBe(invocationsAt(n));
    expect(invocationsAt(1024)).toBe(2 ** 34);
    for (const n of [1, 3, 1024]) expect(batchLimitProblems(m, roomy, DEFAULT_RUN_CAPS, n), `batch ${n}`).toEqual([]);
    for (const n of [1025, 2048]) {
      expect(batchLimitProblems(m, roomy, DEFAULT_RUN_CAPS, n)).toEqual([
        expect.stringContaining(`the run at batch ${n} launches ${invocationsAt(n)} (2^${Math.log2(invocationsAt(n)).toFixed(1)}) invocations, more than the work cap of 17179869184 (2^34.0)`),
      ]);
    }
    expect(largestFittingBatch(m, roomy, DEFAULT_RUN_CAPS)).toBe(1024);
    expect(largestFittingBatch(m, roomy, { ...DEFAULT_RUN_CAPS, maxInvocations: 2 ** 30 })).toBe(64);
  });

  test('on the device: the largest batch under the cap, and a run past it refused before it allocates', async () => {
    await withLoaded(big(), { maxInvocations: 2 ** 30 }, async (loaded) => {
      expect(loaded.largestBatch).toBe(64);
      made.length = 0;
      const error = await rejection(loaded.run({ input: new Float32Array(3 * 65) }));
      expect(error.message).toContain(`the run at batch 65 launches ${invocationsAt(65)} (2^30.0) invocations, more than the work cap of 1073741824 (2^30.0)`);
      expect(made.filter((m) => m === 'createBuffer' || m === 'submit'), 'nothing allocated or submitted').toEqual([]);
    });
  });
});

describe("a shader's bindings against its manifest entry (they used to reach the device)", () => {
  test('usesBatch false on a shader that binds the Dims uniform', async () => {
    const message = await refusedAtLoad(withManifest((m) => m.shaders.forEach((s: { usesBatch: boolean }) => (s.usesBatch = false))));
    expect(message).toBe(
      'Tiny: a shader does not fit its manifest entry or the device (found before the shader was compiled):\n  shaders/linear_3.quick.wgsl (shader "linear_3.quick"): declares @group(0) @binding(4) var<uniform>, which the manifest does not describe (the manifest describes storage bindings 0 to 3 and no uniform (usesBatch is false)); the bundle is inconsistent: compile it again',
    );
  });

  test('an access mode flipped in the manifest', async () => {
    const message = await refusedAtLoad(withManifest((m) => m.shaders.forEach((s: { bindings: string[] }) => (s.bindings[0] = 'read_write'))), { pipelines: 'fast' });
    expect(message).toContain('shaders/linear_3.wgsl (shader "linear_3"): declares @binding(0) as var<storage, read>, the manifest says var<storage, read_write>');
  });

  test("a later shader's access flipped in its text fails ready(), and runs go on with the quick pipelines", async () => {
    const files = withShaderText('linear_3', (code) => code.replace('var<storage, read_write> dst', 'var<storage, read> dst'));
    await withLoaded(files, {}, async (loaded) => {
      expect(Array.from((await loaded.run({ input: INPUT })).output!.data)).toEqual(OUTPUT);
      const error = await rejection(loaded.ready());
      expect(error.message).toContain('shaders/linear_3.wgsl (shader "linear_3"): declares @binding(3) as var<storage, read>, the manifest says var<storage, read_write>');
      expect(Array.from((await loaded.run({ input: INPUT })).output!.data)).toEqual(OUTPUT);
    });
  });

  test('a binding the manifest does not describe, behind comments and odd blankspace', async () => {
    const extra = '/* @group(0) @binding(9) */ @group(0)\u0085@binding(6)\u200evar<storage,read_write> extra: array<f32>;\n';
    const message = await refusedAtLoad(withShaderText('linear_3.quick', (code) => extra + code));
    expect(message).toContain('shaders/linear_3.quick.wgsl (shader "linear_3.quick"): declares @group(0) @binding(6) var<storage, read_write>, which the manifest does not describe');
  });
});

describe('buffers smaller than the type a shader binds them as (they reached the device at dispatch)', () => {
  test('8 bytes bound to array<vec4<f32>>', async () => {
    const message = await refusedAtLoad(withManifest((m) => (m.dispatches[0].buffers[1] = 3), 4));
    expect(message).toContain('dispatches[0] "linear %3" (shader linear_3.quick): binds buffers[3], 8 bytes at batch 1, to @binding(1), whose type needs at least 16 bytes');
  });

  test('a Dims uniform smaller than the struct the shader declares', async () => {
    const message = await refusedAtLoad(withShaderText('linear_3.quick', (code) => code.replace('struct Dims { ', 'struct Dims { more: vec4<u32>, ')));
    expect(message).toContain('dispatches[0] "linear %3" (shader linear_3.quick): its Dims uniform is 16 bytes');
  });

  test('the compiled vec4 bundle runs', async () => {
    const out = await withLoaded(tinyLinearBundle(4), { pipelines: 'fast' }, (loaded) => loaded.run({ input: new Float32Array([1, 2, 3, 4]) }));
    // relu([1 - 2 + 8, 0.5 (1 + 2 + 3) - 4] + [0.25, -1])
    expect(Array.from(out.output!.data)).toEqual([7.25, 0]);
  });
});

describe('names that a plain object finds on its prototype: __proto__, constructor, toString', () => {
  /** The tiny bundle with its ports and weight tensors renamed. */
  function renamed(input: string, output: string, weight: string, bias: string): Files {
    const files = withManifest((m) => {
      m.inputs[0].name = input;
      m.outputs[0].name = output;
      m.buffers[2].tensor = weight;
      m.buffers[3].tensor = bias;
    });
    const weights = readSafetensors(files.get('weights.safetensors') as Uint8Array).tensors;
    files.set('weights.safetensors', writeSafetensors(new Map([[weight, weights.get('filter.weight')!], [bias, weights.get('filter.bias')!]])));
    return files;
  }

  /** A record with `name` as an own property, as a careful caller makes one for `__proto__`. */
  const record = <T>(name: string, value: T): Record<string, T> => Object.defineProperty({}, name, { value, enumerable: true }) as Record<string, T>;

  test.each([
    ['__proto__', 'constructor', 'toString', '__proto__'],
    ['constructor', '__proto__', 'constructor', 'hasOwnProperty'],
    ['toString', 'valueOf', '__metadata', 'constructor'],
  ])('input %s, output %s, weights %s and %s', async (input, output, weight, bias) => {
    await withLoaded(renamed(input, output, weight, bias), { pipelines: 'fast' }, async (loaded) => {
      for (const given of [INPUT, { data: INPUT, shape: [2, 3] }]) {
        const out = await loaded.run(record(input, given));
        expect(Object.hasOwn(out, output)).toBe(true);
        expect(Object.keys(out)).toEqual([output]);
        expect(Array.from(out[output]!.data)).toEqual(OUTPUT);
      }
      expect((await rejection(loaded.run({}))).message).toBe(`missing input ${JSON.stringify(input)}`);
      const shaped = await rejection(loaded.run(record(input, { data: INPUT, shape: [3, 2] })));
      expect(shaped.message).toContain(`input \`${input}\` has shape [3, 2], the model declares f32[N, 3]`);
    });
  });

  test('input shapes and dtype names are looked up as own properties', () => {
    const declared = [{ name: '__proto__', shape: ['N', 3] as const }, { name: 'toString', shape: [2] as const }];
    expect(checkInputShapes(declared, {}).problems).toEqual([]);
    expect(checkInputShapes(declared, new Map([['__proto__', [4, 3]]])).batch).toBe(4);
    expect(checkInputShapes(declared, record('toString', [3])).problems).toEqual([expect.stringContaining('input `toString` has shape [3], the model declares f32[2]')]);
    expect(numpyDtypeName('constructor')).toBe('constructor');
    expect(numpyDtypeName('F64')).toBe('float64');
  });

  test('an .npy whose descr is constructor, and safetensors tensors of these names', () => {
    const header = "{'descr': 'constructor', 'fortran_order': False, 'shape': (1,), }";
    const padded = header.padEnd(118, ' ') + '\n';
    const npy = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0, ...new TextEncoder().encode(padded), 0, 0, 0, 0]);
    expect(() => readNpy(npy)).toThrow(TensorFileError);
    expect(() => readNpy(npy)).toThrow("unsupported dtype descr 'constructor'");
    const names = ['__proto__', 'constructor', 'toString'];
    const file = writeSafetensors(new Map(names.map((n, i) => [n, { dtype: 'F32' as const, shape: [1], data: new Float32Array([i]) }])));
    const read = readSafetensors(file).tensors;
    expect([...read.keys()].sort()).toEqual([...names].sort());
    expect(names.map((n) => (read.get(n)!.data as Float32Array)[0])).toEqual([0, 1, 2]);
  });
});

describe('text files that are not UTF-8 (an in-memory one threw a bare TypeError)', () => {
  const weightsAsShader = () =>
    withManifest((m) => {
      const quick = m.shaders.find((s: { id: string }) => s.id === 'linear_3.quick');
      delete quick.code;
      quick.file = 'weights.safetensors';
    });

  test("a shader's file set to the weights, in memory: named, not quoted", async () => {
    const message = await refusedAtLoad(weightsAsShader());
    expect(message).toMatch(/^in-memory bundle: weights\.safetensors is not UTF-8 text \(the bytes from offset \d+ are not a UTF-8 sequence\); a bundle's manifest and shaders must be$/);
    expect(message).not.toContain('filter');
  });

  test('a manifest that is not UTF-8, in memory', async () => {
    const files = tinyLinearBundle();
    const text = new TextEncoder().encode(files.get('manifest.json') as string);
    files.set('manifest.json', new Uint8Array([...text.subarray(0, 20), 0xc3, 0x28, ...text.subarray(20)]));
    expect(await refusedAtLoad(files)).toBe("in-memory bundle: manifest.json is not UTF-8 text (the bytes from offset 20 are not a UTF-8 sequence); a bundle's manifest and shaders must be");
  });

  test('the same from a folder and from a URL', async () => {
    const files = weightsAsShader();
    const folder = mkdtempSync(join(tmpdir(), 'regc-utf8-'));
    try {
      for (const [path, content] of files) {
        mkdirSync(dirname(join(folder, path)), { recursive: true });
        writeFileSync(join(folder, path), content);
      }
      const fromFolder = await rejection(loadBundleFrom(folderSource(folder), device));
      expect(fromFolder.message).toMatch(new RegExp(`^${folder}: weights\\.safetensors is not UTF-8 text`));
      const fetchImpl = (async (url: URL) => new Response(files.get(url.pathname.replace('/b/', '')) as BodyInit)) as unknown as typeof fetch;
      const fromUrl = await rejection(loadBundleFrom(urlSource('http://bundle.test/b/', fetchImpl), device));
      expect(fromUrl.message).toMatch(/^http:\/\/bundle\.test\/b\/: weights\.safetensors is not UTF-8 text/);
      expect(made).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('where the text stops being UTF-8 agrees with a fatal TextDecoder', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const decodes = (b: Uint8Array) => {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    // A fixed pseudo-random mix of ASCII, lead bytes, continuation bytes and the edges (overlongs, surrogates, past U+10FFFF).
    let seed = 20240601;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pool = [0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xa0, 0x9f, 0xed, 0xef, 0xf0, 0x90, 0x8f, 0xf4, 0xf5, 0xff];
    for (let trial = 0; trial < 5000; trial++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () => pool[Math.floor(random() * pool.length)]!);
      const at = firstInvalidUtf8(bytes);
      expect(at === -1, `${[...bytes]}`).toBe(decodes(bytes));
      if (at >= 0) expect(decodes(bytes.subarray(0, at)), `${[...bytes]} before ${at}`).toBe(true);
    }
  });
});
