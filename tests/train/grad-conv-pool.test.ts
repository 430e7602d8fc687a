// The gradients of conv and pool on the Dawn device, checked two ways:
//
// - torch goldens (tests/golden/grad-ops/conv-pool/, written by
//   scripts/golden/grad_conv_pool.py): one conv or pool node, differentiated,
//   generated and run, gives torch's output and gradients within 1e-4 abs +
//   1e-3 rel;
// - central finite differences of L = sum(output * g) on the device, per
//   element, against the same bundle's gradient (see `finiteDifferences`).
//
// Whole models with convolutions and pools are checked by gradients-golden.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differentiate, inputGradOutput, paramGradOutput } from '../../compiler/autodiff/differentiate.ts';
import { NoGradientRuleError } from '../../compiler/autodiff/vjp.ts';
import { generateBundle, type GeneratedBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { OpAttrs } from '../../compiler/ir/ops.ts';
import type { Dim, Graph, ValueId } from '../../compiler/ir/types.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { runBundle, type F32Tensor } from '../e2e/model-cases.ts';

const ABS = 1e-4;
const REL = 1e-3;
const GOLDEN_DIR = fileURLToPath(new URL('../golden/grad-ops/conv-pool/', import.meta.url));
const GRAD_OUTPUT = 'grad_output';

type WindowOp = 'conv' | 'pool';

interface GradOpCase {
  readonly name: string;
  readonly op: WindowOp;
  readonly attrs: OpAttrs['conv'] | OpAttrs['pool'];
  readonly bias: boolean;
  readonly tensors: ReadonlyMap<string, F32Tensor>;
}

function loadCase(name: string): GradOpCase {
  const folder = join(GOLDEN_DIR, name);
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as Omit<GradOpCase, 'name' | 'tensors'>;
  const tensors = new Map<string, F32Tensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'tensors.safetensors'))).tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${name}: tensor ${k} is ${t.dtype}, not F32`);
    tensors.set(k, { shape: t.shape, data: t.data });
  }
  return { name, ...meta, tensors };
}

/**
 * The graph of one conv or pool: x is an input with the batch size N at axis
 * 0; weight and bias are trainable stored tensors (`data` given) or, for the
 * finite differences, inputs of fixed shape (`data` undefined).
 */
function windowGraph(op: WindowOp, attrs: GradOpCase['attrs'], shapes: ReadonlyMap<string, readonly number[]>, data?: ReadonlyMap<string, Float32Array>): { graph: Graph; y: ValueId } {
  const b = new GraphBuilder('eval');
  const xShape: Dim[] = ['N', ...shapes.get('x')!.slice(1)];
  const inputs = [b.input('x', { dtype: 'f32', shape: xShape })];
  for (const name of op === 'conv' ? ['weight', 'bias'] : []) {
    const shape = shapes.get(name);
    if (!shape) continue;
    const type = { dtype: 'f32' as const, shape };
    inputs.push(data ? b.tensor({ name, role: 'trainable', type }, data.get(name)) : b.input(name, type));
  }
  const y = op === 'conv' ? b.add('conv', inputs, attrs as OpAttrs['conv']) : b.add('pool', inputs, attrs as OpAttrs['pool']);
  b.output('output', y);
  return { graph: b.finish(), y };
}

const conv2d = (stride: number[], padding: number[], dilation: number[], groups: number): OpAttrs['conv'] => ({ spatial: 2, stride, padding, dilation, groups, epilogue: [] });

function gradientBundle(graph: Graph, y: ValueId, inputs: readonly string[]): GeneratedBundle {
  const { graph: full } = differentiate(graph, { seeds: [{ value: y, cotangent: { input: GRAD_OUTPUT } }], inputs });
  return generateBundle(full, { model: 'GradConvPool', generator: 'grad-conv-pool test', quickVariants: false, subgroupVariants: false });
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

describe('conv and pool gradients equal torch', () => {
  const names = readdirSync(GOLDEN_DIR).sort();
  it('has the golden cases', () => {
    expect(names.filter((n) => n.startsWith('conv')).length).toBeGreaterThanOrEqual(10);
    expect(names.filter((n) => n.startsWith('maxpool')).length).toBeGreaterThanOrEqual(5);
    expect(names.filter((n) => n.startsWith('avgpool')).length).toBeGreaterThanOrEqual(5);
  });
  for (const name of names) {
    it(name, async () => {
      const c = loadCase(name);
      const params = c.op === 'conv' ? ['weight', ...(c.bias ? ['bias'] : [])] : [];
      const shapes = new Map([['x', c.tensors.get('x')!.shape], ...params.map((p) => [p, c.tensors.get(p)!.shape] as const)]);
      const data = new Map(params.map((p) => [p, c.tensors.get(p)!.data]));
      const { graph, y } = windowGraph(c.op, c.attrs, shapes, data);
      const bundle = gradientBundle(graph, y, ['x']);
      const [outputs] = await runBundle(bundle, [{ x: c.tensors.get('x')!.data, [GRAD_OUTPUT]: c.tensors.get(GRAD_OUTPUT)!.data }]);
      const checks: [string, string][] = [
        ['output', 'output'],
        ['grad.x', inputGradOutput('x')],
        ...params.map((p): [string, string] => [`grad.${p}`, paramGradOutput(p)]),
      ];
      const problems = checks.flatMap(([want, got]) => {
        const problem = mismatch(outputs![got], c.tensors.get(want)!);
        return problem ? [`${want}: ${problem}`] : [];
      });
      expect(problems).toEqual([]);
    });
  }
});

describe('conv and pool gradient rules refuse what they were not made for', () => {
  const fused = (attrs: Partial<OpAttrs['conv']>) => {
    const { graph, y } = windowGraph('conv', { ...conv2d([1, 1], [1, 1], [1, 1], 1), ...attrs }, new Map([['x', [1, 2, 4, 4]], ['weight', [2, 2, 3, 3]]]));
    return () => differentiate(graph, { seeds: [{ value: y, cotangent: { input: GRAD_OUTPUT } }], inputs: ['x', 'weight'] });
  };
  it('a conv with a fused epilogue or pool (autodiff runs before fusion)', () => {
    expect(fused({ epilogue: [{ kind: 'unary', fn: 'relu' }] })).toThrow(NoGradientRuleError);
    expect(fused({ pool: { kind: 'max' } })).toThrow(/fused pool/);
  });
  it('a pool_grad whose gradient does not fit the input it names', () => {
    const b = new GraphBuilder('eval');
    const g = b.input('g', { dtype: 'f32', shape: ['N', 2, 3, 3] });
    const attrs = { kind: 'avg', spatial: 2, kernel: [2, 2], stride: [2, 2], padding: [0, 0], countIncludePad: false } as const;
    expect(() => b.add('pool_grad', [g], { ...attrs, inputSpatial: [6, 7] })).not.toThrow();
    expect(() => b.add('pool_grad', [g], { ...attrs, inputSpatial: [8, 6] })).toThrow(/does not fit an input of \[8, 6\]/);
  });
});

// ------------------------------------------------------------ finite differences

/** mulberry32: a small seeded generator, so the configurations are the same on every run. */
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

const count = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
const uniform = (rand: () => number, n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);

/** Distinct values 0.05 apart in a random order: a step of 0.01 changes no window's argmax. */
function spacedPermutation(rand: () => number, n: number): Float32Array {
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return Float32Array.from(values);
}

interface FdConfig {
  readonly name: string;
  readonly op: WindowOp;
  readonly attrs: GradOpCase['attrs'];
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Max pooling needs inputs whose windows keep their argmax under the step. */
  readonly spaced?: boolean;
}

const FD_CONFIGS: readonly FdConfig[] = [
  {
    name: 'conv2d, stride 2, padding 1, dilation 2, groups 2, an unread trailing row',
    op: 'conv',
    attrs: conv2d([2, 2], [1, 1], [2, 1], 2),
    shapes: new Map([['x', [2, 4, 6, 5]], ['weight', [4, 2, 2, 3]], ['bias', [4]]]),
  },
  {
    name: 'conv1d, depthwise with a channel multiplier',
    op: 'conv',
    attrs: { spatial: 1, stride: [1], padding: [2], dilation: [1], groups: 3, epilogue: [] },
    shapes: new Map([['x', [2, 3, 7]], ['weight', [6, 1, 5]]]),
  },
  {
    name: 'maxpool2d, overlapping padded windows',
    op: 'pool',
    attrs: { kind: 'max', spatial: 2, kernel: [3, 3], stride: [2, 2], padding: [1, 1], countIncludePad: false },
    shapes: new Map([['x', [2, 2, 6, 7]]]),
    spaced: true,
  },
  {
    name: 'avgpool2d without padded taps in the divisor',
    op: 'pool',
    attrs: { kind: 'avg', spatial: 2, kernel: [3, 2], stride: [2, 1], padding: [1, 1], countIncludePad: false },
    shapes: new Map([['x', [2, 2, 5, 4]]]),
  },
  {
    name: 'avgpool1d with padded taps in the divisor',
    op: 'pool',
    attrs: { kind: 'avg', spatial: 1, kernel: [4], stride: [3], padding: [2], countIncludePad: true },
    shapes: new Map([['x', [2, 2, 10]]]),
  },
];

/** sum(output * g) in f64. */
function lossOf(output: F32Tensor, g: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += output.data[i]! * g[i]!;
  return sum;
}

/**
 * Central differences of L = sum(output * g) for every element of every
 * input, each from two runs of the bundle that also computes the gradient.
 *
 * Why a loose tolerance is sound here: L is linear in each input tensor with
 * the others held (a convolution is linear in x, in w and in b; average
 * pooling is linear), and max pooling is linear while no window's argmax
 * changes, which the spaced inputs guarantee (values 0.05 apart, steps of
 * 0.01). So the central difference has no truncation error at all, and what
 * separates it from the gradient is f32 rounding: only the few outputs that
 * read the stepped element change (the rest recompute bit for bit and cancel
 * in the f64 sum), each off by about 1e-7 of its size, divided by the step
 * 2e-2: about 1e-5 here. 1e-3 abs + 1e-2 rel is far above that and far below
 * what a wrong rule gives (a tie's or a leftover row's gradient lost or sent
 * elsewhere, a wrong divisor: errors of the order of g, i.e. 0.1 to 1).
 */
async function finiteDifferences(config: FdConfig): Promise<string[]> {
  const rand = random(config.name.length * 7919);
  const names = [...config.shapes.keys()];
  const values = new Map(names.map((n) => [n, config.spaced && n === 'x' ? spacedPermutation(rand, count(config.shapes.get(n)!)) : uniform(rand, count(config.shapes.get(n)!), n === 'x' ? 1 : 0.5)]));
  const { graph, y } = windowGraph(config.op, config.attrs, config.shapes);
  const g = uniform(rand, count(graph.nodes[y]!.type.shape.map((d) => (d === 'N' ? config.shapes.get('x')![0]! : d))), 1);
  const bundle = gradientBundle(graph, y, names);
  const base = Object.fromEntries([...values, [GRAD_OUTPUT, g]]) as Record<string, Float32Array>;
  const step = 1e-2;
  const sets: Record<string, Float32Array>[] = [base];
  const steps: { name: string; index: number; width: number }[] = [];
  for (const name of names) {
    const v = values.get(name)!;
    for (let i = 0; i < v.length; i++) {
      const plus = v.slice();
      const minus = v.slice();
      plus[i] = v[i]! + step;
      minus[i] = v[i]! - step;
      sets.push({ ...base, [name]: plus }, { ...base, [name]: minus });
      // The step as stored in f32, not as asked for.
      steps.push({ name, index: i, width: plus[i]! - minus[i]! });
    }
  }
  const results = await runBundle(bundle, sets);
  const gradients = results[0]!;
  const problems: string[] = [];
  steps.forEach((s, k) => {
    const fd = (lossOf(results[1 + 2 * k]!.output!, g) - lossOf(results[2 + 2 * k]!.output!, g)) / s.width;
    const analytic = gradients[inputGradOutput(s.name)]!.data[s.index]!;
    if (!(Math.abs(fd - analytic) <= 1e-3 + 1e-2 * Math.abs(analytic))) problems.push(`${s.name}[${s.index}]: gradient ${analytic}, central difference ${fd}`);
  });
  return problems;
}

describe('conv and pool gradients agree with central differences on the device', () => {
  for (const config of FD_CONFIGS) {
    it(config.name, async () => {
      expect(await finiteDifferences(config)).toEqual([]);
    });
  }
});
