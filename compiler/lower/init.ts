// PyTorch's default initialisers, drawn from a seeded generator so a spec
// compiled twice without weights gets the same bundle. The distributions
// match torch's (not its random stream): Linear/Conv weights and biases
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a = sqrt(5)),
// MultiheadAttention's in_proj xavier_uniform_, norms' ones and zeros.

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

  normal(): number {
    const u = Math.max(this.uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
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
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'unit-normal-vector' }
  /**
   * Values computed from other tensors (weight_g = ||weight_v||), called
   * only when the weights are filled in, after those tensors have been.
   */
  | { readonly kind: 'computed'; readonly compute: () => Float32Array };

export function fanInUniform(fanIn: number): Init {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

export function xavierUniform(fanIn: number, fanOut: number): Init {
  return { kind: 'uniform', bound: Math.sqrt(6 / (fanIn + fanOut)) };
}

export function materialiseInit(init: Init, count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'uniform':
      rng.fillUniform(out, init.bound);
      return out;
    case 'constant':
      return out.fill(init.value);
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
