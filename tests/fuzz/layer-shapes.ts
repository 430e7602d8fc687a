// How the generator keeps most of its specs shape-correct, so that they get
// past the checker into lowering, the passes and code generation: for the
// layers whose arguments decide a shape, a rule that picks arguments fitting
// the shape flowing in and says the shape flowing out. Shapes here are one
// sample's, without the batch dimension N.
//
// A layer the registry has and this table does not is still generated, with
// arguments from its registry entry, and assumed to keep the shape; the
// checker then says whether it does.
import type { Rng } from './prng.ts';
import { writeFloat, writeInt, list } from './spec-values.ts';

export type Shape = readonly number[];

export interface Applied {
  /** Argument values by parameter name, as source text. */
  readonly args: ReadonlyMap<string, string>;
  readonly shape: Shape;
}

type Rule = (rng: Rng, shape: Shape) => Applied | undefined;

const args = (entries: [string, string][]) => new Map(entries);
const same = (shape: Shape): Applied => ({ args: new Map(), shape });

/** Output length of a window over `size` (conv and pooling). */
function windowOut(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Kernel, stride and padding that fit a spatial size, and the size out. */
function pickWindow(rng: Rng, sizes: readonly number[], maxPaddingHalfKernel: boolean) {
  const smallest = Math.min(...sizes);
  const kernel = rng.int(1, Math.max(1, Math.min(3, smallest)));
  const stride = rng.chance(0.3) ? 2 : 1;
  const maxPadding = maxPaddingHalfKernel ? Math.floor(kernel / 2) : 1;
  const padding = rng.int(0, maxPadding);
  return { kernel, stride, padding, out: sizes.map((s) => windowOut(s, kernel, stride, padding)) };
}

function divisors(n: number): number[] {
  const found: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) found.push(d);
  return found;
}

const product = (shape: Shape) => shape.reduce((p, d) => p * d, 1);

function conv(spatial: number): Rule {
  return (rng, shape) => {
    if (shape.length !== spatial + 1) return undefined;
    const [channels, ...sizes] = shape as [number, ...number[]];
    const w = pickWindow(rng, sizes, false);
    if (w.out.some((s) => s < 1)) return undefined;
    const out = rng.chance(0.2) ? channels : rng.int(1, 8);
    const groups = rng.chance(0.15) ? rng.pick(divisors(channels).filter((d) => out % d === 0)) : 1;
    const entries: [string, string][] = [
      ['out', writeInt(rng, out)],
      ['kernel', w.kernel === 1 || rng.chance(0.7) ? writeInt(rng, w.kernel) : list(rng, spatial, () => String(w.kernel))],
    ];
    if (w.stride !== 1 || rng.chance(0.2)) entries.push(['stride', writeInt(rng, w.stride)]);
    if (w.padding !== 0 || rng.chance(0.2)) entries.push(['padding', writeInt(rng, w.padding)]);
    if (groups !== 1) entries.push(['groups', writeInt(rng, groups)]);
    if (rng.chance(0.15)) entries.push(['bias', 'false']);
    return { args: args(entries), shape: [out, ...w.out] };
  };
}

function pool(spatial: number, average: boolean): Rule {
  return (rng, shape) => {
    if (shape.length !== spatial + 1) return undefined;
    const [channels, ...sizes] = shape as [number, ...number[]];
    const kernel = rng.int(1, Math.max(1, Math.min(3, ...sizes)));
    const stride = rng.chance(0.5) ? kernel : rng.int(1, 2);
    const padding = rng.int(0, Math.floor(kernel / 2));
    const out = sizes.map((s) => windowOut(s, kernel, stride, padding));
    if (out.some((s) => s < 1)) return undefined;
    const entries: [string, string][] = [['kernel', writeInt(rng, kernel)]];
    if (stride !== kernel || rng.chance(0.2)) entries.push(['stride', writeInt(rng, stride)]);
    if (padding !== 0) entries.push(['padding', writeInt(rng, padding)]);
    if (average && rng.chance(0.2)) entries.push(['count_include_pad', rng.chance(0.5) ? 'true' : 'false']);
    return { args: args(entries), shape: [channels, ...out] };
  };
}

/** A dimension index after N, as a user writes it: positive from 1, or negative from the end. */
function dimIndex(rng: Rng, rank: number, k: number): string {
  return rng.chance(0.7) ? String(k + 1) : String(k - rank);
}

export const SHAPE_RULES: Readonly<Record<string, Rule>> = {
  linear: (rng, shape) => {
    if (shape.length < 1) return undefined;
    const out = rng.int(1, 16);
    const entries: [string, string][] = [['out', writeInt(rng, out)]];
    if (rng.chance(0.15)) entries.push(['bias', 'false']);
    return { args: args(entries), shape: [...shape.slice(0, -1), out] };
  },
  conv1d: conv(1),
  conv2d: conv(2),
  maxpool: pool(2, false),
  avgpool: pool(2, true),
  maxpool1d: pool(1, false),
  avgpool1d: pool(1, true),
  global_avgpool: (_rng, shape) => (shape.length === 3 ? { args: new Map(), shape: [shape[0]!, 1, 1] } : undefined),
  flatten: (rng, shape) => {
    if (shape.length < 2) return undefined;
    return { args: args(rng.chance(0.1) ? [['start_dim', '1']] : []), shape: [product(shape)] };
  },
  reshape: (rng, shape) => {
    const n = product(shape);
    const half = n % 2 === 0 && n > 2 ? [2, n / 2] : [n];
    const target = rng.pick([[n], half, [-1]]);
    const real = target[0] === -1 ? [n] : target;
    return { args: args([['shape', `[${target.join(', ')}]`]]), shape: real };
  },
  transpose: (rng, shape) => {
    if (shape.length < 2) return undefined;
    const a = rng.int(0, shape.length - 1);
    let b = rng.int(0, shape.length - 1);
    if (b === a) b = (a + 1) % shape.length;
    const swapped = [...shape];
    [swapped[a], swapped[b]] = [shape[b]!, shape[a]!];
    return { args: args([['dim0', dimIndex(rng, shape.length, a)], ['dim1', dimIndex(rng, shape.length, b)]]), shape: swapped };
  },
  normalize: (rng, shape) => {
    if (shape.length < 1) return undefined;
    const c = shape[0]!;
    return {
      args: args([
        ['mean', list(rng, c, () => writeFloat(rng, Number(rng.float().toFixed(3))))],
        ['std', list(rng, c, () => writeFloat(rng, Number((0.1 + rng.float()).toFixed(3))))],
      ]),
      shape,
    };
  },
  minmax: (rng, shape) => {
    const lo = rng.int(-2, 1);
    return { args: args([['min', writeInt(rng, lo)], ['max', writeInt(rng, lo + rng.int(1, 255))]]), shape };
  },
  softmax: (rng, shape) => ({ args: args(rng.chance(0.3) ? [['axis', dimIndex(rng, shape.length, shape.length - 1)]] : []), shape }),
  log_softmax: (rng, shape) => ({ args: args(rng.chance(0.3) ? [['axis', dimIndex(rng, shape.length, shape.length - 1)]] : []), shape }),
  layernorm: (rng, shape) => ({ args: args(rng.chance(0.3) ? [['dims', String(rng.int(1, Math.max(1, shape.length)))]] : []), shape }),
  groupnorm: (rng, shape) => (shape.length >= 2 ? { args: args([['groups', writeInt(rng, rng.pick(divisors(shape[0]!)))]]), shape } : undefined),
  batchnorm: (_rng, shape) => (shape.length <= 3 ? same(shape) : undefined),
  batch_renorm: (_rng, shape) => (shape.length <= 3 ? same(shape) : undefined),
  instancenorm: (_rng, shape) => (shape.length >= 2 && shape.length <= 3 ? same(shape) : undefined),
  batch_instance_norm: (_rng, shape) => (shape.length >= 2 && shape.length <= 4 ? same(shape) : undefined),
  switchable_norm: (_rng, shape) => (shape.length >= 2 && shape.length <= 4 ? same(shape) : undefined),
  local_response_norm: (rng, shape) => {
    if (shape.length < 2) return undefined; // torch needs an axis after the channels
    const entries: [string, string][] = [['size', writeInt(rng, rng.int(1, shape[0]! + 2))]];
    if (rng.chance(0.3)) entries.push(['alpha', writeFloat(rng, Number(rng.float().toFixed(3)))]);
    if (rng.chance(0.3)) entries.push(['beta', writeFloat(rng, Number((rng.float() * 2 - 0.5).toFixed(2)))]);
    if (rng.chance(0.3)) entries.push(['k', writeFloat(rng, Number((0.5 + rng.float() * 2).toFixed(2)))]);
    return { args: args(entries), shape };
  },
  multihead_attention: (rng, shape) => {
    if (shape.length !== 2) return undefined;
    return { args: args([['heads', writeInt(rng, rng.pick(divisors(shape[1]!)))]]), shape };
  },
  drop_path: (rng, shape) => ({ args: args([['p', writeFloat(rng, Number((rng.float() * 0.5).toFixed(2)))]]), shape }),
};

/** Layers that take two or more tensors, used in expressions rather than as chain steps. */
export const TENSOR_COMBINERS = new Set(['concat', 'add', 'sub', 'mul', 'div', 'matmul']);

/** Per-sample input shapes the generator starts from, by what they look like. */
export function inputShape(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [() => [rng.int(1, 16)], 3],
    [() => [rng.int(1, 4), rng.int(2, 10), rng.int(2, 10)], 4],
    [() => [rng.int(1, 4), rng.int(2, 12)], 2],
    [() => [rng.int(2, 6), 2 * rng.int(1, 4)], 2],
  ])();
}
