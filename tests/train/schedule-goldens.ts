// The golden lr curves of tests/golden/schedules/, written by
// scripts/golden/schedules.py from torch.optim.lr_scheduler.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const SCHEDULE_GOLDEN_DIR = fileURLToPath(new URL('../golden/schedules/', import.meta.url));

export interface ScheduleGolden {
  readonly name: string;
  readonly about: string;
  /** A whole .reg file whose train section has the schedule. */
  readonly spec: string;
  readonly schedule_data: unknown;
  readonly steps_per_epoch: number;
  readonly epochs: number | null;
  readonly steps: number;
  /** Decoded: "nan", "inf" and "-inf" are numbers here. */
  readonly metrics: number[] | null;
  readonly lr: number[];
}

const WORDS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

export function loadScheduleGoldens(): ScheduleGolden[] {
  return readdirSync(SCHEDULE_GOLDEN_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const raw = JSON.parse(readFileSync(SCHEDULE_GOLDEN_DIR + f, 'utf8')) as ScheduleGolden & { metrics: (number | string)[] | null };
      return { ...raw, metrics: raw.metrics?.map((v) => (typeof v === 'string' ? WORDS[v]! : v)) ?? null };
    });
}

/** The tolerance for learning rates: 1e-9 absolute + 1e-5 relative, at every step. */
export function expectLrsClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, `${what}: number of steps`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= 1e-9 + 1e-5 * Math.abs(e))) expect.fail(`${what}: step ${i} has lr ${a}, torch has ${e}`);
  }
}
