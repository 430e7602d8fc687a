// Seeded standard-normal inputs for `regc run --random` and `regc golden
// record --random`: the same seed gives the same tensors on every machine.
import type { Manifest } from '../runtime/bundle/manifest.ts';
import { UsageError } from './command.ts';

/**
 * Why `batch` cannot be a batch size of the bundle, or undefined when it can:
 * checked before the inputs are allocated, which for a huge --batch would
 * die with a RangeError from the typed-array constructor.
 */
export function batchProblem(manifest: Manifest, batch: number): string | undefined {
  if (!Number.isInteger(batch) || batch < 1) return `--batch must be a positive integer, got ${batch}`;
  if (batch > manifest.maxBatch) {
    return `--batch ${batch} is larger than the bundle's maxBatch of ${manifest.maxBatch}`;
  }
  for (const port of manifest.inputs) {
    const values = port.shape.reduce<number>((p, d) => p * (d === 'N' ? batch : d), 1);
    // A typed array holds at most 2^32 - 1 elements on 64-bit V8, and far fewer fit in memory.
    if (values > 2 ** 30) return `--batch ${batch} makes input \`${port.name}\` ${values} values, too many to allocate`;
  }
  return undefined;
}

/** Throws UsageError when `batch` is over the bundle's maxBatch (see batchProblem). */
export function randomInputs(manifest: Manifest, batch: number, seed: number): Record<string, { data: Float32Array; shape: number[] }> {
  const problem = batchProblem(manifest, batch);
  if (problem) throw new UsageError(problem, `the bundle was compiled for batches of up to ${manifest.maxBatch}; recompile it with \`regc compile --max-batch ${batch}\` for larger ones`);
  let state = seed >>> 0 || 1;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const port of manifest.inputs) {
    const shape = port.shape.map((d) => (d === 'N' ? batch : d));
    out[port.name] = { shape, data: Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, normal) };
  }
  return out;
}
