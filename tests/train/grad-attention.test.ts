// Gradients of multi-head attention: the decomposition into primitive ops
// (compiler/autodiff/decompose-attention.ts), differentiated and run on the
// Dawn device, against torch.nn.MultiheadAttention's autograd
// (tests/golden/grad-ops/attention/, written by scripts/golden/grad_attention.py)
// within 1e-4 abs + 1e-3 rel, and against central finite differences of the
// fused forward kernel.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TRAIN_PREPARATION } from '../../compiler/autodiff/prepare.ts';
import { runPipeline } from '../../compiler/passes/pass.ts';
import { decomposeAttention } from '../../compiler/autodiff/decompose-attention.ts';
import { compileSource } from '../../compiler/compile.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Graph } from '../../compiler/ir/types.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { gradientGraph, GRAD_OUTPUT_INPUT } from '../../compiler/train/gradient-graph.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { givenTensor, runBundle, type F32Tensor } from '../e2e/model-cases.ts';
import { type GradientCase } from './gradient-cases.ts';

const ATTENTION_GOLDEN_DIR = fileURLToPath(new URL('../golden/grad-ops/attention/', import.meta.url));
const ABS = 1e-4;
const REL = 1e-3;

function loadAttentionCase(name: string): GradientCase {
  const folder = join(ATTENTION_GOLDEN_DIR, name);
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as { mode: 'eval' | 'train'; output: string; inputs: string[] };
  const weights = new Map<string, GivenTensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).tensors) weights.set(k, givenTensor(k, t));
  const tensors = new Map<string, F32Tensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'tensors.safetensors'))).tensors) {
    tensors.set(k, { shape: t.shape, data: t.data as Float32Array });
  }
  return { name, mode: meta.mode, spec: readFileSync(join(folder, 'model.reg'), 'utf8'), weights, tensors, inputs: meta.inputs, output: meta.output };
}

/**
 * The case's gradient graph run once, as runGradientCase runs it but with
 * the quick-compiling kernels: pipeline creation dominates these tiny
 * problems on SwiftShader, and the quick tiling computes the same sums.
 */
async function runAttentionCase(c: GradientCase): Promise<Record<string, F32Tensor>> {
  const compiled = compileSource(c.spec, `${c.name}/model.reg`, { weights: c.weights, noOpt: true });
  if (!compiled.trainGraph) throw new Error(`does not compile: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
  const { graph } = gradientGraph(compiled.trainGraph, { mode: c.mode });
  const bundle = generateBundle(graph, { model: c.name, generator: 'attention gradient goldens' });
  const [outputs] = await runBundle(bundle, [{ [GRAD_OUTPUT_INPUT]: c.tensors.get('grad_output')!.data, x: c.tensors.get('x')!.data }], 'quick');
  return outputs!;
}

function mismatch(got: F32Tensor | undefined, want: F32Tensor): string | undefined {
  if (!got) return 'missing';
  if (got.shape.join() !== want.shape.join()) return `shape [${got.shape.join(', ')}], want [${want.shape.join(', ')}]`;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i]! - want.data[i]!);
    if (!(d <= ABS + REL * Math.abs(want.data[i]!))) return `element ${i}: ${got.data[i]} against torch's ${want.data[i]}`;
  }
  return undefined;
}

/** A lowered (train-mode) graph of one self-attention layer. */
function attentionGraph(attrs: { heads: number; dropout: number; epilogue?: [] | [{ kind: 'unary'; fn: 'relu' }] }): Graph {
  const b = new GraphBuilder('train');
  const x = b.input('x', { dtype: 'f32', shape: ['N', 3, 4] });
  const w = (name: string, shape: number[]) => b.tensor({ name, role: 'trainable', type: { dtype: 'f32', shape } }, new Float32Array(shape.reduce((p, d) => p * d, 1)));
  const y = b.add('multihead_attention', [x, w('attn.in_proj_weight', [12, 4]), w('attn.out_proj.weight', [4, 4])], attrs);
  b.output('y', y);
  return b.finish();
}

describe('multihead_attention decomposes into ops with gradient rules', () => {
  it('leaves no multihead_attention node, and keeps the output type', () => {
    const graph = decomposeAttention.run(attentionGraph({ heads: 2, dropout: 0 }));
    const ops = graph.nodes.map((n) => n.op);
    expect(ops).not.toContain('multihead_attention');
    expect(ops.filter((op) => op === 'matmul')).toHaveLength(2);
    expect(ops).toContain('softmax');
    expect(graph.nodes[graph.outputs[0]!.value]!.type.shape).toEqual(['N', 3, 4]);
  });

  it('drops attention weights after the softmax in training, as torch does, and the RNG pass draws the mask', () => {
    const graph = decomposeAttention.run(attentionGraph({ heads: 2, dropout: 0.1 }));
    const dropout = graph.nodes.find((n) => n.op === 'dropout')!;
    expect(dropout.attrs).toEqual({ p: 0.1 });
    expect(graph.nodes[dropout.inputs[0]!]!.op).toBe('softmax');
    const prepared = runPipeline(attentionGraph({ heads: 2, dropout: 0.1 }), TRAIN_PREPARATION);
    expect(prepared.nodes.map((n) => n.op)).not.toContain('dropout');
    expect(prepared.nodes.filter((n) => n.op === 'random_mask')).toHaveLength(1);
  });

  it('ignores attention dropout at eval, where it is the identity', () => {
    const graph = decomposeAttention.run({ ...attentionGraph({ heads: 2, dropout: 0.1 }), mode: 'eval' });
    expect(graph.nodes.map((n) => n.op)).not.toContain('multihead_attention');
    expect(graph.nodes.map((n) => n.op)).not.toContain('dropout');
  });

  it('refuses a fused epilogue: fusion runs after differentiation', () => {
    expect(() => decomposeAttention.run(attentionGraph({ heads: 2, dropout: 0, epilogue: [{ kind: 'unary', fn: 'relu' }] }))).toThrow(/fused epilogue/);
  });
});

describe("attention gradients equal torch's", () => {
  const cases = readdirSync(ATTENTION_GOLDEN_DIR).sort();
  it('has the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(8));
  for (const name of cases) {
    it(name, async () => {
      const c = loadAttentionCase(name);
      const outputs = await runAttentionCase(c);
      const problems: string[] = [];
      let checked = 0;
      for (const [key, want] of c.tensors) {
        if (!(key === 'output' || key.startsWith('grad.') || key.startsWith('grad_input.'))) continue;
        checked++;
        const problem = mismatch(outputs[key === 'output' ? c.output : key], want);
        if (problem) problems.push(`${key}: ${problem}`);
      }
      // output, grad_input.x and the two weights at least.
      expect(checked).toBeGreaterThanOrEqual(4);
      expect(problems).toEqual([]);
    }, 20_000);
  }
});

/** Deterministic values in [-1, 1) (mulberry32). */
function directions(seed: number, count: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

const dot = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + v * q[i]!, 0);
const along = (base: Float32Array, u: Float32Array, step: number) => base.map((v, i) => v + step * u[i]!);

describe('attention gradients agree with finite differences on the device', () => {
  it('for the input and every parameter of a 4-head layer with biases', async () => {
    const c = loadAttentionCase('heads4-bias');
    const grads = await runAttentionCase(c);
    const g = c.tensors.get('grad_output')!.data;
    const x = c.tensors.get('x')!.data;
    const eps = 1e-2;
    /** <grad_output, y> of the fused forward kernel (the eval bundle), with `tensor` moved along u. */
    const forward = async (tensor: string, u: Float32Array, step: number): Promise<number> => {
      const weights = new Map(c.weights);
      let input = x;
      if (tensor === 'x') input = along(x, u, step);
      else weights.set(tensor, { ...c.weights.get(tensor)!, data: along(c.weights.get(tensor)!.data!, u, step) });
      const { bundle } = compileSource(c.spec, `${c.name}/model.reg`, { weights, noOpt: true });
      const [out] = await runBundle(bundle!, [{ x: input }], 'quick');
      return dot(g, out![c.output]!.data);
    };
    const problems: string[] = [];
    const tensors = ['x', ...[...c.weights.keys()].sort()];
    for (const [i, tensor] of tensors.entries()) {
      const gradient = grads[tensor === 'x' ? 'grad_input.x' : `grad.${tensor}`]!.data;
      const u = directions(17 + i, gradient.length);
      const analytic = dot(gradient, u);
      const numeric = ((await forward(tensor, u, eps)) - (await forward(tensor, u, -eps))) / (2 * eps);
      // f32 forward values of about 10 lose ~1e-5 each, 5e-4 after dividing by 2 eps.
      if (!(Math.abs(numeric - analytic) <= 2e-3 + 1e-2 * Math.abs(analytic))) problems.push(`${tensor}: finite difference ${numeric}, gradient ${analytic}`);
    }
    expect(tensors).toHaveLength(5);
    expect(problems).toEqual([]);
  }, 20_000);
});

describe('a train-mode attention model', () => {
  it('builds its gradient graph without eval-meaning ops', () => {
    const { graph } = gradientGraph(attentionGraph({ heads: 2, dropout: 0 }), { mode: 'train' });
    expect(graph.mode).toBe('train');
    expect(graph.nodes.map((n) => n.op)).not.toContain('multihead_attention');
  });
});
