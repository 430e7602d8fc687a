// Where regc's training step spends its time, per dispatch. The runtime
// encodes a whole run in one compute pass, so this records what the pass
// does (pipeline, bind group, grid of every dispatch) by wrapping
// GPUComputePassEncoder's methods on their prototype while one step runs,
// then replays each recorded dispatch alone: its own command buffer,
// submitted and waited for, the wait for an empty submission subtracted.
// Each dispatch is named by its bind group's label, which the runtime sets
// to the manifest's dispatch label (the layer, "(backward)" for its
// gradient, or "op %id" for the nodes the loss and the optimizer add).
// The buffers the replays write hold the step's values already, so the
// kernels do the work they did in the step.
import { median } from './stats.ts';

export interface DispatchTime {
  readonly index: number;
  readonly label: string;
  /** The shader file its pipeline was made from. */
  readonly shader: string;
  readonly ms: number;
  readonly workgroups: number;
}

export interface StepProfile {
  /** Every dispatch of the step, in order. */
  readonly dispatches: readonly DispatchTime[];
  /** The wait for an empty submission, already subtracted from each dispatch. */
  readonly submitOverheadMs: number;
  /** The sum over the dispatches: compare with the step's own time. */
  readonly totalMs: number;
}

interface Recorded {
  pipeline?: GPUComputePipeline;
  bindGroup?: GPUBindGroup;
  readonly dispatches: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; x: number; y: number; z: number }[];
}

type PassPrototype = {
  setPipeline(this: GPUComputePassEncoder, pipeline: GPUComputePipeline): undefined;
  setBindGroup(this: GPUComputePassEncoder, index: number, group: GPUBindGroup | null, ...rest: unknown[]): undefined;
  dispatchWorkgroups(this: GPUComputePassEncoder, x: number, y?: number, z?: number): undefined;
};
type DevicePrototype = {
  createBindGroup(this: GPUDevice, descriptor: GPUBindGroupDescriptor): GPUBindGroup;
  createShaderModule(this: GPUDevice, descriptor: GPUShaderModuleDescriptor): GPUShaderModule;
  createComputePipelineAsync(this: GPUDevice, descriptor: GPUComputePipelineDescriptor): Promise<GPUComputePipeline>;
};

const labels = new WeakMap<GPUBindGroup | GPUShaderModule | GPUComputePipeline, string>();
let labelling = false;

/**
 * Remembers the labels of bind groups and shader modules, and each
 * pipeline's module's, from here on (Dawn's Node objects do not read their
 * labels back). Call before the bundle is loaded.
 */
export function labelGpuObjects(): void {
  if (labelling) return;
  labelling = true;
  const proto = (globalThis as unknown as { GPUDevice: { prototype: DevicePrototype } }).GPUDevice.prototype;
  const { createBindGroup, createShaderModule, createComputePipelineAsync } = proto;
  proto.createBindGroup = function (descriptor) {
    const group = createBindGroup.call(this, descriptor);
    labels.set(group, descriptor.label ?? '');
    return group;
  };
  proto.createShaderModule = function (descriptor) {
    const module = createShaderModule.call(this, descriptor);
    labels.set(module, descriptor.label ?? '');
    return module;
  };
  proto.createComputePipelineAsync = async function (descriptor) {
    const pipeline = await createComputePipelineAsync.call(this, descriptor);
    labels.set(pipeline, labels.get(descriptor.compute.module) ?? '');
    return pipeline;
  };
}

/** Runs `step` once while recording its compute passes, then times each dispatch alone. */
export async function profileStep(device: GPUDevice, step: () => Promise<unknown>, repeats = 3): Promise<StepProfile> {
  if (!labelling) throw new Error('profileStep: call labelGpuObjects() before the bundle is loaded');
  const proto = (globalThis as unknown as { GPUComputePassEncoder: { prototype: PassPrototype } }).GPUComputePassEncoder.prototype;
  const original = { setPipeline: proto.setPipeline, setBindGroup: proto.setBindGroup, dispatchWorkgroups: proto.dispatchWorkgroups };
  const recorded: Recorded = { dispatches: [] };
  proto.setPipeline = function (pipeline) {
    recorded.pipeline = pipeline;
    return original.setPipeline.call(this, pipeline);
  };
  proto.setBindGroup = function (index, group, ...rest) {
    if (index === 0 && group) recorded.bindGroup = group;
    return original.setBindGroup.call(this, index, group, ...rest);
  };
  proto.dispatchWorkgroups = function (x, y = 1, z = 1) {
    if (recorded.pipeline && recorded.bindGroup) recorded.dispatches.push({ pipeline: recorded.pipeline, bindGroup: recorded.bindGroup, x, y, z });
    return original.dispatchWorkgroups.call(this, x, y, z);
  };
  try {
    await step();
  } finally {
    Object.assign(proto, original);
  }

  const submit = async (encode: (pass: GPUComputePassEncoder) => void): Promise<number> => {
    const start = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encode(pass);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  const best = async (encode: (pass: GPUComputePassEncoder) => void): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await submit(encode));
    return Math.min(...times);
  };
  const empties: number[] = [];
  for (let i = 0; i < 9; i++) empties.push(await submit(() => undefined));
  const submitOverheadMs = median(empties);
  const dispatches: DispatchTime[] = [];
  for (const [index, d] of recorded.dispatches.entries()) {
    const ms = await best((pass) => {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.x, d.y, d.z);
    });
    dispatches.push({ index, label: labels.get(d.bindGroup) ?? '?', shader: labels.get(d.pipeline) ?? '?', ms: Math.max(0, ms - submitOverheadMs), workgroups: d.x * d.y * d.z });
  }
  return { dispatches, submitOverheadMs, totalMs: dispatches.reduce((s, d) => s + d.ms, 0) };
}

export type StepPhase = 'forward and loss' | 'backward' | 'update';

/**
 * The phase of each dispatch: everything before the first gradient dispatch
 * ("(backward)" in its label) is the forward pass and the loss, everything
 * after the last one the optimizer's update.
 */
export function phaseOf(dispatches: readonly DispatchTime[]): StepPhase[] {
  const backward = dispatches.map((d) => d.label.includes('(backward)'));
  const first = backward.indexOf(true);
  const last = backward.lastIndexOf(true);
  return dispatches.map((_, i) => (first < 0 || i < first ? 'forward and loss' : i <= last ? 'backward' : 'update'));
}

export interface CostLine {
  readonly name: string;
  readonly ms: number;
  readonly dispatches: number;
}

/** Time summed by a key of each dispatch, most expensive first. */
export function costsBy(dispatches: readonly DispatchTime[], key: (d: DispatchTime, i: number) => string): CostLine[] {
  const sums = new Map<string, { ms: number; dispatches: number }>();
  dispatches.forEach((d, i) => {
    const k = key(d, i);
    const s = sums.get(k) ?? { ms: 0, dispatches: 0 };
    s.ms += d.ms;
    s.dispatches += 1;
    sums.set(k, s);
  });
  return [...sums].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.ms - a.ms);
}
