// What the training-step children report to train-run.ts: one record per
// system and model, printed as one `RESULT <json>` line (child-protocol.ts).
import type { ModelName } from './models.ts';
import type { StepProfile } from './train-profile.ts';
import type { TrainMemory } from './train-regc.ts';

export const TRAIN_SYSTEM_IDS = ['regc', 'tfjs-webgpu', 'torch-cpu'] as const;
export type TrainSystemId = (typeof TRAIN_SYSTEM_IDS)[number];

export function isTrainSystemId(id: string): id is TrainSystemId {
  return (TRAIN_SYSTEM_IDS as readonly string[]).includes(id);
}

/** torch's memory for one step (train-torch.py says how each is measured), in bytes. */
export interface TorchMemory {
  /** Live when a step begins: parameters, their .grad, momentum buffers, running statistics, the batch. */
  readonly persistentBytes: number;
  /** The peak of torch's CPU allocations during the step, over the persistent bytes. */
  readonly stepPeakBytes: number;
  readonly totalBytes: number;
  /** The process's peak resident set over the steps, less its resident size before the first. */
  readonly rssGrowthBytes: number;
}

export interface TrainMeasured {
  readonly system: TrainSystemId;
  readonly model: ModelName;
  readonly ok: true;
  /** The timed steps, ms each: upload of the batch, the step, the loss read back. */
  readonly samplesMs: readonly number[];
  /** The loss of every step run, the first (untimed) step's first. */
  readonly losses: readonly number[];
  /** The first step, with any pipeline compiles it waits for (GPU systems). */
  readonly firstStepMs?: number;
  readonly adapter?: string | null;
  /** Live GPU buffer bytes at the peak (GPU systems: every createBuffer less every destroy). */
  readonly peakGpuBytes?: number;
  readonly regc?: { readonly compileMs: number; readonly dispatches: number; readonly shaders: number; readonly memory: TrainMemory; readonly profile?: StepProfile };
  readonly torch?: { readonly threads: number; readonly version: string; readonly memory: TorchMemory };
  readonly tfjs?: { readonly version: string };
}

export type TrainRecord = TrainMeasured | { readonly system: TrainSystemId; readonly model: ModelName; readonly ok: false; readonly error: string };
