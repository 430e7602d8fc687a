// The problems of the side-by-side kernel bench (peer-kernels.ts), in one
// canonical layout shared by every system: row-major matrices, NCHW
// activations, OIHW conv weights, PyTorch's [out, in] linear weights. Inputs
// come from a seeded generator so every system sees the same numbers, and a
// plain JS loop gives the reference each output is checked against.

export type ProblemShape =
  /** a[m, k] @ b[k, n] */
  | { readonly kind: 'matmul'; readonly m: number; readonly k: number; readonly n: number }
  /** x[m, k] @ w[n, k]^T + bias[n] */
  | { readonly kind: 'linear'; readonly m: number; readonly k: number; readonly n: number }
  /** x[batch, cin, h, w] (*) weight[cout, cin, kernel, kernel] + bias[cout]; stride 1, zero padding `pad`. */
  | {
      readonly kind: 'conv';
      readonly batch: number;
      readonly cin: number;
      readonly cout: number;
      readonly h: number;
      readonly w: number;
      readonly kernel: number;
      readonly pad: number;
    };

export interface PeerProblem {
  readonly id: string;
  readonly label: string;
  readonly shape: ProblemShape;
}

const conv = (batch: number, cin: number, cout: number, size: number, kernel: number, pad: number): ProblemShape => ({
  kind: 'conv', batch, cin, cout, h: size, w: size, kernel, pad,
});

export const PEER_PROBLEMS: readonly PeerProblem[] = [
  { id: 'matmul', label: 'matmul 512x512 @ 512x512', shape: { kind: 'matmul', m: 512, k: 512, n: 512 } },
  { id: 'linear', label: 'linear [256, 512] -> 512 + bias', shape: { kind: 'linear', m: 256, k: 512, n: 512 } },
  { id: 'conv3x3', label: 'conv 3x3 pad 1, 32 -> 64, 28x28, N=16', shape: conv(16, 32, 64, 28, 3, 1) },
  { id: 'conv1x1', label: 'conv 1x1, 64 -> 64, 28x28, N=16', shape: conv(16, 64, 64, 28, 1, 0) },
  { id: 'conv-first', label: 'conv 3x3 pad 1, 1 -> 32, 28x28, N=16', shape: conv(16, 1, 32, 28, 3, 1) },
];

/** Input shapes in the canonical layout, in the order every system takes them. */
export function inputShapes(p: ProblemShape): number[][] {
  switch (p.kind) {
    case 'matmul':
      return [[p.m, p.k], [p.k, p.n]];
    case 'linear':
      return [[p.m, p.k], [p.n, p.k], [p.n]];
    case 'conv':
      return [[p.batch, p.cin, p.h, p.w], [p.cout, p.cin, p.kernel, p.kernel], [p.cout]];
  }
}

export function outputShape(p: ProblemShape): number[] {
  switch (p.kind) {
    case 'matmul':
    case 'linear':
      return [p.m, p.n];
    case 'conv': {
      const [oh, ow] = convOutputSize(p);
      return [p.batch, p.cout, oh, ow];
    }
  }
}

function convOutputSize(p: Extract<ProblemShape, { kind: 'conv' }>): [number, number] {
  return [p.h + 2 * p.pad - p.kernel + 1, p.w + 2 * p.pad - p.kernel + 1];
}

/** Multiply-adds of one op (bias adds not counted); FLOPs are twice this. */
export function macs(p: ProblemShape): number {
  switch (p.kind) {
    case 'matmul':
    case 'linear':
      return p.m * p.k * p.n;
    case 'conv': {
      const [oh, ow] = convOutputSize(p);
      return p.batch * p.cout * oh * ow * p.cin * p.kernel * p.kernel;
    }
  }
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Uniform in [-0.5, 0.5) from a small xorshift generator, seeded per problem. */
export function makeInputs(p: ProblemShape, seed: number): Float32Array[] {
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296 - 0.5;
  };
  return inputShapes(p).map((shape) => Float32Array.from({ length: elementCount(shape) }, next));
}

/** The op computed in float64 on the CPU, in the canonical output layout. */
export function reference(p: ProblemShape, inputs: readonly Float32Array[]): Float32Array {
  const out = new Float64Array(elementCount(outputShape(p)));
  switch (p.kind) {
    case 'matmul': {
      const [a, b] = inputs as [Float32Array, Float32Array];
      for (let i = 0; i < p.m; i++) {
        for (let t = 0; t < p.k; t++) {
          const av = a[i * p.k + t]!;
          const row = t * p.n;
          const o = i * p.n;
          for (let j = 0; j < p.n; j++) out[o + j] += av * b[row + j]!;
        }
      }
      break;
    }
    case 'linear': {
      const [x, w, bias] = inputs as [Float32Array, Float32Array, Float32Array];
      for (let i = 0; i < p.m; i++) {
        for (let j = 0; j < p.n; j++) {
          let sum = bias[j]!;
          for (let t = 0; t < p.k; t++) sum += x[i * p.k + t]! * w[j * p.k + t]!;
          out[i * p.n + j] = sum;
        }
      }
      break;
    }
    case 'conv': {
      const [x, w, bias] = inputs as [Float32Array, Float32Array, Float32Array];
      const [oh, ow] = convOutputSize(p);
      const ks = p.kernel;
      for (let n = 0; n < p.batch; n++) {
        for (let co = 0; co < p.cout; co++) {
          const plane = ((n * p.cout + co) * oh) * ow;
          out.fill(bias[co]!, plane, plane + oh * ow);
          for (let ci = 0; ci < p.cin; ci++) {
            const xPlane = (n * p.cin + ci) * p.h * p.w;
            for (let ky = 0; ky < ks; ky++) {
              for (let kx = 0; kx < ks; kx++) {
                const wv = w[((co * p.cin + ci) * ks + ky) * ks + kx]!;
                for (let y = 0; y < oh; y++) {
                  const iy = y + ky - p.pad;
                  if (iy < 0 || iy >= p.h) continue;
                  const xRow = xPlane + iy * p.w;
                  const oRow = plane + y * ow;
                  const x0 = Math.max(0, p.pad - kx);
                  const x1 = Math.min(ow, p.w + p.pad - kx);
                  for (let ox = x0; ox < x1; ox++) out[oRow + ox] += wv * x[xRow + ox + kx - p.pad]!;
                }
              }
            }
          }
        }
      }
      break;
    }
  }
  return Float32Array.from(out);
}
