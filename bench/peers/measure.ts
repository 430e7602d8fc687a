// The measuring loop every system goes through, in Node or in a page: load,
// first inference (the end of the cold start), untimed warm-up runs, then
// timed runs. Every timed run includes uploading the input and reading the
// output back, and every output is checked against torch's, so a fast but
// wrong kernel shows up in the same row as its time.
import type { GpuAccounting } from './gpu-accounting.ts';
import type { ModelInfo, ModelIo, ModelName } from './models.ts';
import { agreement, median } from './stats.ts';
import type { BenchSystem, LoadContext, SystemId } from './system.ts';

export type Environment = 'node' | 'chromium';

export interface MeasureOptions {
  readonly warmup: number;
  readonly runs: number;
}

export interface Measurement {
  /** Time origin (process start in Node, navigation start in a page) to the first output, in ms. */
  readonly coldStartMs: number;
  /** Time origin to the call of system.load(): starting the process or page and the harness. */
  readonly loadStartMs: number;
  /** system.load(): reading the model, building it, the device, and creating (or, for regc, starting) its pipelines. */
  readonly loadMs: number;
  readonly loadPhases?: Readonly<Record<string, number>>;
  readonly firstRunMs: number;
  /** Time origin to the end of settle(): the system at full speed (the cold start where it has no settle). */
  readonly settledMs: number;
  readonly latencyMs: { readonly median: number; readonly min: number; readonly max: number; readonly samples: readonly number[] };
  readonly warmup: number;
  /** The worst of every run's max |got - torch|. */
  readonly maxAbsError: number;
  readonly maxAbsExpected: number;
  readonly peakGpuBytes: number | null;
  readonly gpuBuffersCreated: number | null;
}

export interface MeasureProbes {
  /** ms since the time origin (performance.now()). */
  now(): number;
  /** Counting since before the system made its device; absent for CPU systems. */
  readonly gpu?: GpuAccounting;
}

export async function measure(
  system: BenchSystem,
  model: ModelInfo,
  context: LoadContext,
  pendingIo: Promise<ModelIo>,
  options: MeasureOptions,
  probes: MeasureProbes,
): Promise<Measurement> {
  const { now } = probes;
  // The input (and torch's output) are read while the system loads, as an
  // application fetches its input while its model loads.
  pendingIo.catch(() => undefined); // awaited below, after the load
  const loadStart = now();
  const loaded = await system.load(model, context);
  const loadMs = now() - loadStart;
  try {
    const io = await pendingIo;
    const fed = loaded.feed(io.input);
    let worst = 0;
    const check = (output: Float32Array) => {
      worst = Math.max(worst, agreement(output, io.expected.data).maxAbsError);
    };

    const firstStart = now();
    check(await loaded.run(fed));
    const coldStartMs = now();
    const firstRunMs = coldStartMs - firstStart;
    await loaded.settle?.();
    const settledMs = now();

    for (let i = 0; i < options.warmup; i++) check(await loaded.run(fed));
    const samples: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      const start = now();
      const output = await loaded.run(fed);
      samples.push(now() - start);
      check(output);
    }
    return {
      coldStartMs,
      loadStartMs: loadStart,
      loadMs,
      ...(loaded.loadPhases ? { loadPhases: loaded.loadPhases } : {}),
      firstRunMs,
      settledMs,
      latencyMs: { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples },
      warmup: options.warmup,
      maxAbsError: worst,
      maxAbsExpected: agreement(io.expected.data, io.expected.data).maxAbsExpected,
      peakGpuBytes: probes.gpu ? probes.gpu.peakBytes : null,
      gpuBuffersCreated: probes.gpu ? probes.gpu.buffersCreated : null,
    };
  } finally {
    await loaded.dispose();
  }
}

/** One row of raw results: a system on a model in one environment. */
export type RunRecord = {
  readonly system: SystemId;
  readonly model: ModelName;
  readonly environment: Environment;
} & (
  | ({
      readonly ok: true;
      readonly peakRssBytes: number | null;
      readonly adapter: string | null;
      /** Cold starts of every launch (Chromium, see Options.coldLaunches), this run's first. */
      readonly coldStartLaunchesMs?: readonly number[];
      /** Chromium: cold starts of launches whose page opened right after the browser started, not once it had settled. */
      readonly coldStartAtLaunchMs?: readonly number[];
      /** Chromium: ms the browser took to settle before this run's page opened (null: could not tell, so it opened at once). */
      readonly browserSettleMs?: number | null;
    } & Measurement)
  | { readonly ok: false; readonly error: string }
);
