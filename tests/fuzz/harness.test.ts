// The campaign's own machinery: cases are reproducible from (seed, index),
// the oracles see the failures they exist to see, and the pool survives a
// worker that hangs, dies or eats memory. A fuzzer whose checks cannot fail
// would report a clean run for any compiler.
import { closeSync, constants, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { SourceFile } from '../../grammar/source.ts';
import { baseBundles } from './bundle-bases.ts';
import { bundleCase } from './bundle-mutator.ts';
import { inodeKey, makeCanaries } from './canaries.ts';
import { startFsAudit, stopFsAudit } from './fs-audit.ts';
import type { CaseResult } from './outcomes.ts';
import { runPool } from './pool.ts';
import { Rng } from './prng.ts';
import { specCase } from './spec-cases.ts';
import { diagnosticProblems, runSpecCase } from './spec-oracle.ts';
import type { ProbeJob } from './worker.ts';

const scratch = mkdtempSync(join(tmpdir(), 'regc-fuzz-harness-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('cases are reproducible', () => {
  test('a case stream depends on seed, kind and index only', () => {
    const draw = (seed: number, stream: string, index: number) => Array.from({ length: 5 }, () => Rng.forCase(seed, stream, index).next());
    expect(draw(7, 'spec', 3)).toEqual(draw(7, 'spec', 3));
    expect(draw(7, 'spec', 3)).not.toEqual(draw(7, 'spec', 4));
    expect(draw(7, 'spec', 3)).not.toEqual(draw(8, 'spec', 3));
    expect(draw(7, 'spec', 3)).not.toEqual(draw(7, 'bundle', 3));
  });

  test('spec and bundle case i is the same case every time', () => {
    for (const i of [0, 1, 57, 4242]) {
      expect(specCase(3, i)).toEqual(specCase(3, i));
      expect(bundleCase(3, i)).toEqual(bundleCase(3, i));
    }
    expect(specCase(3, 1)).not.toEqual(specCase(3, 2));
  });

  test('the base bundles come from the compiler and are distinct', () => {
    const names = baseBundles().map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const base of baseBundles()) expect(base.files.has('manifest.json') && base.files.has(base.manifest.weightsFile)).toBe(true);
  });
});

describe('the spec oracle', () => {
  const source = new SourceFile('fuzz.reg', 'model M {\n  relu\n}\n');
  const at = (offset: number) => source.position(offset);
  const diagnostic = (extra: Partial<Diagnostic>): Diagnostic => ({
    code: 'E0201',
    severity: 'error',
    message: 'unknown layer',
    file: 'fuzz.reg',
    span: { start: at(12), end: at(16) },
    secondary: [],
    notes: [],
    ...extra,
  });

  test('accepts a well-formed diagnostic', () => {
    expect(diagnosticProblems([diagnostic({})], source, 'check')).toEqual([]);
  });

  test.each([
    ['a line that disagrees with the offset', { span: { start: { offset: 12, line: 3, column: 3 }, end: at(16) } }, 'bad-span'],
    ['a span that ends before it starts', { span: { start: at(16), end: at(12) } }, 'bad-span'],
    ['an offset past the end of the text', { span: { start: at(12), end: { offset: 99, line: 4, column: 1 } } }, 'bad-span'],
    ['a secondary label outside the text', { secondary: [{ span: { start: { offset: -1, line: 1, column: 0 }, end: at(0) }, message: 'here' }] }, 'bad-span'],
    ['another file', { file: 'other.reg' }, 'bad-span'],
    ['a code not in the catalogue', { code: 'E9999' }, 'bad-diagnostic'],
  ] as const)('reports %s', (_what, extra, type) => {
    const found = diagnosticProblems([diagnostic(extra as Partial<Diagnostic>)], source, 'check');
    expect(found.map((f) => f.type)).toContain(type);
  });

  test('a correct spec compiles and a misspelt one gets its diagnostic, both without failures', () => {
    const good = runSpecCase({ index: 0, origin: 'test', body: { text: 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2) -> relu\n}\n' } });
    expect(good).toMatchObject({ outcome: 'accepted', failures: [] });
    const typo = runSpecCase({ index: 1, origin: 'test', body: { text: 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linaer(2)\n}\n' } });
    expect(typo).toMatchObject({ outcome: 'diagnostics', failures: [] });
    expect(typo.codes).toContain('E0201');
  });

  test('bytes that are not UTF-8 are refused as a file, and the refusal must not quote them', () => {
    const bytes = new TextEncoder().encode('model M {\n// SECRETabc\n}\n');
    bytes[3] = 0;
    const result = runSpecCase({ index: 2, origin: 'test', body: { bytes }, secret: 'SECRETabc' });
    expect(result).toMatchObject({ outcome: 'unreadable', failures: [] });
    const quoting = runSpecCase({ index: 3, origin: 'test', body: { bytes }, secret: 'holds NUL' });
    expect(quoting.failures.map((f) => f.type)).toEqual(['leak']);
  });
});

describe('the bundle checks', () => {
  test('the canary FIFO shows a reader while one has it open', () => {
    const canaries = makeCanaries(join(scratch, 'canaries'), baseBundles()[0]!, 'CANARYtest');
    expect(canaries.fifoHasReader()).toBe(false);
    const reader = openSync(canaries.path('fifo'), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      expect(canaries.fifoHasReader()).toBe(true);
    } finally {
      closeSync(reader);
    }
    expect(canaries.tampering()).toEqual([]);
    writeFileSync(canaries.path('secret'), 'changed');
    expect(canaries.tampering()).toEqual([`${canaries.path('secret')} changed`]);
  });

  test('the file-system audit sees what an ES import of node:fs/promises opens, with its inode', async () => {
    const file = join(scratch, 'audited.txt');
    writeFileSync(file, 'x');
    startFsAudit();
    const handle = await open(file, 'r');
    await handle.close();
    const calls = await stopFsAudit();
    expect(calls).toEqual([{ call: 'fs/promises.open', path: file, inode: inodeKey(statSync(file)) }]);
    startFsAudit();
    expect(await stopFsAudit()).toEqual([]);
  });
});

describe('the worker pool', () => {
  test('a hang, a crash and a memory blow-up each cost one case, and the rest still run', async () => {
    const jobs: ProbeJob[] = [{ answer: true }, { loop: true }, { answer: true }, { exit: 7 }, { answer: true }, { holdMb: 400 }, { answer: true }];
    const results: CaseResult[] = [];
    await runPool(
      jobs.map((repro, index) => ({ index, repro })),
      {
        workers: 2,
        init: { kind: 'probe', seed: 0, scratch },
        timeoutMs: 4000,
        memoryLimitMb: 300,
        describe: (job) => ({ origin: 'probe', repro: job.repro }),
        onResult: (r) => results.push(r),
      },
    );
    const byIndex = results.sort((a, b) => a.index - b.index).map((r) => [r.outcome, r.failures.map((f) => f.type)]);
    expect(byIndex).toEqual([
      ['answered', []],
      ['hang', ['hang']],
      ['answered', []],
      ['crash', ['crash']],
      ['answered', []],
      ['memory', ['memory']],
      ['answered', []],
    ]);
  }, 60_000);
});
