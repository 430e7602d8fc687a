// TF.js (tfjs-core + tfjs-backend-webgpu) in the kernel bench. Convolutions
// run NHWC with an HWIO filter, TF.js's native and best layout: inputs and
// weights are converted on the host once, outside the timed region, and the
// output converted back to NCHW only for the check. Every op is the fused
// call a TF.js user writes: tf.matMul, tf.fused.matMul (transposeB, bias),
// tf.fused.conv2d (bias).
import type * as Tf from '@tensorflow/tfjs-core';
import { channelsLast, convFilterHwio, transpose2d } from '../../peers/layouts.ts';
import type { ProblemShape } from './problems.ts';
import type { KernelSystem, OpRunner } from './system.ts';

/** The parts of WebGPUBackend used here (public in its JavaScript, not all in its typings). */
interface WebGpuBackend {
  readonly device: GPUDevice;
  readonly commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export async function tfjsSystem(): Promise<KernelSystem> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' where navigator.gpu exists
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  await tf.ready();
  const backend = tf.backend() as unknown as WebGpuBackend;
  return {
    id: 'tfjs',
    describe(p) {
      if (p.kind === 'matmul') return 'tf.matMul';
      if (p.kind === 'linear') return 'tf.fused.matMul, transposeB, bias';
      return 'tf.fused.conv2d, bias, NHWC / HWIO';
    },
    async prepare(p, data): Promise<OpRunner> {
      const [operands, op] = build(tf, p, data);
      let last: Tf.Tensor | undefined;
      return {
        device: backend.device,
        async run(count) {
          for (let i = 0; i < count; i++) {
            const y = op();
            last?.dispose();
            last = y;
          }
          // TF.js records into one encoder and submits in batches: flush what is left, then wait.
          if (backend.commandEncoder) {
            backend.endComputePassEncoder();
            backend.submitQueue();
          }
          await backend.device.queue.onSubmittedWorkDone();
        },
        async read() {
          if (!last) throw new Error('read before run');
          const out = (await last.data()) as Float32Array;
          if (p.kind !== 'conv') return out;
          // NHWC -> NCHW, image by image.
          const pixels = last.shape[1]! * last.shape[2]!;
          const nchw = new Float32Array(out.length);
          for (let n = 0; n < p.batch; n++) {
            const image = out.subarray(n * pixels * p.cout, (n + 1) * pixels * p.cout);
            nchw.set(transpose2d(image, pixels, p.cout), n * pixels * p.cout);
          }
          return nchw;
        },
        dispose() {
          last?.dispose();
          tf.dispose(operands);
        },
      };
    },
    close: () => tf.engine().reset(),
  };
}

function build(tf: typeof Tf, p: ProblemShape, data: readonly Float32Array[]): [Tf.Tensor[], () => Tf.Tensor] {
  switch (p.kind) {
    case 'matmul': {
      const a = tf.tensor2d(data[0]!, [p.m, p.k]);
      const b = tf.tensor2d(data[1]!, [p.k, p.n]);
      return [[a, b], () => tf.matMul(a, b)];
    }
    case 'linear': {
      const x = tf.tensor2d(data[0]!, [p.m, p.k]);
      const w = tf.tensor2d(data[1]!, [p.n, p.k]);
      const bias = tf.tensor1d(data[2]!);
      return [[x, w, bias], () => tf.fused.matMul({ a: x, b: w, transposeB: true, bias })];
    }
    case 'conv': {
      const xl = channelsLast(data[0]!, [p.batch, p.cin, p.h, p.w]);
      const fl = convFilterHwio(data[1]!, [p.cout, p.cin, p.kernel, p.kernel]);
      const x = tf.tensor4d(xl.data, xl.shape as [number, number, number, number]);
      const filter = tf.tensor4d(fl.data, fl.shape as [number, number, number, number]);
      const bias = tf.tensor1d(data[2]!);
      const pad = p.pad === 0 ? 'valid' : 2 * p.pad === p.kernel - 1 ? 'same' : p.pad;
      return [[x, filter, bias], () => tf.fused.conv2d({ x, filter, strides: 1, pad, bias, dataFormat: 'NHWC' })];
    }
  }
}
