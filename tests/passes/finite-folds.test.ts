// Folding multiplies constants ahead of time, in f32; where a product leaves
// the f32 range the fold is skipped, since a stored tensor holding Infinity
// is one the runtime refuses to load (every output would be NaN).
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';

const model = (input: string, body: string) => `model M {\n  input x: f32[${input}]\n  output y\n${body}\n}\n`;

/** The names of the bundle's stored tensors that hold a NaN or an Infinity. */
function nonFiniteWeights(text: string): string[] {
  const result = compileSource(text, 'm.reg');
  expect(result.diagnostics).toEqual([]);
  return [...result.bundle!.weights].filter(([, w]) => w.data.some((v) => !Number.isFinite(v))).map(([name]) => name);
}

describe('folds whose result leaves f32', () => {
  it('leave two normalizes whose merged scale would be 1e60 unmerged', () => {
    // Each scale, 1e30, is an f32; their product is not.
    expect(nonFiniteWeights(model('N, 2, 2, 2', '  normalize(mean=[0], std=[1e-30])\n  normalize(mean=[0], std=[1e-30])\n  relu'))).toEqual([]);
  });

  it('leave a normalize unfolded into the linear after it when the folded bias would overflow', () => {
    // shift = -3e38; each folded bias adds it times both weights of its row (each up to 0.71),
    // which passes 3.4e38 in a good share of 64 rows.
    expect(nonFiniteWeights(model('N, 2', '  normalize(mean=[3e38], std=[1])\n  linear(64)'))).toEqual([]);
  });

  it('still fold where the result fits', () => {
    const result = compileSource(model('N, 4', '  normalize(mean=[0.5], std=[0.25])\n  fc: linear(2)'), 'm.reg');
    expect([...result.bundle!.weights.keys()].some((name) => name.includes('input_folded'))).toBe(true);
  });
});
