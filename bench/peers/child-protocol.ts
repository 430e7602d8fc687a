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
