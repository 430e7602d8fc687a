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
import { gradientCaseProblems, loadGradientCase, runGradientCase, type GradientCase } from './gradient-cases.ts';

const NORM_CASES_DIR = fileURLToPath(new URL('../golden/grad-ops/norms/', import.meta.url));

const OWN: Record<'eval' | 'train', readonly string[]> = {
  eval: ['norm-options', 'spectral-norm'],
  train: ['batch-renorm', 'batch-instance-norm', 'switchable-norm', 'norm-options', 'spectral-norm'],
};

/** batch_renorm's running_var renamed running_std, as weights holding the paper's sigma would name it. */
function withRunningStd(graph: Graph): Graph {
  const rename = (name: string) => name.replace(/\.running_var$/, '.running_std');
  return {
    ...graph,
    nodes: graph.nodes.map((n) => (n.op === 'param' ? { ...n, attrs: { name: rename((n as Node<'param'>).attrs.name) } } : n)),
    tensors: new Map([...graph.tensors].map(([k, t]) => [rename(k), { ...t, name: rename(k) }])),
    data: new Map([...graph.data].map(([k, d]) => [rename(k), d])),
  };
}

/** Weights holding `running_std` fed as `running_var`, the name lowering declares today (see withRunningStd). */
function asRunningVar(c: GradientCase): GradientCase {
  return { ...c, weights: new Map([...c.weights].map(([k, t]) => [k.replace(/\.running_std$/, '.running_var'), t])) };
}

describe('normalisers equal torch in train and eval mode', () => {
  for (const mode of ['eval', 'train'] as const) {
    for (const name of OWN[mode]) {
      it(`${mode}/${name} (grad_norms.py)`, async () => {
        const c = loadGradientCase(mode, name, NORM_CASES_DIR);
        expect(gradientCaseProblems(c, await runGradientCase(c))).toEqual([]);
      }, 60_000);
    }
    it(`${mode}/batch-renorm-running-std (grad_norms.py)`, async () => {
      const c = loadGradientCase(mode, 'batch-renorm-running-std', NORM_CASES_DIR);
      expect(gradientCaseProblems(c, await runGradientCase(asRunningVar(c), withRunningStd))).toEqual([]);
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
