// Initial weights (compiled without a weight file) against the distributions
// torch draws them from, recorded by scripts/golden/init_stats.py in
// tests/golden/init: the exact bounds and standard deviations of every
// initialiser, and per layer (each kind, each `init=` choice) the
// distribution of every tensor it stores. regc's stream is not torch's, so
// the values are checked statistically: each check allows 5 standard errors
// (or, for extremes, a miss with probability e^-10), over values pooled from
// several seeds so that a uniform and a normal of the same spread differ.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import type { ModelDecl } from '../../grammar/ast.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { defaultBiasInit, defaultWeightInit, fans, namedInit, type Init } from '../../compiler/lower/init.ts';
import { lowerModel } from '../../compiler/lower/lower-model.ts';
import { WeightSource } from '../../compiler/lower/weight-source.ts';
import { ALL_OPS } from '../../compiler/registry/index.ts';
import { ownedTensors } from '../../compiler/registry/owned-tensors.ts';
import { WEIGHT_INITS } from '../../compiler/registry/shared-params.ts';
import { DiagnosticSink } from '../../compiler/resolve/diagnostic-sink.ts';
import { checkProgram } from '../../compiler/resolve/index.ts';

type Dist =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'orthogonal'; readonly gain: number }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'unit_vector' }
  | { readonly kind: 'norm_of'; readonly tensor: string; readonly dim: number };

interface GoldenTensor {
  readonly shape: readonly number[];
  readonly dist: Dist;
}

interface GoldenCase {
  readonly name: string;
  readonly about: string;
  readonly spec: string;
  readonly source: string;
  readonly tensors: Readonly<Record<string, GoldenTensor>>;
}

interface GoldenShape {
  readonly shape: readonly number[];
  readonly fan_in: number;
  readonly fan_out: number;
  readonly init: Readonly<Record<string, Dist>>;
  readonly default_weight: Dist;
  readonly default_bias: Dist;
}

const DIR = new URL('../golden/init/', import.meta.url);
const read = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as T;
const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'formulas.json')
  .sort()
  .map((f) => read<GoldenCase>(f));
const FORMULAS = read<{ torch: string; shapes: GoldenShape[] }>('formulas.json');

/** Values pooled per tensor: seeds are added until each random tensor has this many. */
const POOLED_VALUES = 4000;
const MAX_SEEDS = 16;
/** Standard errors a sample statistic may be off by. */
const Z = 5;

/** The stored tensors of the spec's model, initialised from `seed`: lowering only, as compileSource does before its passes. */
function initialise(spec: string, seed: number): { data: ReadonlyMap<string, Float32Array>; shapes: ReadonlyMap<string, readonly number[]> } {
  const source = new SourceFile('init.reg', spec);
  const parsed = parse(source);
  const checked = checkProgram(parsed.program, source);
  expect([...parsed.diagnostics, ...checked.diagnostics].map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const model = parsed.program.items.find((i): i is ModelDecl => i.kind === 'Model')!;
  const sink = new DiagnosticSink('init.reg');
  const graph = lowerModel(model, { program: parsed.program, source, sink, weights: new WeightSource(undefined, seed) });
  expect(sink.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return { data: graph!.data, shapes: new Map([...graph!.tensors].map(([name, info]) => [name, info.type.shape as readonly number[]])) };
}

const mean = (xs: ArrayLike<number>, f: (x: number) => number = (x) => x): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += f(xs[i]!);
  return s / xs.length;
};

function concat(parts: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** U(-b, b): inside the bound, reaching both ends, with its mean 0 and second moment b^2 / 3. */
function expectUniform(draws: readonly Float32Array[], bound: number, what: string): void {
  const x = concat(draws);
  const n = x.length;
  if (bound === 0) {
    expect(x.every((v) => v === 0), what).toBe(true);
    return;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  expect(Math.max(-lo, hi), `${what}: inside the bound`).toBeLessThanOrEqual(Math.fround(bound));
  // P(max < b (1 - t)) = (1 - t / 2)^n, about e^-10 at t = 20 / n.
  const reach = bound * (1 - Math.min(1, 20 / n));
  expect(hi, `${what}: fills the bound above`).toBeGreaterThanOrEqual(reach);
  expect(lo, `${what}: fills the bound below`).toBeLessThanOrEqual(-reach);
  expect(Math.abs(mean(x)), `${what}: mean`).toBeLessThanOrEqual((Z * bound) / Math.sqrt(3 * n));
  // Var(x^2) = E x^4 - (E x^2)^2 = b^4 / 5 - b^4 / 9.
  expect(Math.abs(mean(x, (v) => v * v) - bound ** 2 / 3), `${what}: variance`).toBeLessThanOrEqual((Z * bound ** 2 * Math.sqrt(4 / 45)) / Math.sqrt(n));
}

/** N(0, s^2): mean, second moment, and the share within one s, which a uniform of the same spread (0.577) does not have. */
function expectNormal(draws: readonly Float32Array[], std: number, what: string): void {
  const x = concat(draws);
  const n = x.length;
  expect(Math.abs(mean(x)), `${what}: mean`).toBeLessThanOrEqual((Z * std) / Math.sqrt(n));
  expect(Math.abs(mean(x, (v) => v * v) - std ** 2), `${what}: variance`).toBeLessThanOrEqual(Z * std ** 2 * Math.sqrt(2 / n));
  const p = 0.6826894921370859;
  const within = mean(x, (v) => (Math.abs(v) < std ? 1 : 0));
  expect(Math.abs(within - p), `${what}: share within one std`).toBeLessThanOrEqual(Z * Math.sqrt((p * (1 - p)) / n));
}

/** Each draw g times orthonormal rows (or columns, when taller than wide); signs as Haar-distributed (torch's sign correction). */
function expectOrthogonal(draws: readonly Float32Array[], shape: readonly number[], gain: number, what: string): void {
  const rows = shape[0]!;
  const cols = draws[0]!.length / rows;
  const wide = rows <= cols;
  const k = Math.min(rows, cols);
  const at = (w: Float32Array, line: number, i: number) => (wide ? w[line * cols + i]! : w[i * cols + line]!);
  let positiveDiagonal = 0;
  for (const w of draws) {
    let worst = 0;
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        let dot = 0;
        for (let i = 0; i < Math.max(rows, cols); i++) dot += at(w, a, i) * at(w, b, i);
        worst = Math.max(worst, Math.abs(dot / gain ** 2 - (a === b ? 1 : 0)));
      }
      if (w[a * cols + a]! > 0) positiveDiagonal++;
    }
    expect(worst, `${what}: ${wide ? 'W W^T' : 'W^T W'} = I`).toBeLessThanOrEqual(1e-5);
  }
  // Without torch's correction by sign(diag(R)), Householder's Q has a negative diagonal.
  const share = positiveDiagonal / (k * draws.length);
  expect(Math.abs(share - 0.5), `${what}: share of positive diagonal entries`).toBeLessThanOrEqual(Z * Math.sqrt(0.25 / (k * draws.length)));
}

/** ||v|| over every dimension but `dim`, for each draw of v and g alike. */
function expectNormOf(g: readonly Float32Array[], v: readonly Float32Array[], vShape: readonly number[], dim: number, what: string): void {
  const h = vShape[dim]!;
  const outer = vShape.slice(0, dim).reduce((p, d) => p * d, 1);
  const inner = vShape.slice(dim + 1).reduce((p, d) => p * d, 1);
  g.forEach((gs, s) => {
    const norms = new Float64Array(h);
    for (let o = 0; o < outer; o++) for (let k = 0; k < h; k++) for (let i = 0; i < inner; i++) norms[k] += v[s]![(o * h + k) * inner + i]! ** 2;
    for (let k = 0; k < h; k++) expect(Math.abs(gs[k]! - Math.sqrt(norms[k]!)), `${what}[${k}]`).toBeLessThanOrEqual(1e-6 * Math.sqrt(norms[k]!));
  });
}

const RANDOM_KINDS: ReadonlySet<Dist['kind']> = new Set(['uniform', 'normal', 'orthogonal', 'unit_vector', 'norm_of']);

describe(`initialisers' parameters are torch ${FORMULAS.torch}'s to the last bit`, () => {
  it.each(FORMULAS.shapes.map((s) => [JSON.stringify(s.shape), s] as const))('weight %s', (_, golden) => {
    expect(fans(golden.shape)).toEqual({ fanIn: golden.fan_in, fanOut: golden.fan_out });
    const asInit = (dist: Dist): Init => {
      switch (dist.kind) {
        case 'uniform':
          return { kind: 'uniform', bound: dist.bound };
        case 'normal':
          return { kind: 'normal', std: dist.std };
        case 'orthogonal':
          return { kind: 'orthogonal', rows: golden.shape[0]!, gain: dist.gain };
        case 'constant':
          return { kind: 'constant', value: dist.value };
        default:
          throw new Error(`no initialiser draws ${dist.kind} for a whole weight`);
      }
    };
    expect(Object.keys(golden.init).sort()).toEqual([...WEIGHT_INITS].sort());
    for (const choice of WEIGHT_INITS) expect(namedInit(choice, golden.shape), choice).toEqual(asInit(golden.init[choice]!));
    expect(defaultWeightInit(golden.shape)).toEqual(asInit(golden.default_weight));
    expect(defaultBiasInit(golden.shape)).toEqual(asInit(golden.default_bias));
  });

  it('refuses fans of a tensor with fewer than 2 dimensions, as torch does', () => {
    expect(() => fans([5])).toThrow(/2 or more dimensions/);
  });
});

describe('every stored tensor starts as torch starts it', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, golden) => {
    const first = initialise(golden.spec, 1);
    expect([...first.shapes.keys()].sort(), 'the tensors torch stores').toEqual(Object.keys(golden.tensors).sort());
    for (const [name, t] of Object.entries(golden.tensors)) expect(first.shapes.get(name), name).toEqual(t.shape);

    const smallest = Math.min(...Object.values(golden.tensors).filter((t) => RANDOM_KINDS.has(t.dist.kind)).map((t) => t.shape.reduce((p, d) => p * d, 1)));
    const seeds = Number.isFinite(smallest) ? Math.min(MAX_SEEDS, Math.max(2, Math.ceil(POOLED_VALUES / smallest))) : 2;
    const runs = [first, ...Array.from({ length: seeds - 1 }, (_, s) => initialise(golden.spec, s + 2))];
    const draws = (name: string) => runs.map((r) => r.data.get(name)!);

    for (const [name, { shape, dist }] of Object.entries(golden.tensors)) {
      const what = `${golden.name}: ${name}`;
      switch (dist.kind) {
        case 'uniform':
          expectUniform(draws(name), dist.bound, what);
          break;
        case 'normal':
          expectNormal(draws(name), dist.std, what);
          break;
        case 'orthogonal':
          expectOrthogonal(draws(name), shape, dist.gain, what);
          break;
        case 'constant':
          for (const d of draws(name)) expect(d.every((v) => v === dist.value), `${what}: all ${dist.value}`).toBe(true);
          break;
        case 'unit_vector':
          for (const d of draws(name)) expect(Math.abs(Math.hypot(...d) - 1), `${what}: norm 1`).toBeLessThanOrEqual(1e-6);
          {
            // Uniform on the sphere: entries times sqrt(length) are uncorrelated with variance 1, so their mean has variance 1 / n.
            const scaled = concat(draws(name).map((d) => d.map((v) => v * Math.sqrt(d.length))));
            expect(Math.abs(mean(scaled)), `${what}: centred`).toBeLessThanOrEqual(Z / Math.sqrt(scaled.length));
          }
          break;
        case 'norm_of':
          expectNormOf(draws(name), draws(dist.tensor), golden.tensors[dist.tensor]!.shape, dist.dim, what);
          break;
      }
      // Seeds reproduce, and different seeds give different random tensors.
      expect(Array.from(initialise(golden.spec, 1).data.get(name)!), `${what}: same seed`).toEqual(Array.from(draws(name)[0]!));
      if (RANDOM_KINDS.has(dist.kind)) expect(Array.from(draws(name)[1]!), `${what}: another seed`).not.toEqual(Array.from(draws(name)[0]!));
    }
  });

  it('covers every layer with stored tensors, and each init= choice on every layer that takes it', () => {
    const layer = (c: GoldenCase) => /layer: ([a-z_0-9]+)/.exec(c.spec)![1]!;
    const storing = ALL_OPS.filter((op) => {
      if (op.place !== 'layer') return false;
      const defaults = new Map(op.params.map((p) => [p.name, p.default ?? null]));
      // Optional tensors (affine, track_running_stats) count: the cases turn them on.
      for (const flag of ['affine', 'track_running_stats']) if (defaults.has(flag)) defaults.set(flag, true);
      return ownedTensors(op.name, defaults).length > 0;
    });
    expect(new Set(CASES.map(layer))).toEqual(new Set(storing.map((op) => op.name)));
    for (const op of ['linear', 'conv1d', 'conv2d', 'multihead_attention']) {
      const choices = CASES.filter((c) => layer(c) === op).flatMap((c) => /init=([a-z_]+)/.exec(c.spec)?.[1] ?? []);
      expect(new Set(choices), op).toEqual(new Set(WEIGHT_INITS));
    }
  });

  it('fills the compiled bundle from the same seeded values', () => {
    const spec = CASES.find((c) => c.name === 'linear-orthogonal')!.spec;
    const compiled = compileSource(spec, 'init.reg', { seed: 3 });
    expect(compiled.diagnostics).toEqual([]);
    expect(Array.from(compiled.trainGraph!.data.get('layer.weight')!)).toEqual(Array.from(initialise(spec, 3).data.get('layer.weight')!));
  });
});
