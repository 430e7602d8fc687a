// Whole-model gradients against torch (tests/golden/gradients/, written by
// scripts/golden/gradients.py): the gradient graph of every case, run on the
// Dawn device from the case's weights, input and cotangent, gives torch's
// output, the gradient of every parameter and of the input within 1e-4 abs
// + 1e-3 rel, and in train mode every buffer after the pass (running
// statistics, num_batches_tracked) within 1e-5 abs + 1e-4 rel.
import { describe, expect, it } from 'vitest';
import { gradientCaseProblems, listGradientCases, loadGradientCase, runGradientCase } from './gradient-cases.ts';

for (const mode of ['eval', 'train'] as const) {
  describe(`gradients in ${mode} mode equal torch's`, () => {
    const cases = listGradientCases(mode);
    it('covers the model cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(mode === 'eval' ? 24 : 14);
    });
    for (const name of cases) {
      it(name, async () => {
        const c = loadGradientCase(mode, name);
        expect(gradientCaseProblems(c, await runGradientCase(c))).toEqual([]);
      }, 60_000);
    }
  });
}
