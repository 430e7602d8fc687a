// bench/RESULTS.md's section for the training-step benchmark, rendered from
// one run's raw results: step time per system with regc's ratios, memory of
// one step beside torch's, the losses every system computed (the check that
// they ran the same step), and where regc's step spends its time.
import { MODELS, type ModelName } from './models.ts';
import { formatMiB, formatMs, formatRatio } from './report.ts';
import { median } from './stats.ts';
import { costsBy, phaseOf, type StepPhase } from './train-profile.ts';
import type { TrainMeasured, TrainRecord, TrainSystemId } from './train-protocol.ts';

export const TRAIN_SECTION_HEADING = '## One training step side by side';

/** The issue's target: regc's step at most this fraction of TF.js's. */
export const TARGET_RATIO_TO_TFJS = 0.3;

export interface TrainRunMeta {
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] } };
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly warmup: number;
  readonly runs: number;
  readonly wallSeconds: number;
  readonly runtimeNote: string;
}

export interface TrainRun {
  readonly meta: TrainRunMeta;
  readonly records: readonly TrainRecord[];
}

const LABELS: Readonly<Record<TrainSystemId, string>> = { regc: 'regc', 'tfjs-webgpu': 'TF.js webgpu', 'torch-cpu': 'torch cpu' };
const MODEL_ORDER = Object.keys(MODELS) as ModelName[];

/** `left`: the columns, besides the first, that hold names rather than numbers. */
function table(header: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = []): string {
  const align = header.map((_, i) => (i === 0 || left.includes(i) ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim().length > 0) ?? text).trim();
}

class Records {
  constructor(private readonly records: readonly TrainRecord[]) {}

  models(): ModelName[] {
    return MODEL_ORDER.filter((m) => this.records.some((r) => r.model === m));
  }

  get(model: ModelName, system: TrainSystemId): TrainRecord | undefined {
    return this.records.find((r) => r.model === model && r.system === system);
  }

  ok(model: ModelName, system: TrainSystemId): TrainMeasured | undefined {
    const r = this.get(model, system);
    return r?.ok ? r : undefined;
  }

  stepMs(model: ModelName, system: TrainSystemId): number | undefined {
    const r = this.ok(model, system);
    return r ? median(r.samplesMs) : undefined;
  }
}

function timeCell(rs: Records, model: ModelName, system: TrainSystemId): string {
  const r = rs.get(model, system);
  if (!r) return '';
  if (!r.ok) return system === 'regc' ? 'does not train (see below)' : 'failed (see below)';
  const min = Math.min(...r.samplesMs);
  const max = Math.max(...r.samplesMs);
  return `${formatMs(median(r.samplesMs))} (${formatMs(min)}-${formatMs(max)})`;
}

function stepTable(rs: Records): string {
  const rows = rs.models().map((model) => {
    const regc = rs.stepMs(model, 'regc');
    const tfjs = rs.stepMs(model, 'tfjs-webgpu');
    const met = regc !== undefined && tfjs !== undefined ? (regc <= TARGET_RATIO_TO_TFJS * tfjs ? 'yes' : 'no') : '—';
    return [model, timeCell(rs, model, 'regc'), timeCell(rs, model, 'tfjs-webgpu'), timeCell(rs, model, 'torch-cpu'), formatRatio(regc, tfjs), formatRatio(regc, rs.stepMs(model, 'torch-cpu')), met];
  });
  return table(['model', 'regc (ms)', 'TF.js webgpu (ms)', 'torch cpu (ms)', 'regc ÷ TF.js', 'regc ÷ torch', `regc ≤ ${TARGET_RATIO_TO_TFJS}× TF.js`], rows);
}

function memoryTable(rs: Records): string {
  const rows = rs.models().map((model) => {
    const regc = rs.ok(model, 'regc')?.regc?.memory;
    const torch = rs.ok(model, 'torch-cpu')?.torch?.memory;
    const tfjs = rs.ok(model, 'tfjs-webgpu')?.peakGpuBytes;
    const regcGpu = rs.ok(model, 'regc')?.peakGpuBytes;
    const mib = (b: number | undefined) => (b === undefined ? '—' : formatMiB(b));
    return [model, mib(regc?.total), mib(torch?.totalBytes), formatRatio(regc?.total, torch?.totalBytes), mib(regcGpu), mib(tfjs), formatRatio(regcGpu, tfjs), mib(torch?.rssGrowthBytes)];
  });
  return table(['model', 'regc: bundle buffers (MiB)', 'torch: tensors at the peak (MiB)', 'regc ÷ torch', 'regc: GPU buffers at the peak (MiB)', 'TF.js: GPU buffers at the peak (MiB)', 'regc ÷ TF.js', 'torch: resident-set growth (MiB)'], rows);
}

function memoryBreakdown(rs: Records): string {
  const rows = rs.models().flatMap((model) => {
    const regc = rs.ok(model, 'regc')?.regc?.memory;
    const torch = rs.ok(model, 'torch-cpu')?.torch?.memory;
    if (!regc && !torch) return [];
    const mib = (b: number | undefined) => (b === undefined ? '—' : formatMiB(b));
    return [[model, String(regc?.batch ?? '—'), mib(regc?.activations), mib(regc?.activationsPeakLive), mib(regc?.params), mib(regc?.optimizerState), mib(regc ? regc.running + regc.other : undefined), mib(torch?.persistentBytes), mib(torch?.stepPeakBytes)]];
  });
  return table(['model', 'batch', 'regc activations, planned', 'regc activations, least possible', 'regc parameters', 'regc momentum', 'regc running stats, constants, laid-out copies', 'torch live at step start', 'torch peak during the step'], rows);
}

function formatLoss(v: number | undefined): string {
  return v === undefined ? '—' : v.toFixed(6);
}

function formatDiff(v: number | undefined, ref: number | undefined): string {
  if (v === undefined || ref === undefined) return '—';
  const d = Math.abs(v - ref);
  return d === 0 ? '0' : d.toExponential(1);
}

/** |Δ| above which a loss is not torch's: well past float32 rounding over a few steps. */
const LOSS_AGREEMENT = 1e-4;

/** Models where a system's first loss is torch's and its last is not: its update is not torch's. */
function departures(rs: Records): string[] {
  return (['regc', 'tfjs-webgpu'] as const).flatMap((system) => {
    const models = rs.models().filter((model) => {
      const own = rs.ok(model, system)?.losses;
      const torch = rs.ok(model, 'torch-cpu')?.losses;
      if (!own || !torch || own.length !== torch.length || own.length < 2) return false;
      return Math.abs(own[0]! - torch[0]!) <= LOSS_AGREEMENT && Math.abs(own.at(-1)! - torch.at(-1)!) > LOSS_AGREEMENT;
    });
    return models.length === 0
      ? []
      : [`${LABELS[system]}'s loss leaves torch's after the first step on ${models.join(', ')} (|Δ| ≤ ${LOSS_AGREEMENT} at step 1, more at the last): its update does not compute torch's there, so its time there is not yet that of a correct step.`];
  });
}

function lossTable(rs: Records): string {
  const rows = rs.models().map((model) => {
    const loss = (s: TrainSystemId, at: 'first' | 'last') => {
      const l = rs.ok(model, s)?.losses;
      return l && l.length > 0 ? (at === 'first' ? l[0] : l[l.length - 1]) : undefined;
    };
    const steps = rs.ok(model, 'torch-cpu')?.losses.length;
    return [
      model,
      formatLoss(loss('torch-cpu', 'first')),
      formatDiff(loss('regc', 'first'), loss('torch-cpu', 'first')),
      formatDiff(loss('tfjs-webgpu', 'first'), loss('torch-cpu', 'first')),
      steps === undefined ? '—' : String(steps),
      formatLoss(loss('torch-cpu', 'last')),
      formatDiff(loss('regc', 'last'), loss('torch-cpu', 'last')),
      formatDiff(loss('tfjs-webgpu', 'last'), loss('torch-cpu', 'last')),
    ];
  });
  return table(['model', 'torch: loss of step 1', 'regc: \\|Δ\\| step 1', 'TF.js: \\|Δ\\| step 1', 'steps', 'torch: loss of the last step', 'regc: \\|Δ\\| last', 'TF.js: \\|Δ\\| last'], rows);
}

const PHASES: readonly StepPhase[] = ['forward and loss', 'backward', 'update'];

function phaseTable(rs: Records): string | undefined {
  const rows = rs.models().flatMap((model) => {
    const r = rs.ok(model, 'regc');
    const p = r?.regc?.profile;
    if (!r || !p) return [];
    const phases = phaseOf(p.dispatches);
    const by = new Map(costsBy(p.dispatches, (_, i) => phases[i]!).map((c) => [c.name, c]));
    const cell = (phase: StepPhase) => {
      const c = by.get(phase);
      return c ? `${formatMs(c.ms)} (${c.dispatches})` : '—';
    };
    return [[model, ...PHASES.map(cell), formatMs(p.totalMs), formatMs(median(r.samplesMs))]];
  });
  if (rows.length === 0) return undefined;
  return table(['model', 'forward and loss, ms (dispatches)', 'backward', 'update', 'sum of dispatches alone', 'the step'], rows);
}

/** The most expensive layers (dispatch labels, with the ids of unnamed nodes dropped) and shaders of one model. */
function topCosts(r: TrainMeasured, count: number): string {
  const p = r.regc!.profile!;
  const layers = costsBy(p.dispatches, (d) => d.label.replace(/ %\d+$/, ' (unnamed nodes)'));
  const shaders = costsBy(p.dispatches, (d) => d.shader.replace(/^shaders\//, ''));
  const share = (ms: number) => `${((100 * ms) / p.totalMs).toFixed(0)}%`;
  const rows = Array.from({ length: Math.min(count, Math.max(layers.length, shaders.length)) }, (_, i) => {
    const l = layers[i];
    const s = shaders[i];
    return [
      String(i + 1),
      l ? `\`${l.name}\`` : '',
      l ? `${formatMs(l.ms)} (${share(l.ms)}, ${l.dispatches})` : '',
      s ? `\`${s.name}\`` : '',
      s ? `${formatMs(s.ms)} (${share(s.ms)}, ${s.dispatches})` : '',
    ];
  });
  return table(['', 'layer (dispatch label)', 'ms (share, dispatches)', 'shader', 'ms (share, dispatches)'], rows, [1, 3]);
}

function failures(rs: readonly TrainRecord[]): string[] {
  return rs.flatMap((r) => (r.ok ? [] : [`- ${LABELS[r.system]} on ${r.model}: ${firstLine(r.error)}`]));
}

function adapter(records: readonly TrainRecord[]): string {
  const names = [...new Set(records.flatMap((r) => (r.ok && r.adapter ? [r.adapter] : [])))];
  return names.length === 0 ? 'none reported' : names.join('; ');
}

function threads(records: readonly TrainRecord[]): string {
  const r = records.find((x): x is TrainMeasured => x.ok && x.torch !== undefined);
  return r?.torch ? `torch ${r.torch.version} with ${r.torch.threads} threads` : 'torch not run';
}

export function renderTrainSection(run: TrainRun, notes: readonly string[] = []): string {
  const { meta } = run;
  const rs = new Records(run.records);
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(', ');
  const out: string[] = [
    TRAIN_SECTION_HEADING,
    '',
    'One optimizer step (forward in training mode, loss, backward, update) of each benchmark model in regc, in',
    "TensorFlow.js's webgpu backend on the same WebGPU adapter, and in PyTorch on the CPU: the same torch weights",
    '(`bench/models/<model>/weights.safetensors`), the same batch (`io.safetensors`, the inference benchmark\'s), the',
    'same labels (`bench/peers/train-setup.ts`), the same loss (cross_entropy; mse against a fixed target for the',
    'encoder, whose output is a sequence of features) and the same optimizer, sgd(lr=0.01, momentum=0.9)',
    '(`bench/models/<model>-train.reg`, `tf.train.momentum`, `torch.optim.SGD`). Batch normalisation trains on',
    "the batch's statistics and updates its running ones in all three. Each system runs each model in a fresh",
    'process: one first step (it compiles what it needs), untimed warm-up steps, then timed steps, every one on',
    'the same batch, uploading it, stepping, and reading the loss back. Times are the median of the timed steps,',
    'their range in brackets. Ratios are regc ÷ peer: below 1 regc is faster or smaller. On SwiftShader the GPU is',
    'emulated on the same two cores torch uses, so the GPU figures move with the load other processes put on the',
    'machine: compare within one run.',
    '',
    '```sh',
    meta.command,
    '```',
    '',
    `Measured ${meta.date} on ${meta.machine.cpu} (${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB), load average ${load(meta.machine.loadAverage.start)} at the start and ` +
      `${load(meta.machine.loadAverage.end)} at the end (1, 5 and 15 minutes); ${meta.runs} timed steps after the first and ${meta.warmup} warm-up steps; the whole run took ${Math.round(meta.wallSeconds)} s. ` +
      `Adapter: ${adapter(run.records)}. Node ${meta.node}; ${threads(run.records)}; ` +
      Object.entries(meta.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      '.',
    '',
    `Runtime: ${meta.runtimeNote}.`,
    '',
    'Models:',
    '',
    ...rs.models().map((m) => `- \`${m}\`: ${MODELS[m].description}`),
    '',
    '### Step time',
    '',
    `ms per step, upload and loss readback included. The issue's target is regc ≤ ${TARGET_RATIO_TO_TFJS}× TF.js on every model.`,
    '',
    stepTable(rs),
    '',
    '### Memory of one step',
    '',
    "regc: the bytes of every buffer its train bundle allocates at the benchmark batch (activations and scratch as its memory plan lays them out, parameters, momentum, running statistics, constants), from the bundle; and, beside TF.js's, the live GPU buffer bytes at the peak as counted on the device (every `createBuffer` less every `destroy`; with the staging and readback buffers). torch: the tensors live when a step begins (parameters, their `.grad`, momentum, running statistics, the batch) plus the peak of torch's CPU allocations during the step, from `torch.profiler(profile_memory=True)`'s allocation events, tensors only; the resident-set growth of the process over the steps (`ru_maxrss` against the resident size before the first step, with the allocator's and the thread pool's slack) is given for scale.",
    '',
    memoryTable(rs),
    '',
    'Broken down, in MiB:',
    '',
    memoryBreakdown(rs),
    '',
    '### The losses: the same step in every system',
    '',
    "Each system's loss against torch's, at the first step (the same weights, batch and loss) and at the last (after the same number of updates on the same batch).",
    '',
    lossTable(rs),
    ...departures(rs).flatMap((line) => ['', line]),
  ];
  const phases = phaseTable(rs);
  if (phases) {
    out.push(
      '',
      "### Where regc's step goes",
      '',
      "Every dispatch of one more step, recorded as the runtime encoded it and then run alone, each in its own submission, waited for, with the wait for an empty submission subtracted (`bench/peers/train-profile.ts`); so the sum is close to the step's time, not equal. Phases: the dispatches before the first gradient dispatch (forward pass and loss), from it to the last gradient dispatch (backward), and the rest (the optimizer's update). ms, dispatches in brackets.",
      '',
      phases,
    );
    for (const model of rs.models()) {
      const r = rs.ok(model, 'regc');
      const tfjs = rs.stepMs(model, 'tfjs-webgpu');
      if (!r?.regc?.profile) continue;
      const missed = tfjs !== undefined && median(r.samplesMs) > TARGET_RATIO_TO_TFJS * tfjs;
      out.push('', `${model}${missed ? ` (over the ${TARGET_RATIO_TO_TFJS}× target)` : ''}: the most expensive layers and shaders`, '', topCosts(r, 8));
    }
  }
  const failed = failures(run.records);
  if (failed.length > 0) out.push('', '### Failures', '', ...failed);
  if (notes.length > 0) out.push('', '### Notes', '', ...notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}
