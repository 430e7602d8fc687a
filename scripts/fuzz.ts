// The fuzz campaign (docs/fuzzing.md): generated and mutated specs through
// check, compile and fmt; mutated and hostile bundles through the runtime on
// the Dawn device. Prints progress and a summary, writes every failing case
// to a folder, and exits 1 when any case failed.
//
//   tsx scripts/fuzz.ts --count 100000 --bundles 10000 --seed 1 --report fuzz-report.json
//   tsx scripts/fuzz.ts --replay tmp/fuzz-failures/spec-1-8123.json
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readStoredCases, runCampaign, type CampaignResult, type CaseKind, type StoredCase } from '../tests/fuzz/campaign.ts';
import { summarise, type Tally } from '../tests/fuzz/tally.ts';

const USAGE = `usage: tsx scripts/fuzz.ts [--count N] [--bundles M] [--seed S] [--kind specs|bundles|all]
                           [--report FILE] [--failures DIR] [--replay PATH]
                           [--workers N] [--timeout-ms MS] [--memory-mb MB]

  --count N        spec cases (default 1000)
  --bundles M      bundle cases (default: a tenth of --count)
  --seed S         campaign seed (default 1); case i of a seed is always the same case
  --kind K         specs, bundles or all (default all)
  --report FILE    write the figures as JSON
  --failures DIR   where failing cases are written (default tmp/fuzz-failures)
  --replay PATH    run the stored case(s) in a file or folder instead, and print each
  --workers N      worker processes (default: one per core for specs, one for bundles)
  --timeout-ms MS  per-case timeout before a worker is killed (default 5000 specs, 20000 bundles)
  --memory-mb MB   resident memory a worker may reach before it is killed (default 2048)`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a non-negative integer, got \`${value}\``);
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      count: { type: 'string' },
      bundles: { type: 'string' },
      seed: { type: 'string' },
      kind: { type: 'string' },
      report: { type: 'string' },
      failures: { type: 'string' },
      replay: { type: 'string' },
      workers: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (e) {
  fail((e as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const kindOption = values.kind ?? 'all';
if (!['specs', 'bundles', 'all'].includes(kindOption)) fail(`--kind must be specs, bundles or all, got \`${kindOption}\``);
const seed = count(values.seed, '--seed', 1);
const specCount = count(values.count, '--count', 1000);
const bundleCount = count(values.bundles, '--bundles', Math.ceil(specCount / 10));
const failuresFolder = values.failures ?? 'tmp/fuzz-failures';
const memoryLimitMb = count(values['memory-mb'], '--memory-mb', 2048);
const command = `tsx scripts/fuzz.ts ${process.argv.slice(2).join(' ')}`.trim();

function progress(kind: CaseKind, total: number) {
  return (tally: Tally, elapsedMs: number) => {
    const rate = tally.cases / (elapsedMs / 1000);
    const eta = rate > 0 ? (total - tally.cases) / rate : 0;
    process.stderr.write(
      `  ${kind}s: ${tally.cases}/${total} (${((100 * tally.cases) / total).toFixed(0)}%), ${rate.toFixed(0)}/s, ` +
        `${tally.failingCases} failing (${tally.failures.size} signatures), about ${Math.ceil(eta)} s left\n`,
    );
  };
}

async function campaign(kind: CaseKind, total: number, replay?: readonly StoredCase[]): Promise<CampaignResult> {
  process.stderr.write(`${kind} campaign: ${replay ? `${replay.length} stored cases` : `${total} cases, seed ${seed}`}\n`);
  return runCampaign({
    kind,
    seed: replay?.[0]?.seed ?? seed,
    count: total,
    ...(replay ? { replay } : {}),
    workers: count(values.workers, '--workers', kind === 'spec' ? Math.max(1, cpus().length) : 1),
    timeoutMs: count(values['timeout-ms'], '--timeout-ms', kind === 'spec' ? 5000 : 20_000),
    memoryLimitMb,
    failuresFolder: replay ? undefined : failuresFolder,
    onProgress: progress(kind, replay?.length ?? total),
    ...(replay
      ? {
          onResult: (r) => {
            process.stdout.write(`case ${r.index} (${r.origin.slice(0, 160)}): ${r.outcome} in ${r.ms.toFixed(1)} ms; ${r.codes.join(', ')}\n`);
            for (const f of r.failures) process.stdout.write(`  ${f.type}: ${f.detail}\n`);
          },
        }
      : {}),
  });
}

function figures(result: CampaignResult) {
  const { tally } = result;
  return {
    cases: tally.cases,
    failingCases: tally.failingCases,
    wallSeconds: Number((result.wallMs / 1000).toFixed(1)),
    outcomes: Object.fromEntries(tally.outcomes),
    codes: Object.fromEntries([...tally.codes].sort((a, b) => b[1] - a[1])),
    wallMs: { p50: tally.percentile(0.5), p99: tally.percentile(0.99), max: tally.maxMs(), slowest: tally.slowest },
    ...(tally.hasCpuTimes() ? { cpuMs: { p50: tally.percentile(0.5, 'cpu'), p99: tally.percentile(0.99, 'cpu'), max: tally.maxMs('cpu'), slowest: tally.slowestCpu } } : {}),
    failures: [...tally.failures.values()].sort((a, b) => b.count - a.count),
  };
}

const results: Partial<Record<CaseKind, CampaignResult>> = {};
if (values.replay) {
  const stored = readStoredCases(values.replay);
  for (const kind of ['spec', 'bundle'] as const) {
    const mine = stored.filter((c) => c.kind === kind);
    if (mine.length > 0) results[kind] = await campaign(kind, mine.length, mine);
  }
} else {
  if (kindOption !== 'bundles' && specCount > 0) results.spec = await campaign('spec', specCount);
  if (kindOption !== 'specs' && bundleCount > 0) results.bundle = await campaign('bundle', bundleCount);
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
const sections: string[] = [`command: ${command}`, `machine: ${machine}`];
if (results.spec) sections.push(`${summarise('specs', results.spec.tally, { codesTitle: 'cases per diagnostic code (or refusal)', codeLimit: 60 })}\n  wall time: ${(results.spec.wallMs / 1000).toFixed(1)} s`);
if (results.bundle) sections.push(`${summarise('bundles', results.bundle.tally, { codesTitle: 'cases per refusal (folder and numbers elided)', codeLimit: 40 })}\n  wall time: ${(results.bundle.wallMs / 1000).toFixed(1)} s`);
const written = [...(results.spec?.written ?? []), ...(results.bundle?.written ?? [])];
if (written.length > 0) sections.push(`${written.length} failing cases written to ${failuresFolder}/; run one again with --replay FILE`);
process.stdout.write(`\n${sections.join('\n\n')}\n`);

if (values.report) {
  const report = {
    command,
    seed,
    machine,
    date: new Date().toISOString(),
    ...(results.spec ? { specs: figures(results.spec) } : {}),
    ...(results.bundle ? { bundles: figures(results.bundle) } : {}),
  };
  writeFileSync(values.report, JSON.stringify(report, null, 2) + '\n');
}

const failing = (results.spec?.tally.failingCases ?? 0) + (results.bundle?.tally.failingCases ?? 0);
process.exit(failing > 0 ? 1 : 0);
