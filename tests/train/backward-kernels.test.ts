// The backward ops' kernels (compiler/codegen/kernels/backward.ts) on the
// device against a reference computed here: gemm_tn in both its forms (a
// thread per element, and 4 x 4 blocks with vec4 loads where the widths
// allow), over rows that grow with the batch.
import { describe, expect, it } from 'vitest';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import { runBundle } from '../e2e/model-cases.ts';

function gemmTn(lead: readonly (number | 'N')[], i: number, j: number) {
  const b = new GraphBuilder('eval');
  const x = b.input('a', { dtype: 'f32', shape: [...lead, i] });
  const y = b.input('b', { dtype: 'f32', shape: [...lead, j] });
  b.output('out', b.add('gemm_tn', [x, y], {}));
  return generateBundle(b.finish(), { model: 'GemmTn', generator: 'test' });
}

describe('gemm_tn', () => {
  for (const [i, j, form] of [[8, 12, 'blocked'], [5, 3, 'per element'], [4, 6, 'per element']] as const) {
    it(`sums a^T b over every leading position (${i} x ${j}, ${form})`, async () => {
      const n = 3;
      const rows = n * 2;
      const a = Float32Array.from({ length: rows * i }, (_, k) => Math.sin(k * 0.7));
      const bv = Float32Array.from({ length: rows * j }, (_, k) => Math.cos(k * 0.3));
      const bundle = gemmTn(['N', 2], i, j);
      const [out] = await runBundle(bundle, [{ a, b: bv }], 'quick');
      const got = out!.out!;
      expect(got.shape).toEqual([i, j]);
      for (let p = 0; p < i; p++) {
        for (let q = 0; q < j; q++) {
          let want = 0;
          for (let r = 0; r < rows; r++) want += a[r * i + p]! * bv[r * j + q]!;
          expect(Math.abs(got.data[p * j + q]! - want)).toBeLessThan(1e-5);
        }
      }
      const vec4 = bundle.shaders.values().next().value!.includes('vec4<f32>');
      expect(vec4).toBe(form === 'blocked');
    }, 30_000);
  }
});
