// One system on one model in a fresh Node process, spawned by run.ts from an
// esbuild bundle of this file (so regc's TypeScript is plain JavaScript, as a
// deployed app would ship it, and the cold start is not tsx transpiling).
//   node node-child.mjs --system regc --model mlp --warmup 3 --runs 10 --bundles bench/.cache/peers/bundles
// Prints one line `RESULT <json RunRecord>` and exits.
import { readFile } from 'node:fs/promises';
import { resultLine } from './child-protocol.ts';
import { countGpuBuffers, type GpuAccounting } from './gpu-accounting.ts';
import { measure, type RunRecord } from './measure.ts';
import { isModelName, MODELS, modelPaths, readModelIo } from './models.ts';
import { installNavigatorGpu } from './node-gpu.ts';
import { isSystemId, type BenchSystem, type FileReader, type SystemId } from './system.ts';

const SYSTEMS: Readonly<Record<SystemId, () => Promise<BenchSystem>>> = {
  regc: async () => (await import('./systems/regc.ts')).regcSystem,
  'tfjs-webgpu': async () => (await import('./systems/tfjs.ts')).tfjsSystem,
  'ort-web-webgpu': async () => (await import('./systems/ort-web.ts')).ortWebSystem,
  'ort-node-cpu': async () => (await import('./systems/ort-node.ts')).ortNodeSystem,
};

function option(args: readonly string[], name: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : undefined;
  if (value === undefined) throw new Error(`node-child: missing --${name}`);
  return value;
}

const diskFiles: FileReader = { readBytes: async (path) => new Uint8Array(await readFile(path)) };

async function main(args: readonly string[]): Promise<RunRecord> {
  const systemId = option(args, 'system');
  const modelName = option(args, 'model');
  if (!isSystemId(systemId)) throw new Error(`node-child: unknown system ${systemId}`);
  if (!isModelName(modelName)) throw new Error(`node-child: unknown model ${modelName}`);
  const identity = { system: systemId, model: modelName, environment: 'node' } as const;
  try {
    const system = await SYSTEMS[systemId]();
    let gpu: GpuAccounting | undefined;
    let adapter: string | null = null;
    if (system.usesGpu) {
      const navigatorGpu = await installNavigatorGpu();
      gpu = countGpuBuffers();
      const info = (await navigatorGpu.requestAdapter())?.info;
      adapter = info ? [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') : null;
    }
    const model = MODELS[modelName];
    const io = diskFiles.readBytes(modelPaths(modelName).io).then((bytes) => readModelIo(model, bytes));
    const measured = await measure(
      system,
      model,
      { files: diskFiles, regcBundle: `${option(args, 'bundles')}/${modelName}` },
      io,
      { warmup: Number(option(args, 'warmup')), runs: Number(option(args, 'runs')) },
      { now: () => performance.now(), ...(gpu ? { gpu } : {}) },
    );
    return { ...identity, ok: true, ...measured, peakRssBytes: process.resourceUsage().maxRSS * 1024, adapter };
  } catch (error) {
    return { ...identity, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

const record = await main(process.argv.slice(2));
process.stdout.write(resultLine(record));
// Dawn and ORT keep threads alive; the result is out, so leave now.
process.exit(record.ok ? 0 : 1);
