// The step graph's update rules that no torch optimizer golden covers: rho of
// batch_instance_norm clamped into [0, 1] after every step, as Nam & Kim's
// code does after optimizer.step().
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { compileSource } from '../../compiler/compile.ts';
import { stepGraph } from '../../compiler/train/step-graph.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { getTestDevice } from '../support/gpu.ts';

const SPEC = `model Net {
  input x: f32[N, 3, 4, 4]
  output y
  bin: batch_instance_norm(rho=0.5)
  flatten
  fc: linear(2)
}
`;

describe('batch_instance_norm rho after a step', () => {
  it('stays in [0, 1] however far the update pushes it', async () => {
    const compiled = compileSource(SPEC, 'net.reg', { noOpt: true, seed: 1 });
    const lowered = compiled.trainGraph!;
    const graph = stepGraph(lowered, { mode: 'train', optimizer: { kind: 'sgd', lr: 1e3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }, outputs: 'all' }).graph;
    const bundle = await loadBundleFrom(memorySource({ files: bundleFiles(generateBundle(graph, { model: 'Net', generator: 'test' })) }), await getTestDevice(), { pipelines: 'quick' });
    try {
      const x = Float32Array.from({ length: 2 * 48 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
      const g = Float32Array.from({ length: 2 * 2 }, (_, i) => (i % 2 ? 3 : -3));
      const out = await bundle.run({ x, grad_output: g, 'train.neg_lr': Float32Array.of(-1e3), 'train.momentum_keep': Float32Array.of(0), 'train.grad_keep': Float32Array.of(1) });
      const grad = out['grad.bin.rho']!.data;
      const rho = out['state.bin.rho']!.data;
      // A step of 1000 * gradient from 0.5 leaves [0, 1] for every channel with a gradient of any size; the clamp brings it back.
      expect(Array.from(grad).every((v) => Math.abs(v) > 1e-3)).toBe(true);
      for (let c = 0; c < rho.length; c++) expect(rho[c]).toBe(grad[c]! > 0 ? 0 : 1);
    } finally {
      bundle.destroy();
    }
  }, 60_000);
});
