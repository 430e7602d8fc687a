// local_response_norm (torch.nn.LocalResponseNorm) on the Dawn device:
//
// - the torch goldens of scripts/golden/grad_lrn.py (tests/golden/grad-ops/lrn/, eval and
//   train): output and gradients of the gradient graph within 1e-4 abs + 1e-3 rel;
// - the eval bundle compileSource makes (the normal eval pipeline and the layer's own kernel)
//   gives torch's output;
// - central finite differences of L = sum(output * g) against the gradient rule, for the
//   layer and for the channel-window sum its rule is built from.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differentiate, inputGradOutput } from '../../compiler/autodiff/differentiate.ts';
import { compileSource } from '../../compiler/compile.ts';
import { generateBundle, type GeneratedBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { OpAttrs } from '../../compiler/ir/ops.ts';
import type { Graph, ValueId } from '../../compiler/ir/types.ts';
import { runBundle, type F32Tensor } from '../e2e/model-cases.ts';
import { GRADIENT_TOLERANCE, gradientCaseProblems, loadGradientCase, runGradientCase } from './gradient-cases.ts';

const LRN_DIR = fileURLToPath(new URL('../golden/grad-ops/lrn/', import.meta.url));
const GRAD_OUTPUT = 'grad_output';

describe('local_response_norm equals torch', () => {
  for (const mode of ['eval', 'train'] as const) {
    const names = readdirSync(join(LRN_DIR, mode)).sort();
    it(`has the ${mode} cases`, () => expect(names.length).toBeGreaterThanOrEqual(6));
    for (const name of names) {
      it(`${mode}/${name}: output and gradients`, async () => {
        const c = loadGradientCase(mode, name, LRN_DIR);
        expect(gradientCaseProblems(c, await runGradientCase(c))).toEqual([]);
      });
    }
  }

  for (const name of readdirSync(join(LRN_DIR, 'eval')).sort()) {
    it(`eval/${name}: the compiled eval bundle`, async () => {
      const c = loadGradientCase('eval', name, LRN_DIR);
      const compiled = compileSource(c.spec, `${name}/model.reg`, { weights: c.weights });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(compiled.evalGraph!.nodes.some((n) => n.op === 'local_response_norm')).toBe(true);
      const [outputs] = await runBundle(compiled.bundle!, [{ x: c.tensors.get('x')!.data }]);
      const got = outputs![c.output]!;
      const want = c.tensors.get('output')!;
      expect(got.shape).toEqual(want.shape);
      const off = [...want.data.keys()].filter((i) => !(Math.abs(got.data[i]! - want.data[i]!) <= GRADIENT_TOLERANCE.abs + GRADIENT_TOLERANCE.rel * Math.abs(want.data[i]!)));
      expect(off.map((i) => `element ${i}: ${got.data[i]} against torch's ${want.data[i]}`)).toEqual([]);
    });
  }
});

/** torch's formula in f64, for x [batch, channels, spatial] flattened. */
function reference(x: Float32Array, channels: number, spatial: number, attrs: OpAttrs['local_response_norm']): Float64Array {
  const { size, alpha, beta, k } = attrs;
  return Float64Array.from(x, (v, i) => {
    const [c, first] = [Math.floor(i / spatial) % channels, i - (Math.floor(i / spatial) % channels) * spatial];
    let sum = 0;
    for (let j = Math.max(0, c - Math.floor(size / 2)); j <= Math.min(channels - 1, c + Math.floor((size - 1) / 2)); j++) sum += x[first + j * spatial]! ** 2;
    return v / (k + (alpha / size) * sum) ** beta;
  });
}

describe('local_response_norm windows wider than any u32', () => {
  it('cover every channel, the sum still divided by size', async () => {
    const attrs = { size: 1e10, alpha: 1e10, beta: 0.5, k: 1 };
    const spec = `model Wide {\n  input x: f32[N, 3, 2]\n  output y\n\n  local_response_norm(${attrs.size}, alpha=${attrs.alpha}, beta=${attrs.beta})\n}\n`;
    const compiled = compileSource(spec, 'wide.reg');
    expect(compiled.diagnostics).toEqual([]);
    const x = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) / 2);
    const [outputs] = await runBundle(compiled.bundle!, [{ x }]);
    const want = reference(x, 3, 2, attrs);
    const got = outputs!.y!.data;
    expect([...got.keys()].filter((i) => !(Math.abs(got[i]! - want[i]!) <= 1e-6 + 1e-5 * Math.abs(want[i]!)))).toEqual([]);
  });
});

describe('local_response_norm refuses inputs torch refuses', () => {
  it('an input without an axis after the channels, at the layer', () => {
    const spec = 'model Flat {\n  input x: f32[N, 4]\n  output y\n\n  local_response_norm(3)\n}\n';
    const errors = compileSource(spec, 'flat.reg').diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/local_response_norm expects \[N, C, \.\.\.\].*\[N, 4\]/);
    expect(errors[0]!.span.start.line).toBe(5);
  });
});

// ------------------------------------------------------------ finite differences

/** mulberry32, so the values are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type WindowNode =
  | { readonly op: 'local_response_norm'; readonly attrs: OpAttrs['local_response_norm'] }
  | { readonly op: 'channel_window_sum'; readonly attrs: OpAttrs['channel_window_sum'] };

/** x [N, ...shape.slice(1)] -> the op -> output, with the gradient of x for a cotangent fed as grad_output. */
function gradientBundle(node: WindowNode, shape: readonly number[]): GeneratedBundle {
  const b = new GraphBuilder('eval');
  const x = b.input('x', { dtype: 'f32', shape: ['N', ...shape.slice(1)] });
  const y: ValueId = node.op === 'local_response_norm' ? b.add(node.op, [x], node.attrs) : b.add(node.op, [x], node.attrs);
  b.output('output', y);
  const graph: Graph = b.finish();
  const { graph: full } = differentiate(graph, { seeds: [{ value: y, cotangent: { input: GRAD_OUTPUT } }], inputs: ['x'] });
  return generateBundle(full, { model: 'GradLrn', generator: 'grad-lrn test', quickVariants: false, subgroupVariants: false });
}

const lossOf = (output: F32Tensor, g: Float32Array): number => g.reduce((sum, gi, i) => sum + output.data[i]! * gi, 0);

/**
 * Central differences with a step of 1e-2 for every element of x. Why 1e-3
 * abs + 1e-2 rel is sound: the truncation error is h^2 / 6 times a third
 * derivative of order one for these values (|x| <= 1.5, d >= k = 0.5), so
 * about 2e-5; f32 rounding in the few outputs whose window holds the element
 * (the others recompute bit for bit) adds about 1e-7 / 2e-2 each. A wrong
 * rule (a window not flipped, a lost term, a wrong power) is off by the
 * order of g, 0.1 to 1. The window sum is linear: no truncation error at all.
 */
async function finiteDifferenceProblems(node: WindowNode, shape: readonly number[]): Promise<string[]> {
  const rand = random(shape.reduce((p, d) => p * 31 + d, 7));
  const count = shape.reduce((p, d) => p * d, 1);
  const x = Float32Array.from({ length: count }, () => (2 * rand() - 1) * 1.5);
  const g = Float32Array.from({ length: count }, () => 2 * rand() - 1);
  const sets: Record<string, Float32Array>[] = [{ x, [GRAD_OUTPUT]: g }];
  const widths: number[] = [];
  for (let i = 0; i < count; i++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] = x[i]! + 1e-2;
    minus[i] = x[i]! - 1e-2;
    sets.push({ x: plus, [GRAD_OUTPUT]: g }, { x: minus, [GRAD_OUTPUT]: g });
    widths.push(plus[i]! - minus[i]!);
  }
  const results = await runBundle(gradientBundle(node, shape), sets);
  const gradient = results[0]![inputGradOutput('x')]!.data;
  return widths.flatMap((width, i) => {
    const fd = (lossOf(results[1 + 2 * i]!.output!, g) - lossOf(results[2 + 2 * i]!.output!, g)) / width;
    return Math.abs(fd - gradient[i]!) <= 1e-3 + 1e-2 * Math.abs(gradient[i]!) ? [] : [`x[${i}]: gradient ${gradient[i]}, central difference ${fd}`];
  });
}

describe('the gradient rules agree with central differences on the device', () => {
  it('local_response_norm(size=4) over 5 channels, alpha 2, beta 1.25, k 0.5', async () => {
    const node: WindowNode = { op: 'local_response_norm', attrs: { size: 4, alpha: 2, beta: 1.25, k: 0.5 } };
    expect(await finiteDifferenceProblems(node, [2, 5, 3])).toEqual([]);
  });
  it('channel_window_sum, 2 channels before and none after', async () => {
    expect(await finiteDifferenceProblems({ op: 'channel_window_sum', attrs: { before: 2, after: 0 } }, [2, 4, 2])).toEqual([]);
  });
});
