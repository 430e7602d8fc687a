// ONNX Runtime Web with its WebGPU execution provider, on the model.onnx
// exported from torch (whose weights it reads from weights.safetensors, as
// ONNX external data).
import * as ort from 'onnxruntime-web/webgpu';
import { modelPaths, type F32Tensor, type ModelInfo } from '../models.ts';
import type { BenchSystem, LoadContext, LoadedModel } from '../system.ts';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * In Node, ORT's threaded WASM build hands queue.writeBuffer views of its
 * SharedArrayBuffer memory, which Dawn's binding rejects ("Invalid
 * argument"); a browser accepts them. Copy such data to a plain buffer first.
 */
export function copySharedWrites(): void {
  const queue = (globalThis as unknown as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
  const writeBuffer = queue.writeBuffer;
  queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset?: number, size?: number): undefined {
    const view = ArrayBuffer.isView(data) ? data : undefined;
    if (view && typeof SharedArrayBuffer !== 'undefined' && view.buffer instanceof SharedArrayBuffer) {
      const copy = new Uint8Array(view.byteLength);
      copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      const element = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      // dataOffset and size count elements of a typed array; pass bytes of the copy instead.
      return writeBuffer.call(this, buffer, offset, copy, (dataOffset ?? 0) * element, size === undefined ? undefined : size * element);
    }
    return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
  } as GPUQueue['writeBuffer'];
}

let patched = false;

export const ortWebSystem: BenchSystem = {
  id: 'ort-web-webgpu',
  usesGpu: true,
  async load(model: ModelInfo, context: LoadContext): Promise<LoadedModel> {
    if (isNode && !patched) {
      copySharedWrites();
      patched = true;
    }
    const paths = modelPaths(model.name);
    const [graph, weights] = await Promise.all([context.files.readBytes(paths.onnx), context.files.readBytes(paths.weights)]);
    const session = await ort.InferenceSession.create(graph, {
      executionProviders: ['webgpu'],
      externalData: [{ path: 'weights.safetensors', data: weights }],
    });
    return {
      feed: (input: F32Tensor) => input,
      async run(fed) {
        const input = fed as F32Tensor;
        const results = await session.run({ [model.inputName]: new ort.Tensor('float32', input.data, [...input.shape]) });
        const output = results[model.outputName];
        if (!output) throw new Error(`the session has no output ${model.outputName}`);
        const data = (await output.getData(true)) as Float32Array;
        for (const tensor of Object.values(results)) tensor.dispose();
        return data;
      },
      async dispose() {
        await session.release();
      },
    };
  },
};
