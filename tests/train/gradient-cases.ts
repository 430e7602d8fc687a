// Gradient golden cases (tests/golden/gradients/<mode>/<case>/, written from
// torch by scripts/golden/gradients.py): reading a case and running its
// gradient graph on the Dawn device.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSource } from '../../compiler/compile.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import type { Graph } from '../../compiler/ir/types.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { gradientGraph, GRAD_OUTPUT_INPUT } from '../../compiler/train/gradient-graph.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { givenTensor, runBundle, type F32Tensor } from '../e2e/model-cases.ts';

export const GRADIENTS_GOLDEN_DIR = fileURLToPath(new URL('../golden/gradients/', import.meta.url));

export interface GradientCase {
  readonly name: string;
  readonly mode: 'eval' | 'train';
  readonly spec: string;
  readonly weights: ReadonlyMap<string, GivenTensor>;
  /** Inputs, grad_output, output, grad.*, grad_input.*, state.* (see the script). */
  readonly tensors: ReadonlyMap<string, F32Tensor>;
  readonly inputs: readonly string[];
  readonly output: string;
}

export function listGradientCases(mode: 'eval' | 'train', root = GRADIENTS_GOLDEN_DIR): string[] {
  return readdirSync(join(root, mode)).sort();
}

/** A case of `root` (tests/golden/gradients/ or an op-level folder in the same layout). */
export function loadGradientCase(mode: 'eval' | 'train', name: string, root = GRADIENTS_GOLDEN_DIR): GradientCase {
  const folder = join(root, mode, name);
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as { output: string; inputs: string[] };
  const weights = new Map<string, GivenTensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).tensors) weights.set(k, givenTensor(k, t));
  const tensors = new Map<string, F32Tensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'tensors.safetensors'))).tensors) {
    tensors.set(k, { shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number) });
  }
  return { name, mode, spec: readFileSync(join(folder, 'model.reg'), 'utf8'), weights, tensors, inputs: meta.inputs, output: meta.output };
}

/** Runs the case's gradient graph once: every output of it by name. `adapt` may change the lowered graph first. */
export async function runGradientCase(c: GradientCase, adapt: (g: Graph) => Graph = (g) => g): Promise<Record<string, F32Tensor>> {
  const compiled = compileSource(c.spec, `${c.name}/model.reg`, { weights: c.weights, noOpt: true });
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (!compiled.trainGraph || errors.length > 0) throw new Error(`does not compile: ${errors.map((d) => d.message).join('; ')}`);
  const { graph } = gradientGraph(adapt(compiled.trainGraph), { mode: c.mode });
  const bundle = generateBundle(graph, { model: c.name, generator: 'gradient goldens' });
  const feed: Record<string, Float32Array> = { [GRAD_OUTPUT_INPUT]: c.tensors.get('grad_output')!.data };
  for (const name of c.inputs) feed[name] = c.tensors.get(name)!.data;
  // The quick-compiling kernels: the same numbers, and about half the time on SwiftShader.
  const [outputs] = await runBundle(bundle, [feed], 'quick');
  return outputs!;
}

/** The tolerances: gradients (and outputs) 1e-4 abs + 1e-3 rel, states after the pass 1e-5 abs + 1e-4 rel. */
export const GRADIENT_TOLERANCE = { abs: 1e-4, rel: 1e-3 } as const;
export const STATE_TOLERANCE = { abs: 1e-5, rel: 1e-4 } as const;

function mismatch(got: F32Tensor | undefined, want: F32Tensor, tolerance: { abs: number; rel: number }): string | undefined {
  if (!got) return 'missing';
  if (got.data.length !== want.data.length) return `${got.data.length} values, want ${want.data.length}`;
  for (let i = 0; i < want.data.length; i++) {
    if (!(Math.abs(got.data[i]! - want.data[i]!) <= tolerance.abs + tolerance.rel * Math.abs(want.data[i]!))) return `element ${i}: ${got.data[i]} against torch's ${want.data[i]}`;
  }
  return undefined;
}

/**
 * Every expected tensor of the case that the outputs miss or get wrong: the
 * output, every grad.* and grad_input.*, and every state.* (a state no
 * Assign wrote must be torch's unchanged one).
 */
export function gradientCaseProblems(c: GradientCase, outputs: Readonly<Record<string, F32Tensor>>): string[] {
  const found: string[] = [];
  let checked = 0;
  for (const [key, want] of c.tensors) {
    let problem: string | undefined;
    if (key === 'output' || key.startsWith('grad.') || key.startsWith('grad_input.')) {
      problem = mismatch(outputs[key === 'output' ? c.output : key], want, GRADIENT_TOLERANCE);
    } else if (key.startsWith('state.')) {
      const before = c.weights.get(key.slice('state.'.length));
      const got = outputs[key] ?? (before && { shape: before.shape, data: before.data as Float32Array });
      problem = mismatch(got, want, STATE_TOLERANCE);
    } else continue;
    checked++;
    if (problem) found.push(`${key}: ${problem}`);
  }
  if (checked < 2) found.push(`only ${checked} tensors checked`);
  return found;
}
