// TensorFlow.js with its WebGPU backend, running the models of
// tfjs-models.ts built from weights.safetensors. The backend registers itself
// only where navigator.gpu exists at import, so it is imported late.
import type * as Tf from '@tensorflow/tfjs-core';
import { channelsLast } from '../layouts.ts';
import { modelPaths, readWeights, type F32Tensor, type ModelInfo } from '../models.ts';
import type { BenchSystem, LoadContext, LoadedModel } from '../system.ts';
import { buildTfModel } from '../tfjs-models.ts';

let backendReady: Promise<typeof Tf> | undefined;

async function tfOnWebGpu(): Promise<typeof Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  await tf.ready();
  return tf;
}

export const tfjsSystem: BenchSystem = {
  id: 'tfjs-webgpu',
  usesGpu: true,
  async load(model: ModelInfo, context: LoadContext): Promise<LoadedModel> {
    const tf = await (backendReady ??= tfOnWebGpu());
    const weights = readWeights(await context.files.readBytes(modelPaths(model.name).weights));
    const built = buildTfModel(tf, model.name, weights);
    return {
      feed: (input: F32Tensor) => (built.channelsLast ? channelsLast(input.data, input.shape) : { data: input.data, shape: [...input.shape] }),
      async run(fed) {
        const { data, shape } = fed as { data: Float32Array; shape: number[] };
        const x = tf.tensor(data, shape, 'float32');
        const y = tf.tidy(() => built.forward(x));
        const out = (await y.data()) as Float32Array;
        x.dispose();
        y.dispose();
        return out;
      },
      dispose: () => built.dispose(),
    };
  },
};
