// A short, seeded slice of the fuzz campaign (docs/fuzzing.md): the same
// generators, mutators, oracles and worker processes as
// `npm run fuzz -- --count 100000`, on fewer cases. Any failing case fails
// the test, listed with the command that replays it.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCampaign, type CaseKind } from './campaign.ts';
import { summarise } from './tally.ts';

const SEED = 20_240_601;
const failures = mkdtempSync(join(tmpdir(), 'regc-fuzz-slice-'));
afterAll(() => rmSync(failures, { recursive: true, force: true }));

async function slice(kind: CaseKind, count: number, workers: number) {
  const result = await runCampaign({
    kind,
    seed: SEED,
    count,
    workers,
    timeoutMs: kind === 'spec' ? 5000 : 20_000,
    memoryLimitMb: 2048,
    failuresFolder: failures,
  });
  const { tally } = result;
  expect(tally.cases).toBe(count);
  const report = summarise(`${kind} slice, seed ${SEED}`, tally, { codesTitle: 'codes', codeLimit: 10 });
  const again = `npm run fuzz -- --kind ${kind}s --${kind === 'spec' ? 'count' : 'bundles'} ${count} --seed ${SEED}`;
  expect(tally.failingCases, `${report}\n(\`${again}\` writes these cases to tmp/fuzz-failures/; replay one with --replay FILE)`).toBe(0);
  return tally;
}

test('2000 seeded specs: every problem a diagnostic with a valid span, none slow', async () => {
  const tally = await slice('spec', 2000, Math.max(1, Math.min(2, cpus().length)));
  // The slice must reach all the way through: some specs compile, some are refused.
  expect(tally.outcomes.get('accepted') ?? 0).toBeGreaterThan(200);
  expect(tally.outcomes.get('diagnostics') ?? 0).toBeGreaterThan(200);
}, 120_000);

test('200 seeded bundles: each refused with a clear error or run without a GPU error', async () => {
  const tally = await slice('bundle', 200, 1);
  expect(tally.outcomes.get('accepted') ?? 0).toBeGreaterThan(10);
  expect(tally.outcomes.get('refused') ?? 0).toBeGreaterThan(50);
}, 120_000);
