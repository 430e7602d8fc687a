// The benchmark's shared data holds together: each spec compiles with the
// torch state_dict (every name matches), the ONNX graph (whose weights are
// external data inside weights.safetensors) gives torch's output in ONNX
// Runtime for Node, and the TF.js builders give it on TF.js's CPU backend.
// The first sample alone is enough, and cheap: no model mixes samples.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { shaderTiers } from '../../runtime/bundle/pipeline-tiers.ts';
import { channelsLast } from '../peers/layouts.ts';
import { MODEL_NAMES, MODELS, modelPaths, readModelIo, readWeights, type F32Tensor, type ModelName } from '../peers/models.ts';
import { agreement } from '../peers/stats.ts';
import { buildTfModel } from '../peers/tfjs-models.ts';

/** Sample 0 of a batch-first tensor. */
function firstSample(t: F32Tensor): F32Tensor {
  const per = t.data.length / t.shape[0]!;
  return { shape: [1, ...t.shape.slice(1)], data: t.data.subarray(0, per) };
}

function load(name: ModelName) {
  const paths = modelPaths(name);
  const io = readModelIo(MODELS[name], new Uint8Array(readFileSync(paths.io)));
  return { paths, input: firstSample(io.input), expected: firstSample(io.expected), batch: io.input.shape[0]! };
}

const BATCH: Readonly<Record<ModelName, number>> = { mlp: 64, cnn: 16, resnet: 8, transformer: 4 };
const TOLERANCE = 1e-4;

describe('benchmark models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(MODEL_NAMES)('%s: the benchmark batch has the size the issue asks for', (name) => {
    expect(load(name).batch).toBe(BATCH[name]);
  });

  it.each(MODEL_NAMES)('%s: the spec compiles with the torch weights, every name matched', (name) => {
    const { paths } = load(name);
    const weights = new Map([...readWeights(new Uint8Array(readFileSync(paths.weights)))].map(([k, t]) => [k, { ...t, dtype: 'F32' }]));
    const compiled = compileSource(readFileSync(paths.spec, 'utf8'), paths.spec, { weights });
    expect(compiled.diagnostics).toEqual([]);
    expect(compiled.bundle?.manifest.outputs.map((o) => o.name)).toEqual([MODELS[name].outputName]);
  });

  // Each pipeline the first run waits for costs Chromium's SwiftShader 70-250 ms of a cold start
  // (bench/RESULTS.md): shape-generic and flagged quick shaders keep these few.
  const FIRST_RUN_PIPELINES: Readonly<Record<ModelName, number>> = { mlp: 1, cnn: 3, resnet: 4, transformer: 3 };
  it.each(MODEL_NAMES)('%s: the first run compiles as few pipelines as its distinct layers need', (name) => {
    const { paths } = load(name);
    const weights = new Map([...readWeights(new Uint8Array(readFileSync(paths.weights)))].map(([k, t]) => [k, { ...t, dtype: 'F32' }]));
    const manifest = compileSource(readFileSync(paths.spec, 'utf8'), paths.spec, { weights }).bundle!.manifest;
    expect(shaderTiers(manifest, 'tiered', false).first.map((s) => s.id)).toHaveLength(FIRST_RUN_PIPELINES[name]);
  });

  it.each(MODEL_NAMES)('%s: ONNX Runtime (CPU) on model.onnx gives torch\'s output', async (name) => {
    const { paths, input, expected } = load(name);
    const session = await ort.InferenceSession.create(paths.onnx);
    try {
      const out = await session.run({ [MODELS[name].inputName]: new ort.Tensor('float32', input.data, [...input.shape]) });
      const got = out[MODELS[name].outputName]!;
      expect(got.dims).toEqual(expected.shape);
      expect(agreement(got.data as Float32Array, expected.data).maxAbsError).toBeLessThan(TOLERANCE);
    } finally {
      await session.release();
    }
  });

  it.each(MODEL_NAMES)('%s: the TF.js builder gives torch\'s output', (name) => {
    const { paths, input, expected } = load(name);
    const model = buildTfModel(tf, name, readWeights(new Uint8Array(readFileSync(paths.weights))));
    try {
      const fed = model.channelsLast ? channelsLast(input.data, input.shape) : { data: input.data, shape: [...input.shape] };
      const y = tf.tidy(() => model.forward(tf.tensor(fed.data, fed.shape)));
      const got = y.dataSync() as Float32Array;
      expect(y.shape).toEqual(expected.shape);
      y.dispose();
      const { maxAbsError, maxAbsExpected } = agreement(got, expected.data);
      expect(maxAbsExpected).toBeGreaterThan(0.1); // a model computing zeros would not pass by accident
      expect(maxAbsError).toBeLessThan(TOLERANCE);
    } finally {
      model.dispose();
    }
  });
});
