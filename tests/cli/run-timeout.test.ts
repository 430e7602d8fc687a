// `regc run --timeout SECONDS`, and the caps' options: a run past its timeout
// ends the command at once with one line of error and status 1; the options
// are checked as usage; a bundle over a cap the user lowered is refused with
// what to do. The model is specs/fashion.reg, whose first run waits for its
// pipelines to compile, so a timeout of 10 ms always stops it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../specs/spec-files.ts';
import { runCli, spawnCli } from './run-cli.ts';

const bundle = join(mkdtempSync(join(tmpdir(), 'regc-run-timeout-')), 'fashion');
const STOPPED = /^error: run stopped after 0\.01 s \(--timeout 0\.01\): Fashion: (it was waiting for the pipeline of dispatch \d \("[\w]+"\) to compile, with \d of 5 dispatches submitted|the bundle's kernels did not finish \(\d of 5 dispatches submitted\)); raise --timeout, or run a smaller --batch\n$/;

beforeAll(async () => {
  const compiled = await runCli(['compile', join(repoRoot, 'specs/fashion.reg'), '-o', bundle]);
  expect(compiled.status, compiled.stderr).toBe(0);
}, 120_000);

describe('regc run --timeout', () => {
  it('stops a run past it with one line and status 1, without waiting for the run', async () => {
    const started = performance.now();
    const r = await runCli(['run', bundle, '--random', '--batch', '64', '--timeout', '0.01']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(STOPPED);
    // The load takes about 100 ms here, the full first run over a second.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('in a process of its own: one line, no stack, status 1', async () => {
    const r = await spawnCli(['run', bundle, '--random', '--timeout', '0.01']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(STOPPED);
  });

  it('lets a run within it finish', async () => {
    const r = await runCli(['run', bundle, '--random', '--batch', '2', '--timeout', '60']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^logits: f32\[2, 10\]\n {2}\[0\] /);
  });

  it.each([
    [['--timeout', '0'], '--timeout must be a positive number of seconds, got `0`'],
    [['--timeout', 'soon'], '--timeout must be a positive number of seconds, got `soon`'],
    [['--max-invocations', '2.5'], '--max-invocations must be a positive whole number, got `2.5`'],
    [['--max-memory', '-1'], '--max-memory must be a positive number of GiB, got `-1`'],
  ])('%j is a usage error', async (args, message) => {
    const r = await runCli(['run', bundle, '--random', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('the caps', () => {
  it('a work cap below what the bundle launches refuses it before it runs, and says what to do', async () => {
    const r = await runCli(['run', bundle, '--random', '--max-invocations', '1000']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Fashion cannot run on this device (one problem, found before anything was made on it)');
    expect(r.stderr).toMatch(/the run at batch 1 launches \d+ invocations, more than the work cap of 1000; the largest dispatch is dispatches\[1\] "c1"/);
    expect(r.stderr).toContain('regc run --max-invocations N');
  });

  it('a memory cap refuses batches over it, naming the largest that fits', async () => {
    const r = await runCli(['run', bundle, '--random', '--batch', '4096', '--max-memory', '0.05']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Fashion: batch 4096 is more than this device runs the bundle at \(at most \d+, of the manifest's maxBatch 4096\); run smaller batches/);
    expect(r.stderr).toMatch(/more than the memory cap of 51\.2 MiB; if the device has the memory, raise the cap with the load option maxMemoryBytes \(regc run --max-memory GIB\)/);
  });
});
