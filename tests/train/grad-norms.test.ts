// Normalisers and reparameterisations in train and eval mode against torch
// (the whole-model cases with normalisers are in gradients-golden.test.ts):
// the cases of scripts/golden/grad_norms.py (tests/golden/grad-ops/norms/: the train meaning of batch_renorm,
// batch_instance_norm and switchable_norm, batchnorm options, spectral
// norm's power iteration, batch_renorm's running_std), each run on the Dawn
// device: output, gradients within 1e-4 abs + 1e-3 rel, every persistent
// tensor after the pass within 1e-5 abs + 1e-4 rel. Plus the shape of the
// prepared graphs: no normaliser left, the Assigns torch's buffers need.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../compiler/autodiff/differentiate.ts';
import { EVAL_PREPARATION, TRAIN_PREPARATION } from '../../compiler/autodiff/prepare.ts';
import { compileSource } from '../../compiler/compile.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Graph, Node } from '../../compiler/ir/types.ts';
import { verifyGraph } from '../../compiler/ir/verify.ts';
import { runPipeline } from '../../compiler/passes/pass.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { gradientGraph, GRAD_OUTPUT_INPUT } from '../../compiler/train/gradient-graph.ts';
import { runBundle } from '../e2e/model-cases.ts';
import { GRADIENT_TOLERANCE, gradientCaseProblems, loadGradientCase, runGradientCase } from './gradient-cases.ts';

const NORM_CASES_DIR = fileURLToPath(new URL('../golden/grad-ops/norms/', import.meta.url));

const OWN: Record<'eval' | 'train', readonly string[]> = {
  eval: ['norm-options', 'spectral-norm', 'batch-renorm-running-std'],
  train: ['batch-renorm', 'batch-instance-norm', 'switchable-norm', 'norm-options', 'spectral-norm', 'batch-renorm-running-std'],
};

describe('normalisers equal torch in train and eval mode', () => {
  for (const mode of ['eval', 'train'] as const) {
    for (const name of OWN[mode]) {
      it(`${mode}/${name} (grad_norms.py)`, async () => {
        const c = loadGradientCase(mode, name, NORM_CASES_DIR);
        expect(gradientCaseProblems(c, await runGradientCase(c))).toEqual([]);
      }, 60_000);
    }
  }
});

describe("batch_renorm with the paper's running_std", () => {
  const c = loadGradientCase('eval', 'batch-renorm-running-std', NORM_CASES_DIR);

  it('declares running_std where the weight file holds it, running_var otherwise', () => {
    const stored = (weights?: typeof c.weights) => [...(compileSource(c.spec, 'br.reg', weights ? { weights } : {}).trainGraph?.tensors.keys() ?? [])].filter((n) => n.startsWith('br1.'));
    expect(stored(c.weights)).toEqual(['br1.weight', 'br1.bias', 'br1.running_mean', 'br1.running_std', 'br1.num_batches_tracked']);
    expect(stored()).toEqual(['br1.weight', 'br1.bias', 'br1.running_mean', 'br1.running_var', 'br1.num_batches_tracked']);
  });

  // The eval bundle: folded into channel_affine (1 / running_std per channel), or with --no-opt the batch_renorm kernel.
  for (const noOpt of [false, true]) {
    it(`compiles and runs in eval as torch's output${noOpt ? ' with --no-opt' : ''}`, async () => {
      const compiled = compileSource(c.spec, 'br.reg', { weights: c.weights, noOpt });
      if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join('; '));
      expect(compiled.evalGraph!.nodes.some((n) => n.op === 'batch_renorm')).toBe(noOpt);
      const [outputs] = await runBundle(compiled.bundle, [{ x: c.tensors.get('x')!.data }], 'quick');
      const want = c.tensors.get('output')!;
      const got = outputs![c.output]!;
      expect(got.data.length).toBe(want.data.length);
      const off = Array.from(want.data).findIndex((w, i) => !(Math.abs(got.data[i]! - w) <= GRADIENT_TOLERANCE.abs + GRADIENT_TOLERANCE.rel * Math.abs(w)));
      expect(off, `element ${off}: ${got.data[off]} against torch's ${want.data[off]}`).toBe(-1);
    }, 60_000);
  }
});

describe('the prepared graphs', () => {
  const lowered = (spec: string): Graph => {
    const compiled = compileSource(spec, 'norms.reg', {});
    if (!compiled.trainGraph) throw new Error(compiled.diagnostics.map((d) => d.message).join('; '));
    return compiled.trainGraph;
  };
  const spec = `model AllNorms {
  input x: f32[N, 4, 3, 3]
  output y

  bn: batchnorm
  ib: instancenorm(track_running_stats=true)
  gn: groupnorm(2)
  br: batch_renorm
  bin: batch_instance_norm
  sw: switchable_norm
  flatten
  ln: layernorm
  sn: scalenorm
  fc: linear(3) with spectralnorm
  fw: linear(2) with weightnorm
}
`;
  const NORMALISERS = new Set(['batchnorm', 'batch_renorm', 'instancenorm', 'groupnorm', 'layernorm', 'scalenorm', 'batch_instance_norm',
    'switchable_norm', 'channel_affine', 'weight_norm', 'spectral_norm']);

  for (const [mode, passes] of [['train', TRAIN_PREPARATION], ['eval', EVAL_PREPARATION]] as const) {
    it(`leave no normaliser or reparameterisation in ${mode} mode, and verify`, () => {
      const graph = runPipeline(lowered(spec), passes);
      expect(graph.nodes.filter((n) => NORMALISERS.has(n.op)).map((n) => n.op)).toEqual([]);
      expect(verifyGraph(graph)).toEqual([]);
    });
  }

  it("assign torch's buffers in train mode: running statistics, counters where torch counts, u and v", () => {
    const graph = runPipeline(lowered(spec), TRAIN_PREPARATION);
    expect(graph.assigns.map((a) => a.target).sort()).toEqual([
      'bin.num_batches_tracked', 'bin.running_mean', 'bin.running_var',
      'bn.num_batches_tracked', 'bn.running_mean', 'bn.running_var',
      'br.num_batches_tracked', 'br.running_mean', 'br.running_var',
      'fc.weight_u', 'fc.weight_v',
      // instancenorm's num_batches_tracked stays: torch's _InstanceNorm never counts.
      'ib.running_mean', 'ib.running_var',
      'sw.num_batches_tracked', 'sw.running_mean', 'sw.running_var',
    ]);
    expect(runPipeline(lowered(spec), EVAL_PREPARATION).assigns).toEqual([]);
  });

  it('stop the gradient at detach', () => {
    const b = new GraphBuilder('train');
    const x = b.input('x', { dtype: 'f32', shape: ['N', 3] });
    const w = b.tensor({ name: 'w', role: 'trainable', type: { dtype: 'f32', shape: [3] } }, new Float32Array([1, 2, 3]));
    const y = b.add('binary', [x, b.add('detach', [w], {})], { fn: 'mul' });
    b.output('y', y);
    const { graph } = differentiate(b.finish(), { seeds: [{ value: y, cotangent: { input: 'g' } }], inputs: ['x'] });
    const gradW = graph.nodes[graph.outputs.find((o) => o.name === 'grad.w')!.value]!;
    // No path back: the gradient of w is the zeros differentiate gives an unreached parameter.
    expect(gradW.op === 'constant' && (gradW as Node<'constant'>).attrs.values.every((v) => v === 0)).toBe(true);
  });
});

describe('batch_instance_norm(affine=false)', () => {
  const spec = (affine: boolean) => `model M {\n  input x: f32[N, 3, 4, 4]\n  output y\n  bin: batch_instance_norm(affine=${affine}, rho=0.4)\n}\n`;
  const x = Float32Array.from({ length: 2 * 3 * 16 }, (_, i) => Math.sin(i * 0.7) * 2 + (i % 5) * 0.1);
  const g = Float32Array.from({ length: x.length }, (_, i) => Math.cos(i * 0.3));
  const compiled = (affine: boolean, weights?: Parameters<typeof compileSource>[2]) => {
    const c = compileSource(spec(affine), 'bin.reg', weights ?? {});
    if (!c.trainGraph || !c.bundle) throw new Error(c.diagnostics.map((d) => d.message).join('; '));
    return c;
  };

  it('stores and trains no weight or bias', () => {
    const tensors = [...compiled(false).trainGraph!.tensors.values()];
    expect(tensors.map((t) => t.name)).toEqual(['bin.rho', 'bin.running_mean', 'bin.running_var', 'bin.num_batches_tracked']);
    expect(tensors.filter((t) => t.role === 'trainable').map((t) => t.name)).toEqual(['bin.rho']);
  });

  it('takes a weight file that has none', () => {
    const c = (shape: number[], value: number) => ({ shape, dtype: 'F32', data: new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(value) });
    const weights = new Map([['bin.rho', c([3], 0.5)], ['bin.running_mean', c([3], 0)], ['bin.running_var', c([3], 1)], ['bin.num_batches_tracked', c([], 0)]]);
    expect(compiled(false, { weights }).diagnostics).toEqual([]);
  });

  // With affine=true the weights start at ones and zeros, so both mean the same in every mode; affine=true is checked against torch above.
  for (const mode of ['train', 'eval'] as const) {
    it(`gives affine=true's numbers at weight 1 and bias 0 (${mode}: output, input and rho gradients, running statistics)`, async () => {
      const run = async (affine: boolean) => {
        const { graph } = gradientGraph(compiled(affine).trainGraph!, { mode });
        const [outputs] = await runBundle(generateBundle(graph, { model: 'bin', generator: 'test' }), [{ x, [GRAD_OUTPUT_INPUT]: g }], 'quick');
        return outputs!;
      };
      const [without, withAffine] = [await run(false), await run(true)];
      const keys = Object.keys(withAffine).filter((k) => !k.startsWith('grad.bin.weight') && !k.startsWith('grad.bin.bias')).sort();
      expect(Object.keys(without).sort()).toEqual(keys);
      expect(keys).toContain('grad.bin.rho');
      for (const k of keys) {
        const off = Array.from(withAffine[k]!.data).findIndex((w, i) => !(Math.abs(without[k]!.data[i]! - w) <= 1e-6 + 1e-6 * Math.abs(w)));
        expect(off, `${k}[${off}]`).toBe(-1);
      }
    }, 60_000);
  }

  it('runs its eval bundle as affine=true does at weight 1 and bias 0', async () => {
    const [[without], [withAffine]] = [await runBundle(compiled(false).bundle!, [{ x }], 'quick'), await runBundle(compiled(true).bundle!, [{ x }], 'quick')];
    const off = Array.from(withAffine!.y!.data).findIndex((w, i) => !(Math.abs(without!.y!.data[i]! - w) <= 1e-6 + 1e-6 * Math.abs(w)));
    expect(off).toBe(-1);
  }, 60_000);
});
