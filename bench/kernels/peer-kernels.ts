// regc's matmul and conv kernels side by side with TF.js's and ONNX Runtime
// Web's, and with a textbook reference WGSL GEMM, on the same problems and the
// same WebGPU adapter (one Dawn instance, chosen as bench/peers/node-gpu.ts
// chooses it; SwiftShader here).
//
//   npx tsx bench/kernels/peer-kernels.ts [--repeats 5] [--systems regc,tfjs,ort-web,wgsl-ref]
//     [--problems matmul,linear,conv3x3,conv1x1,conv-first] [--target-ms 100] [--no-write]
//
// Every system runs in this process on a device of its own, its inputs
// already on that device. One measurement enqueues K ops back to back and
// waits once; K is chosen per system and problem from a timed warm-up so that
// a measurement lasts about --target-ms. The time reported is GPU time:
// timestamps at the beginning and end of every compute pass, injected the
// same way into every system's passes (peers/pass-timer.ts), summed and
// divided by K; the wall time of the same K ops is reported beside it.
// Repeats alternate between systems (a rotating order), so load from other
// processes falls on all of them alike. Every output is checked against a
// float64 JS reference before it counts.
//
// Prints the tables and writes them as this benchmark's section of
// bench/RESULTS.md (other sections untouched).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { formatError, formatMs, replaceSection } from '../peers/report.ts';
import { installNavigatorGpu } from '../peers/node-gpu.ts';
import { agreement, median } from '../peers/stats.ts';
import { installPassTimer, startPassTimer, stopPassTimer, type TimedPass } from './peers/pass-timer.ts';
import { macs, makeInputs, PEER_PROBLEMS, reference, type PeerProblem } from './peers/problems.ts';
import { KERNEL_SYSTEM_IDS, type KernelSystem, type KernelSystemId, type OpRunner } from './peers/system.ts';

const RESULTS_MD = 'bench/RESULTS.md';
const HEADING = '## Kernels side by side (bench/kernels/peer-kernels.ts)';
const PACKAGES = ['webgpu', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web'];
/** Outputs within this fraction of the reference's largest magnitude count as right. */
const TOLERANCE = 1e-4;
const MAX_OPS_PER_MEASUREMENT = 32;

const LABELS: Readonly<Record<KernelSystemId, string>> = {
  regc: 'regc',
  tfjs: 'TF.js webgpu',
  'ort-web': 'ORT-web webgpu',
  'wgsl-ref': 'reference WGSL (yardstick)',
};

interface Options {
  readonly repeats: number;
  readonly systems: readonly KernelSystemId[];
  readonly problems: readonly PeerProblem[];
  readonly targetMs: number;
  readonly write: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
    return v;
  };
  const known = new Set(['--repeats', '--systems', '--problems', '--target-ms', '--no-write']);
  for (const arg of argv) if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg}`);
  const list = (name: string): string[] | undefined => value(name)?.split(',').map((s) => s.trim()).filter((s) => s);
  const systems = list('systems') ?? [...KERNEL_SYSTEM_IDS];
  for (const s of systems) if (!(KERNEL_SYSTEM_IDS as readonly string[]).includes(s)) throw new Error(`unknown system ${s} (have ${KERNEL_SYSTEM_IDS.join(', ')})`);
  const problemIds = list('problems') ?? PEER_PROBLEMS.map((p) => p.id);
  const problems = problemIds.map((id) => {
    const p = PEER_PROBLEMS.find((q) => q.id === id);
    if (!p) throw new Error(`unknown problem ${id} (have ${PEER_PROBLEMS.map((q) => q.id).join(', ')})`);
    return p;
  });
  const repeats = Number(value('repeats') ?? 5);
  const targetMs = Number(value('target-ms') ?? 100);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a positive integer');
  if (!(targetMs > 0)) throw new Error('--target-ms must be positive');
  return { repeats, systems: systems as KernelSystemId[], problems, targetMs, write: !argv.includes('--no-write') };
}

async function startSystem(id: KernelSystemId, gpu: GPU): Promise<KernelSystem> {
  switch (id) {
    case 'regc':
      return (await import('./peers/regc-system.ts')).regcSystem(gpu);
    case 'tfjs':
      return (await import('./peers/tfjs.ts')).tfjsSystem();
    case 'ort-web':
      return (await import('./peers/ort-web.ts')).ortWebSystem();
    case 'wgsl-ref':
      return (await import('./peers/wgsl-ref.ts')).wgslRefSystem(gpu);
  }
}

interface Measured {
  readonly system: KernelSystemId;
  readonly what: string;
  readonly opsPerMeasurement: number;
  readonly gpuMs: number[];
  readonly wallMs: number[];
  readonly passesPerOp: number;
  /** GPU time per op by pipeline (or by pass within the op), over all measurements. */
  readonly split: readonly Share[];
  readonly maxAbsError: number;
  readonly maxAbsExpected: number;
}

type Outcome = Measured | { readonly system: KernelSystemId; readonly what: string; readonly error: string };

interface ProblemResult {
  readonly problem: PeerProblem;
  readonly outcomes: readonly Outcome[];
}

interface Share {
  readonly name: string;
  readonly percent: number;
}

/**
 * Where the GPU time of K ops went: by pipeline label where every pass has
 * one, else by the pass's place within the op (when every op has the same
 * number of passes); empty when neither applies.
 */
function splitPasses(passes: readonly TimedPass[], k: number): Map<string, number> {
  const split = new Map<string, number>();
  const perOp = passes.length / k;
  const labelled = passes.every((p) => p.labels.length > 0);
  if (!labelled && (!Number.isInteger(perOp) || perOp < 2)) return split;
  passes.forEach((p, i) => {
    const name = labelled ? p.labels.join(' + ') : `pass ${(i % perOp) + 1}`;
    split.set(name, (split.get(name) ?? 0) + p.ms);
  });
  return split;
}

function shares(split: ReadonlyMap<string, number>): Share[] {
  const total = [...split.values()].reduce((a, b) => a + b, 0);
  return [...split].map(([name, ms]) => ({ name, percent: total > 0 ? Math.round((100 * ms) / total) : 0 }));
}

const isMeasured = (o: Outcome): o is Measured => 'gpuMs' in o;
const isRight = (m: Measured): boolean => m.maxAbsError <= TOLERANCE * Math.max(m.maxAbsExpected, 1e-30);
const gflops = (p: PeerProblem, ms: number): number => (2 * macs(p.shape)) / ms / 1e6;
const formatRate = (rate: number): string => (rate >= 10 ? rate.toFixed(1) : rate >= 0.1 ? rate.toFixed(2) : rate.toPrecision(2));
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

async function measureProblem(problem: PeerProblem, systems: readonly KernelSystem[], options: Options): Promise<ProblemResult> {
  const inputs = makeInputs(problem.shape, PEER_PROBLEMS.indexOf(problem) + 1);
  const want = reference(problem.shape, inputs);
  const outcomes: Outcome[] = [];
  const active: { system: KernelSystem; what: string; runner: OpRunner; k: number; gpu: number[]; wall: number[]; passes: number; split: Map<string, number> }[] = [];
  for (const system of systems) {
    const what = system.describe(problem.shape);
    if (what === null) continue;
    try {
      const runner = await system.prepare(problem.shape, inputs);
      await runner.run(1); // pipelines compiled, inputs resident
      const start = performance.now();
      await runner.run(1);
      const k = Math.max(1, Math.min(MAX_OPS_PER_MEASUREMENT, Math.round(options.targetMs / (performance.now() - start))));
      active.push({ system, what, runner, k, gpu: [], wall: [], passes: 0, split: new Map() });
    } catch (e) {
      outcomes.push({ system: system.id, what, error: errorText(e) });
    }
  }
  const failed = new Set<KernelSystemId>();
  for (let r = 0; r < options.repeats; r++) {
    for (let i = 0; i < active.length; i++) {
      const a = active[(i + r) % active.length]!;
      if (failed.has(a.system.id)) continue;
      try {
        startPassTimer(a.runner.device);
        const start = performance.now();
        await a.runner.run(a.k);
        const wall = performance.now() - start;
        const passes = await stopPassTimer(a.runner.device);
        a.gpu.push(passes.ms / a.k);
        a.wall.push(wall / a.k);
        a.passes = passes.passes.length / a.k;
        for (const [name, ms] of splitPasses(passes.passes, a.k)) a.split.set(name, (a.split.get(name) ?? 0) + ms);
      } catch (e) {
        failed.add(a.system.id);
        outcomes.push({ system: a.system.id, what: a.what, error: errorText(e) });
      }
    }
  }
  for (const a of active) {
    try {
      if (!failed.has(a.system.id)) {
        const { maxAbsError, maxAbsExpected } = agreement(await a.runner.read(), want);
        outcomes.push({ system: a.system.id, what: a.what, opsPerMeasurement: a.k, gpuMs: a.gpu, wallMs: a.wall, passesPerOp: a.passes, split: shares(a.split), maxAbsError, maxAbsExpected });
      }
    } catch (e) {
      outcomes.push({ system: a.system.id, what: a.what, error: errorText(e) });
    } finally {
      await a.runner.dispose();
    }
  }
  const order = (o: Outcome): number => systems.findIndex((s) => s.id === o.system);
  return { problem, outcomes: outcomes.sort((x, y) => order(x) - order(y)) };
}

/** regc's GFLOP/s over the best other system's (right outputs only), by best and by median time. */
function ratios(result: ProblemResult): { best: string; median: string; against: string } | null {
  const right = result.outcomes.filter(isMeasured).filter(isRight);
  const regc = right.find((m) => m.system === 'regc');
  const others = right.filter((m) => m.system !== 'regc');
  if (!regc || others.length === 0) return null;
  const fastest = (pick: (m: Measured) => number) => others.reduce((a, b) => (pick(b) < pick(a) ? b : a));
  const byBest = fastest((m) => Math.min(...m.gpuMs));
  const byMedian = fastest((m) => median(m.gpuMs));
  return {
    best: (Math.min(...byBest.gpuMs) / Math.min(...regc.gpuMs)).toFixed(2),
    median: (median(byMedian.gpuMs) / median(regc.gpuMs)).toFixed(2),
    against: byBest === byMedian ? LABELS[byBest.system] : `${LABELS[byBest.system]} / ${LABELS[byMedian.system]}`,
  };
}

function detailTable(result: ProblemResult): string[] {
  const rows = [
    '| system | what runs | K | GPU ms best | GPU ms median | GFLOP/s best | GFLOP/s median | wall ms/op median | passes/op | max abs error |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const o of result.outcomes) {
    if (!isMeasured(o)) {
      rows.push(`| ${LABELS[o.system]} | ${o.what} | | FAILED: ${o.error.replaceAll('|', '\\|')} | | | | | | |`);
      continue;
    }
    const [best, mid] = [Math.min(...o.gpuMs), median(o.gpuMs)];
    const error = `${formatError(o.maxAbsError)}${isRight(o) ? '' : ' **WRONG**'}`;
    const parts = o.split.length > 1 ? o.split.map((x) => `${x.name} ${x.percent}%`) : o.split.map((x) => x.name);
    const what = parts.length > 0 ? `${o.what}: ${parts.join(', ')}` : o.what;
    rows.push(
      `| ${LABELS[o.system]} | ${what} | ${o.opsPerMeasurement} | ${formatMs(best)} | ${formatMs(mid)} | ${formatRate(gflops(result.problem, best))} | ${formatRate(gflops(result.problem, mid))} | ${formatMs(median(o.wallMs))} | ${Number(o.passesPerOp.toFixed(2))} | ${error} |`,
    );
  }
  return rows;
}

function summaryTable(results: readonly ProblemResult[], systems: readonly KernelSystemId[], startFailures: ReadonlyMap<KernelSystemId, string>): string[] {
  const rows = [
    `| problem | ${systems.map((s) => `${LABELS[s]} GFLOP/s`).join(' | ')} | regc / best other (best) | regc / best other (median) | best other |`,
    `|---|${systems.map(() => '--:|').join('')}--:|--:|---|`,
  ];
  for (const result of results) {
    const cells = systems.map((s) => {
      const o = result.outcomes.find((x) => x.system === s);
      if (!o) return startFailures.has(s) ? 'did not start' : '—';
      if (!isMeasured(o)) return 'failed';
      return isRight(o) ? formatRate(gflops(result.problem, Math.min(...o.gpuMs))) : 'wrong';
    });
    const r = ratios(result);
    rows.push(`| ${result.problem.label} | ${cells.join(' | ')} | ${r?.best ?? '—'} | ${r?.median ?? '—'} | ${r?.against ?? '—'} |`);
  }
  return rows;
}

/** The installed version of each package the systems use (the peers from bench/node_modules, webgpu from the root). */
const installedVersion = (name: string): string => {
  const file = existsSync(`bench/node_modules/${name}/package.json`) ? `bench/node_modules/${name}/package.json` : `node_modules/${name}/package.json`;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
};
const versions = (): string => PACKAGES.map((name) => `${name} ${installedVersion(name)}`).join(', ');

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  const started = performance.now();
  const loadAtStart = loadavg();
  const date = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const gpu = await installNavigatorGpu();
  installPassTimer(); // before any system asks for a device
  const adapter = await gpu.requestAdapter();
  const info = adapter?.info;
  const adapterText = info ? [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') : 'unknown adapter';
  console.log(`adapter: ${adapterText}; timestamp-query: ${adapter?.features.has('timestamp-query') ? 'yes' : 'no'}`);

  const systems: KernelSystem[] = [];
  const startFailures = new Map<KernelSystemId, string>();
  for (const id of options.systems) {
    try {
      systems.push(await startSystem(id, gpu));
    } catch (e) {
      startFailures.set(id, errorText(e));
      console.error(`${LABELS[id]} did not start: ${errorText(e)}`);
    }
  }
  const results: ProblemResult[] = [];
  for (const problem of options.problems) {
    const result = await measureProblem(problem, systems, options);
    results.push(result);
    console.log(`\n${problem.label}\n${detailTable(result).join('\n')}`);
  }
  for (const system of systems) await system.close();

  const summary = summaryTable(results, options.systems, startFailures);
  console.log(`\n${summary.join('\n')}`);
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
  const command = `npx tsx bench/kernels/peer-kernels.ts${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`;
  const lines = [
    HEADING,
    '',
    `\`${command}\` — ${date}, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; load average (1/5/15 min) ${load(loadAtStart)} at the start, ${load(loadavg())} at the end.`,
    `Adapter: ${adapterText} (Dawn through the \`webgpu\` package). Node ${process.versions.node}; ${versions()}.`,
    `${options.repeats} measurements per system and problem after a warm-up, alternating between systems; each measurement is K ops back to back with one wait.`,
    '',
    'GPU time per op: timestamps written at the beginning and end of every compute pass (injected the same way into every system, see `bench/kernels/peers/pass-timer.ts`), summed over the passes of the K ops, divided by K; inputs already on the GPU, no upload or readback. GFLOP/s = 2 x multiply-adds / time (bias adds not counted). "regc / best other" divides regc\'s GFLOP/s by the fastest other system whose output is right (the reference WGSL kernel included); the issue\'s target is >= 0.8.',
    '',
    ...summary,
    '',
    ...results.flatMap((r) => [`### ${r.problem.label}`, '', ...detailTable(r), '']),
    ...[...startFailures].map(([id, error]) => `${LABELS[id]} did not start: ${error}\n`),
    'Notes:',
    '',
    '- Every output is compared with a float64 JS reference on the same seeded inputs; an error above 1e-4 of the largest reference magnitude marks it **WRONG** and keeps it out of the ratios.',
    '- regc: the kernels `generateKernels` makes for a one-node IR graph (as `bench/kernels/compute-kernels.ts`), one command buffer per op holding every kernel of the op; a conv\'s weight reorder kernel runs (and is timed) every op.',
    '- TF.js runs convolutions in NHWC with an HWIO filter, its native and best layout: the input and filter are converted once on the host, outside the timed region (its output is converted back for the check only). TF.js records up to 15 dispatches into one compute pass, so several of its ops can share a pass (passes/op below 1).',
    '- ORT-web: a one-node ONNX model made in memory (`bench/kernels/peers/onnx.ts`) whose operands are all graph inputs, fed with `Tensor.fromGpuBuffer` on ORT\'s device and writing into a pre-made GPU output tensor, so `session.run` moves no data. The weights being inputs, ORT may transform them every run (its conv runs a second pass here), as regc does.',
    '- The reference WGSL kernel (yardstick) is a textbook 4x4 register-blocked vec4 GEMM written for this bench (`bench/kernels/peers/wgsl-ref.ts`): one 4x4 output tile per invocation, no workgroup memory. It runs the matmul, the linear (x @ W^T + bias) and the 1x1 conv (W @ X per image + bias); it has no 3x3 conv.',
    '- The 3x3 convolutions have no yardstick, so their ratio is against the faster of TF.js and ORT, which are several times slower than regc here: it bounds nothing from above. TF.js\'s and ORT\'s kernels tile through workgroup memory with barriers, written for hardware GPUs; whether that is what costs them on SwiftShader was not measured here.',
    '- "what runs" names the pipelines where the system labels them (regc\'s kernels, TF.js\'s programs), else the passes within one op, with each one\'s share of the GPU time.',
    '- On SwiftShader the GPU is the CPU: times move with the load other processes put on the machine (see the load averages); the alternating order spreads that load over all systems.',
    '',
  ];
  const section = lines.join('\n');
  if (options.write) {
    writeFileSync(RESULTS_MD, replaceSection(readFileSync(RESULTS_MD, 'utf8'), section, HEADING));
    console.log(`\nwrote the section of ${RESULTS_MD}`);
  }
  const anyBad = startFailures.size > 0 || results.some((r) => r.outcomes.some((o) => !isMeasured(o) || !isRight(o)));
  // Dawn and ORT keep threads alive: leave once the results are out.
  process.exit(anyBad ? 1 : 0);
}

await main(process.argv.slice(2));
