// Throughput of the compute-heavy kernels on the local WebGPU device
// (SwiftShader here): a 512^3 matmul, a 3x3 conv 32 -> 64 channels on 28x28 at
// batch 16, and a few neighbours. Not a test; run with
//   npx tsx bench/kernels/compute-kernels.ts [repeats]
// and read GFLOP/s (best of the repeats, after one warm-up run). Every
// kernel of an op's sequence is timed (conv's weight reorder included).
// peer-kernels.ts puts the same kernels next to TF.js's and ORT-web's.
import { releaseNodeDevices, requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import { convAttrs, prepareRegcOp, regcKernels, resolveShape, type RegcOpSpec } from './peers/regc.ts';

interface Problem extends RegcOpSpec {
  readonly label: string;
  readonly flops: number;
}

const PROBLEMS: Problem[] = [
  { label: 'matmul 512x512 @ 512x512', op: 'matmul', attrs: { epilogue: [] }, inputs: [[512, 512], [512, 512]], batch: 1, flops: 2 * 512 ** 3 },
  { label: 'linear [N=256, 512] -> 512 + bias', op: 'linear', attrs: { epilogue: [] }, inputs: [['N', 512], [512, 512], [512]], batch: 256, flops: 2 * 256 * 512 * 512 },
  { label: 'conv 3x3 pad 1, 32 -> 64, 28x28, N=16', op: 'conv', attrs: convAttrs(1, 1, 1), inputs: [['N', 32, 28, 28], [64, 32, 3, 3], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 32 * 9 },
  { label: 'conv 1x1, 64 -> 64, 28x28, N=16', op: 'conv', attrs: convAttrs(1, 0, 1), inputs: [['N', 64, 28, 28], [64, 64, 1, 1], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 64 },
  { label: 'conv 3x3 depthwise, 64 ch, 28x28, N=16', op: 'conv', attrs: convAttrs(1, 1, 64), inputs: [['N', 64, 28, 28], [64, 1, 3, 3], [64]], batch: 16, flops: 2 * 16 * 64 * 28 * 28 * 9 },
];

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 5);
  const { device, adapterInfo } = await requestNodeDevice();
  console.log(`device: ${adapterInfo.description || adapterInfo.vendor}`);
  for (const p of PROBLEMS) {
    const { kernels, outputShape } = regcKernels(p);
    const buffer = (elements: number, fill: boolean): GPUBuffer => {
      const buf = device.createBuffer({ size: Math.max(16, elements * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      if (fill) device.queue.writeBuffer(buf, 0, Float32Array.from({ length: elements }, () => Math.random() - 0.5));
      return buf;
    };
    const size = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);
    const inputs = p.inputs.map((shape) => buffer(size(resolveShape(shape, p.batch)), true));
    const output = buffer(size(outputShape), false);
    const op = await prepareRegcOp(device, kernels, inputs, output, p.batch);
    const run = async (): Promise<number> => {
      const start = performance.now();
      const encoder = device.createCommandEncoder();
      op.encode(encoder);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - start;
    };
    await run();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await run());
    const best = Math.min(...times);
    console.log(`${p.label.padEnd(42)} ${best.toFixed(1).padStart(8)} ms  ${(p.flops / best / 1e6).toFixed(2).padStart(6)} GFLOP/s`);
    op.destroy();
    for (const buf of [...inputs, output]) buf.destroy();
  }
  await releaseNodeDevices();
}

await main();
