// ONNX Runtime for Node on the CPU, the reference peer that needs no GPU.
// The session is made from the file path, so ORT finds the external weights
// (weights.safetensors) next to model.onnx itself.
import * as ort from 'onnxruntime-node';
import { modelPaths, type F32Tensor, type ModelInfo } from '../models.ts';
import type { BenchSystem, LoadContext, LoadedModel } from '../system.ts';

export const ortNodeSystem: BenchSystem = {
  id: 'ort-node-cpu',
  usesGpu: false,
  async load(model: ModelInfo, _context: LoadContext): Promise<LoadedModel> {
    const session = await ort.InferenceSession.create(modelPaths(model.name).onnx, { executionProviders: ['cpu'] });
    return {
      feed: (input: F32Tensor) => input,
      async run(fed) {
        const input = fed as F32Tensor;
        const results = await session.run({ [model.inputName]: new ort.Tensor('float32', input.data, [...input.shape]) });
        const output = results[model.outputName];
        if (!output) throw new Error(`the session has no output ${model.outputName}`);
        return output.data as Float32Array;
      },
      async dispose() {
        await session.release();
      },
    };
  },
};
