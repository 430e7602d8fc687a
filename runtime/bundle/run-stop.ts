// Stopping a run: at its timeout or when its AbortSignal fires. WebGPU
// cannot cancel work once it is submitted, so a run that may be stopped
// submits its dispatches in chunks and waits for each before submitting the
// one after next (load-bundle.ts); a RunStop makes every such wait, the waits
// for pipelines and the final readback, end with an error once the deadline
// passes, and the run then submits nothing more.
import { BundleError } from './validate-manifest.ts';

/** What a run was doing when it was stopped. */
export interface RunProgressNote {
  readonly detail: string;
  /** It had submitted work, which may still be running: the bundle runs no more. */
  readonly workLeft: boolean;
}

const WORK_LEFT = '; the work already submitted may still be running on the device, and this bundle runs no more: load it again';

/** A run that did not finish within its `timeout`. */
export class RunTimeoutError extends BundleError {
  override readonly name = 'RunTimeoutError';

  constructor(
    /** The timeout, in seconds. */
    readonly seconds: number,
    readonly model: string,
    /** What the run was doing when it was stopped. */
    readonly detail: string,
    readonly workLeft: boolean,
  ) {
    super(`run stopped after ${seconds} s (timeout: ${seconds} s): ${model}: ${detail}${workLeft ? WORK_LEFT : ''}`);
  }
}

/** A run stopped by its `signal`; `cause` is the signal's reason. */
export class RunAbortedError extends BundleError {
  override readonly name = 'RunAbortedError';

  constructor(
    readonly model: string,
    readonly detail: string,
    readonly workLeft: boolean,
    reason: unknown,
  ) {
    super(`run aborted by its signal: ${model}: ${detail}${workLeft ? WORK_LEFT : ''}`, { cause: reason });
  }
}

export interface RunStopOptions {
  /** Seconds the run may take, from the call to run(). */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timeout must be a positive number of seconds: anything else is the caller's mistake. */
export function checkTimeout(timeout: unknown, what = 'timeout'): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw new RangeError(`${what} must be a positive number of seconds, got ${String(timeout)}`);
  return timeout;
}

export class RunStop {
  /** Rejects once the run is to stop; never resolves. */
  private readonly stopped: Promise<never>;
  private reject!: (error: BundleError) => void;
  private error: BundleError | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort: (() => void) | undefined;
  /** What the run is doing now, for the error; the runner keeps it current. */
  describeProgress: () => RunProgressNote = () => ({ detail: 'it had not started', workLeft: false });

  private constructor(
    model: string,
    private readonly options: RunStopOptions,
  ) {
    this.stopped = new Promise<never>((_, reject) => (this.reject = reject));
    this.stopped.catch(() => undefined); // awaited only through race()
    const { timeout, signal } = options;
    const timedOut = () => {
      const { detail, workLeft } = this.describeProgress();
      this.stop(new RunTimeoutError(timeout!, model, detail, workLeft));
    };
    if (timeout !== undefined) this.timer = setTimeout(timedOut, Math.min(timeout * 1000, MAX_TIMER_MS));
    if (signal) {
      this.onAbort = () => {
        const { detail, workLeft } = this.describeProgress();
        this.stop(new RunAbortedError(model, detail, workLeft, signal.reason));
      };
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** A stop for a run with these options; undefined when it has neither a timeout nor a signal. */
  static start(model: string, options: RunStopOptions): RunStop | undefined {
    checkTimeout(options.timeout);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
    return options.timeout === undefined && options.signal === undefined ? undefined : new RunStop(model, options);
  }

  private stop(error: BundleError): void {
    if (this.error) return;
    this.error = error;
    this.reject(error);
  }

  /** Whether the run has been told to stop. */
  get isStopped(): boolean {
    return this.error !== undefined;
  }

  throwIfStopped(): void {
    if (this.error) throw this.error;
  }

  /** `work`, or the stop's error if that comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined); // a loser's later rejection is nobody's business
    return Promise.race([work, this.stopped]);
  }

  /** Ends the timer and the signal's listener; call once the run is over. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}
