// Worker processes for the campaign. A case runs in a child process, not in
// the campaign's own, because the failures it hunts for take a process down
// with them: an infinite loop (only a kill stops synchronous code), a
// GPU dispatch that never ends, a native crash, or a spec that makes the
// compiler allocate without bound. The pool kills a worker that passes the
// per-case timeout or the memory cap, records the case as a hang, a crash or
// a memory failure, starts a fresh worker and goes on.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseResult, FailureType } from './outcomes.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface Job {
  readonly index: number;
  /** A stored case to run instead of generating case `index` (replay). */
  readonly repro?: unknown;
}

export interface PoolOptions {
  readonly workers: number;
  /** Sent to every worker before its first case (see worker.ts). */
  readonly init: unknown;
  readonly timeoutMs: number;
  /** Resident memory a worker may reach before it is killed. */
  readonly memoryLimitMb: number;
  /** What a case the worker could not report on was: origin and repro, made in this process. */
  readonly describe: (job: Job) => { origin: string; repro: unknown };
  readonly onResult: (result: CaseResult) => void;
  /** Called when a worker had to be killed or died, for progress output. */
  readonly onWorkerLost?: (reason: string) => void;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  job?: Job;
  started?: number;
  timer?: NodeJS.Timeout;
  stderr: string;
  killedFor?: { type: FailureType; detail: string };
}

/** How long a worker may take to start (load the compiler, get a GPU device, compile the base bundles). */
const START_TIMEOUT_MS = 120_000;
const STDERR_KEPT = 4000;

function rssMb(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * 4096) / 2 ** 20;
  } catch {
    return 0;
  }
}

/** Runs every job, at most `workers` at a time; resolves when all have a result. */
export async function runPool(jobs: readonly Job[], options: PoolOptions): Promise<void> {
  let next = 0;
  const slots: Slot[] = [];
  let finish: () => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let pending = jobs.length;
  if (pending === 0) return;

  const record = (result: CaseResult) => {
    options.onResult(result);
    if (--pending === 0) finish();
  };

  const spawn = (): Slot => {
    // The worker's heap is capped a little under the memory cap, so V8 gives up (a crash we report) before the machine does.
    const heapMb = Math.max(256, Math.floor(options.memoryLimitMb * 0.75));
    const child = fork(WORKER_SCRIPT, [], {
      execArgv: ['--import', 'tsx', `--max-old-space-size=${heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = { child, ready: Promise.resolve(), stderr: '' };
    child.stderr!.on('data', (chunk: Buffer) => {
      slot.stderr = (slot.stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    slot.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a fuzz worker did not start within ${START_TIMEOUT_MS} ms:\n${slot.stderr}`)), START_TIMEOUT_MS);
      child.once('message', (m: { type: string; error?: string }) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve();
        else reject(new Error(`a fuzz worker failed to start: ${m.error ?? JSON.stringify(m)}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`a fuzz worker exited while starting (${signal ?? code}):\n${slot.stderr}`));
      });
    });
    child.send({ type: 'init', init: options.init });
    child.on('message', (m: { type: string; result?: CaseResult }) => {
      if (m.type !== 'result' || !slot.job) return;
      clearTimeout(slot.timer);
      slot.job = undefined;
      record(m.result!);
      feed(slot);
    });
    child.on('exit', (code, signal) => onExit(slot, code, signal));
    return slot;
  };

  const lost = (slot: Slot, type: FailureType, detail: string) => {
    const job = slot.job!;
    slot.job = undefined;
    let described: { origin: string; repro: unknown };
    try {
      described = options.describe(job);
    } catch (error) {
      described = { origin: 'unknown', repro: { unavailable: String(error) } };
    }
    const { origin, repro } = described;
    record({ index: job.index, outcome: type, codes: [], ms: performance.now() - slot.started!, origin, failures: [{ type, detail }], repro });
  };

  const onExit = (slot: Slot, code: number | null, signal: NodeJS.Signals | null) => {
    clearTimeout(slot.timer);
    if (slot.job) {
      if (slot.killedFor) {
        lost(slot, slot.killedFor.type, slot.killedFor.detail);
      } else {
        const oom = /heap out of memory|Allocation failed/.test(slot.stderr);
        const lastLines = slot.stderr.trim().split('\n').filter((l) => l.trim() && !/^\s*\d+: 0x/.test(l)).slice(-3).join(' | ');
        lost(slot, oom ? 'memory' : 'crash', `the worker died (${signal ?? `exit ${code}`})${oom ? ': V8 ran out of heap' : ''}: ${lastLines.slice(0, 300)}`);
      }
      options.onWorkerLost?.(slot.killedFor?.type ?? 'crash');
    }
    const i = slots.indexOf(slot);
    if (i < 0) return;
    if (next < jobs.length || slots.some((s) => s.job)) {
      const fresh = spawn();
      slots[i] = fresh;
      fresh.ready.then(() => feed(fresh), fail);
    } else {
      slots.splice(i, 1);
    }
  };

  const feed = (slot: Slot) => {
    if (next >= jobs.length) {
      if (!slots.some((s) => s.job)) stopAll();
      return;
    }
    const job = jobs[next++]!;
    slot.job = job;
    slot.started = performance.now();
    slot.killedFor = undefined;
    slot.timer = setTimeout(() => {
      slot.killedFor = { type: 'hang', detail: `no result within ${options.timeoutMs} ms; the worker was killed` };
      slot.child.kill('SIGKILL');
    }, options.timeoutMs);
    slot.child.send({ type: 'case', job });
  };

  const watchMemory = () => {
    for (const slot of slots) {
      if (!slot.job || slot.killedFor || slot.child.pid === undefined) continue;
      const mb = rssMb(slot.child.pid);
      if (mb > options.memoryLimitMb) {
        slot.killedFor = { type: 'memory', detail: `the worker's resident memory reached ${mb.toFixed(0)} MiB, over the ${options.memoryLimitMb} MiB cap; it was killed` };
        slot.child.kill('SIGKILL');
      }
    }
  };
  const memoryWatch = setInterval(watchMemory, 200);

  const stopAll = () => {
    clearInterval(memoryWatch);
    for (const slot of slots.splice(0)) {
      slot.child.removeAllListeners('exit');
      slot.child.kill('SIGKILL');
    }
  };

  for (let i = 0; i < Math.min(options.workers, jobs.length); i++) slots.push(spawn());
  for (const slot of slots) slot.ready.then(() => feed(slot), fail);
  try {
    await finished;
  } finally {
    stopAll();
  }
}
