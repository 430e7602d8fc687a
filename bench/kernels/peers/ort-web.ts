// ONNX Runtime Web (its WebGPU execution provider) in the kernel bench: a
// one-node ONNX model per problem (onnx.ts; every operand a graph input),
// inputs in GPU buffers made on ORT's own device (Tensor.fromGpuBuffer) and
// the output written into a GPU buffer we made there too, so session.run
// moves no data between host and device.
import * as ort from 'onnxruntime-web/webgpu';
import { copySharedWrites } from '../../peers/systems/ort-web.ts';
import { oneNodeModel, type OnnxNodeModel } from './onnx.ts';
import type { ProblemShape } from './problems.ts';
import { elementCount, inputShapes, outputShape } from './problems.ts';
import { readBuffer, storageBuffer, type KernelSystem, type OpRunner } from './system.ts';

export function onnxModelFor(p: ProblemShape): OnnxNodeModel {
  const [shapes, out] = [inputShapes(p), { name: 'y', shape: outputShape(p) }];
  const named = (names: readonly string[]) => names.map((name, i) => ({ name, shape: shapes[i]! }));
  switch (p.kind) {
    case 'matmul':
      return { opType: 'MatMul', inputs: named(['a', 'b']), output: out };
    case 'linear':
      return { opType: 'Gemm', inputs: named(['x', 'w', 'bias']), output: out, attributes: [{ name: 'transB', int: 1 }] };
    case 'conv':
      return {
        opType: 'Conv',
        inputs: named(['x', 'w', 'bias']),
        output: out,
        attributes: [
          { name: 'kernel_shape', ints: [p.kernel, p.kernel] },
          { name: 'pads', ints: [p.pad, p.pad, p.pad, p.pad] },
          { name: 'strides', ints: [1, 1] },
        ],
      };
  }
}

export async function ortWebSystem(): Promise<KernelSystem> {
  // In Node the threaded WASM hands Dawn SharedArrayBuffer views; see there.
  copySharedWrites();
  ort.env.logLevel = 'error';
  const sessions: ort.InferenceSession[] = [];
  return {
    id: 'ort-web',
    describe(p) {
      const model = onnxModelFor(p);
      return `${model.opType}${p.kind === 'linear' ? ' transB=1' : ''}${p.kind === 'conv' ? ', NCHW' : ''}`;
    },
    async prepare(p, data): Promise<OpRunner> {
      const model = onnxModelFor(p);
      const session = await ort.InferenceSession.create(oneNodeModel(model), {
        executionProviders: ['webgpu'],
        preferredOutputLocation: 'gpu-buffer',
        graphOptimizationLevel: 'all',
      });
      sessions.push(session);
      const device = (await ort.env.webgpu.device) as GPUDevice;
      const buffers = data.map((d) => storageBuffer(device, d));
      const feeds: Record<string, ort.Tensor> = {};
      model.inputs.forEach((input, i) => {
        feeds[input.name] = ort.Tensor.fromGpuBuffer(buffers[i]!, { dataType: 'float32', dims: input.shape });
      });
      const outputElements = elementCount(model.output.shape);
      const output = storageBuffer(device, outputElements);
      const fetches = { [model.output.name]: ort.Tensor.fromGpuBuffer(output, { dataType: 'float32', dims: model.output.shape }) };
      return {
        device,
        async run(count) {
          for (let i = 0; i < count; i++) await session.run(feeds, fetches);
          await device.queue.onSubmittedWorkDone();
        },
        read: () => readBuffer(device, output, outputElements),
        async dispose() {
          for (const b of [...buffers, output]) b.destroy();
          await session.release();
          sessions.splice(sessions.indexOf(session), 1);
        },
      };
    },
    async close() {
      for (const s of sessions.splice(0)) await s.release();
    },
  };
}
