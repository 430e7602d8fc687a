// One GPU system's training steps on one model, in a fresh Node process
// spawned by train-run.ts from its esbuild bundle (train-build.ts: TF.js's
// gradients need it), on the Dawn adapter every system of the bench gets
// (node-gpu.ts):
//   node bench/.cache/peers/train/train-child.mjs --system regc --model mlp --warmup 2 --runs 5 [--profile]
// A first step (with the pipeline compiles it waits for), warm-up steps,
// then timed steps, each uploading the batch, stepping and reading the
// loss back. --profile (regc) then times every dispatch of one more step
// alone (train-profile.ts). Prints one line `RESULT <json TrainRecord>`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type * as Tf from '@tensorflow/tfjs-core';
import { requestBrowserDevice } from '../../runtime/device/browser.ts';
import { resultLine } from './child-protocol.ts';
import { countGpuBuffers } from './gpu-accounting.ts';
import { channelsLast } from './layouts.ts';
import { isModelName, MODELS, modelPaths, readModelIo, readWeights, type F32Tensor, type ModelName } from './models.ts';
import { installNavigatorGpu } from './node-gpu.ts';
import { labelGpuObjects, profileStep } from './train-profile.ts';
import { isTrainSystemId, type TrainMeasured, type TrainRecord } from './train-protocol.ts';
import { compileTrainStep, openTrainStepper, trainMemory } from './train-regc.ts';
import { trainLabels, TRAIN_MODELS } from './train-setup.ts';
import { tfTrainer } from './train-tfjs.ts';

interface Steps {
  readonly warmup: number;
  readonly runs: number;
}

/** The first step, the warm-up steps, and the timed ones. */
async function timeSteps(step: () => Promise<number>, steps: Steps, settle?: () => Promise<void>) {
  const losses: number[] = [];
  const start = performance.now();
  losses.push(await step());
  const firstStepMs = performance.now() - start;
  await settle?.();
  for (let i = 0; i < steps.warmup; i++) losses.push(await step());
  const samplesMs: number[] = [];
  for (let i = 0; i < steps.runs; i++) {
    const t = performance.now();
    losses.push(await step());
    samplesMs.push(performance.now() - t);
  }
  return { firstStepMs, samplesMs, losses };
}

function givenWeights(bytes: Uint8Array) {
  return new Map([...readWeights(bytes)].map(([name, t]) => [name, { ...t, dtype: 'F32' as const }]));
}

async function regc(model: ModelName, input: F32Tensor, labels: Float32Array, steps: Steps, profile: boolean): Promise<Omit<TrainMeasured, 'system' | 'model' | 'ok' | 'adapter' | 'peakGpuBytes'>> {
  const spec = TRAIN_MODELS[model].spec;
  const weights = givenWeights(new Uint8Array(readFileSync(modelPaths(model).weights)));
  const compileStart = performance.now();
  const compiled = compileTrainStep(readFileSync(spec, 'utf8'), spec, weights);
  const compileMs = performance.now() - compileStart;
  if (profile) labelGpuObjects();
  const { device } = await requestBrowserDevice();
  const session = await openTrainStepper(compiled, device, MODELS[model].inputName);
  try {
    const step = () => session.step({ input: input.data, labels });
    const timed = await timeSteps(step, steps, () => session.ready());
    const stepProfile = profile ? await profileStep(device, step) : undefined;
    return {
      ...timed,
      regc: { compileMs, dispatches: compiled.dispatches, shaders: compiled.shaders, memory: trainMemory(compiled, input.shape[0]!), ...(stepProfile ? { profile: stepProfile } : {}) },
    };
  } finally {
    session.dispose();
    device.destroy();
  }
}

async function tfjs(model: ModelName, input: F32Tensor, labels: Float32Array, steps: Steps): Promise<Omit<TrainMeasured, 'system' | 'model' | 'ok' | 'adapter' | 'peakGpuBytes'>> {
  const tf: typeof Tf = await import('@tensorflow/tfjs-core');
  // The gradients live apart from the ops (the @tensorflow/tfjs package imports them); they register in the registry all copies share.
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its webgpu backend');
  await tf.ready();
  const trainer = tfTrainer(tf, model, readWeights(new Uint8Array(readFileSync(modelPaths(model).weights))));
  try {
    // Laid out for TF.js once, before the steps, as a TF.js user's input pipeline would deliver it.
    const fed = trainer.channelsLast ? channelsLast(input.data, input.shape) : { data: input.data, shape: [...input.shape] };
    const timed = await timeSteps(() => trainer.step(fed, labels), steps);
    return { ...timed, tfjs: { version: tf.version_core } };
  } finally {
    trainer.dispose();
  }
}

async function main(argv: readonly string[]): Promise<TrainRecord> {
  const { values } = parseArgs({
    args: [...argv],
    options: { system: { type: 'string' }, model: { type: 'string' }, warmup: { type: 'string', default: '2' }, runs: { type: 'string', default: '5' }, profile: { type: 'boolean', default: false } },
    strict: true,
  });
  const system = values.system ?? '';
  const model = values.model ?? '';
  if (!isTrainSystemId(system) || system === 'torch-cpu') throw new Error(`train-child: --system must be regc or tfjs-webgpu, not ${JSON.stringify(system)}`);
  if (!isModelName(model)) throw new Error(`train-child: unknown --model ${JSON.stringify(model)}`);
  try {
    const gpu = await installNavigatorGpu();
    const gpuBuffers = countGpuBuffers();
    const info = (await gpu.requestAdapter())?.info;
    const adapter = info ? [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') : null;
    const io = readModelIo(MODELS[model], new Uint8Array(readFileSync(modelPaths(model).io)));
    const labels = trainLabels(model, io.input.shape[0]!, io.input.data.length);
    const steps = { warmup: Number(values.warmup), runs: Number(values.runs) };
    const measured = system === 'regc' ? await regc(model, io.input, labels, steps, values.profile!) : await tfjs(model, io.input, labels, steps);
    return { system, model, ok: true, ...measured, adapter, peakGpuBytes: gpuBuffers.peakBytes };
  } catch (error) {
    return { system, model, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

const record = await main(process.argv.slice(2));
process.stdout.write(resultLine(record));
// Dawn keeps threads alive; the result is out, so leave now.
process.exit(record.ok ? 0 : 1);
