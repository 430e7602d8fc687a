import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DeviceError, DeviceLostError } from '../../runtime/device/device-error.ts';
import { resolveLimitRequests } from '../../runtime/device/limits.ts';
import { backendOf, watchDeviceLoss } from '../../runtime/device/request-device.ts';
import { planVulkanDrivers, SWIFTSHADER_ICD } from '../../runtime/device/vulkan-drivers-node.ts';
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';

describe('requestNodeDevice', () => {
  it('gets a working device and describes its adapter', async () => {
    const started = performance.now();
    const acquired = await requestNodeDevice();
    const elapsed = performance.now() - started;
    console.info(`first device in ${elapsed.toFixed(0)} ms on ${acquired.backend}: ${acquired.adapterInfo.description}`);

    expect(['hardware', 'swiftshader']).toContain(acquired.backend);
    expect(typeof acquired.adapterInfo.vendor).toBe('string');
    // The globals the webgpu package provides are installed for everyone.
    expect(GPUBufferUsage.STORAGE).toBeGreaterThan(0);
    expect(GPUMapMode.READ).toBeGreaterThan(0);
    // Storage buffers stay at the WebGPU default unless asked for.
    expect(acquired.device.limits.maxStorageBuffersPerShaderStage).toBe(8);
    expect(acquired.requestedLimits.maxStorageBuffersPerShaderStage).toBeUndefined();
    // Buffer sizes are raised to what the adapter offers, and recorded.
    expect(acquired.requestedLimits.maxBufferSize).toBe(acquired.device.limits.maxBufferSize);
    expect(acquired.device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('shares one device per process and makes a fresh one on request', async () => {
    const first = await requestNodeDevice();
    const started = performance.now();
    const again = await requestNodeDevice();
    console.info(`cached device in ${(performance.now() - started).toFixed(2)} ms`);
    expect(again.device).toBe(first.device);

    const fresh = await requestNodeDevice({ fresh: true });
    expect(fresh.device).not.toBe(first.device);
    fresh.device.destroy();
  });

  it('replaces a shared device that was destroyed', async () => {
    const shared = await requestNodeDevice({ label: 'to-be-destroyed' });
    shared.device.destroy();
    await shared.device.lost;
    const replacement = await requestNodeDevice({ label: 'to-be-destroyed' });
    expect(replacement.device).not.toBe(shared.device);
    const buffer = replacement.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE });
    buffer.destroy();
  });

  it('raises a limit when asked and records the value', async () => {
    const wide = await requestNodeDevice({ fresh: true, limits: { maxStorageBuffersPerShaderStage: 'adapter-best' } });
    expect(wide.device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(wide.requestedLimits.maxStorageBuffersPerShaderStage).toBe(wide.device.limits.maxStorageBuffersPerShaderStage);
    wide.device.destroy();

    const exact = await requestNodeDevice({ fresh: true, limits: { maxStorageBuffersPerShaderStage: 9 } });
    expect(exact.device.limits.maxStorageBuffersPerShaderStage).toBe(9);
    exact.device.destroy();
  });

  it('says which limit the adapter cannot meet', async () => {
    await expect(requestNodeDevice({ fresh: true, limits: { maxStorageBuffersPerShaderStage: 100_000 } })).rejects.toThrow(
      /cannot meet the requested limits: maxStorageBuffersPerShaderStage: requested 100000, this adapter offers \d+/,
    );
  });

  it('says which required feature is missing', async () => {
    const request = requestNodeDevice({ fresh: true, requiredFeatures: ['not-a-feature' as GPUFeatureName] });
    await expect(request).rejects.toBeInstanceOf(DeviceError);
    await expect(request).rejects.toThrow(/lacks required features: not-a-feature/);
  });

  it('does not report its own destroy() as a loss', async () => {
    const lost: DeviceLostError[] = [];
    const fresh = await requestNodeDevice({ fresh: true, onLost: (e) => lost.push(e) });
    fresh.device.destroy();
    const info = await fresh.device.lost;
    expect(info.reason).toBe('destroyed');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lost).toEqual([]);
  });
});

describe('device loss', () => {
  it('reports a loss with a clear message', async () => {
    const lost: DeviceLostError[] = [];
    let lose!: (info: GPUDeviceLostInfo) => void;
    const device = { lost: new Promise<GPUDeviceLostInfo>((resolve) => (lose = resolve)) };
    watchDeviceLoss(device, (error) => lost.push(error));
    lose({ reason: 'unknown', message: 'GPU hung' } as GPUDeviceLostInfo);
    await device.lost;
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toMatch(/^WebGPU device lost \(unknown\): GPU hung; results computed after this point are invalid/);
  });
});

describe('limits', () => {
  const adapter = { maxStorageBuffersPerShaderStage: 10, maxBufferSize: 2 ** 30, minStorageBufferOffsetAlignment: 256 } as unknown as GPUSupportedLimits;

  it('takes what the adapter offers, or exactly the number asked for', () => {
    const { requiredLimits, problems } = resolveLimitRequests(adapter, {
      maxBufferSize: 'adapter-best',
      maxStorageBuffersPerShaderStage: 9,
    });
    expect(problems).toEqual([]);
    expect(requiredLimits).toEqual({ maxBufferSize: 2 ** 30, maxStorageBuffersPerShaderStage: 9 });
  });

  it('treats alignment limits as better when smaller', () => {
    expect(resolveLimitRequests(adapter, { minStorageBufferOffsetAlignment: 512 }).problems).toEqual([]);
    expect(resolveLimitRequests(adapter, { minStorageBufferOffsetAlignment: 128 }).problems).toEqual([
      { limit: 'minStorageBufferOffsetAlignment', requested: 128, offered: 256 },
    ]);
  });
});

describe('choosing Vulkan drivers', () => {
  const noDrivers = { HOME: '/nonexistent', XDG_CONFIG_DIRS: '/nonexistent', XDG_DATA_DIRS: '/nonexistent' };

  it('leaves a user choice alone', () => {
    expect(planVulkanDrivers({ ...noDrivers, VK_ICD_FILENAMES: '/x.json' }, 'linux', true)).toEqual({
      kind: 'user-selected',
      variable: 'VK_ICD_FILENAMES',
      value: '/x.json',
    });
  });

  it('goes straight to SwiftShader when no driver is installed', () => {
    expect(planVulkanDrivers(noDrivers, 'linux', true).kind).toBe('swiftshader-only');
    expect(planVulkanDrivers(noDrivers, 'linux', false).kind).toBe('system-only');
    expect(planVulkanDrivers(noDrivers, 'darwin', true).kind).toBe('not-linux');
  });

  it('classifies SwiftShader adapters', () => {
    const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };
    expect(backendOf(swiftshader)).toBe('swiftshader');
    expect(backendOf({ ...swiftshader, architecture: 'hopper', description: 'NVIDIA H100', vendor: 'nvidia', isFallbackAdapter: false })).toBe('hardware');
  });

  it('knows where Debian puts SwiftShader', () => {
    expect(SWIFTSHADER_ICD).toBe('/usr/lib/chromium/vk_swiftshader_icd.json');
  });
});

describe('driver selection in a fresh process', () => {
  const script = fileURLToPath(new URL('../support/print-node-device.ts', import.meta.url));
  const run = async (env: Record<string, string | undefined>) => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined, ...env },
    });
    return { result: JSON.parse(stdout.trim().split('\n').at(-1)!), stderr };
  };

  it.skipIf(!existsSync(SWIFTSHADER_ICD))('falls back to SwiftShader when an installed driver finds no GPU', async () => {
    // A driver manifest whose library does not exist, like a GPU driver's
    // manifest in a container without the GPU.
    const root = mkdtempSync(join(tmpdir(), 'regc-icd-'));
    try {
      mkdirSync(join(root, 'vulkan', 'icd.d'), { recursive: true });
      writeFileSync(
        join(root, 'vulkan', 'icd.d', 'absent_gpu.json'),
        JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: join(root, 'libabsent.so'), api_version: '1.3.0' } }),
      );
      const { result } = await run({ XDG_DATA_DIRS: `${root}:/usr/local/share:/usr/share` });
      expect(result).toMatchObject({ backend: 'swiftshader', icd: SWIFTSHADER_ICD });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('explains when the selected drivers give no adapter', async () => {
    const { result } = await run({ VK_ICD_FILENAMES: '/nonexistent/driver.json' });
    expect(result.error).toMatch(/no WebGPU adapter with the Vulkan drivers selected by VK_ICD_FILENAMES=\/nonexistent\/driver.json/);
  });
});
