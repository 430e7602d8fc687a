// GPU time of every compute pass, measured the same way for every system:
// the WebGPU prototypes are wrapped (before any system starts) so that each
// compute pass begun while recording gets timestampWrites at its beginning and
// end, in a query set of the pass's device. A system's own code is unchanged;
// it does not know it is timed. The sum over passes is the time the device
// spent computing, without the gaps between passes (submission, JS, sync).
//
// Devices get 'timestamp-query' added to their required features when their
// adapter has it; without it nothing is timed and `stop` says so.

const SLOTS = 4096; // WebGPU's largest query set

interface DeviceTimer {
  readonly querySet: GPUQuerySet;
  readonly resolve: GPUBuffer;
  readonly staging: GPUBuffer;
  used: number;
  overflow: boolean;
  /** Per timed pass, the labels of the pipelines set in it (where the system labels its pipelines). */
  readonly passLabels: string[][];
}

const encoderDevice = new WeakMap<GPUCommandEncoder, GPUDevice>();
const passLabels = new WeakMap<GPUComputePassEncoder, string[]>();
const timers = new WeakMap<GPUDevice, DeviceTimer>();
let recording = false;
let installed = false;

interface Prototypes {
  GPUAdapter: { prototype: GPUAdapter };
  GPUDevice: { prototype: GPUDevice };
  GPUCommandEncoder: { prototype: GPUCommandEncoder };
  GPUComputePassEncoder: { prototype: GPUComputePassEncoder };
}

/** Wraps the prototypes once; call after the WebGPU globals exist and before any system makes a device. */
export function installPassTimer(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Prototypes;

  const requestDevice = g.GPUAdapter.prototype.requestDevice;
  g.GPUAdapter.prototype.requestDevice = function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor) {
    const features = [...(descriptor?.requiredFeatures ?? [])];
    if (this.features.has('timestamp-query') && !features.includes('timestamp-query')) features.push('timestamp-query');
    return requestDevice.call(this, { ...descriptor, requiredFeatures: features });
  } as GPUAdapter['requestDevice'];

  const createCommandEncoder = g.GPUDevice.prototype.createCommandEncoder;
  g.GPUDevice.prototype.createCommandEncoder = function (this: GPUDevice, descriptor?: GPUCommandEncoderDescriptor) {
    const encoder = createCommandEncoder.call(this, descriptor);
    encoderDevice.set(encoder, this);
    return encoder;
  };

  const beginComputePass = g.GPUCommandEncoder.prototype.beginComputePass;
  g.GPUCommandEncoder.prototype.beginComputePass = function (this: GPUCommandEncoder, descriptor?: GPUComputePassDescriptor) {
    const device = encoderDevice.get(this);
    if (!recording || !device || descriptor?.timestampWrites) return beginComputePass.call(this, descriptor);
    const timer = timerOf(device);
    if (!timer || timer.used + 2 > SLOTS) {
      if (timer) timer.overflow = true;
      return beginComputePass.call(this, descriptor);
    }
    const at = timer.used;
    timer.used += 2;
    const timestampWrites: GPUComputePassTimestampWrites = { querySet: timer.querySet, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 };
    const pass = beginComputePass.call(this, { ...descriptor, timestampWrites });
    const labels: string[] = [];
    timer.passLabels.push(labels);
    passLabels.set(pass, labels);
    return pass;
  };

  const setPipeline = g.GPUComputePassEncoder.prototype.setPipeline;
  g.GPUComputePassEncoder.prototype.setPipeline = function (this: GPUComputePassEncoder, pipeline: GPUComputePipeline) {
    const labels = passLabels.get(this);
    if (labels && pipeline.label && !labels.includes(pipeline.label)) labels.push(pipeline.label);
    return setPipeline.call(this, pipeline);
  };
}

function timerOf(device: GPUDevice): DeviceTimer | undefined {
  let timer = timers.get(device);
  if (!timer && device.features.has('timestamp-query')) {
    timer = {
      querySet: device.createQuerySet({ type: 'timestamp', count: SLOTS }),
      resolve: device.createBuffer({ size: SLOTS * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      staging: device.createBuffer({ size: SLOTS * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      used: 0,
      overflow: false,
      passLabels: [],
    };
    timers.set(device, timer);
  }
  return timer;
}

/** Starts timing the compute passes of `device` (made before, so its query set is not made while recording). */
export function startPassTimer(device: GPUDevice): void {
  const timer = timerOf(device);
  if (timer) {
    timer.used = 0;
    timer.overflow = false;
    timer.passLabels.length = 0;
  }
  recording = true;
}

export interface TimedPass {
  readonly ms: number;
  /** Labels of the pipelines the pass set, in order; empty where the system leaves them unlabelled. */
  readonly labels: readonly string[];
}

export interface PassTime {
  /** Summed (end - begin) over the passes, in ms. */
  readonly ms: number;
  readonly passes: readonly TimedPass[];
}

/** Stops recording and reads the passes of `device` timed since `startPassTimer`; the caller has waited for them. */
export async function stopPassTimer(device: GPUDevice): Promise<PassTime> {
  recording = false;
  const timer = timers.get(device);
  if (!timer) throw new Error('this device has no timestamp-query: compute passes were not timed');
  if (timer.overflow) throw new Error(`more than ${SLOTS / 2} compute passes in one measurement: lower the ops per repeat`);
  if (timer.used === 0) return { ms: 0, passes: [] };
  const encoder = device.createCommandEncoder();
  encoder.resolveQuerySet(timer.querySet, 0, timer.used, timer.resolve, 0);
  encoder.copyBufferToBuffer(timer.resolve, 0, timer.staging, 0, timer.used * 8);
  device.queue.submit([encoder.finish()]);
  await timer.staging.mapAsync(GPUMapMode.READ, 0, timer.used * 8);
  const stamps = new BigUint64Array(timer.staging.getMappedRange(0, timer.used * 8).slice(0));
  timer.staging.unmap();
  const passes: TimedPass[] = [];
  for (let i = 0; i < timer.used; i += 2) {
    const [begin, end] = [stamps[i]!, stamps[i + 1]!];
    // A pass that never ran (its commands not submitted before our resolve) reads zeros.
    if (begin === 0n || end < begin) throw new Error(`compute pass ${i / 2} has no valid timestamps (begin ${begin}, end ${end})`);
    passes.push({ ms: Number(end - begin) / 1e6, labels: timer.passLabels[i / 2] ?? [] });
  }
  return { ms: passes.reduce((sum, p) => sum + p.ms, 0), passes };
}
