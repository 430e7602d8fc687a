// Throughput of the compute-heavy kernels on the local WebGPU device
// (SwiftShader here): a 512^3 matmul, a 3x3 conv 32 -> 64 channels on 28x28 at
// batch 16, and a few neighbours. Not a test; run with
//   npx tsx bench/kernels/compute-kernels.ts [repeats]
// and read GFLOP/s (best of the repeats, after one warm-up run). Every
// kernel of an op's sequence is timed (conv's weight reorder included).
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { OpAttrs, OpName } from '../../compiler/ir/ops.ts';
import type { Dim } from '../../compiler/ir/types.ts';
import { evalAffine, foldWorkgroups, type Kernel } from '../../compiler/codegen/kernel.ts';
import { generateKernels } from '../../compiler/codegen/kernels/index.ts';
import { releaseNodeDevices, requestNodeDevice } from '../../runtime/device/webgpu-node.ts';

interface Problem {
  readonly label: string;
  readonly op: OpName;
  readonly attrs: OpAttrs[OpName];
  /** Input shapes; 'N' in the first marks the batch, run at `batch`. */
  readonly inputs: readonly (readonly Dim[])[];
  readonly batch: number;
  readonly flops: number;
}

const conv = (stride: number, padding: number, groups: number): OpAttrs['conv'] => ({
  spatial: 2, stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups, epilogue: [],
});

const PROBLEMS: Problem[] = [
  { label: 'matmul 512x512 @ 512x512', op: 'matmul', attrs: { epilogue: [] }, inputs: [[512, 512], [512, 512]], batch: 1, flops: 2 * 512 ** 3 },
  { label: 'linear [N=256, 512] -> 512 + bias', op: 'linear', attrs: { epilogue: [] }, inputs: [['N', 512], [512, 512], [512]], batch: 256, flops: 2 * 256 * 512 * 512 },
  { label: 'conv 3x3 pad 1, 32 -> 64, 28x28, N=16', op: 'conv', attrs: conv(1, 1, 1), inputs: [['N', 32, 28, 28], [64, 32, 3, 3], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 32 * 9 },
  { label: 'conv 1x1, 64 -> 64, 28x28, N=16', op: 'conv', attrs: conv(1, 0, 1), inputs: [['N', 64, 28, 28], [64, 64, 1, 1], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 64 },
  { label: 'conv 3x3 depthwise, 64 ch, 28x28, N=16', op: 'conv', attrs: conv(1, 1, 64), inputs: [['N', 64, 28, 28], [64, 1, 3, 3], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 9 },
];

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 5);
  const { device, adapterInfo } = await requestNodeDevice();
  console.log(`device: ${adapterInfo.description || adapterInfo.vendor}`);
  for (const p of PROBLEMS) {
    const b = new GraphBuilder('eval');
    const ids = p.inputs.map((shape, i) => b.input(`in${i}`, { dtype: 'f32', shape }));
    const id = b.add(p.op, ids, p.attrs as never);
    const graph = b.finish();
    const node = graph.nodes[id]!;
    const kernels = generateKernels(node, node.inputs.map((i) => graph.nodes[i]!.type));
    const size = (shape: readonly Dim[]): number => shape.reduce<number>((n, d) => n * (d === 'N' ? p.batch : d), 1);
    const buffer = (elements: number, fill: boolean): GPUBuffer => {
      const buf = device.createBuffer({ size: Math.max(16, elements * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      if (fill) device.queue.writeBuffer(buf, 0, Float32Array.from({ length: elements }, () => Math.random() - 0.5));
      return buf;
    };
    const inputs = p.inputs.map((shape) => buffer(size(shape), true));
    const output = buffer(size(node.type.shape), false);
    const dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(dims, 0, new Uint32Array([p.batch, 0, 0, 0]));
    const scratch = new Map<string, GPUBuffer>();
    const steps: Awaited<ReturnType<typeof prepare>>[] = [];
    for (const k of kernels) steps.push(await prepare(device, k, inputs, output, dims, p.batch, scratch));
    const run = async (): Promise<number> => {
      const start = performance.now();
      const encoder = device.createCommandEncoder();
      for (const s of steps) {
        const pass = encoder.beginComputePass();
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(...s.workgroups);
        pass.end();
      }
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - start;
    };
    await run();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await run());
    const best = Math.min(...times);
    console.log(`${p.label.padEnd(42)} ${best.toFixed(1).padStart(8)} ms  ${(p.flops / best / 1e6).toFixed(2).padStart(6)} GFLOP/s`);
    for (const buf of [...inputs, output, dims, ...scratch.values()]) buf.destroy();
  }
  await releaseNodeDevices();
}

/** Scratch buffers by id, shared by a sequence's kernels as the runtime shares them. */
async function prepare(
  device: GPUDevice,
  k: Kernel,
  inputs: GPUBuffer[],
  output: GPUBuffer,
  dims: GPUBuffer,
  n: number,
  scratch: Map<string, GPUBuffer>,
) {
  const pipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint },
  });
  const entries: GPUBindGroupEntry[] = k.bindings.map((b, i) => {
    const s = b.source;
    let buffer: GPUBuffer;
    if (s.kind === 'input') buffer = inputs[s.index]!;
    else if (s.kind === 'output') buffer = output;
    else {
      buffer = scratch.get(s.id) ?? device.createBuffer({ size: Math.max(16, evalAffine(s.elements, n) * 4), usage: GPUBufferUsage.STORAGE });
      scratch.set(s.id, buffer);
    }
    return { binding: i, resource: { buffer } };
  });
  if (k.usesBatch) entries.push({ binding: k.bindings.length, resource: { buffer: dims } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const [x, y] = foldWorkgroups(Math.ceil(evalAffine(k.groups, n) / k.groupsDivisor));
  return { pipeline, bindGroup, workgroups: [x, y] as [number, number] };
}

await main();
