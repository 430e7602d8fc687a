// What a validated manifest asks of the device, checked before any GPU object
// is made. validate-manifest.ts bounds a manifest on its own; this checks it
// against the device it is loaded on (its workgroup, buffer and binding
// limits) and against two caps of the runtime's own: the memory a run
// allocates and the work it launches. Launching is the danger: a dispatch
// within the device's grid can still be 2^40 invocations, which a GPU takes
// minutes over (a watchdog may then lose the device) and SwiftShader hours,
// and WebGPU cannot cancel work once submitted.
//
// The batch-dependent figures grow with the batch size, so a bundle that fits
// at batch 1 runs up to some largest batch; the load refuses a bundle that
// does not fit even at batch 1, and a run asking for more than the largest
// batch is refused before it allocates anything.
import type { AffineSize, DispatchSpec, Manifest, ShaderSpec } from './manifest.ts';

/** The device limits a bundle's pipelines and buffers depend on (a GPUDevice's `limits` has them all). */
export interface BundleDeviceLimits {
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupSizeZ: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxBindingsPerBindGroup: number;
  readonly maxUniformBufferBindingSize: number;
}

/** The runtime's own bounds on one run, on top of the device's limits. */
export interface RunCaps {
  /**
   * Invocations one run may launch: the sum over its dispatches of
   * workgroups times workgroup size (for a dispatch with variants, the
   * largest). Real models are far below the default: the compiled specs
   * launch 2^18 to 2^24 at batch 4096.
   */
  readonly maxInvocations: number;
  /**
   * Bytes of GPU buffers a bundle may hold: weights, activations, uniforms
   * and readbacks, for one batch size (checked here) and for all those it
   * keeps buffers for (the runner frees other batch sizes' to stay under it).
   */
  readonly maxMemoryBytes: number;
}

export const DEFAULT_RUN_CAPS: RunCaps = {
  maxInvocations: 2 ** 34,
  maxMemoryBytes: 8 * 2 ** 30,
};

/** The batch size a dispatch's figures are taken at. */
function elementsAt(size: AffineSize, n: number): number {
  return size.perN * n + size.fixed;
}

export function workgroupsAt(v: { readonly groups: AffineSize; readonly groupsDivisor: number }, n: number): number {
  return Math.ceil(elementsAt(v.groups, n) / v.groupsDivisor);
}

/**
 * The (x, y) grid the runtime launches `groups` workgroups as: the fewest
 * rows of at most `perDimension`. The shaders compute their index as
 * `y * num_workgroups.x + x` and skip the few past the end. Undefined when
 * even `perDimension` rows do not hold them.
 */
export function foldWorkgroups(groups: number, perDimension: number): readonly [number, number] | undefined {
  const y = Math.ceil(groups / perDimension);
  if (y > perDimension) return undefined;
  return [Math.ceil(groups / y), y];
}

/** The Dims uniform's size: N and the params in whole 16-byte rows. */
export function dimsBytes(params: readonly number[] | undefined): number {
  return Math.ceil((1 + (params?.length ?? 0)) / 4) * 16;
}

function bytesOf(elements: number): number {
  return Math.max(4, elements * 4);
}

function portElements(shape: readonly (number | 'N')[], n: number): number {
  return shape.reduce<number>((p, d) => p * (d === 'N' ? n : d), 1);
}

/** Exact below 2^53, then as a power of two: `137438953472 (2^37.0)`. */
export function describeCount(value: number): string {
  const exact = value <= Number.MAX_SAFE_INTEGER ? String(value) : value.toExponential(3);
  return value >= 2 ** 20 ? `${exact} (2^${Math.log2(value).toFixed(1)})` : exact;
}

function describeBytes(bytes: number): string {
  if (bytes < 2 ** 20) return `${bytes} bytes`;
  const [unit, size] = bytes >= 2 ** 30 ? ['GiB', 2 ** 30] : ['MiB', 2 ** 20];
  return `${(bytes / size).toFixed(1)} ${unit}`;
}

/** The first of a buffer's two limits that `bytes` is over: its size, then (every bundle buffer is bound as storage) its binding size. */
function bufferLimitExceeded(bytes: number, limits: BundleDeviceLimits): string | undefined {
  if (bytes > limits.maxBufferSize) return `maxBufferSize of ${limits.maxBufferSize}`;
  if (bytes > limits.maxStorageBufferBindingSize) return `maxStorageBufferBindingSize of ${limits.maxStorageBufferBindingSize}`;
  return undefined;
}

function dispatchName(manifest: Manifest, i: number): string {
  const d = manifest.dispatches[i]!;
  return `dispatches[${i}] ${JSON.stringify(d.label)}`;
}

/** Every shader a dispatch may run, with its groups: the dispatch's own and its variants'. */
function runnable(d: DispatchSpec, shaderById: ReadonlyMap<string, ShaderSpec>): { readonly shader: ShaderSpec; readonly groups: AffineSize; readonly groupsDivisor: number }[] {
  return [d, d.quick, d.subgroups].flatMap((v) => (v ? [{ shader: shaderById.get(v.shader)!, groups: v.groups, groupsDivisor: v.groupsDivisor }] : []));
}

const DEVICE_HINT = 'pass loadBundle a device requested with a higher limit, if the adapter offers one';

/**
 * Problems that do not depend on the batch size: workgroup sizes, bindings
 * per pipeline, the uniform's size, and every weight's buffer.
 */
export function fixedLimitProblems(manifest: Manifest, limits: BundleDeviceLimits): string[] {
  const problems: string[] = [];
  manifest.shaders.forEach((s, i) => {
    const at = `shaders[${i}] ${JSON.stringify(s.id)}`;
    // workgroupSize is invocations per workgroup; the sizes per axis are the
    // shader text's, checked before its module is made (workgroup-size.ts).
    if (s.workgroupSize > limits.maxComputeInvocationsPerWorkgroup) {
      problems.push(`${at}: workgroupSize ${s.workgroupSize} is more than this device's maxComputeInvocationsPerWorkgroup of ${limits.maxComputeInvocationsPerWorkgroup}; ${DEVICE_HINT}`);
    }
    if (s.bindings.length > limits.maxStorageBuffersPerShaderStage) {
      problems.push(
        `${at}: binds ${s.bindings.length} storage buffers, more than this device's maxStorageBuffersPerShaderStage of ${limits.maxStorageBuffersPerShaderStage}; ${DEVICE_HINT} (requestNodeDevice({ limits: { maxStorageBuffersPerShaderStage: ${s.bindings.length} } }))`,
      );
    }
    const bindings = s.bindings.length + (s.usesBatch ? 1 : 0);
    if (bindings > limits.maxBindingsPerBindGroup) {
      problems.push(`${at}: has ${bindings} bindings in its bind group, more than this device's maxBindingsPerBindGroup of ${limits.maxBindingsPerBindGroup}`);
    }
  });
  manifest.dispatches.forEach((d, i) => {
    const bytes = dimsBytes(d.params);
    if (d.params && bytes > limits.maxUniformBufferBindingSize) {
      problems.push(`${dispatchName(manifest, i)}: its Dims uniform is ${bytes} bytes, more than this device's maxUniformBufferBindingSize of ${limits.maxUniformBufferBindingSize}`);
    }
  });
  for (const b of manifest.buffers) {
    if (b.kind !== 'weight') continue;
    const bytes = bytesOf(b.elements);
    const over = bufferLimitExceeded(bytes, limits);
    if (over) problems.push(`buffers[${b.id}] (weight ${JSON.stringify(b.tensor)}): ${bytes} bytes, more than this device's ${over}; ${DEVICE_HINT}`);
  }
  return problems;
}

/** What a run at batch `n` launches and allocates, summed, with its largest dispatch. */
export interface RunFigures {
  readonly invocations: number;
  readonly largest: { readonly dispatch: number; readonly shader: string; readonly workgroups: number; readonly workgroupSize: number } | undefined;
  readonly memoryBytes: number;
  readonly weightBytes: number;
}

export function runFigures(manifest: Manifest, n: number): RunFigures {
  const shaderById = new Map(manifest.shaders.map((s) => [s.id, s]));
  let invocations = 0;
  let largest: RunFigures['largest'];
  let largestInvocations = -1;
  manifest.dispatches.forEach((d, i) => {
    // A run launches one of the dispatch's shaders; which depends on what has compiled, so the largest counts.
    let most = 0;
    for (const v of runnable(d, shaderById)) {
      const workgroups = workgroupsAt(v, n);
      const count = workgroups * v.shader.workgroupSize;
      if (count > most) most = count;
      if (count > largestInvocations) {
        largestInvocations = count;
        largest = { dispatch: i, shader: v.shader.id, workgroups, workgroupSize: v.shader.workgroupSize };
      }
    }
    invocations += most;
  });
  let weightBytes = 0;
  let memoryBytes = 0;
  for (const b of manifest.buffers) {
    if (b.kind === 'weight') weightBytes += bytesOf(b.elements);
    else memoryBytes += bytesOf(elementsAt(b.elements, n));
  }
  for (const port of manifest.outputs) memoryBytes += bytesOf(portElements(port.shape, n));
  const uniforms = new Set(manifest.dispatches.map((d, i) => (d.params ? i : -1)));
  for (const i of uniforms) memoryBytes += dimsBytes(i < 0 ? undefined : manifest.dispatches[i]!.params);
  return { invocations, largest, memoryBytes: memoryBytes + weightBytes, weightBytes };
}

/** Problems of a run at batch `n`: its grids, its activation buffers, its memory and its work. */
export function batchLimitProblems(manifest: Manifest, limits: BundleDeviceLimits, caps: RunCaps, n: number): string[] {
  const problems: string[] = [];
  const shaderById = new Map(manifest.shaders.map((s) => [s.id, s]));
  const perDimension = limits.maxComputeWorkgroupsPerDimension;
  manifest.dispatches.forEach((d, i) => {
    for (const v of runnable(d, shaderById)) {
      const workgroups = workgroupsAt(v, n);
      if (!foldWorkgroups(workgroups, perDimension)) {
        problems.push(
          `${dispatchName(manifest, i)} (shader ${v.shader.id}): ${describeCount(workgroups)} workgroups at batch ${n}, more than this device's grid holds (${perDimension} x ${perDimension}, maxComputeWorkgroupsPerDimension ${perDimension})`,
        );
      }
    }
  });
  for (const b of manifest.buffers) {
    if (b.kind !== 'activation') continue;
    const bytes = bytesOf(elementsAt(b.elements, n));
    const over = bufferLimitExceeded(bytes, limits);
    if (over) problems.push(`buffers[${b.id}] (activation): ${bytes} bytes at batch ${n}, more than this device's ${over}`);
  }
  const figures = runFigures(manifest, n);
  if (figures.memoryBytes > caps.maxMemoryBytes) {
    problems.push(
      `the run at batch ${n} needs ${describeBytes(figures.memoryBytes)} of GPU buffers (${describeBytes(figures.weightBytes)} of them weights), more than the memory cap of ${describeBytes(caps.maxMemoryBytes)}; if the device has the memory, raise the cap with the load option maxMemoryBytes (regc run --max-memory GIB)`,
    );
  }
  if (figures.invocations > caps.maxInvocations) {
    const big = figures.largest!;
    problems.push(
      `the run at batch ${n} launches ${describeCount(figures.invocations)} invocations, more than the work cap of ${describeCount(caps.maxInvocations)}; the largest dispatch is ${dispatchName(manifest, big.dispatch)} (shader ${big.shader}): ${describeCount(big.workgroups)} workgroups of ${big.workgroupSize}; if you trust this bundle, raise the cap with the load option maxInvocations (regc run --max-invocations N)`,
    );
  }
  return problems;
}

/**
 * The largest batch size in 1..maxBatch at which a run has no problems, or 0
 * if none has. Every figure grows with the batch size, so a binary search
 * finds it.
 */
export function largestFittingBatch(manifest: Manifest, limits: BundleDeviceLimits, caps: RunCaps): number {
  const fits = (n: number) => batchLimitProblems(manifest, limits, caps, n).length === 0;
  if (fits(manifest.maxBatch)) return manifest.maxBatch;
  if (!fits(1)) return 0;
  let low = 1;
  let high = manifest.maxBatch;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The caps `options` ask for over the defaults, checked: a cap that is not a positive number is a caller's mistake. */
export function runCapsFrom(options: { readonly maxInvocations?: number; readonly maxMemoryBytes?: number }): RunCaps {
  const caps = { ...DEFAULT_RUN_CAPS };
  for (const name of ['maxInvocations', 'maxMemoryBytes'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
    caps[name] = value;
  }
  return caps;
}
