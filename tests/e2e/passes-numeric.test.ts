// Every eval optimisation pass keeps the numbers: on model graphs with torch's
// weights (tests/golden/models), the bundle generated from the graph after a
// pass gives the same outputs on the device as the one generated from the
// graph before it, and the IR verifier finds nothing after any pass.
//
// "The same" is max |after - before| <= 1e-5 * max |before|: a relative bound
// on the whole output, since folding reorders f32 arithmetic and an element
// near zero can lose relative accuracy without anything being wrong.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import type { Graph } from '../../compiler/ir/types.ts';
import { verifyGraph } from '../../compiler/ir/verify.ts';
import {
  EVAL_OPTIMISATIONS,
  foldBatchNorm,
  foldGlobalPool,
  foldInputNormalize,
  fuseEpilogues,
  lowerNormalizers,
  mergeAffinesPass,
  type Pass,
} from '../../compiler/passes/index.ts';
import { listModelCases, loadModelCase, runBundle, type F32Tensor, type ModelCase } from './model-cases.ts';

const RELATIVE_TOLERANCE = 1e-5;

/** A case whose graph each pass is known to rewrite (the test asserts it does). */
const FIRES_ON: readonly (readonly [Pass, string])[] = [
  [lowerNormalizers, 'norm-batchnorm'], // batchnorm with running statistics -> channel_affine
  [lowerNormalizers, 'norm-batch-instance-norm-extremes'], // rho all 1 -> channel_affine, all 0 -> instancenorm
  [mergeAffinesPass, 'norm-batchnorm'], // normalize then bn1; bn2 then bn3
  [foldBatchNorm, 'bn-fold'], // conv/linear then batchnorm, with and without bias
  [foldInputNormalize, 'bn-fold'], // normalize then an unpadded conv
  [foldGlobalPool, 'resnet-blocks'], // global_avgpool -> flatten -> fc
  [fuseEpilogues, 'resnet-blocks'], // relu and the residual add into the convs
];

/** The graph after the eval-semantics passes (what `--no-opt` generates code from). */
function evalSemanticsGraph(c: ModelCase): Graph {
  const result = compileSource(c.spec, c.specPath, { weights: c.weights, noOpt: true });
  expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return result.evalGraph!;
}

/** The eval-semantics graph, then after each optimisation in pipeline order. */
function stages(c: ModelCase): { pass: Pass; before: Graph; after: Graph }[] {
  let graph = evalSemanticsGraph(c);
  return EVAL_OPTIMISATIONS.map((pass) => {
    const before = graph;
    graph = pass.run(before);
    return { pass, before, after: graph };
  });
}

async function outputsOf(graph: Graph, c: ModelCase): Promise<F32Tensor> {
  const bundle = generateBundle(graph, { model: c.name, generator: 'passes-numeric test' });
  const [outputs] = await runBundle(bundle, [{ [c.inputName]: c.input.data }]);
  const out = outputs![c.outputName];
  expect(out, `no output ${c.outputName}`).toBeDefined();
  return out!;
}

function relativeDifference(after: F32Tensor, before: F32Tensor): number {
  expect(after.shape).toEqual(before.shape);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < before.data.length; i++) {
    diff = Math.max(diff, Math.abs(after.data[i]! - before.data[i]!));
    scale = Math.max(scale, Math.abs(before.data[i]!));
  }
  return Number.isNaN(diff) || scale === 0 ? (diff === 0 ? 0 : Infinity) : diff / scale;
}

function changed(before: Graph, after: Graph): boolean {
  return printGraph(before) !== printGraph(after);
}

describe('each eval optimisation pass keeps outputs on the device', () => {
  for (const [pass, name] of FIRES_ON) {
    it(`${pass.name} on ${name}`, async () => {
      const c = loadModelCase(name);
      const stage = stages(c).find((s) => s.pass === pass)!;
      expect(changed(stage.before, stage.after), `${pass.name} did not rewrite ${name}`).toBe(true);
      expect(verifyGraph(stage.after, { evalLowered: true })).toEqual([]);
      const before = await outputsOf(stage.before, c);
      const after = await outputsOf(stage.after, c);
      expect(relativeDifference(after, before)).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    });
  }
});

describe('the whole optimisation pipeline on every model case', () => {
  for (const name of listModelCases()) {
    it(`${name}: IR verifies after every pass and every rewrite keeps the outputs`, async () => {
      const c = loadModelCase(name);
      const all = stages(c);
      let reference: F32Tensor | undefined;
      for (const { pass, before, after } of all) {
        expect(verifyGraph(after, { evalLowered: true }), `after ${pass.name}`).toEqual([]);
        if (!changed(before, after)) continue;
        reference ??= await outputsOf(before, c);
        const out = await outputsOf(after, c);
        expect(relativeDifference(out, reference), `${name}: outputs after ${pass.name}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
        reference = out;
      }
    });
  }
});
