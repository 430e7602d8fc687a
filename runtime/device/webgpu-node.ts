// WebGPU devices in Node through the `webgpu` package (Dawn).
//
// One device per process (per distinct options) is shared: a device takes
// only ~15 ms to create, but pipelines and buffers belong to one device, so
// sharing it lets everything built on it (pipeline caches, loaded weights) be
// reused. Ask for `fresh: true` to get a device of your own (you destroy it).
import { DeviceError, type DeviceLostError } from './device-error.ts';
import { errorText, requestDeviceFromAdapter, type AcquiredDevice, type DeviceOptions } from './request-device.ts';
import { explainNoAdapter, planVulkanDrivers, selectSwiftShader, type DriverPlan } from './vulkan-drivers-node.ts';

export interface NodeDeviceOptions extends DeviceOptions {
  /** A new device not shared with anyone; the caller destroys it. */
  readonly fresh?: boolean;
  /** Passed to Dawn's `create()`, e.g. 'enable-dawn-features=dump_shaders'. */
  readonly dawnFlags?: readonly string[];
}

type WebGpuModule = typeof import('webgpu');

let webgpuModule: Promise<WebGpuModule> | undefined;
// Planned once, before we change the environment ourselves.
let driverPlan: DriverPlan | undefined;
const gpuByFlags = new Map<string, Promise<GPU>>();

interface CachedDevice {
  readonly acquired: Promise<AcquiredDevice>;
  readonly lostListeners: Set<(error: DeviceLostError) => void>;
}
const deviceCache = new Map<string, CachedDevice>();

export async function requestNodeDevice(options: NodeDeviceOptions = {}): Promise<AcquiredDevice> {
  if (options.fresh) return acquireDevice(options, options.onLost);

  const key = cacheKey(options);
  let entry = deviceCache.get(key);
  if (!entry) {
    const lostListeners = new Set<(error: DeviceLostError) => void>();
    const onLost = (error: DeviceLostError): void => {
      if (lostListeners.size === 0) console.error(error.message);
      for (const listener of lostListeners) listener(error);
    };
    const created: CachedDevice = { acquired: acquireDevice(options, onLost), lostListeners };
    entry = created;
    deviceCache.set(key, created);
    const forget = (): void => {
      if (deviceCache.get(key) === created) deviceCache.delete(key);
    };
    // A lost device never comes back, even one somebody destroy()ed: the next
    // request makes a new one. A failed request is forgotten so it can be retried.
    created.acquired.then(({ device }) => device.lost.then(forget), forget);
  }
  if (options.onLost) entry.lostListeners.add(options.onLost);
  return entry.acquired;
}

/** Destroys every shared device (e.g. before a CLI exits); later requests make new ones. */
export async function releaseNodeDevices(): Promise<void> {
  const entries = [...deviceCache.values()];
  deviceCache.clear();
  for (const entry of entries) {
    try {
      (await entry.acquired).device.destroy();
    } catch {
      // A request that failed has no device to destroy.
    }
  }
}

/** Loads `webgpu` once and puts its globals (GPUBufferUsage, GPUMapMode, ...) on globalThis. */
export async function loadWebGpu(): Promise<WebGpuModule> {
  webgpuModule ??= import('webgpu').then((module) => {
    installGlobals(module.globals as Record<string, unknown>);
    return module;
  });
  return webgpuModule;
}

function installGlobals(globals: Record<string, unknown>): void {
  const target = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in target)) target[name] = value;
  }
}

async function acquireDevice(
  options: NodeDeviceOptions,
  onLost: ((error: DeviceLostError) => void) | undefined,
): Promise<AcquiredDevice> {
  const adapter = await findAdapter(options);
  return requestDeviceFromAdapter(adapter, onLost ? { ...options, onLost } : options);
}

async function findAdapter(options: NodeDeviceOptions): Promise<GPUAdapter> {
  const plan = (driverPlan ??= planVulkanDrivers());
  if (plan.kind === 'swiftshader-only') selectSwiftShader();

  const adapterOptions: GPURequestAdapterOptions = options.powerPreference
    ? { powerPreference: options.powerPreference }
    : {};
  const flags = options.dawnFlags ?? [];
  let adapter = await (await gpuFor(flags)).requestAdapter(adapterOptions);

  if (!adapter && plan.kind === 'system-then-swiftshader') {
    // The installed drivers found no GPU; a new Dawn instance rescans drivers.
    selectSwiftShader();
    gpuByFlags.delete(flagsKey(flags));
    adapter = await (await gpuFor(flags)).requestAdapter(adapterOptions);
  }
  if (!adapter) throw new DeviceError(explainNoAdapter(plan));
  return adapter;
}

async function gpuFor(flags: readonly string[]): Promise<GPU> {
  const key = flagsKey(flags);
  let gpu = gpuByFlags.get(key);
  if (!gpu) {
    gpu = loadWebGpu().then(({ create }) => {
      try {
        return create([...flags]);
      } catch (cause) {
        throw new DeviceError(`Dawn could not start with flags [${flags.join(', ')}]: ${errorText(cause)}`, { cause });
      }
    });
    gpuByFlags.set(key, gpu);
    gpu.catch(() => gpuByFlags.delete(key));
  }
  return gpu;
}

function flagsKey(flags: readonly string[]): string {
  return JSON.stringify(flags);
}

/** Options that change the device, in a stable order; onLost and fresh do not. */
function cacheKey(options: NodeDeviceOptions): string {
  const sortedLimits = Object.entries(options.limits ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    options.powerPreference ?? null,
    sortedLimits,
    [...(options.requiredFeatures ?? [])].sort(),
    [...(options.optionalFeatures ?? [])].sort(),
    options.label ?? null,
    options.dawnFlags ?? [],
  ]);
}
