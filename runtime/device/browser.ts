// WebGPU devices in a web page, through navigator.gpu.
import { DeviceError } from './device-error.ts';
import { requestDeviceFromAdapter, type AcquiredDevice, type DeviceOptions } from './request-device.ts';

export async function requestBrowserDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    throw new DeviceError(
      secure === false
        ? 'WebGPU is unavailable because this page is not a secure context; serve it over https or from localhost/127.0.0.1'
        : 'WebGPU is unavailable in this browser (navigator.gpu is missing); use a browser with WebGPU enabled',
    );
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) {
    throw new DeviceError(
      'WebGPU is present but no adapter is available (the GPU may be blocklisted or WebGPU disabled in this browser)',
    );
  }
  return requestDeviceFromAdapter(adapter, options);
}
