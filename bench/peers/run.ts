// The side-by-side benchmark in one command: regc, TF.js (webgpu), ONNX
// Runtime Web (webgpu) and ONNX Runtime for Node (cpu) on the four models of
// bench/models/, in Node on Dawn and in headless Chromium; raw results to
// bench/results/peers.json, tables to bench/RESULTS.md.
//
//   npx tsx bench/peers/run.ts [--models mlp,cnn,resnet,transformer] [--systems regc,tfjs-webgpu,...]
//     [--browser-models mlp,cnn,transformer] [--browser-systems regc,tfjs-webgpu,ort-web-webgpu]
//     [--no-node] [--no-browser] [--warmup 3] [--runs 10] [--cold-launches 3] [--at-launch-launches 3] [--compile-repeats 5]
//     [--timeout 300] [--no-write] [--render-only]
//
// Every measurement happens in a child: a Node process per system and model
// (esbuild bundles of node-child.ts and compile-child.ts), or a freshly
// launched Chromium per system and model. This process only orchestrates.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { CHROMIUM_PATH } from '../../tests/browser/chromium.ts';
import { runInChromium, type ChromiumJob } from './browser/chromium-run.ts';
import { serveBench } from './browser/serve.ts';
import { BENCH_PAGE_HTML, buildNodeChildren, buildPage, CACHE_DIR } from './build.ts';
import { parseResult, type CompileRecord } from './child-protocol.ts';
import type { RunRecord } from './measure.ts';
import type { ModelName } from './models.ts';
import { parseOptions, type Options } from './options.ts';
import { renderSection, replaceSection, SYSTEM_LABELS, type BenchRun, type RunMeta } from './report.ts';

const BUNDLES_DIR = `${CACHE_DIR}/bundles`;
const RESULTS_JSON = 'bench/results/peers.json';
const RESULTS_MD = 'bench/RESULTS.md';

const PACKAGES = ['webgpu', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'onnxruntime-web', 'onnxruntime-node', 'playwright-core', 'esbuild'];

const NOTES: readonly string[] = [
  'GPU buffer memory counts every `createBuffer` minus every `destroy` on the system\'s device (both wrapped on the WebGPU prototypes before the system starts); pools a library keeps (TF.js, ORT) count as live.',
  'On SwiftShader the "GPU" is the CPU: GPU latencies measure the emulated device and move with the load other processes put on the machine; ORT-node runs natively on the same CPU and is the yardstick for that.',
  'TF.js is written the way a TF.js user would port these models: NHWC (the input is transposed on the host before the timed runs, the conv weights and the flattened fc1 rows once at load), `tf.fused.conv2d`/`tf.fused.matMul` with bias and relu, `tf.batchNorm` with the running statistics, layer norm from `tf.moments`.',
  'ONNX files are `torch.onnx.export` (opset 17, dynamic batch) of the same modules; their initializers are ONNX external data pointing into `weights.safetensors`, except the tensors the exporter made itself (batchnorm folded into the convs at eval, transposed matmul weights), which stay inline.',
  'ORT-web in Node: its threaded WASM build passes SharedArrayBuffer views to `queue.writeBuffer`, which Dawn\'s Node binding rejects with "Invalid argument"; the bench copies those to a plain buffer first. Its Node cold start is mostly V8 compiling ORT\'s WASM on the first run, not WebGPU work: compare cold starts in Chromium.',
  'In Chromium the page is not cross-origin isolated, so ORT-web\'s WASM runs single-threaded there (its WebGPU kernels are unaffected). Cold starts in Chromium count from navigation start and include fetching the library, the model and the weights from a local server. A Chromium that has just launched keeps both cores busy for about a second more (about 1.5 s of processor time, on a blank page too, measured from `/proc`); the page opens once that is over, and the cold starts right after launch show how much it costs each system. Chromium\'s resident memory is mostly the browser itself (about 1 GB with any page), so its ratios say little.',
  'regc is measured as it is: a bundle compiled ahead of time (compile time reported separately) loaded with the runtime\'s `loadBundleFrom` (default pipelines \'tiered\'): load starts compiling the first run\'s pipelines (the quick-compiling twins of its matmul/conv kernels) and the first run waits for each as it reaches it, so regc\'s "first run" holds compile time its "load" does not; the fast pipelines compile after it, and the timed runs start once `ready()` says they all exist (the "Full speed" figure).',
];

interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runChild(script: string, args: readonly string[], timeoutMs: number): Promise<ChildOutput> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, timedOut });
    });
  });
}

function childFailure(output: ChildOutput, timeoutMs: number): string {
  if (output.timedOut) return `timed out after ${timeoutMs / 1000} s`;
  const tail = `${output.stderr}\n${output.stdout}`.trim().split('\n').slice(-15).join('\n');
  return `exited with ${output.code} and no result: ${tail}`;
}

async function compileModels(script: string, models: readonly ModelName[], options: Options): Promise<CompileRecord[]> {
  const records: CompileRecord[] = [];
  for (const model of models) {
    const output = await runChild(script, ['--models', model, '--repeats', String(options.compileRepeats), '--bundles', BUNDLES_DIR], options.timeoutMs);
    const result = parseResult(output.stdout) as CompileRecord[] | undefined;
    records.push(...(result ?? [{ model, ok: false, error: childFailure(output, options.timeoutMs) }]));
    const r = records.at(-1)!;
    console.log(r.ok ? `compile ${model}: first ${r.firstMs!.toFixed(0)} ms, median ${r.medianMs!.toFixed(1)} ms` : `compile ${model}: FAILED ${r.error}`);
  }
  return records;
}

function progress(r: RunRecord): string {
  const where = `${SYSTEM_LABELS[r.system]} / ${r.model} / ${r.environment}`;
  if (!r.ok) return `${where}: FAILED ${r.error.split('\n')[0]}`;
  const launches = (label: string, l: readonly number[] | undefined) => (l && l.length > 0 ? `, ${label} ${l.map((ms) => ms.toFixed(0)).join('/')} ms` : '');
  return (
    `${where}: median ${r.latencyMs.median.toFixed(1)} ms, cold start ${r.coldStartMs.toFixed(0)} ms` +
    launches('cold starts', r.coldStartLaunchesMs) +
    launches('right after launch', r.coldStartAtLaunchMs) +
    `, max error ${r.maxAbsError.toExponential(1)}`
  );
}

async function nodeRuns(script: string, options: Options): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const model of options.models) {
    for (const system of options.systems) {
      const args = ['--system', system, '--model', model, '--warmup', String(options.warmup), '--runs', String(options.runs), '--bundles', BUNDLES_DIR];
      const output = await runChild(script, args, options.timeoutMs);
      const record = (parseResult(output.stdout) as RunRecord | undefined) ?? { system, model, environment: 'node', ok: false, error: childFailure(output, options.timeoutMs) };
      records.push(record);
      console.log(progress(record));
    }
  }
  return records;
}

/** Cold starts of more launches with one run each; a failed launch is left out (the report counts the launches). */
async function coldStarts(origin: string, job: ChromiumJob, launches: number, start: 'settled' | 'at-launch'): Promise<number[]> {
  const found: number[] = [];
  for (let i = 0; i < launches; i++) {
    const again = await runInChromium(origin, { ...job, warmup: 0, runs: 1, start });
    if (again.ok) found.push(again.coldStartMs);
    else console.warn(`${job.system} / ${job.model}: cold-start launch (${start}) failed: ${again.error.split('\n')[0]}`);
  }
  return found;
}

async function browserRuns(options: Options): Promise<RunRecord[]> {
  const page = await buildPage();
  const files = new Map<string, string | Uint8Array>(page);
  files.set('/index.html', BENCH_PAGE_HTML);
  const server = await serveBench({
    files,
    folders: { '/bench/models/': 'bench/models', [`/${BUNDLES_DIR}/`]: BUNDLES_DIR, '/ort/': 'bench/node_modules/onnxruntime-web/dist' },
  });
  const records: RunRecord[] = [];
  try {
    for (const model of options.browserModels) {
      for (const system of options.browserSystems) {
        const job = { system, model, warmup: options.warmup, runs: options.runs, regcBundle: `${BUNDLES_DIR}/${model}`, timeoutMs: options.timeoutMs };
        let record = await runInChromium(server.origin, job);
        if (record.ok) {
          const settled = [record.coldStartMs, ...(await coldStarts(server.origin, job, options.coldLaunches - 1, 'settled'))];
          const atLaunch = await coldStarts(server.origin, job, options.atLaunchLaunches, 'at-launch');
          record = { ...record, ...(options.coldLaunches > 1 ? { coldStartLaunchesMs: settled } : {}), ...(options.atLaunchLaunches > 0 ? { coldStartAtLaunchMs: atLaunch } : {}) };
        }
        records.push(record);
        console.log(progress(record));
      }
    }
  } finally {
    await server.close();
  }
  return records;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`bench/node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    try {
      return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  }
}

function chromiumVersion(): string | null {
  try {
    const text = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return text.split(' built ')[0]!.trim();
  } catch {
    return null;
  }
}

function commandLine(argv: readonly string[]): string {
  const script = process.env.npm_lifecycle_event === 'bench:peers' ? 'npm run bench:peers' : 'npx tsx bench/peers/run.ts';
  return argv.length > 0 ? `${script}${script.startsWith('npm') ? ' --' : ''} ${argv.join(' ')}` : script;
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv, existsSync(CHROMIUM_PATH));
  if (options.renderOnly) {
    const saved = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as BenchRun;
    writeFileSync(RESULTS_MD, replaceSection(readFileSync(RESULTS_MD, 'utf8'), renderSection(saved, NOTES)));
    console.log(`rewrote the section of ${RESULTS_MD} from ${RESULTS_JSON}`);
    return;
  }
  const started = performance.now();
  const loadAtStart = loadavg();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

  const { nodeChild, compileChild } = await buildNodeChildren();
  const regcNeeded = (options.node && options.systems.includes('regc')) || (options.browser && options.browserSystems.includes('regc'));
  const compileTargets = [...new Set([...(options.node ? options.models : []), ...(options.browser ? options.browserModels : [])])];
  const compile = regcNeeded ? await compileModels(compileChild, compileTargets, options) : [];
  const records = [...(options.node ? await nodeRuns(nodeChild, options) : []), ...(options.browser ? await browserRuns(options) : [])];

  const meta: RunMeta = {
    date,
    command: commandLine(argv),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverage: { start: loadAtStart, end: loadavg() },
    },
    node: process.versions.node,
    chromium: options.browser ? chromiumVersion() : null,
    versions: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
    warmup: options.warmup,
    runs: options.runs,
    ...(options.browser ? { coldLaunches: options.coldLaunches, atLaunchLaunches: options.atLaunchLaunches } : {}),
    wallSeconds: (performance.now() - started) / 1000,
  };
  const run: BenchRun = { meta, compile, records };
  const section = renderSection(run, NOTES);
  console.log(`\n${section}`);
  if (options.write) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(RESULTS_JSON, `${JSON.stringify(run, null, 2)}\n`);
    writeFileSync(RESULTS_MD, replaceSection(readFileSync(RESULTS_MD, 'utf8'), section));
    console.log(`wrote ${RESULTS_JSON} and the section of ${RESULTS_MD}`);
  }
  if (records.some((r) => !r.ok) || compile.some((c) => !c.ok)) process.exitCode = 1;
}

await main(process.argv.slice(2));
