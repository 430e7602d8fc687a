// Every IR op, its attributes, and its type rule. The type rules are the
// shape inference: lowering and passes call `inferType` when they build a
// node, so a graph that exists is a graph whose shapes agree.
import type { DType, Dim, Shape, TensorType } from './types.ts';

export type UnaryFn =
  | 'relu'
  | 'leaky_relu' // alpha = negative slope
  | 'gelu' // erf form, torch approximate='none'
  | 'gelu_tanh' // torch approximate='tanh'
  | 'silu'
  | 'sigmoid'
  | 'tanh'
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'abs'
  | 'square'
  | 'affine' // alpha * x + beta
  // Derivatives, made by autodiff (compiler/autodiff/rules/elementwise.ts):
  | 'step' // 1 where x > 0, beta where x == 0, alpha where x < 0 (relu's and leaky_relu's masks)
  | 'sign' // torch.sign: -1, 0 or 1
  | 'gelu_grad' // d gelu(x) / dx, erf form
  | 'gelu_tanh_grad' // d gelu_tanh(x) / dx
  | 'silu_grad'; // d silu(x) / dx

export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

export interface UnaryAttrs {
  readonly fn: UnaryFn;
  readonly alpha?: number;
  readonly beta?: number;
}

/** A step applied to a kernel's result before it is stored (fusion). */
export type EpilogueStep =
  | { readonly kind: 'unary'; readonly fn: UnaryFn; readonly alpha?: number; readonly beta?: number }
  /** `result fn input[operand]`, the operand having the node's own shape (a residual add). */
  | { readonly kind: 'binary'; readonly fn: BinaryFn; readonly operand: number; readonly operandFirst?: boolean };

export interface ConvAttrs {
  readonly spatial: 1 | 2;
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly epilogue: readonly EpilogueStep[];
  /**
   * A 2x2, stride-2 max or average pool over the result (after the
   * epilogue), fused in by fuse-epilogues: the output is the pooled one, and
   * the full-size result is never stored. 2d only, epilogues without operands.
   */
  readonly pool?: { readonly kind: 'max' | 'avg' };
}

export interface NormAttrs {
  readonly eps: number;
  readonly momentum: number;
}

export interface OpAttrs {
  /** A graph input, by name. */
  input: { readonly name: string };
  /** A stored tensor (weight, running statistic, state), by name. */
  param: { readonly name: string };
  /** A small literal tensor (scalars, per-channel constants made by passes). */
  constant: { readonly values: readonly number[] };

  unary: UnaryAttrs;
  /** Numpy/torch broadcasting. */
  binary: { readonly fn: BinaryFn };
  /** Elementwise chain over inputs, made by fusion: `steps` applied to inputs[0]. */
  elementwise: { readonly epilogue: readonly EpilogueStep[] };

  /** inputs: x [..., in], weight [out, in], bias? [out]. */
  linear: { readonly epilogue: readonly EpilogueStep[] };
  /** torch.matmul on rank >= 2 operands with batch broadcasting. */
  matmul: { readonly epilogue: readonly EpilogueStep[] };
  /** inputs: x [N, C, (H,) W], weight [O, C/groups, (kh,) kw], bias? [O]. */
  conv: ConvAttrs;
  pool: {
    readonly kind: 'max' | 'avg';
    readonly spatial: 1 | 2;
    readonly kernel: readonly number[];
    readonly stride: readonly number[];
    readonly padding: readonly number[];
    readonly countIncludePad: boolean;
  };
  /** Mean over every axis after the first two, kept as size-1 axes (AdaptiveAvgPool(1)). */
  global_avgpool: Record<string, never>;
  reshape: { readonly shape: Shape };
  permute: { readonly perm: readonly number[] };
  concat: { readonly axis: number };
  softmax: { readonly axis: number; readonly log: boolean };
  reduce: { readonly fn: 'sum' | 'mean' | 'max'; readonly axes: readonly number[]; readonly keepDims: boolean };

  /** inputs: x, weight?, bias?, running_mean?, running_var? (see `has`). */
  batchnorm: NormAttrs & { readonly affine: boolean; readonly trackRunningStats: boolean };
  /** inputs: x, weight, bias, running_mean, and running_var, or running_std (sigma itself, the paper's state) where `runningStd`. Ioffe 2017. */
  batch_renorm: NormAttrs & { readonly rMax: number; readonly dMax: number; readonly runningStd: boolean };
  /** inputs: x, weight?, bias?, running_mean?, running_var?. */
  instancenorm: NormAttrs & { readonly affine: boolean; readonly trackRunningStats: boolean };
  /** inputs: x, weight?, bias?. */
  groupnorm: { readonly groups: number; readonly eps: number; readonly affine: boolean };
  /** inputs: x, weight?, bias?; normalises the last `dims` axes. */
  layernorm: { readonly dims: number; readonly eps: number; readonly affine: boolean };
  /** inputs: x, g (scalar). g * x / max(||x||, eps) over the last axis... see docs. */
  scalenorm: { readonly eps: number; readonly axes: readonly number[] };
  /** inputs: x, weight, bias, rho [C], running_mean, running_var. */
  batch_instance_norm: NormAttrs;
  /** inputs: x, weight, bias, mean_weight [3], var_weight [3], running_mean, running_var. */
  switchable_norm: NormAttrs;
  /**
   * torch's local_response_norm over axis 1 of x [N, C, ...]: x / (k + alpha / size *
   * (sum of x^2 over channels c - floor(size / 2) .. c + floor((size - 1) / 2), zeros past the ends))^beta.
   */
  local_response_norm: { readonly size: number; readonly alpha: number; readonly beta: number; readonly k: number };
  /** inputs: x, scale [C], shift [C]: y = x * scale + shift along `axis`. */
  channel_affine: { readonly axis: number; readonly epilogue: readonly EpilogueStep[] };

  dropout: { readonly p: number };
  /** Drops whole samples of a residual branch (stochastic depth, torchvision's "row" mode). */
  drop_path: { readonly p: number };
  gaussian_noise: { readonly std: number };
  /** Applied to a weight tensor: Bernoulli mask in training, identity (the mean) at eval. */
  dropconnect: { readonly p: number };
  /** inputs: v, g. w = g * v / ||v|| with the norm over every axis but `dim`. */
  weight_norm: { readonly dim: number };
  /**
   * inputs: w, u [h], v [w.numel / h] (torch's weight_orig, weight_u, weight_v).
   * Train: `powerIterations` updates of u, v, then w / (u . W v). Eval: no
   * iteration, the stored u and v give sigma, as torch does.
   */
  spectral_norm: { readonly dim: number; readonly eps: number; readonly powerIterations: number };

  /**
   * inputs: x [N, L, E], in_proj_weight [3E, E], in_proj_bias? [3E], out_proj.weight [E, E],
   * out_proj.bias? [E] (both biases or neither), then any epilogue operands; `epilogue`
   * (fusion's) applies to the output projection's result, e.g. a Transformer layer's residual add.
   */
  multihead_attention: { readonly heads: number; readonly dropout: number; readonly epilogue?: readonly EpilogueStep[] };

  // Ops the backward pass is built from (compiler/autodiff/).
  /** Broadcasts x (of the same rank, size-1 axes where it differs) to `shape`. */
  expand: { readonly shape: Shape };
  /** `length` elements of x along `axis` from `start` (concat's gradient). */
  slice: { readonly axis: number; readonly start: number; readonly length: number };
  /**
   * inputs: a [..., I], b [..., J] with the same leading axes: the [I, J]
   * sum over every leading position of a^T b (a weight's gradient, summed
   * over a batch whose size is known only at run time).
   */
  gemm_tn: Record<string, never>;
  /** x * numerator / denominator, each `perN * N + fixed` of the run's batch size (a mean over the batch). */
  count_scale: { readonly numerator: CountInN; readonly denominator: CountInN };
  /** The sum along axis 1 of x [N, C, ...] over channels c - before .. c + after, zeros past the ends (local_response_norm's window). */
  channel_window_sum: { readonly before: number; readonly after: number };
  /** x unchanged, with no gradient back through it (torch's .detach(): batch_renorm's r and d, spectral norm's u and v). */
  detach: Record<string, never>;
  /** inputs: class indices (f32 holding whole numbers) of any shape: that shape + [classes], 1 at the index, else 0. */
  one_hot: { readonly classes: number };
  /**
   * inputs: g [N, O, (oh,) ow], weight [O, C/groups, (kh,) kw]: the gradient of a conv's
   * input x [N, C, ...inputSpatial] (a transposed convolution; `inputSpatial` restores the
   * trailing rows and columns a stride left unread).
   */
  conv_grad_input: Omit<ConvAttrs, 'epilogue' | 'pool'> & { readonly inputSpatial: readonly number[] };
  /** inputs: x [N, C, ...], g [N, O, ...]: the gradient of a conv's weight [O, C/groups, ...kernel], summed over the batch. */
  conv_grad_weight: Omit<ConvAttrs, 'epilogue' | 'pool'> & { readonly kernel: readonly number[] };
  /** inputs: g, then x for a max pool: the gradient of a pool's input [N, C, ...inputSpatial]. */
  pool_grad: OpAttrs['pool'] & { readonly inputSpatial: readonly number[] };

  // Train-mode randomness (compiler/autodiff/randomness.ts, kernels in compiler/codegen/kernels/random.ts).
  /**
   * inputs: rng (u32 [4]: seed low and high words, step low and high words). An f32 tensor of
   * `shape` whose elements are 0 with probability p and 1 / (1 - p) otherwise (inverted
   * dropout's scaled mask), each from Philox-4x32-10 at its own counter (element, `stream`, step).
   */
  random_mask: { readonly p: number; readonly stream: number; readonly shape: Shape };
  /** inputs: rng, as random_mask's. An f32 tensor of `shape` holding std * N(0, 1) draws (Box-Muller). */
  random_normal: { readonly std: number; readonly stream: number; readonly shape: Shape };
}

/** `perN * N + fixed`: a count that may grow with the batch size. */
export interface CountInN {
  readonly perN: number;
  readonly fixed: number;
}

export type OpName = keyof OpAttrs;

export const OP_NAMES = [
  'input', 'param', 'constant', 'unary', 'binary', 'elementwise', 'linear', 'matmul', 'conv',
  'pool', 'global_avgpool', 'reshape', 'permute', 'concat', 'softmax', 'reduce', 'batchnorm',
  'batch_renorm', 'instancenorm', 'groupnorm', 'layernorm', 'scalenorm', 'batch_instance_norm',
  'switchable_norm', 'channel_affine', 'dropout', 'drop_path', 'gaussian_noise', 'dropconnect',
  'weight_norm', 'spectral_norm', 'multihead_attention', 'expand', 'slice', 'gemm_tn', 'count_scale', 'one_hot',
  'conv_grad_input', 'conv_grad_weight', 'pool_grad', 'random_mask', 'random_normal',
  'detach', 'local_response_norm', 'channel_window_sum',
] as const satisfies readonly OpName[];

/** Ops whose result depends on training-mode randomness or batch statistics. */
export const TRAIN_ONLY_MEANING: ReadonlySet<OpName> = new Set([
  'dropout', 'drop_path', 'gaussian_noise', 'dropconnect',
]);

export class ShapeError extends Error {}

const fail = (message: string): never => {
  throw new ShapeError(message);
};

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return a === b;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements as `perN * N + fixed`; shapes hold N at most once. */
export function elementCount(shape: Shape): { perN: number; fixed: number } {
  let product = 1;
  let hasN = false;
  for (const d of shape) {
    if (d === 'N') hasN = true;
    else product *= d;
  }
  return hasN ? { perN: product, fixed: 0 } : { perN: 0, fixed: product };
}

export function normaliseAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Torch/numpy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else fail(`shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
  }
  return out;
}

/** torch's output size of a convolution or pooling window along one axis. */
export function convOutSize(size: Dim, kernel: number, stride: number, padding: number, dilation: number): Dim {
  if (size === 'N') return fail('a spatial dimension cannot be the batch size N');
  const out = Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
  if (out < 1) {
    fail(`output size would be ${out} (input ${size}, kernel ${kernel}, stride ${stride}, padding ${padding}, dilation ${dilation})`);
  }
  return out;
}

function expectRank(t: TensorType, ranks: readonly number[], what: string): void {
  if (!ranks.includes(t.shape.length)) {
    fail(`${what} expects a tensor of rank ${ranks.join(' or ')}, got ${formatShape(t.shape)}`);
  }
}

function expectShape(t: TensorType | undefined, shape: Shape, what: string): void {
  if (t && !shapesEqual(t.shape, shape)) {
    fail(`${what} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
  }
}

/** A window op's gradient must have the spatial sizes the forward op gives an input of `inputSpatial`. */
function expectWindowOutput(
  got: Shape,
  inputSpatial: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
  what: string,
): void {
  if (inputSpatial.length !== got.length) fail(`${what}: ${inputSpatial.length} input sizes for ${got.length} spatial axes`);
  const want = inputSpatial.map((s, i) => convOutSize(s, kernel[i]!, stride[i]!, padding[i]!, dilation[i]!));
  if (!shapesEqual(got, want)) {
    fail(`${what}: a gradient of spatial size ${formatShape(got)} does not fit an input of ${formatShape(inputSpatial)} (the forward op gives ${formatShape(want)})`);
  }
}

function f32(shape: Shape): TensorType {
  return { dtype: 'f32' as DType, shape };
}

function expectStaticChannels(t: TensorType, what: string): void {
  if (typeof t.shape[1] !== 'number') fail(`${what}: channels (axis 1) cannot be the batch size N`);
}

/** Inputs 1..: optional per-channel tensors of shape [C]. */
function checkChannelParams(ins: readonly TensorType[], channels: Dim, what: string): void {
  for (const t of ins.slice(1)) expectShape(t, [channels], `${what} parameter`);
}

/**
 * The result type of `op` applied to inputs of types `ins`, or a ShapeError
 * whose message names the shapes (the caller adds which layers disagree).
 */
export function inferType<Op extends OpName>(op: Op, attrs: OpAttrs[Op], ins: readonly TensorType[]): TensorType {
  // Epilogue operands (residuals) are extra inputs after the op's own; the
  // op's rule sees its own inputs only, and every operand must have the
  // result's shape.
  const epilogue = (attrs as { epilogue?: readonly EpilogueStep[] }).epilogue;
  if (epilogue && epilogue.some((s) => s.kind === 'binary')) {
    const operands = new Set(epilogue.flatMap((s) => (s.kind === 'binary' ? [s.operand] : [])));
    const own = ins.filter((_, i) => !operands.has(i));
    const result = inferType(op, { ...attrs, epilogue: [] } as OpAttrs[Op], own);
    for (const i of operands) {
      const t = ins[i];
      if (!t) fail(`epilogue operand ${i} is missing`);
      else if (!shapesEqual(t.shape, result.shape)) fail(`epilogue operand ${formatShape(t.shape)} differs from the result ${formatShape(result.shape)}`);
    }
    return result;
  }
  const x = ins[0];
  switch (op) {
    case 'input':
    case 'param':
    case 'constant':
      return fail(`${op} nodes carry their type; it is not inferred`);
    case 'unary':
    case 'dropout':
    case 'gaussian_noise':
    case 'dropconnect':
    case 'elementwise':
      return x!;
    case 'drop_path':
      expectRank(x!, [1, 2, 3, 4, 5], 'drop_path');
      return x!;
    case 'binary': {
      const y = ins[1]!;
      return { dtype: x!.dtype, shape: broadcastShapes(x!.shape, y.shape) };
    }
    case 'linear': {
      const [w, b] = [ins[1]!, ins[2]];
      expectRank(w, [2], 'linear weight');
      const inFeatures = x!.shape[x!.shape.length - 1];
      if (inFeatures !== w.shape[1]) {
        fail(`linear expects ${w.shape[1]} input features, got ${formatShape(x!.shape)}`);
      }
      expectShape(b, [w.shape[0]!], 'linear bias');
      return f32([...x!.shape.slice(0, -1), w.shape[0]!]);
    }
    case 'matmul': {
      const y = ins[1]!;
      if (x!.shape.length < 2 || y.shape.length < 2) fail('matmul expects operands of rank >= 2');
      const k1 = x!.shape[x!.shape.length - 1];
      const k2 = y.shape[y.shape.length - 2];
      if (k1 !== k2) fail(`matmul inner dimensions differ: ${formatShape(x!.shape)} @ ${formatShape(y.shape)}`);
      const batch = broadcastShapes(x!.shape.slice(0, -2), y.shape.slice(0, -2));
      return f32([...batch, x!.shape[x!.shape.length - 2]!, y.shape[y.shape.length - 1]!]);
    }
    case 'conv': {
      const a = attrs as OpAttrs['conv'];
      const [w, b] = [ins[1]!, ins[2]];
      expectRank(x!, [a.spatial + 2], `conv${a.spatial}d input`);
      expectRank(w, [a.spatial + 2], `conv${a.spatial}d weight`);
      const c = x!.shape[1]!;
      const o = w.shape[0] as number;
      if (c === 'N') fail('channels cannot be the batch size N');
      if ((c as number) % a.groups !== 0 || o % a.groups !== 0) {
        fail(`groups=${a.groups} must divide both ${c} input and ${o} output channels`);
      }
      if (w.shape[1] !== (c as number) / a.groups) {
        fail(`conv${a.spatial}d expects ${(w.shape[1] as number) * a.groups} input channels, got ${c}`);
      }
      expectShape(b, [o], 'conv bias');
      const spatial = x!.shape.slice(2).map((s, i) =>
        convOutSize(s, w.shape[2 + i] as number, a.stride[i]!, a.padding[i]!, a.dilation[i]!),
      );
      if (a.pool) {
        if (a.spatial !== 2) fail('a fused pool needs a 2d convolution');
        return f32([x!.shape[0]!, o, ...spatial.map((s) => convOutSize(s, 2, 2, 0, 1))]);
      }
      return f32([x!.shape[0]!, o, ...spatial]);
    }
    case 'pool': {
      const a = attrs as OpAttrs['pool'];
      expectRank(x!, [a.spatial + 2], `${a.kind}pool input`);
      a.padding.forEach((p, i) => {
        if (p * 2 > a.kernel[i]!) fail(`pool padding ${p} must be at most half the kernel size ${a.kernel[i]}`);
      });
      const spatial = x!.shape.slice(2).map((s, i) => convOutSize(s, a.kernel[i]!, a.stride[i]!, a.padding[i]!, 1));
      return f32([x!.shape[0]!, x!.shape[1]!, ...spatial]);
    }
    case 'global_avgpool':
      expectRank(x!, [3, 4], 'global_avgpool');
      return f32([x!.shape[0]!, x!.shape[1]!, ...x!.shape.slice(2).map(() => 1)]);
    case 'reshape': {
      const target = (attrs as OpAttrs['reshape']).shape;
      const from = elementCount(x!.shape);
      const to = elementCount(target);
      if (from.perN !== to.perN || from.fixed !== to.fixed) {
        fail(`cannot reshape ${formatShape(x!.shape)} to ${formatShape(target)}`);
      }
      return { dtype: x!.dtype, shape: target };
    }
    case 'permute': {
      const perm = (attrs as OpAttrs['permute']).perm;
      const sorted = [...perm].sort((p, q) => p - q);
      if (perm.length !== x!.shape.length || sorted.some((p, i) => p !== i)) {
        fail(`permutation [${perm.join(', ')}] does not fit a tensor of shape ${formatShape(x!.shape)}`);
      }
      return { dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
    }
    case 'concat': {
      const axis = normaliseAxis((attrs as OpAttrs['concat']).axis, x!.shape.length);
      let total = 0;
      for (const t of ins) {
        if (t.shape.length !== x!.shape.length || t.shape.some((d, i) => i !== axis && d !== x!.shape[i])) {
          fail(`concat along axis ${axis}: shapes ${ins.map((s) => formatShape(s.shape)).join(' and ')} differ off that axis`);
        }
        const d = t.shape[axis]!;
        if (d === 'N') fail('concat along the batch axis is not supported');
        total += d as number;
      }
      return f32(x!.shape.map((d, i) => (i === axis ? total : d)));
    }
    case 'softmax':
      normaliseAxis((attrs as OpAttrs['softmax']).axis, x!.shape.length);
      return x!;
    case 'reduce': {
      const a = attrs as OpAttrs['reduce'];
      const axes = a.axes.map((ax) => normaliseAxis(ax, x!.shape.length));
      const shape = x!.shape.flatMap((d, i) => (axes.includes(i) ? (a.keepDims ? [1] : []) : [d]));
      return f32(shape);
    }
    case 'batchnorm':
    case 'batch_renorm':
    case 'instancenorm':
      expectRank(x!, [2, 3, 4, 5], op);
      if (op === 'instancenorm') expectRank(x!, [3, 4, 5], op);
      checkChannelParams(ins, x!.shape[1]!, op);
      return x!;
    case 'batch_instance_norm':
      expectRank(x!, [3, 4, 5], op);
      checkChannelParams(ins, x!.shape[1]!, op);
      return x!;
    case 'switchable_norm': {
      expectRank(x!, [3, 4, 5], op);
      const c = x!.shape[1]!;
      const [, w, b, mw, vw, rm, rv] = ins;
      for (const t of [w, b, rm, rv]) expectShape(t, [c], op);
      expectShape(mw, [3], 'switchable_norm mean_weight');
      expectShape(vw, [3], 'switchable_norm var_weight');
      return x!;
    }
    case 'groupnorm': {
      const g = (attrs as OpAttrs['groupnorm']).groups;
      expectRank(x!, [2, 3, 4, 5], op);
      const c = x!.shape[1]!;
      if (c === 'N' || (c as number) % g !== 0) fail(`groupnorm: ${g} groups must divide ${c} channels`);
      checkChannelParams(ins, c, op);
      return x!;
    }
    case 'layernorm': {
      const dims = (attrs as OpAttrs['layernorm']).dims;
      if (dims < 1 || dims > x!.shape.length) fail(`layernorm over ${dims} trailing axes of ${formatShape(x!.shape)}`);
      const normalized = x!.shape.slice(x!.shape.length - dims);
      if (normalized.includes('N')) fail('layernorm cannot normalise over the batch axis');
      for (const t of ins.slice(1)) expectShape(t, normalized, 'layernorm parameter');
      return x!;
    }
    case 'scalenorm':
      expectShape(ins[1], [], 'scalenorm g');
      return x!;
    case 'local_response_norm': {
      // torch refuses [N, C]: its window pools over a spatial view.
      if (x!.shape.length < 3) fail(`local_response_norm expects [N, C, ...] with at least one axis after the channels, got ${formatShape(x!.shape)}`);
      const size = (attrs as OpAttrs['local_response_norm']).size;
      if (!Number.isInteger(size) || size < 1) fail(`local_response_norm: a window of ${size} channels`);
      expectStaticChannels(x!, op);
      return x!;
    }
    case 'channel_window_sum': {
      const { before, after } = attrs as OpAttrs['channel_window_sum'];
      if (x!.shape.length < 2) fail(`channel_window_sum expects [N, C, ...], got ${formatShape(x!.shape)}`);
      if (![before, after].every((w) => Number.isInteger(w) && w >= 0)) fail(`channel_window_sum: a window of ${before} channels before and ${after} after`);
      expectStaticChannels(x!, op);
      return x!;
    }
    case 'channel_affine': {
      const axis = normaliseAxis((attrs as OpAttrs['channel_affine']).axis, x!.shape.length);
      for (const t of ins.slice(1)) expectShape(t, [x!.shape[axis]!], 'channel_affine parameter');
      return x!;
    }
    case 'weight_norm': {
      const [v, g] = ins;
      const dim = (attrs as OpAttrs['weight_norm']).dim;
      expectShape(g, v!.shape.map((d, i) => (i === dim ? d : 1)), 'weight_norm g');
      return v!;
    }
    case 'spectral_norm': {
      const [w, u, v] = ins;
      const dim = (attrs as OpAttrs['spectral_norm']).dim;
      const h = w!.shape[dim] as number;
      const rest = (w!.shape as number[]).reduce((p, d) => p * d, 1) / h;
      expectShape(u, [h], 'spectral_norm u');
      expectShape(v, [rest], 'spectral_norm v');
      return w!;
    }
    case 'expand': {
      const target = (attrs as OpAttrs['expand']).shape;
      if (target.length !== x!.shape.length || x!.shape.some((d, i) => d !== 1 && d !== target[i])) {
        fail(`cannot expand ${formatShape(x!.shape)} to ${formatShape(target)}`);
      }
      return { dtype: x!.dtype, shape: target };
    }
    case 'slice': {
      const a = attrs as OpAttrs['slice'];
      const axis = normaliseAxis(a.axis, x!.shape.length);
      const size = x!.shape[axis]!;
      if (size === 'N' || a.start < 0 || a.length < 1 || a.start + a.length > size) {
        fail(`cannot take ${a.length} elements from ${a.start} along axis ${axis} of ${formatShape(x!.shape)}`);
      }
      return { dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === axis ? a.length : d)) };
    }
    case 'gemm_tn': {
      const y = ins[1]!;
      if (x!.shape.length < 1 || !shapesEqual(x!.shape.slice(0, -1), y.shape.slice(0, -1)) || y.shape.length !== x!.shape.length) {
        fail(`gemm_tn needs operands with the same leading axes, got ${formatShape(x!.shape)} and ${formatShape(y.shape)}`);
      }
      const [i, j] = [x!.shape[x!.shape.length - 1]!, y.shape[y.shape.length - 1]!];
      if (i === 'N' || j === 'N') fail('gemm_tn: the last axes cannot be the batch size');
      return f32([i, j]);
    }
    case 'count_scale':
    case 'detach':
      return x!;
    case 'one_hot':
      return f32([...x!.shape, (attrs as OpAttrs['one_hot']).classes]);
    case 'conv_grad_input': {
      const a = attrs as OpAttrs['conv_grad_input'];
      const w = ins[1]!;
      expectRank(x!, [a.spatial + 2], 'conv_grad_input gradient');
      expectRank(w, [a.spatial + 2], 'conv_grad_input weight');
      if (x!.shape[1] !== w.shape[0]) fail(`conv_grad_input: gradient ${formatShape(x!.shape)} and weight ${formatShape(w.shape)} differ in output channels`);
      expectWindowOutput(x!.shape.slice(2), a.inputSpatial, w.shape.slice(2) as number[], a.stride, a.padding, a.dilation, 'conv_grad_input');
      return f32([x!.shape[0]!, (w.shape[1] as number) * a.groups, ...a.inputSpatial]);
    }
    case 'conv_grad_weight': {
      const a = attrs as OpAttrs['conv_grad_weight'];
      const g = ins[1]!;
      expectRank(x!, [a.spatial + 2], 'conv_grad_weight input');
      expectRank(g, [a.spatial + 2], 'conv_grad_weight gradient');
      const [c, o] = [x!.shape[1]!, g.shape[1]!];
      if (x!.shape[0] !== g.shape[0] || c === 'N' || o === 'N' || c % a.groups !== 0 || o % a.groups !== 0) {
        fail(`conv_grad_weight: input ${formatShape(x!.shape)} and gradient ${formatShape(g.shape)} do not fit groups=${a.groups}`);
      }
      expectWindowOutput(g.shape.slice(2), x!.shape.slice(2) as number[], a.kernel, a.stride, a.padding, a.dilation, 'conv_grad_weight');
      return f32([o, (c as number) / a.groups, ...a.kernel]);
    }
    case 'pool_grad': {
      const a = attrs as OpAttrs['pool_grad'];
      expectRank(x!, [a.spatial + 2], 'pool_grad gradient');
      expectWindowOutput(x!.shape.slice(2), a.inputSpatial, a.kernel, a.stride, a.padding, a.kernel.map(() => 1), 'pool_grad');
      const shape = [x!.shape[0]!, x!.shape[1]!, ...a.inputSpatial];
      if (a.kind === 'max') {
        if (!ins[1]) fail('a max pool_grad needs the pool input');
        expectShape(ins[1], shape, 'pool_grad input');
      } else if (ins.length > 1) fail('an avg pool_grad takes the gradient only');
      return f32(shape);
    }
    case 'random_mask':
    case 'random_normal': {
      const a = attrs as OpAttrs['random_mask'] & OpAttrs['random_normal'];
      if (x?.dtype !== 'u32' || !shapesEqual(x.shape, [4])) fail(`${op} reads the RNG state, a u32 tensor of shape [4]`);
      if (!Number.isInteger(a.stream) || a.stream < 0 || a.stream > 0xffffffff) fail(`${op} stream ${a.stream} is not a u32`);
      if (op === 'random_mask' && !(a.p >= 0 && a.p < 1)) fail(`random_mask p=${a.p} is outside [0, 1)`);
      if (op === 'random_normal' && !(a.std >= 0)) fail(`random_normal std=${a.std} is negative`);
      return f32(a.shape);
    }
    case 'multihead_attention': {
      const a = attrs as OpAttrs['multihead_attention'];
      expectRank(x!, [3], 'multihead_attention input [N, L, E]');
      const e = x!.shape[2] as number;
      if (e % a.heads !== 0) fail(`embedding size ${e} is not divisible by ${a.heads} heads`);
      expectShape(ins[1], [3 * e, e], 'multihead_attention in_proj_weight');
      expectShape(ins[3], [e, e], 'multihead_attention out_proj.weight');
      return x!;
    }
  }
  return fail(`no type rule for op ${String(op)}`);
}
