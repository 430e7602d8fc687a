// regc's side of the training-step benchmark, in one place: a train spec
// (the model plus its train section) compiled into its train bundle
// (compiler/train/compile-train.ts: forward in train mode, loss, backward,
// the optimizer's update, with the optimizer and schedule as manifest data),
// loaded with the runtime's loadBundleFrom, and stepped by the runtime's
// TrainSession, which feeds each step the optimizer's scalars at the
// schedule's lr and has the bundle copy the updated weights and optimizer
// state into place on the device after the step's last dispatch.
import { bundleFiles, type BundleFiles } from '../../compiler/bundle/bundle-files.ts';
import type { GeneratedBundle } from '../../compiler/codegen/generate.ts';
import { planBytes, peakLiveBytes } from '../../compiler/codegen/memory-plan.ts';
import { COMPILER_NAME, compileSource } from '../../compiler/compile.ts';
import type { Graph } from '../../compiler/ir/types.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { trainBundle } from '../../compiler/train/compile-train.ts';
import { LABELS_INPUT } from '../../compiler/train/loss-graph.ts';
import { LOSS_OUTPUT } from '../../compiler/train/step-graph.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom, type LoadedBundle, type PipelineChoice } from '../../runtime/bundle/load-bundle.ts';
import { optimizerStates } from '../../runtime/train/optimizer-format.ts';
import { TrainSession } from '../../runtime/train/train-session.ts';

/** Which runtime the numbers were taken with (RESULTS.md says it). */
export const REGC_RUNTIME_NOTE =
  "regc's steps run on the runtime's TrainSession (runtime/train/train-session.ts) over the train bundle of `compiler/train/compile-train.ts`: each step uploads the batch and the optimizer's scalars, runs every dispatch, copies the updated weights, optimizer state and running statistics into place on the device (copyBufferToBuffer after the last dispatch) and reads back the loss and the model's output";

/** regc's GPU memory for one step at one batch size, in bytes, from the bundle. */
export interface TrainMemory {
  readonly batch: number;
  /** Activation and scratch buffers as the liveness plan allocates them (saved forward values, gradients, updates). */
  readonly activations: number;
  /** The most activation bytes live at one dispatch: no plan can allocate less. */
  readonly activationsPeakLive: number;
  readonly params: number;
  /** Running statistics and counters (batchnorm's running mean and variance, num_batches_tracked). */
  readonly running: number;
  /** Optimizer state (momentum buffers). */
  readonly optimizerState: number;
  /** Constants, and copies of weights the compiler laid out for a kernel (a convolution's transposed filter). */
  readonly other: number;
  readonly total: number;
}

export interface CompiledTrainStep {
  readonly files: BundleFiles;
  readonly generated: GeneratedBundle;
  /** The lowered model: its tensors' roles split the stored memory. */
  readonly lowered: Graph;
  readonly dispatches: number;
  readonly shaders: number;
}

export class TrainCompileError extends Error {}

/** The train bundle of a spec with one train section, as `regc compile --train` writes it. */
export function compileTrainStep(text: string, path: string, weights: ReadonlyMap<string, GivenTensor>): CompiledTrainStep {
  const compiled = compileSource(text, path, { weights, weightsPath: 'weights.safetensors', noOpt: true });
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (!compiled.trainGraph || !compiled.program || errors.length > 0) {
    throw new TrainCompileError(`${path} does not compile: ${errors.map((d) => d.message).join('; ')}`);
  }
  const generated = trainBundle(compiled, { generator: COMPILER_NAME });
  return {
    files: bundleFiles(generated),
    generated,
    lowered: compiled.trainGraph,
    dispatches: generated.manifest.dispatches.length,
    shaders: generated.manifest.shaders.length,
  };
}

export function trainMemory(compiled: CompiledTrainStep, batch: number): TrainMemory {
  const { generated, lowered } = compiled;
  const optimizer = generated.manifest.train?.optimizer;
  if (!optimizer) throw new Error('trainMemory: the bundle has no optimizer');
  const optimizerSuffixes = optimizerStates(optimizer).map((s) => `.${s}`);
  const sums = { params: 0, running: 0, optimizerState: 0, other: 0 };
  for (const [name, w] of generated.weights) {
    const bytes = w.data.length * 4;
    const role = lowered.tensors.get(name)?.role;
    if (role === 'trainable') sums.params += bytes;
    else if (role === 'running' || role === 'state') sums.running += bytes;
    else if (optimizerSuffixes.some((s) => name.endsWith(s))) sums.optimizerState += bytes;
    else sums.other += bytes;
  }
  const activations = planBytes(generated.memory.slots, batch);
  return {
    batch,
    activations,
    activationsPeakLive: peakLiveBytes(generated.memory.values, batch),
    ...sums,
    total: activations + sums.params + sums.running + sums.optimizerState + sums.other,
  };
}

export interface StepFeed {
  readonly input: Float32Array;
  /** Class indices as f32 [N] (cross_entropy), or targets of the output's shape (mse). */
  readonly labels: Float32Array;
}

/** The bench's view of a TrainSession: one step per call, resolving to the step's loss. */
export interface TrainStepper {
  readonly bundle: LoadedBundle;
  step(feed: StepFeed): Promise<number>;
  /** Resolves once every pipeline the steps run with is compiled. */
  ready(): Promise<void>;
  dispose(): void;
}

/** `input`: the model's input name (models.ts). */
export async function openTrainStepper(compiled: CompiledTrainStep, device: GPUDevice | PromiseLike<GPUDevice>, input: string, pipelines: PipelineChoice = 'tiered'): Promise<TrainStepper> {
  const bundle = await loadBundleFrom(memorySource({ files: compiled.files }), device, { pipelines });
  const session = new TrainSession(bundle);
  return {
    bundle,
    async step(feed) {
      const { outputs } = await session.step({ [input]: feed.input, [LABELS_INPUT]: feed.labels });
      const loss = outputs[LOSS_OUTPUT];
      if (!loss) throw new Error(`the train bundle has no output ${LOSS_OUTPUT}`);
      return loss.data[0]!;
    },
    ready: () => bundle.ready(),
    dispose: () => bundle.destroy(),
  };
}
