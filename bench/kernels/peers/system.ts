// What peer-kernels.ts asks of each system: one op of a problem, its inputs
// already on the system's GPU device, run `count` times back to back with one
// wait at the end; then its output, in the canonical layout of problems.ts.
import type { ProblemShape } from './problems.ts';

export const KERNEL_SYSTEM_IDS = ['regc', 'tfjs', 'ort-web', 'wgsl-ref'] as const;
export type KernelSystemId = (typeof KERNEL_SYSTEM_IDS)[number];

export interface OpRunner {
  /** The device the op's passes run on (timed by pass-timer.ts). */
  readonly device: GPUDevice;
  /** Enqueues the op `count` times, then resolves once the device has finished them all. */
  run(count: number): Promise<void>;
  /** The output of the last run, canonical layout; outside the timed region. */
  read(): Promise<Float32Array>;
  dispose(): Promise<void> | void;
}

export interface KernelSystem {
  readonly id: KernelSystemId;
  /** How the system runs this problem (API and layout), or null when it has no kernel for it. */
  describe(p: ProblemShape): string | null;
  prepare(p: ProblemShape, inputs: readonly Float32Array[]): Promise<OpRunner>;
  close(): Promise<void> | void;
}

export function storageBuffer(device: GPUDevice, data: Float32Array | number): GPUBuffer {
  const elements = typeof data === 'number' ? data : data.length;
  const buffer = device.createBuffer({
    size: Math.max(16, Math.ceil((elements * 4) / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, elements: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: elements * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, elements * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return data;
}
