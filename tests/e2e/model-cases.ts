// Whole-model golden cases (tests/golden/models/<case>/, written from torch by
// scripts/golden/models.py): reading a case, turning its state_dict into the
// compiler's weights, running a generated bundle on the Dawn device, and
// comparing with torch's output.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import type { GeneratedBundle } from '../../compiler/codegen/generate.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom, type PipelineChoice } from '../../runtime/bundle/load-bundle.ts';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { getTestDevice } from '../support/gpu.ts';

export const MODELS_GOLDEN_DIR = fileURLToPath(new URL('../golden/models/', import.meta.url));

export interface F32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface ModelCase {
  readonly name: string;
  /** The spec text (model.reg). */
  readonly spec: string;
  readonly specPath: string;
  /** The torch state_dict, as the compiler takes weights. */
  readonly weights: ReadonlyMap<string, GivenTensor>;
  readonly inputName: string;
  readonly input: F32Tensor;
  readonly outputName: string;
  readonly expected: F32Tensor;
  readonly tolerance: number;
  /** Groups cases in the error summary. */
  readonly family: string;
  readonly notes: string;
}

export function listModelCases(root = MODELS_GOLDEN_DIR): string[] {
  return readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .sort();
}

/**
 * The state_dict entry as compiler weights. Floats pass through; integer
 * tensors (torch's I64 num_batches_tracked) become floats, which the
 * compiler stores them as, as long as they are exact in f32.
 */
export function givenTensor(name: string, t: HostTensor): GivenTensor {
  if (t.data instanceof Float32Array) return { shape: t.shape, dtype: t.dtype, data: t.data };
  const values = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
  for (const v of values) {
    if (!Number.isSafeInteger(v) || Math.abs(v) > 2 ** 24) throw new Error(`tensor ${name}: ${t.dtype} value ${v} is not exact as f32`);
  }
  return { shape: t.shape, dtype: t.dtype, data: Float32Array.from(values) };
}

function f32(file: string, name: string, t: HostTensor | undefined): F32Tensor {
  if (!t) throw new Error(`${file} has no tensor '${name}'`);
  if (!(t.data instanceof Float32Array) || t.dtype !== 'F32') throw new Error(`${file}: tensor '${name}' is ${t.dtype}, expected F32`);
  return { shape: t.shape, data: t.data };
}

/** The spec's declared input and output names, which io.safetensors uses. */
function portNames(spec: string): { input: string; output: string } {
  const model = spec.slice(spec.search(/^model\s/m));
  const input = /^\s*input\s+([A-Za-z_][A-Za-z0-9_]*)\s*:/m.exec(model)?.[1];
  const output = /^\s*output\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\/\/.*)?$/m.exec(model)?.[1];
  if (!input || !output) throw new Error('model.reg needs a typed `input name: f32[...]` line and an `output name` line in its model');
  return { input, output };
}

export function loadModelCase(name: string, root = MODELS_GOLDEN_DIR): ModelCase {
  const folder = join(root, name);
  const spec = readFileSync(join(folder, 'model.reg'), 'utf8');
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as { tolerance: number; family?: string; notes?: string };
  const weights = new Map<string, GivenTensor>();
  for (const [tensor, t] of readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).tensors) weights.set(tensor, givenTensor(tensor, t));
  const io = readSafetensors(readFileSync(join(folder, 'io.safetensors'))).tensors;
  const ports = portNames(spec);
  return {
    name,
    spec,
    specPath: `${name}/model.reg`,
    weights,
    inputName: ports.input,
    input: f32('io.safetensors', ports.input, io.get(ports.input)),
    outputName: ports.output,
    expected: f32('io.safetensors', ports.output, io.get(ports.output)),
    tolerance: meta.tolerance,
    family: meta.family ?? name,
    notes: meta.notes ?? '',
  };
}

/** The first `batch` samples (axis 0). */
export function firstSamples(t: F32Tensor, batch: number): F32Tensor {
  const per = t.shape.slice(1).reduce((p, d) => p * d, 1);
  return { shape: [batch, ...t.shape.slice(1)], data: t.data.slice(0, batch * per) };
}

/**
 * Loads `bundle` from memory onto the test device, runs it once per input set
 * (in order), frees it. Pipelines 'fast' by default, so which kernels ran does
 * not depend on how quickly the background compiles finish.
 */
export async function runBundle(
  bundle: GeneratedBundle,
  inputSets: readonly Readonly<Record<string, Float32Array>>[],
  pipelines: PipelineChoice = 'fast',
): Promise<Record<string, F32Tensor>[]> {
  const device = await getTestDevice();
  const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { pipelines });
  try {
    const results: Record<string, F32Tensor>[] = [];
    for (const inputs of inputSets) results.push(await loaded.run(inputs));
    return results;
  } finally {
    loaded.destroy();
  }
}

export interface Agreement {
  /** Largest |got - want|. */
  readonly maxAbs: number;
  /** Elements outside |got - want| <= tol + tol * |want|. */
  readonly failures: number;
  /** A description of the first failure, or undefined when all agree. */
  readonly firstFailure: string | undefined;
}

/** Elementwise |got - want| <= atol + rtol * |want| with atol = rtol = tolerance; NaN never agrees. */
export function agreement(got: F32Tensor, want: F32Tensor, tolerance: number): Agreement {
  if (got.data.length !== want.data.length || got.shape.join() !== want.shape.join()) {
    return { maxAbs: Infinity, failures: want.data.length, firstFailure: `shape [${got.shape.join(', ')}], want [${want.shape.join(', ')}]` };
  }
  let maxAbs = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i]!;
    const w = want.data[i]!;
    const diff = Math.abs(g - w);
    const ok = diff <= tolerance + tolerance * Math.abs(w);
    if (!(diff <= maxAbs)) maxAbs = Number.isNaN(diff) ? Infinity : diff;
    if (!ok) {
      failures++;
      firstFailure ??= `at ${i}: got ${g}, want ${w}`;
    }
  }
  return { maxAbs, failures, firstFailure };
}
