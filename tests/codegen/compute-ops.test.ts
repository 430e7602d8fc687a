// Golden tests for the compute-heavy kernels (linear, matmul, conv, pool,
// global_avgpool) against torch: each case runs on the real Dawn device at
// its stored batch and, where the batch is symbolic, again at batch 1 from
// the same shaders, and every shader must compile without a message.
import { describe, expect, it } from 'vitest';
import { firstMismatch, listOpCases, loadOpCase, runOpCase, shaderMessages } from './op-harness.ts';

const CASES = listOpCases(['linear-', 'matmul-', 'conv-', 'pool-', 'global_avgpool-']);

describe('compute op kernels match torch', () => {
  it('has golden cases', () => {
    expect(CASES.length).toBeGreaterThan(0);
  });

  for (const name of CASES) {
    it(name, async () => {
      const c = loadOpCase(name);
      const full = await runOpCase(c);
      expect(await shaderMessages(full.kernels)).toEqual([]);
      expect(firstMismatch(full.got, full.want.data, c.tolerance), `batch ${full.batch}`).toBeUndefined();
      if (full.batch !== null && full.batch > 1) {
        const one = await runOpCase(c, 1);
        expect(one.kernels.map((k) => k.wgsl)).toEqual(full.kernels.map((k) => k.wgsl));
        expect(firstMismatch(one.got, one.want.data, c.tolerance), 'batch 1').toBeUndefined();
      }
    });
  }
});
