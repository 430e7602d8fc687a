// A manifest against a device's limits and the runtime's caps, without a
// device: every check of run-limits.ts on a real compiled manifest with one
// field changed, the largest batch a device runs, the workgroup sizes read
// from shader text, and the compiled example specs, which must fit the
// strictest device WebGPU allows at their maxBatch.
import { describe, expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Manifest } from '../../runtime/bundle/manifest.ts';
import {
  batchLimitProblems,
  DEFAULT_RUN_CAPS,
  fixedLimitProblems,
  foldWorkgroups,
  largestFittingBatch,
  runCapsFrom,
  runFigures,
  type BundleDeviceLimits,
} from '../../runtime/bundle/run-limits.ts';
import { declaredWorkgroupSize, workgroupSizeProblems } from '../../runtime/bundle/workgroup-size.ts';
import { specFiles } from '../specs/spec-files.ts';

/** The limits every WebGPU device has at least (the spec's defaults), the strictest a bundle meets. */
const SPEC_DEFAULT_LIMITS: BundleDeviceLimits = {
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeInvocationsPerWorkgroup: 256,
  maxBufferSize: 268435456,
  maxStorageBufferBindingSize: 134217728,
  maxStorageBuffersPerShaderStage: 8,
  maxBindingsPerBindGroup: 1000,
  maxUniformBufferBindingSize: 65536,
};

/** x [N, 3] -> linear 3->2 + relu: one dispatch with a quick variant, two weights. */
function tinyManifest(): Manifest {
  const b = new GraphBuilder('eval');
  const x = b.input('input', { dtype: 'f32', shape: ['N', 3] });
  const w = b.tensor({ name: 'filter.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, 3] } }, new Float32Array(6));
  const bias = b.tensor({ name: 'filter.bias', role: 'trainable', type: { dtype: 'f32', shape: [2] } }, new Float32Array(2));
  const y = b.add('linear', [x, w, bias], { epilogue: [{ kind: 'unary', fn: 'relu' }] });
  b.output('output', y);
  return generateBundle(b.finish(), { model: 'Tiny', generator: 'test' }).manifest;
}

/** A deep copy to change: manifests are readonly data. */
function edited(edit: (m: any) => void): Manifest {
  const m = JSON.parse(JSON.stringify(tinyManifest()));
  edit(m);
  return m as Manifest;
}

/** The tiny model's one dispatch, as messages quote it. */
const LABEL = JSON.stringify(tinyManifest().dispatches[0]!.label);

const problemsAt = (m: Manifest, n = 1, limits = SPEC_DEFAULT_LIMITS, caps = DEFAULT_RUN_CAPS) => [...fixedLimitProblems(m, limits), ...batchLimitProblems(m, limits, caps, n)];

describe('a compiled manifest against the limits', () => {
  test('fits the spec-default device at every batch up to maxBatch', () => {
    const m = tinyManifest();
    expect(problemsAt(m, m.maxBatch)).toEqual([]);
    expect(largestFittingBatch(m, SPEC_DEFAULT_LIMITS, DEFAULT_RUN_CAPS)).toBe(m.maxBatch);
  });

  test('a huge dispatch inside the grid is over the work cap, named with its figure', () => {
    // 2^31 workgroups fold into 32769 x 65535, which the device takes: only the work cap stops it.
    const m = edited((m) => {
      m.dispatches[0].groups = { perN: 0, fixed: 2 ** 31 };
      m.dispatches[0].groupsDivisor = 1;
    });
    expect(foldWorkgroups(2 ** 31, 65535)).toEqual([65535, 32769]);
    // The dispatch runs its fast shader or its small quick twin: the larger counts.
    expect(runFigures(m, 1).invocations).toBe(2 ** 37);
    expect(problemsAt(m)).toEqual([
      `the run at batch 1 launches 137438953472 (2^37.0) invocations, more than the work cap of 17179869184 (2^34.0); the largest dispatch is dispatches[0] ${LABEL} (shader ${m.dispatches[0]!.shader}): 2147483648 (2^31.0) workgroups of 64; if you trust this bundle, raise the cap with the load option maxInvocations (regc run --max-invocations N)`,
    ]);
    expect(problemsAt(m, 1, SPEC_DEFAULT_LIMITS, { ...DEFAULT_RUN_CAPS, maxInvocations: 2 ** 40 })).toEqual([]);
  });

  test('a dispatch over the grid at batch 1, and one that outgrows it with the batch', () => {
    const over = edited((m) => {
      m.dispatches[0].groups = { perN: 2 ** 31, fixed: 2 ** 31 };
      m.dispatches[0].groupsDivisor = 1;
    });
    expect(problemsAt(over)[0]).toBe(
      `dispatches[0] ${LABEL} (shader ${over.dispatches[0]!.shader}): 4294967296 (2^32.0) workgroups at batch 1, more than this device's grid holds (65535 x 65535, maxComputeWorkgroupsPerDimension 65535)`,
    );
    // 2^25 workgroups a sample, of one invocation each: the grid holds 127 samples, the work cap 512.
    const growing = edited((m) => {
      m.dispatches[0].quick.groups = { perN: 2 ** 25, fixed: 0 };
      m.dispatches[0].quick.groupsDivisor = 1;
      m.shaders.find((s: { id: string }) => s.id === m.dispatches[0].quick.shader).workgroupSize = 1;
    });
    expect(largestFittingBatch(growing, SPEC_DEFAULT_LIMITS, DEFAULT_RUN_CAPS)).toBe(127);
    expect(problemsAt(growing, 127)).toEqual([]);
    expect(problemsAt(growing, 128)).toEqual([expect.stringContaining(`${LABEL} (shader ${growing.dispatches[0]!.quick!.shader}): 4294967296 (2^32.0) workgroups at batch 128, more than this device's grid`)]);
  });

  test('a weight over maxBufferSize, and an activation over the binding size from some batch on', () => {
    const weight = edited((m) => (m.buffers.find((b: { kind: string }) => b.kind === 'weight').elements = 2 ** 27));
    const w = weight.buffers.find((b) => b.kind === 'weight')!;
    expect(problemsAt(weight)).toEqual([
      `buffers[${w.id}] (weight "filter.weight"): 536870912 bytes, more than this device's maxBufferSize of 268435456; pass loadBundle a device requested with a higher limit, if the adapter offers one`,
    ]);
    // 2^20 bytes a sample: the 128 MiB binding size holds 128 samples, under the 256 MiB buffer size.
    const activation = edited((m) => (m.buffers.find((b: { kind: string }) => b.kind === 'activation').elements = { perN: 2 ** 18, fixed: 0 }));
    const a = activation.buffers.find((b) => b.kind === 'activation')!;
    expect(largestFittingBatch(activation, SPEC_DEFAULT_LIMITS, DEFAULT_RUN_CAPS)).toBe(128);
    expect(problemsAt(activation, 129)).toEqual([`buffers[${a.id}] (activation): ${129 * 2 ** 20} bytes at batch 129, more than this device's maxStorageBufferBindingSize of 134217728`]);
  });

  test('the memory cap counts weights, activations, uniforms and readbacks', () => {
    const m = tinyManifest();
    const figures = runFigures(m, 10);
    // Weights 6 + 2 floats; the input [10, 3] and output [10, 2] buffers; one Dims uniform; the output's readback.
    expect(figures.weightBytes).toBe(32);
    expect(figures.memoryBytes).toBe(32 + m.buffers.filter((b) => b.kind === 'activation').reduce((s, b) => s + 4 * (b.kind === 'activation' ? b.elements.perN * 10 + b.elements.fixed : 0), 0) + 16 + 80);
    const capped = { ...DEFAULT_RUN_CAPS, maxMemoryBytes: figures.memoryBytes };
    expect(largestFittingBatch(m, SPEC_DEFAULT_LIMITS, capped)).toBe(10);
    expect(batchLimitProblems(m, SPEC_DEFAULT_LIMITS, capped, 11)).toEqual([expect.stringMatching(/^the run at batch 11 needs \d+ bytes of GPU buffers \(32 bytes of them weights\), more than the memory cap of \d+ bytes; if the device has the memory, raise the cap/)]);
  });

  test('storage buffers per stage, bindings per group, workgroup sizes and the uniform, against the device', () => {
    const m = tinyManifest();
    const id = m.shaders[0]!.id;
    const few: BundleDeviceLimits = { ...SPEC_DEFAULT_LIMITS, maxStorageBuffersPerShaderStage: 3, maxBindingsPerBindGroup: 4, maxComputeInvocationsPerWorkgroup: 16, maxUniformBufferBindingSize: 8 };
    const withParams = edited((m) => {
      const d = m.dispatches[0];
      d.params = [1, 2, 3, 4];
      for (const s of m.shaders) s.params = 4;
    });
    const problems = fixedLimitProblems(withParams, few).filter((p) => p.startsWith(`shaders[0] "${id}"`) || p.startsWith('dispatches'));
    expect(problems).toEqual([
      `shaders[0] "${id}": workgroupSize 64 is more than this device's maxComputeInvocationsPerWorkgroup of 16; pass loadBundle a device requested with a higher limit, if the adapter offers one`,
      `shaders[0] "${id}": binds 4 storage buffers, more than this device's maxStorageBuffersPerShaderStage of 3; pass loadBundle a device requested with a higher limit, if the adapter offers one (requestNodeDevice({ limits: { maxStorageBuffersPerShaderStage: 4 } }))`,
      `shaders[0] "${id}": has 5 bindings in its bind group, more than this device's maxBindingsPerBindGroup of 4`,
      `dispatches[0] ${LABEL}: its Dims uniform is 32 bytes, more than this device's maxUniformBufferBindingSize of 8`,
    ]);
    expect(fixedLimitProblems(withParams, SPEC_DEFAULT_LIMITS)).toEqual([]);
  });

  test('a device that fits nothing has no largest batch', () => {
    expect(largestFittingBatch(tinyManifest(), SPEC_DEFAULT_LIMITS, { ...DEFAULT_RUN_CAPS, maxInvocations: 10 })).toBe(0);
  });

  test('caps must be positive numbers', () => {
    expect(runCapsFrom({ maxInvocations: 2 ** 40 })).toEqual({ ...DEFAULT_RUN_CAPS, maxInvocations: 2 ** 40 });
    expect(() => runCapsFrom({ maxInvocations: 0 })).toThrow('maxInvocations must be a positive number, got 0');
    expect(() => runCapsFrom({ maxMemoryBytes: Number.NaN })).toThrow('maxMemoryBytes must be a positive number, got NaN');
  });
});

describe('the workgroup size a shader declares', () => {
  test('read from its entry point, past comments and other functions', () => {
    const code = `// @workgroup_size(1) fn main( in a comment
/* nested /* @workgroup_size(2) */ fn main() {} */
@compute @workgroup_size(4, 2) fn other() {}
@compute
@workgroup_size(8u, 0x4, 2i,)
fn main(@builtin(local_invocation_index) lid: u32) {}`;
    expect(declaredWorkgroupSize(code, 'main')).toEqual({ size: [8, 4, 2] });
    expect(declaredWorkgroupSize(code, 'other')).toEqual({ size: [4, 2, 1] });
    expect(declaredWorkgroupSize(code, 'none')).toEqual({ problem: 'has no function "none", the manifest\'s entryPoint' });
  });

  test('anything but integer literals is refused, not guessed', () => {
    expect(declaredWorkgroupSize('const W = 64u;\n@compute @workgroup_size(W) fn main() {}', 'main')).toEqual({
      problem: 'declares @workgroup_size(W); the runtime reads only integer literals there, to bound the work it launches',
    });
    expect(declaredWorkgroupSize('@compute fn main() {}', 'main')).toEqual({ problem: 'declares no @workgroup_size on its entry point "main"' });
  });

  test('must agree with the manifest and fit the device', () => {
    const shader = tinyManifest().shaders[0]!;
    expect(workgroupSizeProblems(shader, '@compute @workgroup_size(64) fn main() {}', SPEC_DEFAULT_LIMITS)).toEqual([]);
    expect(workgroupSizeProblems(shader, '@compute @workgroup_size(1024, 1024) fn main() {}', SPEC_DEFAULT_LIMITS)).toEqual([
      `${shader.file} (shader "${shader.id}"): declares @workgroup_size(1024, 1024, 1), 1048576 invocations per workgroup, but the manifest says workgroupSize 64; the bundle is inconsistent: compile it again`,
      `${shader.file} (shader "${shader.id}"): declares @workgroup_size(1024, 1024, 1), more than this device's maxComputeWorkgroupSizeX of 256`,
      `${shader.file} (shader "${shader.id}"): declares @workgroup_size(1024, 1024, 1), more than this device's maxComputeWorkgroupSizeY of 256`,
      `${shader.file} (shader "${shader.id}"): declares @workgroup_size(1024, 1024, 1), 1048576 invocations per workgroup, more than this device's maxComputeInvocationsPerWorkgroup of 256`,
    ]);
  });
});

describe('the compiled example specs', () => {
  test.each(specFiles().map((s) => [s.name, s] as const))('%s fits the spec-default device and the caps at its maxBatch', (_name, spec) => {
    const { bundle, diagnostics } = compileSource(spec.text, spec.path);
    expect(bundle, diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const m = bundle!.manifest;
    expect(problemsAt(m, m.maxBatch)).toEqual([]);
    for (const s of m.shaders) expect(workgroupSizeProblems(s, bundle!.shaders.get(s.file)!, SPEC_DEFAULT_LIMITS)).toEqual([]);
    // Far inside the work cap: a real model must not come near it.
    expect(runFigures(m, m.maxBatch).invocations).toBeLessThan(DEFAULT_RUN_CAPS.maxInvocations / 256);
  });
});
