// How a child process hands its result to run.ts: one stdout line starting
// with RESULT_PREFIX, then JSON. Everything else on stdout and stderr is the
// child's own logging, kept for error messages.
import type { ModelName } from './models.ts';

/** What compile-child.ts reports per model. */
export interface CompileRecord {
  readonly model: ModelName;
  readonly ok: boolean;
  readonly error?: string;
  readonly firstMs?: number;
  readonly medianMs?: number;
  readonly repeats?: number;
  readonly shaders?: number;
  readonly dispatches?: number;
  readonly memory?: MemoryFigures;
}

/** regc's activation memory at the benchmark batch, from its memory plan, in bytes. */
export interface MemoryFigures {
  readonly batch: number;
  /** The buffer slots the liveness plan allocates. */
  readonly planned: number;
  /** The most bytes live at one step: no plan can allocate less. */
  readonly peakLive: number;
  /** One buffer for every value of the same (optimised) graph: inputs, kernel outputs, scratch. */
  readonly perValue: number;
  /** One buffer for every value of the graph compiled with --no-opt (nothing folded or fused), as an op-by-op runtime would hold them. */
  readonly perValueUnfused: number;
  readonly weights: number;
}

export const RESULT_PREFIX = 'RESULT ';

export function resultLine(value: unknown): string {
  return `${RESULT_PREFIX}${JSON.stringify(value)}\n`;
}

/** The JSON of the last result line in the output, or undefined if there is none. */
export function parseResult(stdout: string): unknown {
  const lines = stdout.split('\n').filter((line) => line.startsWith(RESULT_PREFIX));
  const last = lines.at(-1);
  return last === undefined ? undefined : JSON.parse(last.slice(RESULT_PREFIX.length));
}
