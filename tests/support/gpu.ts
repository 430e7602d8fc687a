// GPU helpers shared by tests: one device per test process, WGSL validation
// that reports every message Dawn has, and a one-off compute dispatch.
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import type { AcquiredDevice } from '../../runtime/device/request-device.ts';

/** The process-wide Node device (SwiftShader on CI), with default limits. */
export async function getTestDevice(): Promise<GPUDevice> {
  return (await getTestDeviceInfo()).device;
}

export async function getTestDeviceInfo(): Promise<AcquiredDevice> {
  return requestNodeDevice({ label: 'regc-tests' });
}

export interface WgslMessage {
  readonly type: GPUCompilationMessageType;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface WgslReport {
  /** No compilation error, no validation error, and every pipeline was created. */
  readonly ok: boolean;
  /** Shader compiler messages (errors, warnings, info), with 1-based positions. */
  readonly messages: readonly WgslMessage[];
  /** Validation errors from shader-module and pipeline creation. */
  readonly errors: readonly string[];
}

/**
 * Compiles `code` and creates a compute pipeline for each entry point (or for
 * the module's only one when none is named), catching errors in error scopes
 * so they fail the test instead of being printed and forgotten.
 */
export async function validateWgsl(
  device: GPUDevice,
  code: string,
  entryPoint?: string | readonly string[],
): Promise<WgslReport> {
  const errors: string[] = [];
  device.pushErrorScope('internal');
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  const messages = info.messages.map((m) => ({ type: m.type, line: m.lineNum, column: m.linePos, message: m.message }));

  const entryPoints = entryPoint === undefined ? [undefined] : typeof entryPoint === 'string' ? [entryPoint] : entryPoint;
  for (const name of entryPoints) {
    try {
      await device.createComputePipelineAsync({
        layout: 'auto',
        compute: name === undefined ? { module } : { module, entryPoint: name },
      });
    } catch (error) {
      errors.push(`pipeline${name === undefined ? '' : ` for entry point "${name}"`}: ${(error as Error).message}`);
    }
  }
  for (const scope of ['validation', 'internal']) {
    const error = await device.popErrorScope();
    if (error) errors.push(`${scope} error: ${error.message}`);
  }
  const ok = errors.length === 0 && !messages.some((m) => m.type === 'error');
  return { ok, messages, errors };
}

/** A readable account of a report, with the offending source lines. */
export function formatWgslReport(code: string, report: WgslReport): string {
  const lines = code.split('\n');
  const parts = report.messages.map((m) => `${m.type} at ${m.line}:${m.column}: ${m.message}\n    ${lines[m.line - 1] ?? ''}`);
  return [...parts, ...report.errors].join('\n');
}

/** Throws with every message if `code` does not validate: for codegen tests. */
export async function assertValidWgsl(device: GPUDevice, code: string, entryPoint?: string | readonly string[]): Promise<void> {
  const report = await validateWgsl(device, code, entryPoint);
  if (!report.ok) throw new Error(`WGSL does not validate:\n${formatWgslReport(code, report)}`);
}

export type BindingKind = 'storage' | 'read-only-storage' | 'uniform';

export interface ComputeBinding {
  /** Initial contents; or a byte length for a zero-filled buffer. */
  readonly data: ArrayBufferView | number;
  /** Defaults to 'storage' (read-write). */
  readonly kind?: BindingKind;
}

export interface ComputeRun {
  readonly code: string;
  readonly entryPoint?: string;
  /** Bound in order as @group(0) @binding(0..n-1). */
  readonly bindings: readonly ComputeBinding[];
  readonly workgroups: readonly [number, number?, number?];
}

/**
 * Dispatches one kernel and returns every binding's contents afterwards, in
 * binding order. Throws with Dawn's message on any validation error.
 */
export async function runCompute(device: GPUDevice, run: ComputeRun): Promise<ArrayBuffer[]> {
  device.pushErrorScope('validation');
  const usage = { storage: GPUBufferUsage.STORAGE, 'read-only-storage': GPUBufferUsage.STORAGE, uniform: GPUBufferUsage.UNIFORM };
  const buffers = run.bindings.map((binding, i) => {
    const bytes =
      typeof binding.data === 'number'
        ? new Uint8Array(binding.data)
        : new Uint8Array(binding.data.buffer, binding.data.byteOffset, binding.data.byteLength);
    const size = Math.max(4, Math.ceil(bytes.byteLength / 4) * 4);
    const buffer = device.createBuffer({
      label: `binding ${i}`,
      size,
      usage: usage[binding.kind ?? 'storage'] | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(bytes);
    buffer.unmap();
    return { buffer, byteLength: bytes.byteLength };
  });

  const layout = device.createBindGroupLayout({
    entries: run.bindings.map((binding, i) => ({
      binding: i,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: binding.kind ?? 'storage' },
    })),
  });
  const module = device.createShaderModule({ code: run.code });
  const pipeline = device.createComputePipeline({
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: run.entryPoint === undefined ? { module } : { module, entryPoint: run.entryPoint },
  });
  const bindGroup = device.createBindGroup({
    layout,
    entries: buffers.map(({ buffer }, i) => ({ binding: i, resource: { buffer } })),
  });

  const readbacks = buffers.map(({ buffer }) =>
    device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
  );
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y = 1, z = 1] = run.workgroups;
  pass.dispatchWorkgroups(x, y, z);
  pass.end();
  buffers.forEach(({ buffer }, i) => encoder.copyBufferToBuffer(buffer, 0, readbacks[i]!, 0, buffer.size));
  device.queue.submit([encoder.finish()]);

  const error = await device.popErrorScope();
  try {
    if (error) throw new Error(`compute dispatch failed validation: ${error.message}`);
    return await Promise.all(
      readbacks.map(async (readback, i) => {
        await readback.mapAsync(GPUMapMode.READ);
        const copy = readback.getMappedRange().slice(0, buffers[i]!.byteLength);
        readback.unmap();
        return copy;
      }),
    );
  } finally {
    for (const { buffer } of buffers) buffer.destroy();
    for (const readback of readbacks) readback.destroy();
  }
}
