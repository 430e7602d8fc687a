// What one fuzz case ends in, as plain data: it crosses from the worker
// process to the campaign, and a failing case is written to disk with what
// it takes to run it again.

/** Everything the campaign counts as a bug. */
export type FailureType =
  /** An exception that is not one of the documented user-facing errors. */
  | 'escaped-exception'
  /** A spec case over the time limit (1 s). */
  | 'slow'
  /** A case the worker did not finish within the per-case timeout; the worker was killed. */
  | 'hang'
  /** The worker process died (a native crash, V8 out of memory, the kernel's OOM killer). */
  | 'crash'
  /** The worker's memory passed the cap during the case; it was killed. */
  | 'memory'
  /** A diagnostic span outside the source, inverted, or with line/column that disagree with its offset. */
  | 'bad-span'
  /** A diagnostic whose code is not in the catalogue (docs/diagnostics.md), or with no message. */
  | 'bad-diagnostic'
  /** `regc fmt` output that does not parse to the same tree, or that formats differently again. */
  | 'formatter'
  /** `regc check` and `regc compile` disagree on whether a single-model file has errors. */
  | 'check-compile-disagree'
  /** A compiled bundle that the runtime's own validator refuses. */
  | 'invalid-bundle'
  /** A GPU validation or out-of-memory error from a bundle the runtime accepted (or one it refused only once the GPU complained). */
  | 'gpu-validation'
  /** A refused bundle whose error is not a BundleError or TensorFileError, or has no message. */
  | 'unclear-error'
  /** A message that quotes a refused file's content or a canary from outside the bundle. */
  | 'leak'
  /** A file outside the bundle was opened, looked at, or had a reader attached (the FIFO canary). */
  | 'read-outside'
  /** An accepted bundle whose run returned outputs of the wrong shape. */
  | 'bad-output';

export interface Failure {
  readonly type: FailureType;
  /** One line: the stage, the error's first line, and where it was thrown. */
  readonly detail: string;
  /** What groups this failure with others of the same bug, where the detail says too much (every bad span is one signature per kind of wrongness). */
  readonly key?: string;
}

export interface CaseResult {
  readonly index: number;
  /** 'accepted', 'diagnostics', 'unreadable', 'model-choice' (specs); 'accepted', 'refused', 'refused-by-device' (bundles). */
  readonly outcome: string;
  /** Spec: every diagnostic code; bundle: the refusal's category. */
  readonly codes: readonly string[];
  /** Wall-clock time of the case. */
  readonly ms: number;
  /** Processor time of the worker process during the case (spec cases). */
  readonly cpuMs?: number;
  /** How the case was made: 'generated', or the source and the mutations applied. */
  readonly origin: string;
  readonly failures: readonly Failure[];
  /** Only for failing cases: what `--replay` needs. */
  readonly repro?: unknown;
}

/** A failure's grouping key: numbers, quoted names and paths replaced, so one bug is one signature. */
export function signatureOf(failure: Failure): string {
  // The same bug met through `check` and through `compile` is one signature.
  const normal = (failure.key ?? failure.detail.replace(/^(check|compile|render|fmt|read|validate|load|run|harness): /, ''))
    .replace(/\/[^\s:'"`)]+\//g, '/…/')
    .replace(/"[^"]*"|`[^`]*`/g, '…')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#');
  return `${failure.type}: ${normal}`;
}

/** The first line of an error and the first frame of ours in its stack. */
export function describeError(stage: string, error: unknown): string {
  if (!(error instanceof Error)) return `${stage}: threw ${typeof error} ${String(error).split('\n')[0]}`;
  const frames = (error.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^at /, '').replace(/^.*?\((.*)\)$/, '$1'));
  const ours = frames.find((l) => !l.includes('node_modules') && /\/(compiler|grammar|runtime|diagnostics|cli)\//.test(l));
  // With no frame of ours in the stack (a dependency's recursion filled it), the dependency is named.
  const dependency = !ours && frames[0]?.includes('node_modules') ? ` in ${frames[0].replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')}` : '';
  const where = ours ? ` at ${ours.replace(/^.*?\/(compiler|grammar|runtime|diagnostics|cli)\//, '$1/')}` : '';
  return `${stage}: ${error.name}: ${error.message.split('\n')[0]!.slice(0, 300)}${dependency}${where}`;
}
