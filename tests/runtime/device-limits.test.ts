// Bundles that ask more of the device than it allows, loaded on the real
// Dawn device: each is a compiled bundle with one manifest field or shader
// changed, and each is refused with a message naming the entry, the figure
// and the limit before anything is made on the device (no buffer, module or
// pipeline, no submit, and so no GPU validation error). The first case is the
// reported bug: a dispatch of 2^31 workgroups, inside the device's grid, that
// used to pass and then keep SwiftShader busy for hours; the manifest now
// refuses a grid larger than what the dispatch writes (validate-manifest.ts),
// and the work cap holds for a grid that agrees with its buffers.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom, type BundleLoadOptions, type LoadedBundle } from '../../runtime/bundle/load-bundle.ts';
import { runFigures } from '../../runtime/bundle/run-limits.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { getTestDevice } from '../support/gpu.ts';
import { tinyLinearBundle } from '../support/tiny-bundle.ts';

/** The tiny bundle's files with its manifest changed by `edit`. */
function withManifest(edit: (m: any) => void): Map<string, string | Uint8Array> {
  const files = tinyLinearBundle();
  const manifest = JSON.parse(files.get('manifest.json') as string);
  edit(manifest);
  files.set('manifest.json', JSON.stringify(manifest));
  return files;
}

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
});

afterEach(() => restore());

/** The load's BundleError message, and that nothing reached the device, nor any GPU error. */
async function refusedAtLoad(files: Map<string, string | Uint8Array>, options: BundleLoadOptions = {}): Promise<string> {
  device.pushErrorScope('validation');
  const error = await loadBundleFrom(memorySource({ files }), device, options).then(
    (loaded) => (loaded.destroy(), undefined),
    (e: unknown) => e,
  );
  expect(await device.popErrorScope(), 'no GPU validation error').toBeNull();
  expect(error).toBeInstanceOf(BundleError);
  expect(made, 'nothing made on the device').toEqual([]);
  return (error as Error).message;
}

async function loads(files: Map<string, string | Uint8Array>, options: BundleLoadOptions = {}): Promise<LoadedBundle> {
  return loadBundleFrom(memorySource({ files }), device, options);
}

describe('refused at load, before anything is made on the device', () => {
  test('a dispatch of 2^31 workgroups, inside the grid: more than it writes', async () => {
    const files = withManifest((m) => {
      m.dispatches[0].groups = { perN: 0, fixed: 2 ** 31 };
      m.dispatches[0].groupsDivisor = 1;
    });
    const message = await refusedAtLoad(files);
    expect(message).toBe(
      'manifest.json: dispatches[0].groups: 2147483648 workgroups at batch 1 (groups 0 * N + 2147483648, over groupsDivisor 1) for the 2 elements shader linear_3 writes; a dispatch launches at most one workgroup per element it writes: the bundle is inconsistent, compile it again',
    );
    // No cap makes it consistent.
    await refusedAtLoad(files, { maxInvocations: 2 ** 40 });
  });

  test('a run over the work cap', async () => {
    // Batch 1 launches one workgroup of 64 (the larger of the fast shader and its quick twin).
    const files = tinyLinearBundle();
    const message = await refusedAtLoad(files, { maxInvocations: 63 });
    expect(message).toBe(
      'Tiny cannot run on this device (one problem, found before anything was made on it):\n  the run at batch 1 launches 64 invocations, more than the work cap of 63; the largest dispatch is dispatches[0] "linear %3" (shader linear_3): 1 workgroups of 64; if you trust this bundle, raise the cap with the load option maxInvocations (regc run --max-invocations N)',
    );
    // With the cap raised it loads, up to the batch whose quick twin launches a second workgroup (ceil((N + 1) / 128)).
    const loaded = await loads(files, { maxInvocations: 64 });
    expect(loaded.largestBatch).toBe(127);
    loaded.destroy();
  });

  test('a buffer over maxBufferSize', async () => {
    const max = device.limits.maxBufferSize;
    const message = await refusedAtLoad(
      withManifest((m) => {
        m.maxBatch = 1;
        m.buffers.find((b: { kind: string }) => b.kind === 'activation').elements = { perN: max / 4 + 1, fixed: 0 };
      }),
    );
    expect(message).toMatch(new RegExp(`buffers\\[\\d+\\] \\(activation\\): ${max + 4} bytes at batch 1, more than this device's maxBufferSize of ${max}$`));
  });

  test('too many storage buffers in one pipeline', async () => {
    const message = await refusedAtLoad(
      withManifest((m) => {
        const d = m.dispatches[0];
        const reads = m.buffers.filter((b: { kind: string }) => b.kind === 'weight').map((b: { id: number }) => b.id);
        // Nine storage bindings on the shader and its quick twin: the manifest allows it, this device (8) does not.
        for (const s of m.shaders) while (s.bindings.length < 9) s.bindings.unshift('read');
        while (d.buffers.length < 9) d.buffers.unshift(reads[d.buffers.length % reads.length]);
      }),
    );
    expect(message).toContain(`shaders[0] "linear_3": binds 9 storage buffers, more than this device's maxStorageBuffersPerShaderStage of 8; pass loadBundle a device requested with a higher limit`);
    expect(message).toContain(`shaders[1] "linear_3.quick": binds 9 storage buffers`);
    expect(message).toMatch(/\(2 problems,/);
  });

  test('a workgroup size over the device limit, in the manifest', async () => {
    const message = await refusedAtLoad(withManifest((m) => (m.shaders[1].workgroupSize = 512)));
    expect(message).toContain(`shaders[1] "linear_3.quick": workgroupSize 512 is more than this device's maxComputeInvocationsPerWorkgroup of ${device.limits.maxComputeInvocationsPerWorkgroup}`);
  });

  test("a shader whose text declares a larger workgroup than its manifest says", async () => {
    const files = tinyLinearBundle();
    const manifest = JSON.parse(files.get('manifest.json') as string);
    const quick = manifest.shaders.find((s: { id: string }) => s.id === 'linear_3.quick');
    quick.code = quick.code.replace('@workgroup_size(64)', '@workgroup_size(256)');
    files.set('manifest.json', JSON.stringify(manifest));
    const message = await refusedAtLoad(files);
    expect(message).toBe(
      `Tiny: a shader does not fit its manifest entry or the device (found before the shader was compiled):\n  shaders/linear_3.quick.wgsl (shader "linear_3.quick"): declares @workgroup_size(256, 1, 1), 256 invocations per workgroup, but the manifest says workgroupSize 64; the bundle is inconsistent: compile it again`,
    );
  });
});

describe('a batch larger than the device runs', () => {
  test('is refused at the run, before it allocates, with the largest batch that fits', async () => {
    // 1 MiB a sample in one activation buffer: the device's binding size decides how many samples fit.
    const perSample = 2 ** 18;
    const files = withManifest((m) => {
      m.maxBatch = 4096;
      m.buffers.find((b: { kind: string }) => b.kind === 'activation').elements = { perN: perSample, fixed: 0 };
    });
    const loaded = await loads(files);
    try {
      const fits = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize) / (4 * perSample);
      expect(loaded.largestBatch).toBe(Math.min(4096, fits));
      made.length = 0;
      const n = loaded.largestBatch + 1;
      const error = await loaded.run({ input: new Float32Array(3 * n) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BundleError);
      expect((error as Error).message).toMatch(new RegExp(`^Tiny: batch ${n} is more than this device runs the bundle at \\(at most ${loaded.largestBatch}, of the manifest's maxBatch 4096\\); run smaller batches:\\n {2}buffers\\[\\d+\\] \\(activation\\): ${n * 4 * perSample} bytes at batch ${n}`));
      expect(made.filter((m) => m === 'createBuffer' || m === 'submit'), 'nothing allocated or submitted for it').toEqual([]);
    } finally {
      loaded.destroy();
    }
  });
});

describe('the memory cap over several batch sizes', () => {
  test("a batch size's buffers are freed when keeping them with the next one's would pass the cap", async () => {
    const files = tinyLinearBundle();
    const manifest = JSON.parse(files.get('manifest.json') as string);
    const at = (n: number) => runFigures(manifest, n);
    // Room for batch 8's buffers and the weights, not for batch 4's beside them.
    const cap = at(8).memoryBytes + (at(4).memoryBytes - at(4).weightBytes) - 4;
    const freed: string[] = [];
    const create = device.createBuffer;
    device.createBuffer = (descriptor) => {
      const buffer = create.call(device, descriptor);
      const destroy = buffer.destroy;
      buffer.destroy = () => (freed.push(`${descriptor.label} of ${descriptor.size}`), destroy.call(buffer));
      return buffer;
    };
    const loaded = await loads(files, { maxMemoryBytes: cap });
    try {
      const x = (n: number) => Float32Array.from({ length: 3 * n }, (_, i) => i % 5);
      const four = await loaded.run({ input: x(4) });
      await loaded.run({ input: x(2) });
      expect(freed, 'batch 2 fits beside batch 4').toEqual([]);
      await loaded.run({ input: x(8) });
      expect(freed.filter((f) => f.startsWith('activation')).length, "batches 4 and 2's activations freed").toBeGreaterThan(0);
      expect(freed.every((f) => !f.includes('filter')), 'no weight freed').toBe(true);
      expect(Array.from((await loaded.run({ input: x(4) })).output!.data)).toEqual(Array.from(four.output!.data));
    } finally {
      loaded.destroy();
    }
  });
});
