// One campaign: `count` spec or bundle cases from a seed (or stored cases,
// replayed), run by a pool of worker processes, tallied, with every failing
// case written to a folder in the form `--replay` reads back.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCase } from './bundle-mutator.ts';
import type { CaseResult } from './outcomes.ts';
import { runPool, type Job } from './pool.ts';
import { specCase } from './spec-cases.ts';
import { reproOf } from './spec-oracle.ts';
import { Tally } from './tally.ts';
import type { WorkerInit } from './worker.ts';

export type CaseKind = 'spec' | 'bundle';

export interface CampaignOptions {
  readonly kind: CaseKind;
  readonly seed: number;
  /** Cases 0..count-1 of the seed; ignored when `replay` is given. */
  readonly count: number;
  /** Stored cases to run instead (see readStoredCases). */
  readonly replay?: readonly StoredCase[];
  readonly workers: number;
  readonly timeoutMs: number;
  readonly memoryLimitMb: number;
  /** Where failing cases are written; nothing is written without it. */
  readonly failuresFolder?: string;
  /** At most this many cases are written per failure signature. */
  readonly keepPerSignature?: number;
  readonly onProgress?: (tally: Tally, elapsedMs: number) => void;
  readonly onResult?: (result: CaseResult) => void;
  readonly progressEveryMs?: number;
}

/** A failing case as written to the failures folder. */
export interface StoredCase {
  readonly kind: CaseKind;
  readonly seed: number;
  readonly index: number;
  readonly origin: string;
  readonly failures: CaseResult['failures'];
  readonly repro: unknown;
}

export interface CampaignResult {
  readonly tally: Tally;
  readonly wallMs: number;
  readonly written: readonly string[];
}

function describeCase(kind: CaseKind, seed: number, job: Job): { origin: string; repro: unknown } {
  if (job.repro) return { origin: 'replay', repro: job.repro };
  if (kind === 'spec') {
    const input = specCase(seed, job.index);
    return { origin: input.origin, repro: reproOf(input) };
  }
  const plan = bundleCase(seed, job.index);
  return { origin: `${plan.base} ${plan.family}: ${plan.mutations.join('; ')}`, repro: { kind: 'bundle', plan } };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { kind, seed } = options;
  const scratch = mkdtempSync(join(tmpdir(), `regc-fuzz-${kind}-`));
  const tally = new Tally();
  const written: string[] = [];
  const keptPerSignature = new Map<string, number>();
  const jobs: Job[] = options.replay
    ? options.replay.map((c) => ({ index: c.index, repro: c.repro }))
    : Array.from({ length: options.count }, (_, index) => ({ index }));
  const started = performance.now();
  let lastProgress = started;
  const init: WorkerInit = { kind, seed, scratch };
  const describe = (job: Job) => describeCase(kind, seed, job);
  try {
    await runPool(jobs, {
      workers: options.workers,
      init,
      timeoutMs: options.timeoutMs,
      memoryLimitMb: options.memoryLimitMb,
      describe,
      onResult: (result) => {
        tally.add(result);
        options.onResult?.(result);
        if (result.failures.length > 0 && options.failuresFolder) {
          const file = storeFailure(options.failuresFolder, kind, seed, result, keptPerSignature, options.keepPerSignature ?? 20, describe);
          if (file) written.push(file);
        }
        const now = performance.now();
        if (options.onProgress && now - lastProgress >= (options.progressEveryMs ?? 5000)) {
          lastProgress = now;
          options.onProgress(tally, now - started);
        }
      },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { tally, wallMs: performance.now() - started, written };
}

function storeFailure(
  folder: string,
  kind: CaseKind,
  seed: number,
  result: CaseResult,
  kept: Map<string, number>,
  limit: number,
  describe: (job: Job) => { origin: string; repro: unknown },
): string | undefined {
  const signature = result.failures.map((f) => f.type).join('+') + result.failures[0]!.detail.replace(/\d+/g, '#');
  const n = kept.get(signature) ?? 0;
  if (n >= limit) return undefined;
  kept.set(signature, n + 1);
  mkdirSync(folder, { recursive: true });
  let repro = result.repro;
  if (repro === undefined) {
    try {
      repro = describe({ index: result.index }).repro;
    } catch (error) {
      repro = { unavailable: `the case could not be made again here: ${String(error)}` };
    }
  }
  const stored: StoredCase = { kind, seed, index: result.index, origin: result.origin, failures: result.failures, repro };
  const file = join(folder, `${kind}-${seed}-${result.index}.json`);
  writeFileSync(file, JSON.stringify(stored, null, 2) + '\n');
  // The spec itself beside it, to open in an editor or pass to `regc check`.
  const text = (repro as { text?: string }).text;
  if (kind === 'spec' && typeof text === 'string') writeFileSync(join(folder, `${kind}-${seed}-${result.index}.reg`), text);
  return file;
}

/** Stored cases from one file or every `.json` file of a folder. */
export function readStoredCases(path: string): StoredCase[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.map((file) => {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredCase;
    if ((stored.kind !== 'spec' && stored.kind !== 'bundle') || stored.repro === undefined) throw new Error(`${file} is not a stored fuzz case`);
    return stored;
  });
}
