// Compile time per spec, in a fresh Node process: the first compile (cold:
// the compiler's modules not yet optimised by V8, the parser built) and the
// median of further compiles, each from the spec text and the torch weights
// to the bundle's files in memory (manifest, WGSL, safetensors). The last
// bundle is written to disk for the regc runs.
//   node compile-child.mjs --models mlp,cnn --repeats 5 --bundles bench/.cache/peers/bundles
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleFiles, type BundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import type { GeneratedBundle } from '../../compiler/codegen/generate.ts';
import { peakLiveBytes, planBytes } from '../../compiler/codegen/memory-plan.ts';
import { resultLine, type CompileRecord, type MemoryFigures } from './child-protocol.ts';
import { isModelName, MODELS, modelPaths, readModelIo, type ModelName } from './models.ts';
import { median } from './stats.ts';

function option(args: readonly string[], name: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : undefined;
  if (value === undefined) throw new Error(`compile-child: missing --${name}`);
  return value;
}

function readGivenWeights(path: string): Map<string, GivenTensor> {
  const weights = new Map<string, GivenTensor>();
  for (const [name, t] of readSafetensors(new Uint8Array(readFileSync(path))).tensors) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
    weights.set(name, { shape: t.shape, dtype: t.dtype, data });
  }
  return weights;
}

function compileBundle(spec: string, specPath: string, weights: ReadonlyMap<string, GivenTensor>, noOpt = false): GeneratedBundle {
  const result = compileSource(spec, specPath, { weights, weightsPath: 'weights.safetensors', noOpt });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.bundle || errors.length > 0) throw new Error(`${specPath} does not compile: ${errors.map((d) => d.message).join('; ')}`);
  return result.bundle;
}

function compileOnce(spec: string, specPath: string, weights: ReadonlyMap<string, GivenTensor>): { files: BundleFiles; bundle: GeneratedBundle } {
  const bundle = compileBundle(spec, specPath, weights);
  return { files: bundleFiles(bundle), bundle };
}

function memoryFigures(bundle: GeneratedBundle, unfused: GeneratedBundle, batch: number): MemoryFigures {
  let weights = 0;
  for (const w of bundle.weights.values()) weights += w.data.length * 4;
  return {
    batch,
    planned: planBytes(bundle.memory.slots, batch),
    peakLive: peakLiveBytes(bundle.memory.values, batch),
    perValue: planBytes(bundle.memory.values.map((v) => v.elements), batch),
    perValueUnfused: planBytes(unfused.memory.values.map((v) => v.elements), batch),
    weights,
  };
}

function writeBundle(folder: string, files: BundleFiles): void {
  rmSync(folder, { recursive: true, force: true });
  for (const [path, contents] of files) {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
}

function compileModel(model: ModelName, repeats: number, bundles: string): CompileRecord {
  try {
    const paths = modelPaths(model);
    const spec = readFileSync(paths.spec, 'utf8');
    const weights = readGivenWeights(paths.weights);
    const time = () => {
      const start = performance.now();
      const compiled = compileOnce(spec, paths.spec, weights);
      return { ms: performance.now() - start, compiled };
    };
    const first = time();
    const later = Array.from({ length: repeats }, time);
    const last = later.at(-1) ?? first;
    writeBundle(join(bundles, model), last.compiled.files);
    const { manifest } = last.compiled.bundle;
    const batch = readModelIo(MODELS[model], new Uint8Array(readFileSync(paths.io))).input.shape[0]!;
    return {
      model,
      ok: true,
      firstMs: first.ms,
      medianMs: later.length > 0 ? median(later.map((t) => t.ms)) : first.ms,
      repeats: later.length,
      shaders: manifest.shaders.length,
      dispatches: manifest.dispatches.length,
      memory: memoryFigures(last.compiled.bundle, compileBundle(spec, paths.spec, weights, true), batch),
    };
  } catch (error) {
    return { model, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

const args = process.argv.slice(2);
const models = option(args, 'models').split(',');
const records = models.map((m) => {
  if (!isModelName(m)) return { model: m as ModelName, ok: false, error: `unknown model ${m}` };
  return compileModel(m, Number(option(args, 'repeats')), option(args, 'bundles'));
});
process.stdout.write(resultLine(records));
process.exit(records.every((r) => r.ok) ? 0 : 1);
