// The training-step benchmark's shared data holds together: each train spec
// is its inference spec plus a train section with the optimizer the TF.js
// and torch sides use, and compiles to a train bundle with the torch
// weights; and one regc step of the MLP (no batch normalisation, so its
// training forward is torch's eval forward) computes torch's loss on the
// benchmark's labels, and the next step's loss shows the update took place.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getTestDevice } from '../../tests/support/gpu.ts';
import { MODEL_NAMES, MODELS, modelPaths, readModelIo, readWeights, type ModelName } from '../peers/models.ts';
import { compileTrainStep, openTrainStepper, trainMemory } from '../peers/train-regc.ts';
import { LEARNING_RATE, MOMENTUM, trainLabels, TRAIN_MODELS } from '../peers/train-setup.ts';

function weightsOf(name: ModelName) {
  return new Map([...readWeights(new Uint8Array(readFileSync(modelPaths(name).weights)))].map(([k, t]) => [k, { ...t, dtype: 'F32' as const }]));
}

function compile(name: ModelName) {
  const path = TRAIN_MODELS[name].spec;
  return compileTrainStep(readFileSync(path, 'utf8'), path, weightsOf(name));
}

/** torch's F.cross_entropy (mean over the batch) of logits [N, C] against class indices. */
function crossEntropy(logits: Float32Array, labels: Float32Array, classes: number): number {
  let sum = 0;
  labels.forEach((label, i) => {
    const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    sum += logSumExp - row[label]!;
  });
  return sum / labels.length;
}

describe('training-step benchmark', () => {
  it.each(MODEL_NAMES)('%s: the train spec is the inference spec plus the shared sgd with momentum, and compiles to a train bundle', (name) => {
    const inference = readFileSync(modelPaths(name).spec, 'utf8');
    expect(readFileSync(TRAIN_MODELS[name].spec, 'utf8').startsWith(inference)).toBe(true);
    const compiled = compile(name);
    expect(compiled.generated.manifest.train?.optimizer).toMatchObject({ kind: 'sgd', lr: LEARNING_RATE, momentum: MOMENTUM, dampening: 0, weightDecay: 0, nesterov: false });
    const memory = trainMemory(compiled, 4);
    expect(memory.optimizerState).toBe(memory.params); // one momentum buffer per parameter
    expect(memory.activations).toBeGreaterThanOrEqual(memory.activationsPeakLive);
  });

  it("mlp: a regc step computes torch's loss, and the next step's is lower", async () => {
    const io = readModelIo(MODELS.mlp, new Uint8Array(readFileSync(modelPaths('mlp').io)));
    const batch = io.input.shape[0]!;
    const labels = trainLabels('mlp', batch, io.input.data.length);
    const stepper = await openTrainStepper(compile('mlp'), await getTestDevice(), MODELS.mlp.inputName, 'quick');
    try {
      const first = await stepper.step({ input: io.input.data, labels });
      const second = await stepper.step({ input: io.input.data, labels });
      expect(first).toBeCloseTo(crossEntropy(io.expected.data, labels, TRAIN_MODELS.mlp.classes!), 5);
      expect(second).toBeLessThan(first - 1e-3);
    } finally {
      stepper.dispose();
    }
  }, 60_000);
});
