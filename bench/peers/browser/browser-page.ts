// The page side of a Chromium run: everything starts at page load, so the
// cold start (navigation start to the first output) covers fetching the
// library and the model, compiling WASM, creating the device and pipelines.
// The page reads ?system=..&model=..&warmup=..&runs=.. and leaves its
// result in globalThis.__benchResult for chromium-run.ts to collect.
import { countGpuBuffers } from '../gpu-accounting.ts';
import { measure, type RunRecord } from '../measure.ts';
import { isModelName, MODELS, modelPaths, readModelIo } from '../models.ts';
import { isSystemId, type BenchSystem, type FileReader, type SystemId } from '../system.ts';

const SYSTEMS: Partial<Readonly<Record<SystemId, () => Promise<BenchSystem>>>> = {
  regc: async () => (await import('../systems/regc.ts')).regcSystem,
  'tfjs-webgpu': async () => (await import('../systems/tfjs.ts')).tfjsSystem,
  'ort-web-webgpu': async () => {
    const ort = await import('onnxruntime-web/webgpu');
    // The page's chunks are not next to ORT's WASM; the server has it under /ort/.
    ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
    return (await import('../systems/ort-web.ts')).ortWebSystem;
  },
};

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

async function run(): Promise<RunRecord> {
  const params = new URLSearchParams(location.search);
  const systemId = params.get('system') ?? '';
  const modelName = params.get('model') ?? '';
  if (!isSystemId(systemId) || !isModelName(modelName)) throw new Error(`bad page parameters: ${location.search}`);
  const identity = { system: systemId, model: modelName, environment: 'chromium' } as const;
  try {
    const load = SYSTEMS[systemId];
    if (!load) throw new Error(`${systemId} does not run in a page`);
    const gpu = countGpuBuffers();
    const system = await load();
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

void run().then((record) => {
  (globalThis as PageGlobal).__benchResult = record;
});
