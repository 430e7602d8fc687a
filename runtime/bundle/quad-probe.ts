// Whether a device can run the kernels with quad-shared loads: it must have
// the 'subgroups' feature, and its subgroup quads must be made of four
// consecutive invocations (lids 4k..4k+3), which the kernels assume and
// WGSL does not promise. One 64-invocation dispatch asks the device.
import { scopedErrors } from './error-scopes.ts';

const PROBE = `enable subgroups;
diagnostic(off, subgroup_uniformity);
@group(0) @binding(0) var<storage, read_write> ok: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  let first = quadBroadcast(lid, 0u);
  let last = quadBroadcast(lid, 3u);
  ok[lid] = select(0u, 1u, first == (lid & ~3u) && last == (lid | 3u) && sid % 4u == lid % 4u);
}
`;

export async function quadsAreConsecutive(device: GPUDevice): Promise<boolean> {
  if (!device.features.has('subgroups')) return false;
  const buffers: GPUBuffer[] = [];
  try {
    // A module or pipeline error rejects this promise; no error scope needed.
    const pipeline = await device.createComputePipelineAsync({ label: 'quad probe', layout: 'auto', compute: { module: device.createShaderModule({ code: PROBE }), entryPoint: 'main' } });
    const { value: read, error } = await scopedErrors(device, () => {
      const out = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: 256, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      buffers.push(out, read);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }));
      pass.dispatchWorkgroups(1);
      pass.end();
      encoder.copyBufferToBuffer(out, 0, read, 0, 256);
      device.queue.submit([encoder.finish()]);
      return read;
    });
    if (error) return false;
    await read.mapAsync(GPUMapMode.READ);
    const consecutive = new Uint32Array(read.getMappedRange().slice(0)).every((f) => f === 1);
    read.unmap();
    return consecutive;
  } catch {
    return false; // a device that cannot even run the probe runs the portable kernels
  } finally {
    for (const b of buffers) b.destroy();
  }
}
