// bench/RESULTS.md's section for this benchmark, rendered from one run's
// raw results: a subsection per figure, a table per environment, a row per
// model, and regc's ratio to each peer (regc's value divided by the peer's:
// below 1 means regc takes less time or memory).
import type { CompileRecord } from './child-protocol.ts';
import type { Environment, RunRecord } from './measure.ts';
import { MODELS, type ModelName } from './models.ts';
import { median } from './stats.ts';
import type { SystemId } from './system.ts';

export const SECTION_HEADING = '## Side by side with TF.js and ONNX Runtime (`bench/peers/run.ts`)';

export interface RunMeta {
  readonly date: string;
  readonly command: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] } };
  readonly node: string;
  readonly chromium: string | null;
  readonly versions: Readonly<Record<string, string>>;
  readonly warmup: number;
  readonly runs: number;
  /** Chromium launches per system and model for the cold start (absent: one). */
  readonly coldLaunches?: number;
  /** Further Chromium launches per system and model whose page opened right after the browser started (absent: none). */
  readonly atLaunchLaunches?: number;
  readonly wallSeconds: number;
}

export interface BenchRun {
  readonly meta: RunMeta;
  readonly compile: readonly CompileRecord[];
  readonly records: readonly RunRecord[];
}

export const SYSTEM_LABELS: Readonly<Record<SystemId, string>> = {
  regc: 'regc',
  'tfjs-webgpu': 'TF.js webgpu',
  'ort-web-webgpu': 'ORT-web webgpu',
  'ort-node-cpu': 'ORT-node cpu',
};

const ENVIRONMENT_LABELS: Readonly<Record<Environment, string>> = {
  node: 'Node (Dawn)',
  chromium: 'headless Chromium',
};

type Measured = Extract<RunRecord, { ok: true }>;

export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function formatMiB(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes >= 100 * 2 ** 20 ? 0 : 2);
}

export function formatError(error: number): string {
  if (!Number.isFinite(error)) return 'wrong shape or NaN';
  return error === 0 ? '0' : error.toExponential(1);
}

export function formatRatio(regc: number | null | undefined, peer: number | null | undefined): string {
  if (regc === null || regc === undefined || peer === null || peer === undefined || peer === 0 || !Number.isFinite(regc) || !Number.isFinite(peer)) return '—';
  const r = regc / peer;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

interface Figure {
  readonly title: string;
  readonly unit: string;
  readonly value: (r: Measured) => number | null;
  readonly format: (v: number) => string;
  readonly ratios: boolean;
  /** Shown after the value, e.g. the range it is the median of. */
  readonly detail?: (r: Measured, meta: RunMeta) => string;
  /** Where the figure is measured at all (absent: everywhere). */
  readonly environments?: readonly Environment[];
}

/** The median over several launches, or the one value there is. */
function medianOf(launches: readonly number[] | undefined, single: number | null): number | null {
  return launches && launches.length > 0 ? median(launches) : single;
}

/** The range of the launches, and how many there were where some failed. */
function launchRange(launches: readonly number[] | undefined, expected: number | undefined): string {
  if (!launches || launches.length <= 1) return '';
  const short = expected !== undefined && launches.length < expected ? `, ${launches.length} of ${expected} launches` : '';
  return ` (${formatMs(Math.min(...launches))}-${formatMs(Math.max(...launches))}${short})`;
}

const FIGURES: readonly Figure[] = [
  { title: 'Inference latency', unit: 'median ms per batch, upload and readback included', value: (r) => r.latencyMs.median, format: formatMs, ratios: true },
  {
    title: 'Cold start',
    unit: 'ms from process start (Node) or navigation start (Chromium) to the first output; in Chromium the page opens once the freshly launched browser has settled (its processes idle), and the figure is the median of several launches, their range in brackets',
    value: (r) => medianOf(r.coldStartLaunchesMs, r.coldStartMs),
    format: formatMs,
    ratios: true,
    detail: (r, meta) => launchRange(r.coldStartLaunchesMs, meta.coldLaunches),
  },
  {
    title: 'Cold start right after launch',
    unit: "ms from navigation start to the first output, with the page opened the moment the browser is up, while the browser's own start-up still keeps both cores busy for about a second: the worst case; median of several launches, their range in brackets",
    value: (r) => medianOf(r.coldStartAtLaunchMs, null),
    format: formatMs,
    ratios: true,
    detail: (r, meta) => launchRange(r.coldStartAtLaunchMs, meta.atLaunchLaunches),
    environments: ['chromium'],
  },
  {
    title: 'Full speed',
    unit: 'ms from the same origin until the system runs at full speed, in the measured launch: its cold start, plus for regc the background compiles of its fast pipelines',
    value: (r) => r.settledMs ?? null,
    format: formatMs,
    ratios: true,
  },
  { title: 'Peak GPU buffer memory', unit: 'MiB of live GPU buffers at the peak', value: (r) => r.peakGpuBytes, format: formatMiB, ratios: true },
  { title: 'Peak resident memory', unit: 'MiB; Node: the process; Chromium: all its processes', value: (r) => r.peakRssBytes, format: formatMiB, ratios: true },
  { title: 'Max error against PyTorch', unit: 'max |output - torch| over every run', value: (r) => r.maxAbsError, format: formatError, ratios: false },
];

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function present<T>(values: readonly T[], order: readonly T[]): T[] {
  return order.filter((v) => values.includes(v));
}

const MODEL_ORDER = Object.keys(MODELS) as ModelName[];
const SYSTEM_ORDER = Object.keys(SYSTEM_LABELS) as SystemId[];

function figureTable(figure: Figure, records: readonly RunRecord[], meta: RunMeta): string {
  const systems = present([...new Set(records.map((r) => r.system))], SYSTEM_ORDER);
  const models = present([...new Set(records.map((r) => r.model))], MODEL_ORDER);
  const peers = systems.filter((s) => s !== 'regc');
  const valueOf = (model: ModelName, system: SystemId): number | null | undefined => {
    const r = records.find((x) => x.model === model && x.system === system);
    return r?.ok ? figure.value(r) : undefined;
  };
  const header = ['model', ...systems.map((s) => SYSTEM_LABELS[s]), ...(figure.ratios && systems.includes('regc') ? peers.map((p) => `regc ÷ ${SYSTEM_LABELS[p]}`) : [])];
  const rows = models.map((model) => {
    const cells = systems.map((system) => {
      const r = records.find((x) => x.model === model && x.system === system);
      if (!r) return '';
      if (!r.ok) return 'failed';
      const v = figure.value(r);
      return v === null ? 'n/a' : figure.format(v) + (figure.detail?.(r, meta) ?? '');
    });
    const ratios = figure.ratios && systems.includes('regc') ? peers.map((p) => formatRatio(valueOf(model, 'regc'), valueOf(model, p))) : [];
    return [model, ...cells, ...ratios];
  });
  return table(header, rows);
}

function compileTable(records: readonly CompileRecord[]): string {
  const rows = records.map((r) =>
    r.ok
      ? [r.model, formatMs(r.firstMs!), formatMs(r.medianMs!), String(r.repeats), String(r.shaders), String(r.dispatches)]
      : [r.model, 'failed', '', '', '', ''],
  );
  return table(['model', 'first compile (ms)', 'median of later (ms)', 'later compiles', 'shaders', 'dispatches'], rows);
}

function memoryTable(records: readonly CompileRecord[]): string {
  const ratio = (part: number, whole: number) => `${(part / whole).toFixed(2)}×`;
  const rows = records.flatMap((r) => {
    const m = r.memory;
    if (!r.ok || !m) return [];
    return [[
      r.model,
      String(m.batch),
      formatMiB(m.planned),
      formatMiB(m.peakLive),
      formatMiB(m.perValue),
      ratio(m.planned, m.perValue),
      formatMiB(m.perValueUnfused),
      ratio(m.planned, m.perValueUnfused),
      formatMiB(m.weights),
    ]];
  });
  return table(
    ['model', 'batch', 'planned (MiB)', 'least possible (MiB)', 'one buffer per value (MiB)', 'planned ÷ per value', 'per value, unfused graph (MiB)', 'planned ÷ unfused', 'weights (MiB)'],
    rows,
  );
}

/** regc's cold start by phase, from the records that carry its load phases. */
function coldStartPhases(records: readonly RunRecord[]): string | undefined {
  const rows = records.flatMap((r) => {
    if (!r.ok || r.system !== 'regc' || !r.loadPhases || r.loadStartMs === undefined) return [];
    const p = r.loadPhases;
    return [[
      ENVIRONMENT_LABELS[r.environment],
      r.model,
      formatMs(r.loadStartMs),
      formatMs(p.device ?? NaN),
      formatMs(p.bundle ?? NaN),
      formatMs(r.firstRunMs),
      formatMs(r.coldStartMs),
    ]];
  });
  if (rows.length === 0) return undefined;
  return table(['environment', 'model', 'before load', 'device', 'bundle: files, weights', 'first run, with its compiles', 'cold start'], rows);
}

function failures(run: BenchRun): string[] {
  const lines: string[] = [];
  for (const r of run.records) if (!r.ok) lines.push(`- ${SYSTEM_LABELS[r.system]} on ${r.model} (${ENVIRONMENT_LABELS[r.environment]}): ${firstLine(r.error)}`);
  for (const c of run.compile) if (!c.ok) lines.push(`- regc compile of ${c.model}: ${firstLine(c.error ?? '')}`);
  return lines;
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim().length > 0) ?? text).trim();
}

/** How long the browsers of the measured launches took to settle before their page opened, where they did. */
function settleRange(records: readonly RunRecord[]): string {
  const waits = records.flatMap((r) => (r.ok && typeof r.browserSettleMs === 'number' ? [r.browserSettleMs] : []));
  if (waits.length === 0) return '';
  return `; the browsers settled ${(Math.min(...waits) / 1000).toFixed(1)}-${(Math.max(...waits) / 1000).toFixed(1)} s after launch`;
}

/** The WebGPU adapter each environment reported. */
function adapters(records: readonly RunRecord[]): string {
  const seen = new Map<Environment, string>();
  for (const r of records) if (r.ok && r.adapter && !seen.has(r.environment)) seen.set(r.environment, r.adapter);
  if (seen.size === 0) return 'Adapter: none reported';
  const names = [...seen.values()];
  if (names.every((n) => n === names[0])) return `Adapter: ${names[0]}`;
  return `Adapters: ${[...seen].map(([env, name]) => `${ENVIRONMENT_LABELS[env]} ${name}`).join('; ')}`;
}

export function renderSection(run: BenchRun, notes: readonly string[] = []): string {
  const { meta } = run;
  const environments = present([...new Set(run.records.map((r) => r.environment))], ['node', 'chromium'] as Environment[]);
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(1)).join(', ');
  const out: string[] = [
    SECTION_HEADING,
    '',
    'regc against TensorFlow.js (webgpu backend) and ONNX Runtime Web (WebGPU execution provider) on the same',
    'WebGPU adapter, with ONNX Runtime for Node on the CPU for reference. Every system loads the same torch',
    'weights (`bench/models/<model>/`, written by `scripts/golden/bench_models.py`) and runs the same batch, and',
    "every output is checked against PyTorch's. Each system runs each model in a fresh process (Node) or a",
    'freshly launched browser (Chromium), one at a time; the page opens once that browser has settled (its',
    'processes idle), as a user opens a page in a browser that is already running,',
    'and cold starts with the page opened the moment the browser is up are given beside those. Latency is',
    'the median of the timed runs after untimed warm-up runs, each run uploading the input and reading the',
    'output back. Ratios are regc ÷ peer: below 1 regc is faster or smaller. Timings move by about ±20%',
    'between runs: compare within one run.',
    '',
    '```sh',
    meta.command,
    '```',
    '',
    `Measured ${meta.date} on ${meta.machine.cpu} (${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB), load average ${load(meta.machine.loadAverage.start)} at the start and ` +
      `${load(meta.machine.loadAverage.end)} at the end; ${meta.runs} timed runs after ${meta.warmup} warm-up runs${(meta.coldLaunches ?? 1) > 1 ? `; Chromium cold starts from ${meta.coldLaunches} launches each` : ''}${(meta.atLaunchLaunches ?? 0) > 0 ? ` and ${meta.atLaunchLaunches} more opening the page right after launch` : ''}${settleRange(run.records)}; the whole run took ${Math.round(meta.wallSeconds)} s. ` +
      `${adapters(run.records)}. Node ${meta.node}${meta.chromium ? `, ${meta.chromium}` : ''}; ` +
      Object.entries(meta.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      '.',
    '',
    'Models:',
    '',
    ...present([...new Set(run.records.map((r) => r.model))], MODEL_ORDER).map((m) => `- \`${m}\`: ${MODELS[m].description}`),
  ];
  for (const figure of FIGURES) {
    const shown = environments.filter((e) => !figure.environments || figure.environments.includes(e));
    if (shown.length === 0) continue;
    out.push('', `### ${figure.title}`, '', `${figure.unit}.`);
    for (const environment of shown) {
      out.push('', `${ENVIRONMENT_LABELS[environment]}:`, '', figureTable(figure, run.records.filter((r) => r.environment === environment), run.meta));
    }
  }
  const phases = coldStartPhases(run.records);
  if (phases) {
    out.push(
      '',
      "### Where regc's cold start goes",
      '',
      "ms, of the measured launch (the one the latency and full-speed figures come from); before load: from the time origin to the start of loading (process or page start, the harness; its input and torch's output are read while the system loads); device: requesting the adapter and device, while the manifest and the first run's shaders are read; bundle: from the device to the weights uploaded and every first-run shader module made, their pipelines compiling; first run: the dispatches, each submitted once its pipeline has compiled.",
      '',
      phases,
    );
  }
  if (run.compile.length > 0) {
    out.push('', '### Compile time (regc)', '', 'From the spec text and the torch weights to the bundle files in memory, in a fresh Node process per model.', '', compileTable(run.compile));
    if (run.compile.some((r) => r.memory)) {
      out.push(
        '',
        '### Activation memory (regc)',
        '',
        "From regc's memory plan at the benchmark batch: the buffer slots the liveness-based plan allocates, against one buffer for every value of the same graph, and against one buffer for every value of the unfused graph (`--no-opt`: each op's output its own tensor, as a runtime dispatching op by op holds them). The least possible is the most bytes live at any one step of the fused graph, which no plan can go below. Weights are the same in every column and not included.",
        '',
        memoryTable(run.compile),
      );
    }
  }
  const failed = failures(run);
  if (failed.length > 0) out.push('', '### Failures', '', ...failed);
  if (notes.length > 0) out.push('', '### Notes', '', ...notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}

/** markdown with one benchmark's section (this one's by default) replaced or appended, other sections untouched. */
export function replaceSection(markdown: string, section: string, heading: string = SECTION_HEADING): string {
  const start = markdown.indexOf(heading);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.slice(start + heading.length).search(/^## /m);
  const end = next < 0 ? markdown.length : start + heading.length + next;
  const rest = markdown.slice(end);
  return `${markdown.slice(0, start)}${section}${rest.length > 0 ? `\n${rest}` : ''}`;
}
