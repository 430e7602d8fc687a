// The benchmark's models: a .reg spec in bench/models/ and, next to it, a
// folder written by scripts/golden/bench_models.py with the torch weights,
// the benchmark batch with torch's output, and the ONNX export. Every system
// reads the same files; nothing here touches the disk, so the browser page
// can use it on bytes it fetched.
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';

export const MODEL_NAMES = ['mlp', 'cnn', 'resnet', 'transformer'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelInfo {
  readonly name: ModelName;
  /** What the row is called in RESULTS.md. */
  readonly description: string;
  readonly inputName: string;
  readonly outputName: string;
}

export const MODELS: Readonly<Record<ModelName, ModelInfo>> = {
  mlp: { name: 'mlp', description: 'MLP 784-512-512-10, batch 64', inputName: 'x', outputName: 'logits' },
  cnn: { name: 'cnn', description: 'CNN conv32-BN-relu-pool, conv64-BN-relu-pool, fc128, fc10; 1x28x28, batch 16', inputName: 'image', outputName: 'logits' },
  resnet: { name: 'resnet', description: 'ResNet stem + 3 basic blocks, 16 ch, 3x32x32, GAP, fc10; batch 8', inputName: 'x', outputName: 'logits' },
  transformer: { name: 'transformer', description: 'Transformer encoder layer, seq 64, d 128, 4 heads, ff 512; batch 4', inputName: 'x', outputName: 'y' },
};

/** Paths relative to the repository root (the browser page is served from there too). */
export const modelPaths = (name: ModelName) => ({
  spec: `bench/models/${name}.reg`,
  weights: `bench/models/${name}/weights.safetensors`,
  io: `bench/models/${name}/io.safetensors`,
  onnx: `bench/models/${name}/model.onnx`,
});

export interface F32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The benchmark batch and torch's answer for it. */
export interface ModelIo {
  readonly input: F32Tensor;
  readonly expected: F32Tensor;
}

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

function f32(what: string, name: string, t: HostTensor | undefined): F32Tensor {
  if (!t) throw new Error(`${what} has no tensor '${name}'`);
  if (!(t.data instanceof Float32Array) || t.dtype !== 'F32') throw new Error(`${what}: tensor '${name}' is ${t.dtype}, expected F32`);
  return { shape: t.shape, data: t.data };
}

export function readModelIo(info: ModelInfo, ioBytes: Uint8Array): ModelIo {
  const { tensors } = readSafetensors(ioBytes);
  const what = `${info.name}/io.safetensors`;
  return { input: f32(what, info.inputName, tensors.get(info.inputName)), expected: f32(what, info.outputName, tensors.get(info.outputName)) };
}

/**
 * The state_dict as f32 tensors by name. Integer tensors (batchnorm's
 * num_batches_tracked, I64) are converted: regc takes them as floats, and
 * the TF.js builders never read them.
 */
export function readWeights(bytes: Uint8Array): Map<string, F32Tensor> {
  const weights = new Map<string, F32Tensor>();
  for (const [name, t] of readSafetensors(bytes).tensors) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
    weights.set(name, { shape: t.shape, data });
  }
  return weights;
}
