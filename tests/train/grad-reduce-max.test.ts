// The gradient of reduce max (compiler/autodiff/rules/reduce.ts), run on the
// Dawn device: torch's amax gradient (tests/golden/grad-ops/reduce-max/,
// written by scripts/golden/grad_reduce_max.py), which splits the gradient
// evenly among tied maxima, within 1e-4 abs + 1e-3 rel; and central finite
// differences where there are no ties.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differentiate, inputGradOutput } from '../../compiler/autodiff/differentiate.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { runBundle, type F32Tensor } from '../e2e/model-cases.ts';

const REDUCE_MAX_GOLDEN_DIR = fileURLToPath(new URL('../golden/grad-ops/reduce-max/', import.meta.url));
const ABS = 1e-4;
const REL = 1e-3;

interface ReduceMaxCase {
  readonly name: string;
  readonly axes: readonly number[];
  readonly keepDims: boolean;
  readonly tensors: ReadonlyMap<string, F32Tensor>;
}

function loadCase(name: string): ReduceMaxCase {
  const folder = join(REDUCE_MAX_GOLDEN_DIR, name);
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as { axes: number[]; keepDims: boolean };
  const tensors = new Map<string, F32Tensor>();
  for (const [k, t] of readSafetensors(readFileSync(join(folder, 'tensors.safetensors'))).tensors) tensors.set(k, { shape: t.shape, data: t.data as Float32Array });
  return { name, axes: meta.axes, keepDims: meta.keepDims, tensors };
}

/** y = reduce max of x (batch axis N) and its backward pass from the cotangent `grad_output`, as one bundle. */
function gradientBundle(c: ReduceMaxCase) {
  const b = new GraphBuilder('eval');
  const x = b.input('x', { dtype: 'f32', shape: ['N', ...c.tensors.get('x')!.shape.slice(1)] });
  b.output('y', b.add('reduce', [x], { fn: 'max', axes: c.axes, keepDims: c.keepDims }));
  const { graph } = differentiate(b.finish(), { seeds: [{ value: 1, cotangent: { input: 'grad_output' } }], params: [], inputs: ['x'] });
  return generateBundle(graph, { model: c.name, generator: 'reduce max gradient goldens' });
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

describe("reduce max gradients equal torch's amax", () => {
  const cases = readdirSync(REDUCE_MAX_GOLDEN_DIR).sort();
  it('has the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const name of cases) {
    it(name, async () => {
      const c = loadCase(name);
      const [out] = await runBundle(gradientBundle(c), [{ x: c.tensors.get('x')!.data, grad_output: c.tensors.get('grad_output')!.data }], 'quick');
      expect([mismatch(out!.y, c.tensors.get('output')!), mismatch(out![inputGradOutput('x')], c.tensors.get('grad_input.x')!)]).toEqual([undefined, undefined]);
    }, 20_000);
  }
});

describe('reduce max gradients agree with finite differences on the device', () => {
  it('where no maximum is tied', async () => {
    const c = loadCase('distinct');
    const x = c.tensors.get('x')!.data;
    const g = c.tensors.get('grad_output')!.data;
    const u = x.map((_, i) => Math.sin(7.3 * i + 1));
    const eps = 1e-3; // far below the gaps between the case's normal draws, so no maximum changes hands
    const along = (step: number) => x.map((v, i) => v + step * u[i]!);
    const [base, plus, minus] = await runBundle(gradientBundle(c), [x, along(eps), along(-eps)].map((v) => ({ x: v, grad_output: g })), 'quick');
    const dot = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + v * q[i]!, 0);
    const numeric = (dot(g, plus!.y!.data) - dot(g, minus!.y!.data)) / (2 * eps);
    const analytic = dot(base![inputGradOutput('x')]!.data, u);
    expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(1e-2 + 1e-3 * Math.abs(analytic));
  }, 20_000);
});
