// The training-step benchmark in one command: one optimizer step of each
// model of bench/models/ in regc, TF.js (webgpu) and PyTorch (cpu); raw
// results to bench/results/train-step.json, the table to bench/RESULTS.md's
// section "One training step side by side".
//
//   npm run bench:train [-- --models mlp,cnn,resnet,transformer] [--systems regc,tfjs-webgpu,torch-cpu]
//     [--warmup 2] [--runs 5] [--no-profile] [--timeout 600] [--no-write] [--render-only]
//
// Every measurement happens in a child process, one system and model at a
// time: an esbuild bundle of train-child.ts for regc and TF.js (on the
// Dawn adapter of node-gpu.ts), /usr/bin/python3 train-torch.py for torch
// (PYTHON overrides the interpreter). This process only orchestrates.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseResult } from './child-protocol.ts';
import { isModelName, MODEL_NAMES, type ModelName } from './models.ts';
import { replaceSection } from './report.ts';
import { median } from './stats.ts';
import { buildTrainChild } from './train-build.ts';
import { isTrainSystemId, TRAIN_SYSTEM_IDS, type TrainRecord, type TrainSystemId } from './train-protocol.ts';
import { REGC_RUNTIME_NOTE } from './train-regc.ts';
import { renderTrainSection, TRAIN_SECTION_HEADING, type TrainRun } from './train-report.ts';

const RESULTS_JSON = 'bench/results/train-step.json';
const RESULTS_MD = 'bench/RESULTS.md';
const TORCH_CHILD = fileURLToPath(new URL('./train-torch.py', import.meta.url));
const PACKAGES = ['webgpu', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'esbuild'];

const NOTES: readonly string[] = [
  "TF.js is written as a TF.js user writes a training step: the model's tensors as `tf.variable`s in TF.js's layouts (NHWC convolutions, the input transposed once on the host before the steps), the same fused ops as the inference benchmark, batch normalisation from `tf.moments` with its running statistics assigned in the step, and `optimizer.minimize(() => loss, true, variables)` with `tf.losses.softmaxCrossEntropy` or `tf.losses.meanSquaredError`; its gradients are `@tensorflow/tfjs-core`'s own (`register_all_gradients`), bundled with the backend by esbuild.",
  'torch: `model.train(); optimizer.zero_grad(); loss_fn(model(x), labels).backward(); optimizer.step(); loss.item()`, with `torch.set_num_threads` at the number of cores; the encoder is `nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True)`, as the spec has no dropout.',
  'The profile runs after the timed steps, so it does not slow them; its step is one more update on the same batch.',
];

interface Options {
  readonly models: readonly ModelName[];
  readonly systems: readonly TrainSystemId[];
  readonly warmup: number;
  readonly runs: number;
  readonly profile: boolean;
  readonly timeoutMs: number;
  readonly write: boolean;
  readonly renderOnly: boolean;
}

function list<T extends string>(text: string | undefined, all: readonly T[], valid: (s: string) => s is T, what: string): T[] {
  if (text === undefined || text === 'all') return [...all];
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of items) if (!valid(item)) throw new Error(`unknown ${what} ${item}; choose from ${all.join(', ')}`);
  return items as T[];
}

function count(text: string | undefined, fallback: number, min: number, what: string): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${what} must be an integer >= ${min}`);
  return value;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      models: { type: 'string' },
      systems: { type: 'string' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      'no-profile': { type: 'boolean' },
      timeout: { type: 'string' },
      'no-write': { type: 'boolean' },
      'render-only': { type: 'boolean' },
    },
    strict: true,
  });
  return {
    models: list(values.models, MODEL_NAMES, isModelName, 'model'),
    systems: list(values.systems, TRAIN_SYSTEM_IDS, isTrainSystemId, 'system'),
    warmup: count(values.warmup, 2, 0, 'warmup'),
    runs: count(values.runs, 5, 1, 'runs'),
    profile: !values['no-profile'],
    timeoutMs: count(values.timeout, 600, 1, 'timeout') * 1000,
    write: !values['no-write'],
    renderOnly: values['render-only'] ?? false,
  };
}

interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runChild(command: string, args: readonly string[], timeoutMs: number): Promise<ChildOutput> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done({ code: null, stdout, stderr: `${stderr}\n${error.message}`, timedOut });
    });
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

function progress(r: TrainRecord): string {
  const where = `${r.system} / ${r.model}`;
  if (!r.ok) return `${where}: FAILED ${r.error.split('\n')[0]}`;
  return `${where}: median ${median(r.samplesMs).toFixed(1)} ms per step, losses ${r.losses[0]!.toFixed(5)} .. ${r.losses.at(-1)!.toFixed(5)}`;
}

async function measure(options: Options): Promise<TrainRecord[]> {
  const nodeChild = options.systems.some((s) => s !== 'torch-cpu') ? await buildTrainChild() : undefined;
  const records: TrainRecord[] = [];
  for (const model of options.models) {
    for (const system of options.systems) {
      const steps = ['--warmup', String(options.warmup), '--runs', String(options.runs)];
      const output =
        system === 'torch-cpu'
          ? await runChild(process.env.PYTHON ?? '/usr/bin/python3', [TORCH_CHILD, '--model', model, ...steps], options.timeoutMs)
          : await runChild(process.execPath, [nodeChild!, '--system', system, '--model', model, ...steps, ...(system === 'regc' && options.profile ? ['--profile'] : [])], options.timeoutMs);
      const record = (parseResult(output.stdout) as TrainRecord | undefined) ?? { system, model, ok: false, error: childFailure(output, options.timeoutMs) };
      records.push(record);
      console.log(progress(record));
    }
  }
  return records;
}

function packageVersion(name: string): string {
  for (const root of ['bench/node_modules', 'node_modules']) {
    try {
      return (JSON.parse(readFileSync(`${root}/${name}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      // not installed under this root
    }
  }
  return 'not installed';
}

function commandLine(argv: readonly string[]): string {
  const script = process.env.npm_lifecycle_event === 'bench:train' ? 'npm run bench:train' : 'npx tsx bench/peers/train-run.ts';
  return argv.length > 0 ? `${script}${script.startsWith('npm') ? ' --' : ''} ${argv.join(' ')}` : script;
}

function writeSection(section: string): void {
  writeFileSync(RESULTS_MD, replaceSection(readFileSync(RESULTS_MD, 'utf8'), section, TRAIN_SECTION_HEADING));
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options.renderOnly) {
    writeSection(renderTrainSection(JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as TrainRun, NOTES));
    console.log(`rewrote the section of ${RESULTS_MD} from ${RESULTS_JSON}`);
    return;
  }
  const started = performance.now();
  const loadAtStart = loadavg();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const records = await measure(options);
  const run: TrainRun = {
    meta: {
      date,
      command: commandLine(argv),
      machine: { cpu: cpus()[0]?.model.trim() ?? 'unknown CPU', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverage: { start: loadAtStart, end: loadavg() } },
      node: process.versions.node,
      versions: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
      warmup: options.warmup,
      runs: options.runs,
      wallSeconds: (performance.now() - started) / 1000,
      runtimeNote: REGC_RUNTIME_NOTE,
    },
    records,
  };
  const section = renderTrainSection(run, NOTES);
  console.log(`\n${section}`);
  if (options.write) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(RESULTS_JSON, `${JSON.stringify(run, null, 2)}\n`);
    writeSection(section);
    console.log(`wrote ${RESULTS_JSON} and the section of ${RESULTS_MD}`);
  }
  if (records.some((r) => !r.ok)) process.exitCode = 1;
}

await main(process.argv.slice(2));
