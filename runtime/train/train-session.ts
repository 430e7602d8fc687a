// Training steps from a train bundle, with no compiler code: what the
// browser and Node run alike. The bundle holds the step's kernels, the
// stored tensors it updates (kept on the device by the loaded bundle), the
// optimizer and the schedule; a session feeds each step its batch plus what
// changes from step to step: the optimizer's scalars at the schedule's lr
// (optimizer-format.ts) and the RNG state (rng-state.ts).
import type { LoadedBundle, OutputTensor, RunOptions } from '../bundle/load-bundle.ts';
import type { RunInput } from '../bundle/input-shapes.ts';
import { BundleError } from '../bundle/validate-manifest.ts';
import { stepScalarInput, stepScalars, type OptimizerData } from './optimizer-format.ts';
import { RNG_INPUT, rngWords } from './rng-state.ts';
import { LrSchedule, type ScheduleState } from './schedule.ts';

export interface TrainSessionOptions {
  /** Seed of the step's random draws (dropout masks, noise); default 0. */
  readonly seed?: number;
  /** Optimizer steps per epoch, for the schedule's epochs; default 1. */
  readonly stepsPerEpoch?: number;
  /** Continue a run: the steps already taken and the schedule's state then (a checkpoint's). */
  readonly resume?: { readonly steps: number; readonly schedule: ScheduleState };
}

export interface StepResult {
  /** The 1-based index of the step. */
  readonly step: number;
  readonly lr: number;
  /** Every output the bundle reads back (the loss, and what a debugging bundle adds). */
  readonly outputs: Record<string, OutputTensor>;
}

export class TrainSession {
  private readonly optimizer: OptimizerData;
  private readonly schedule: LrSchedule;
  private readonly seed: number;
  private steps: number;
  private epochsEnded: number;
  private readonly usesRng: boolean;

  constructor(
    readonly bundle: LoadedBundle,
    options: TrainSessionOptions = {},
  ) {
    const train = bundle.manifest.train;
    if (!train?.optimizer || !train.schedule) throw new BundleError(`${bundle.manifest.model} is not a train bundle with an optimizer (its manifest has no train.optimizer)`);
    this.optimizer = train.optimizer;
    const m = options.stepsPerEpoch ?? 1;
    this.schedule = options.resume ? LrSchedule.restore(train.schedule, m, options.resume.schedule) : new LrSchedule(train.schedule, m);
    this.steps = options.resume?.steps ?? 0;
    this.epochsEnded = options.resume?.schedule.epochsEnded ?? 0;
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new BundleError(`the seed must be a whole number >= 0, got ${this.seed}`);
    this.usesRng = bundle.manifest.inputs.some((p) => p.name === RNG_INPUT);
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The lr the next step will use. */
  get lr(): number {
    return this.schedule.lr;
  }

  /** Whether the schedule needs a monitored value at the next epoch end (reduce_on_plateau). */
  get needsMetric(): boolean {
    return this.schedule.monitorNeeded !== undefined;
  }

  /**
   * One optimizer step on `batch` (the model's inputs and `labels`, or a
   * cotangent): the forward and backward pass, the update of every stored
   * tensor on the device, and the outputs read back.
   */
  async step(batch: Readonly<Record<string, RunInput>>, options?: RunOptions): Promise<StepResult> {
    const t = this.steps + 1;
    // An epoch boundary the caller did not mark is marked here, where the schedule needs no metric.
    if (this.epochsEnded < Math.floor(this.steps / this.schedule.stepsPerEpoch)) {
      if (this.needsMetric) throw new BundleError(`epoch ${this.epochsEnded + 1} ended: the schedule watches a metric (reduce_on_plateau), so call epochEnd(value) before step ${t}`);
      this.epochEnd();
    }
    const lr = this.schedule.lrForStep(this.steps);
    const feed: Record<string, RunInput> = Object.create(null) as Record<string, RunInput>;
    for (const [name, value] of Object.entries(batch)) feed[name] = value;
    for (const [name, value] of stepScalars(this.optimizer, t, lr)) feed[stepScalarInput(name)] = Float32Array.of(value);
    if (this.usesRng) feed[RNG_INPUT] = rngWords(this.seed, this.steps);
    const outputs = await this.bundle.run(feed, options);
    this.steps = t;
    return { step: t, lr, outputs };
  }

  /**
   * Marks the end of an epoch for the schedule, with its monitored value
   * where the schedule watches one; without a metric to give, step() marks
   * epoch ends itself.
   */
  epochEnd(metric?: number): void {
    this.schedule.epochEnd(metric);
    this.epochsEnded++;
  }

  /** The session's position, for a checkpoint (with the stored tensors of readTensors). */
  position(): { readonly steps: number; readonly schedule: ScheduleState } {
    return { steps: this.steps, schedule: this.schedule.state() };
  }
}
