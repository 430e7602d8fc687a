// Browser entry for the Chromium compute test: gets a device through the
// runtime's browser module and runs a small kernel.
import { requestBrowserDevice } from '../../../runtime/device/browser.ts';
import { exposeToHarness } from '../page-api.ts';

const kernel = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= arrayLength(&x)) { return; }
  let v = x[id.x];
  y[id.x] = v * v + 0.5 * v - 1.0;
}
`;

async function squarePlus(values: number[]): Promise<{ result: number[]; backend: string; adapter: string; limits: Record<string, number> }> {
  const { device, backend, adapterInfo, requestedLimits } = await requestBrowserDevice();
  try {
    const input = new Float32Array(values);
    const x = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    new Float32Array(x.getMappedRange()).set(input);
    x.unmap();
    const y = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

    device.pushErrorScope('validation');
    const pipeline = await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: kernel }) },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: x } },
        { binding: 1, resource: { buffer: y } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(input.length / 64));
    pass.end();
    encoder.copyBufferToBuffer(y, 0, readback, 0, input.byteLength);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new Error(error.message);

    await readback.mapAsync(GPUMapMode.READ);
    const result = [...new Float32Array(readback.getMappedRange())];
    readback.unmap();
    return { result, backend, adapter: adapterInfo.description || adapterInfo.architecture, limits: { ...requestedLimits } };
  } finally {
    device.destroy();
  }
}

async function missingWebGpu(): Promise<string> {
  // What a page without WebGPU would see: hide navigator.gpu and ask again.
  const real = Object.getOwnPropertyDescriptor(Navigator.prototype, 'gpu');
  Object.defineProperty(Navigator.prototype, 'gpu', { configurable: true, get: () => undefined });
  try {
    await requestBrowserDevice();
    return 'no error';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    if (real) Object.defineProperty(Navigator.prototype, 'gpu', real);
  }
}

exposeToHarness({ squarePlus, missingWebGpu });
