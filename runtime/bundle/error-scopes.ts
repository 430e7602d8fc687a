// WebGPU error scopes form one stack per device, shared by everything that
// uses the device. A scope held open across an await can catch another
// user's error, or lose its own to another user's pop (two bundles loading
// on one device, a run and the quad probe). So every region here opens its
// scopes, does synchronous work only, and closes them before it awaits.
import { BundleError } from './validate-manifest.ts';

/** The GPU error `work` caused, if any, and its value; a throw from `work` is rethrown after the scopes close. */
export async function scopedErrors<T>(device: GPUDevice, work: () => T): Promise<{ readonly value: T; readonly error: GPUError | null }> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let value: T | undefined;
  let thrown: { readonly error: unknown } | undefined;
  try {
    value = work();
  } catch (error) {
    thrown = { error };
  }
  const oom = device.popErrorScope();
  const validation = device.popErrorScope();
  const error = (await validation) ?? (await oom);
  if (thrown) throw thrown.error;
  return { value: value as T, error };
}

/** `work`'s value, or a BundleError naming `what` if it caused a GPU error. */
export async function checkedGpuWork<T>(device: GPUDevice, what: string, work: () => T): Promise<T> {
  const { value, error } = await scopedErrors(device, work);
  if (error) throw new BundleError(`${what}: ${error.message}`);
  return value;
}
