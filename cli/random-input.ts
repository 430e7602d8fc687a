// Seeded standard-normal inputs for `regc run --random` and `regc golden
// record --random`: the same seed gives the same tensors on every machine.
import type { Manifest } from '../runtime/bundle/manifest.ts';

export function randomInputs(manifest: Manifest, batch: number, seed: number): Record<string, { data: Float32Array; shape: number[] }> {
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
