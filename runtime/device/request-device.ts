// Adapter -> device, the same way in Node and in the browser: resolve limits,
// pick features, describe the adapter, and watch for device loss. The Node and
// browser entry points only differ in where the GPU object comes from.
import { DeviceError, DeviceLostError } from './device-error.ts';
import {
  DEFAULT_LIMIT_REQUESTS,
  describeLimitProblems,
  resolveLimitRequests,
  type LimitRequests,
} from './limits.ts';

export interface DeviceOptions {
  readonly powerPreference?: GPUPowerPreference;
  /** Merged over DEFAULT_LIMIT_REQUESTS; see limits.ts. */
  readonly limits?: LimitRequests;
  /** Features the caller cannot run without: a clear error if missing. */
  readonly requiredFeatures?: readonly GPUFeatureName[];
  /**
   * Features requested only when the adapter has them (e.g. 'timestamp-query'),
   * on top of DEFAULT_OPTIONAL_FEATURES.
   */
  readonly optionalFeatures?: readonly GPUFeatureName[];
  readonly label?: string;
  /** Called once if the device is lost for any reason but our own destroy(). */
  readonly onLost?: (error: DeviceLostError) => void;
}

/** 'swiftshader' is the CPU Vulkan driver used here and in CI; everything else is 'hardware'. */
export type DeviceBackend = 'hardware' | 'swiftshader';

/** A plain copy of GPUAdapterInfo: Dawn's is a host object that prints as `{}`. */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly adapterInfo: AdapterInfo;
  readonly backend: DeviceBackend;
  /** Exactly the `requiredLimits` passed to requestDevice. */
  readonly requestedLimits: Readonly<Record<string, number>>;
  readonly features: readonly GPUFeatureName[];
}

export function describeAdapter(adapter: GPUAdapter): AdapterInfo {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = adapter as GPUAdapter & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
  };
}

export function backendOf(info: AdapterInfo): DeviceBackend {
  const text = `${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return text.includes('swiftshader') ? 'swiftshader' : 'hardware';
}

export function formatAdapter(info: AdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.description].filter((p) => p.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

/** Asked for whenever the adapter has them: bundles may carry kernels that use them (see runtime/bundle/pipeline-tiers.ts). */
export const DEFAULT_OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['subgroups' as GPUFeatureName];

export async function requestDeviceFromAdapter(
  adapter: GPUAdapter,
  options: DeviceOptions = {},
): Promise<AcquiredDevice> {
  const adapterInfo = describeAdapter(adapter);
  const { requiredLimits, problems } = resolveLimitRequests(adapter.limits, {
    ...DEFAULT_LIMIT_REQUESTS,
    ...options.limits,
  });
  if (problems.length > 0) {
    throw new DeviceError(
      `the WebGPU adapter (${formatAdapter(adapterInfo)}) cannot meet the requested limits: ${describeLimitProblems(problems)}`,
    );
  }

  const missing = (options.requiredFeatures ?? []).filter((f) => !adapter.features.has(f));
  if (missing.length > 0) {
    throw new DeviceError(
      `the WebGPU adapter (${formatAdapter(adapterInfo)}) lacks required features: ${missing.join(', ')}`,
    );
  }
  const features = [
    ...new Set([
      ...(options.requiredFeatures ?? []),
      ...[...DEFAULT_OPTIONAL_FEATURES, ...(options.optionalFeatures ?? [])].filter((f) => adapter.features.has(f)),
    ]),
  ];

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: options.label ?? 'regc',
      requiredLimits,
      requiredFeatures: features,
    });
  } catch (cause) {
    throw new DeviceError(
      `requesting a device from the WebGPU adapter (${formatAdapter(adapterInfo)}) failed: ${errorText(cause)}`,
      { cause },
    );
  }

  watchDeviceLoss(device, options.onLost ?? reportDeviceLoss);
  return { device, adapterInfo, backend: backendOf(adapterInfo), requestedLimits: requiredLimits, features };
}

/** Calls onLost once if the device is lost for a reason other than destroy(). */
export function watchDeviceLoss(
  device: Pick<GPUDevice, 'lost'>,
  onLost: (error: DeviceLostError) => void,
): void {
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    onLost(new DeviceLostError(String(info.reason), info.message));
  });
}

function reportDeviceLoss(error: DeviceLostError): void {
  console.error(error.message);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
