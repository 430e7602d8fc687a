// The page side of a Chromium run: everything starts at page load, so the
// cold start (navigation start to the first output) covers fetching the
// library and the model, compiling WASM, creating the device and pipelines.
// Each system has its own page module (pages/*.ts, one self-contained file
// each, as an application ships one bundle), which hands its system to
// runBenchPage. The page reads ?model=..&warmup=..&runs=..&bundle=.. and
// leaves its result in globalThis.__benchResult for chromium-run.ts to collect.
import { countGpuBuffers } from '../gpu-accounting.ts';
import { measure, type RunRecord } from '../measure.ts';
import { isModelName, MODELS, modelPaths, readModelIo } from '../models.ts';
import type { BenchSystem, FileReader } from '../system.ts';

interface PageGlobal {
  __benchResult?: RunRecord;
}

const files: FileReader = {
  async readBytes(path) {
    const response = await fetch(`/${path}`);
    if (!response.ok) throw new Error(`GET /${path}: ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  },
};

async function run(system: BenchSystem): Promise<RunRecord> {
  const params = new URLSearchParams(location.search);
  const modelName = params.get('model') ?? '';
  if (!isModelName(modelName)) throw new Error(`bad page parameters: ${location.search}`);
  const identity = { system: system.id, model: modelName, environment: 'chromium' } as const;
  try {
    // Counting starts before the system makes its device.
    const gpu = countGpuBuffers();
    const model = MODELS[modelName];
    const io = files.readBytes(modelPaths(modelName).io).then((bytes) => readModelIo(model, bytes));
    const measured = await measure(
      system,
      model,
      { files, regcBundle: params.get('bundle') ?? '' },
      io,
      { warmup: Number(params.get('warmup')), runs: Number(params.get('runs')) },
      { now: () => performance.now(), gpu },
    );
    const info = (await navigator.gpu.requestAdapter())?.info;
    const adapter = info ? [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') : null;
    return { ...identity, ok: true, ...measured, peakRssBytes: null, adapter };
  } catch (error) {
    return { ...identity, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

export function runBenchPage(system: BenchSystem): void {
  void run(system).then((record) => {
    (globalThis as PageGlobal).__benchResult = record;
  });
}
