// PyTorch's initialisers, drawn from a seeded generator so a spec compiled
// twice without weights gets the same bundle. The distributions are torch's
// (not its random stream), with its formulas evaluated as torch.nn.init
// evaluates them, fan_in and fan_out included:
// - Linear and Conv weights: kaiming_uniform_(a = sqrt(5)), which is
//   U(-1/sqrt(fan_in), 1/sqrt(fan_in)); their biases U(-1/sqrt(fan_in),
//   1/sqrt(fan_in)) from the weight's fan_in (reset_parameters);
// - MultiheadAttention: xavier_uniform_ on in_proj_weight, out_proj as a
//   Linear, both biases zero (_reset_parameters);
// - norms' ones and zeros; spectral_norm's u and v normal_ then normalised.
// A layer's `init=` replaces the weight's initialiser by one of
// torch.nn.init's with that function's defaults (weightInit).
import type { WeightInitChoice } from '../registry/shared-params.ts';
import { orthogonal } from './orthogonal.ts';

/** mulberry32: small, fast, good enough for initial weights. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Fills `out` with uniform(-bound, bound) values, the same ones `uniform()` calls would give, in one loop. */
  fillUniform(out: Float32Array, bound: number): void {
    let state = this.state;
    for (let i = 0; i < out.length; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * bound;
    }
    this.state = state;
  }

  /** A standard normal value (Box-Muller; the uniform is kept off 0, where the log is infinite). */
  normal(): number {
    const u = Math.max(this.uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Fills `out` with N(0, std^2) values. */
  fillNormal(out: Float32Array | Float64Array, std: number): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal() * std;
  }
}

/** A seed per tensor name, so adding a layer does not change every other layer's weights. */
export function seedFor(base: number, name: string): number {
  let h = 2166136261 ^ base;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type Init =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'constant'; readonly value: number }
  /** torch.nn.init.orthogonal_: the tensor as a [rows, count / rows] matrix with orthonormal rows or columns. */
  | { readonly kind: 'orthogonal'; readonly rows: number; readonly gain: number }
  | { readonly kind: 'unit-normal-vector' }
  /**
   * Values computed from other tensors (weight_g = ||weight_v||), called
   * only when the weights are filled in, after those tensors have been.
   */
  | { readonly kind: 'computed'; readonly compute: () => Float32Array };

/** torch.nn.init._calculate_fan_in_and_fan_out: dimension 1 and 0, times the receptive field (the dimensions after them). */
export function fans(shape: readonly number[]): { readonly fanIn: number; readonly fanOut: number } {
  if (shape.length < 2) throw new Error(`fan in and fan out need a tensor of 2 or more dimensions, got [${shape.join(', ')}]`);
  const receptiveField = shape.slice(2).reduce((p, d) => p * d, 1);
  return { fanIn: shape[1]! * receptiveField, fanOut: shape[0]! * receptiveField };
}

/** torch.nn.init.calculate_gain('leaky_relu', slope), the nonlinearity kaiming_* assume by default. */
export function leakyReluGain(slope: number): number {
  return Math.sqrt(2.0 / (1 + slope ** 2));
}

/** kaiming_uniform_(a, mode='fan_in', nonlinearity='leaky_relu'): bound = sqrt(3) * gain / sqrt(fan_in). */
function kaimingUniform(shape: readonly number[], a: number): Init {
  const std = leakyReluGain(a) / Math.sqrt(fans(shape).fanIn);
  return { kind: 'uniform', bound: Math.sqrt(3.0) * std };
}

function xavierStd(shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  return 1.0 * Math.sqrt(2.0 / (fanIn + fanOut));
}

/** The initialiser `init=` names for a weight of `shape`, as torch.nn.init's function of that name with its defaults. */
export function namedInit(choice: WeightInitChoice, shape: readonly number[]): Init {
  switch (choice) {
    case 'kaiming_uniform':
      return kaimingUniform(shape, 0);
    case 'kaiming_normal':
      return { kind: 'normal', std: leakyReluGain(0) / Math.sqrt(fans(shape).fanIn) };
    case 'xavier_uniform':
      return { kind: 'uniform', bound: Math.sqrt(3.0) * xavierStd(shape) };
    case 'xavier_normal':
      return { kind: 'normal', std: xavierStd(shape) };
    case 'orthogonal':
      return { kind: 'orthogonal', rows: shape[0]!, gain: 1 };
    case 'zeros':
      return { kind: 'constant', value: 0 };
  }
}

/** torch's default for a Linear or Conv weight: kaiming_uniform_(a = sqrt(5)). */
export function defaultWeightInit(shape: readonly number[]): Init {
  return kaimingUniform(shape, Math.sqrt(5));
}

/** The initialiser of a Linear or Conv weight of `shape`: the one `init=` names, else torch's default. */
export function weightInit(choice: WeightInitChoice | null, shape: readonly number[]): Init {
  return choice === null ? defaultWeightInit(shape) : namedInit(choice, shape);
}

/** torch's default for a Linear or Conv bias, from its weight's shape; whatever the weight's `init=`. */
export function defaultBiasInit(weightShape: readonly number[]): Init {
  const { fanIn } = fans(weightShape);
  return { kind: 'uniform', bound: fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0 };
}

export function materialiseInit(init: Init, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'uniform':
      rng.fillUniform(out, init.bound);
      return out;
    case 'normal':
      rng.fillNormal(out, init.std);
      return out;
    case 'constant':
      return out.fill(init.value);
    case 'orthogonal':
      return orthogonal(init.rows, count / init.rows, init.gain, rng);
    case 'computed':
      return Float32Array.from(init.compute());
    case 'unit-normal-vector': {
      let norm = 0;
      for (let i = 0; i < count; i++) {
        out[i] = rng.normal();
        norm += out[i]! ** 2;
      }
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      return out.map((x) => x * scale);
    }
  }
}
