import { beforeAll, describe, expect, it } from 'vitest';
import { getTestDevice, runCompute, validateWgsl, assertValidWgsl } from '../support/gpu.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await getTestDevice();
});

const saxpy = /* wgsl */ `
struct Params { scale: f32, count: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= params.count) { return; }
  y[id.x] = params.scale * x[id.x] + y[id.x];
}
`;

describe('validateWgsl', () => {
  it('passes a valid kernel', async () => {
    const report = await validateWgsl(device, saxpy);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('reports a syntax error with its position', async () => {
    const report = await validateWgsl(device, 'fn main( {');
    expect(report.ok).toBe(false);
    expect(report.messages[0]).toMatchObject({ type: 'error', line: 1, column: 10 });
  });

  it('reports a type error', async () => {
    const report = await validateWgsl(device, saxpy.replace('params.scale * x[id.x]', 'params.count * x[id.x]'));
    expect(report.ok).toBe(false);
    expect(report.messages.some((m) => m.type === 'error' && /u32|f32/.test(m.message))).toBe(true);
  });

  it('reports errors only pipeline creation finds', async () => {
    // Compiles as a module, but the workgroup is larger than the device allows.
    const report = await validateWgsl(device, saxpy.replace('@workgroup_size(64)', '@workgroup_size(1024)'));
    expect(report.messages.filter((m) => m.type === 'error')).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toMatch(/workgroup/i);
  });

  it('checks named entry points', async () => {
    const report = await validateWgsl(device, saxpy, 'missing');
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toMatch(/missing/);
    await expect(assertValidWgsl(device, saxpy, 'main')).resolves.toBeUndefined();
  });

  it('leaves no error scope behind', async () => {
    await validateWgsl(device, 'fn broken(');
    device.pushErrorScope('validation');
    expect(await device.popErrorScope()).toBeNull();
  });
});

describe('runCompute', () => {
  it('computes saxpy', async () => {
    const count = 1000;
    const x = Float32Array.from({ length: count }, (_, i) => i * 0.5);
    const y = Float32Array.from({ length: count }, (_, i) => 1 - i);
    const params = new ArrayBuffer(8);
    new Float32Array(params, 0, 1)[0] = 3;
    new Uint32Array(params, 4, 1)[0] = count;

    const [, yOut] = await runCompute(device, {
      code: saxpy,
      bindings: [{ data: x, kind: 'read-only-storage' }, { data: y }, { data: new Uint8Array(params), kind: 'uniform' }],
      workgroups: [Math.ceil(count / 64)],
    });
    const result = new Float32Array(yOut!);
    expect(result).toHaveLength(count);
    for (let i = 0; i < count; i++) expect(result[i]).toBe(Math.fround(Math.fround(3 * x[i]!) + y[i]!));
  });

  it('dispatches in two dimensions', async () => {
    const code = /* wgsl */ `
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(4, 4)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        out[id.y * 8u + id.x] = id.x * 100u + id.y;
      }`;
    const [out] = await runCompute(device, { code, bindings: [{ data: 8 * 8 * 4 }], workgroups: [2, 2] });
    const values = new Uint32Array(out!);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(values[y * 8 + x]).toBe(x * 100 + y);
  });

  it('throws on a binding that does not match the shader', async () => {
    await expect(
      runCompute(device, { code: saxpy, bindings: [{ data: 16 }, { data: 16 }], workgroups: [1] }),
    ).rejects.toThrow(/validation/);
  });
});
