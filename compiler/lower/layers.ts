// One lowering per layer name: registry arguments in, IR nodes out. Shapes
// of stored tensors follow the torch module each layer mirrors, and every
// tensor is named `<layer>.<suffix>` exactly as owned-tensors.ts lists.
import type { OpAttrs, UnaryFn } from '../ir/ops.ts';
import { formatShape, ShapeError } from '../ir/ops.ts';
import type { GraphBuilder } from '../ir/builder.ts';
import type { Dim, Origin, TensorRole, ValueId } from '../ir/types.ts';
import { fitsF32 } from '../registry/index.ts';
import type { Value } from '../registry/types.ts';
import type { WeightInitChoice } from '../registry/shared-params.ts';
import { defaultBiasInit, weightInit, type Init } from './init.ts';

export class LoweringError extends Error {}

/** A LoweringError that one argument causes (of the layer, or of its attachment `attachment`): reported at that argument. */
export class ArgumentError extends LoweringError {
  constructor(
    message: string,
    readonly param: string,
    readonly attachment?: string,
  ) {
    super(message);
  }
}

export interface Attachment {
  readonly name: string;
  readonly values: ReadonlyMap<string, Value | null>;
}

export interface LayerContext {
  readonly b: GraphBuilder;
  /** Full layer name, e.g. `layer1.0.c1`. */
  readonly name: string;
  readonly values: ReadonlyMap<string, Value | null>;
  readonly inputs: readonly ValueId[];
  readonly attachments: readonly Attachment[];
  readonly origin: Origin;
  /**
   * The values of a param node made by `tensor`; known only once weights
   * are filled in, so call it from a `computed` Init, never while lowering.
   */
  weightData(id: ValueId): Float32Array;
  /** Declares `<name>.<suffix>` (its values are filled in after lowering) and returns its param node. */
  tensor(suffix: string, shape: readonly number[], role: TensorRole, init: Init): ValueId;
  /** Whether the weight file holds `<name>.<suffix>` (false without one), for a layer that takes either of two tensors. */
  holdsTensor(suffix: string): boolean;
}

type Lowering = (ctx: LayerContext) => ValueId;

const ONES: Init = { kind: 'constant', value: 1 };
const ZEROS: Init = { kind: 'constant', value: 0 };

function num(ctx: LayerContext, name: string): number {
  return ctx.values.get(name) as number;
}

function bool(ctx: LayerContext, name: string): boolean {
  return ctx.values.get(name) as boolean;
}

function tuple(v: Value | null | undefined, rank: number, fallback?: readonly number[]): number[] {
  if (v === null || v === undefined) return [...fallback!];
  return Array.isArray(v) ? (v as number[]).slice() : new Array<number>(rank).fill(v as number);
}

function x(ctx: LayerContext): ValueId {
  return ctx.inputs[0]!;
}

function shapeOf(ctx: LayerContext, id: ValueId): readonly Dim[] {
  return ctx.b.type(id).shape;
}

/** The size of a dimension the layer needs its input to have (1: channels, -1: the last); a shape error when it has none. */
function staticDim(ctx: LayerContext, id: ValueId, axis: number, what: string): number {
  const shape = shapeOf(ctx, id);
  const index = axis < 0 ? axis + shape.length : axis;
  // A single dimension is N, so `[N]` has no channel or feature dimension to speak of.
  if (index < 1 || index >= shape.length) throw new ShapeError(`expects an input with ${what}, got ${formatShape(shape)}`);
  const d = shape[index];
  if (typeof d !== 'number') throw new LoweringError(`${what} of ${formatShape(shape)} is the batch size N`);
  return d;
}

/**
 * Integer parameter `param` (of the layer, or of `attachment`) as an index
 * into the dimensions of `shape`, negative ones counting from the end, as
 * torch's `dim` arguments; an ArgumentError when there is no such dimension.
 */
function dimensionArg(ctx: LayerContext, param: string, shape: readonly Dim[], of: string, attachment?: Attachment): number {
  const axis = (attachment?.values ?? ctx.values).get(param) as number;
  const rank = shape.length;
  const index = axis < 0 ? axis + rank : axis;
  if (index >= 0 && index < rank) return index;
  const dimensions = rank === 1 ? '1 dimension' : `${rank} dimensions`;
  throw new ArgumentError(`\`${param}\` is ${axis}, but ${of} ${formatShape(shape)} has ${dimensions}: it must be in ${-rank}..${rank - 1}`, param, attachment?.name);
}

/** `param` as a dimension of the layer's input. */
function inputDimension(ctx: LayerContext, param: string): number {
  return dimensionArg(ctx, param, shapeOf(ctx, x(ctx)), 'the input');
}

/** The layer's `init=`, null when unset (torch's default). */
function initChoice(ctx: LayerContext): WeightInitChoice | null {
  return (ctx.values.get('init') ?? null) as WeightInitChoice | null;
}

/** The layer's weight after attachments (weightnorm, spectralnorm, dropconnect); `init=` initialises v or weight_orig. */
function weight(ctx: LayerContext, shape: readonly number[]): ValueId {
  const init = weightInit(initChoice(ctx), shape);
  const names = ctx.attachments.map((a) => a.name);
  let w: ValueId;
  if (names.includes('weightnorm')) {
    const a = ctx.attachments.find((t) => t.name === 'weightnorm')!;
    const dim = dimensionArg(ctx, 'dim', shape, 'the weight', a);
    const gShape = shape.map((d, i) => (i === dim ? d : 1));
    // torch starts weight_g at ||weight_v|| so that w equals v before training.
    const v = ctx.tensor('weight_v', shape, 'trainable', init);
    const g = ctx.tensor('weight_g', gShape, 'trainable', { kind: 'computed', compute: () => normsAlong(ctx.weightData(v), shape, dim) });
    w = ctx.b.add('weight_norm', [v, g], { dim }, ctx.origin);
  } else if (names.includes('spectralnorm')) {
    const a = ctx.attachments.find((t) => t.name === 'spectralnorm')!;
    const dim = dimensionArg(ctx, 'dim', shape, 'the weight', a);
    const h = shape[dim]!;
    const rest = shape.reduce((p, d) => p * d, 1) / h;
    const orig = ctx.tensor('weight_orig', shape, 'trainable', init);
    const u = ctx.tensor('weight_u', [h], 'state', { kind: 'unit-normal-vector' });
    const v = ctx.tensor('weight_v', [rest], 'state', { kind: 'unit-normal-vector' });
    w = ctx.b.add(
      'spectral_norm',
      [orig, u, v],
      { dim, eps: a.values.get('eps') as number, powerIterations: a.values.get('power_iterations') as number },
      ctx.origin,
    );
  } else {
    w = ctx.tensor('weight', shape, 'trainable', init);
  }
  const dropconnect = ctx.attachments.find((a) => a.name === 'dropconnect');
  if (dropconnect) w = ctx.b.add('dropconnect', [w], { p: dropconnect.values.get('p') as number }, ctx.origin);
  return w;
}

function normsAlong(v: Float32Array, shape: readonly number[], dim: number): Float32Array {
  const h = shape[dim]!;
  const outer = shape.slice(0, dim).reduce((p, d) => p * d, 1);
  const inner = shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  const sums = new Float64Array(h);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < h; k++) for (let i = 0; i < inner; i++) sums[k] += v[(o * h + k) * inner + i]! ** 2;
  return Float32Array.from(sums, Math.sqrt);
}

function linear(ctx: LayerContext): ValueId {
  const input = staticDim(ctx, x(ctx), -1, 'the feature dimension');
  const out = num(ctx, 'out');
  const shape = [out, input];
  const inputs = [x(ctx), weight(ctx, shape)];
  if (bool(ctx, 'bias')) inputs.push(ctx.tensor('bias', [out], 'trainable', defaultBiasInit(shape)));
  return ctx.b.add('linear', inputs, { epilogue: [] }, ctx.origin);
}

function conv(spatial: 1 | 2): Lowering {
  return (ctx) => {
    const channels = staticDim(ctx, x(ctx), 1, 'the channel dimension');
    const groups = num(ctx, 'groups');
    const out = num(ctx, 'out');
    const kernel = tuple(ctx.values.get('kernel'), spatial);
    if (channels % groups !== 0) {
      throw new ArgumentError(`groups=${groups} does not divide the ${channels} input channels`, 'groups');
    }
    if (out % groups !== 0) throw new ArgumentError(`groups=${groups} does not divide the ${out} output channels`, 'groups');
    const shape = [out, channels / groups, ...kernel];
    const inputs = [x(ctx), weight(ctx, shape)];
    if (bool(ctx, 'bias')) inputs.push(ctx.tensor('bias', [out], 'trainable', defaultBiasInit(shape)));
    const attrs: OpAttrs['conv'] = {
      spatial,
      stride: tuple(ctx.values.get('stride'), spatial),
      padding: tuple(ctx.values.get('padding'), spatial),
      dilation: tuple(ctx.values.get('dilation'), spatial),
      groups,
      epilogue: [],
    };
    return ctx.b.add('conv', inputs, attrs, ctx.origin);
  };
}

function pool(kind: 'max' | 'avg', spatial: 1 | 2): Lowering {
  return (ctx) => {
    const kernel = tuple(ctx.values.get('kernel'), spatial);
    return ctx.b.add(
      'pool',
      [x(ctx)],
      {
        kind,
        spatial,
        kernel,
        stride: tuple(ctx.values.get('stride'), spatial, kernel),
        padding: tuple(ctx.values.get('padding'), spatial),
        countIncludePad: kind === 'avg' ? bool(ctx, 'count_include_pad') : false,
      },
      ctx.origin,
    );
  };
}

function unary(fn: UnaryFn, alpha?: (ctx: LayerContext) => number): Lowering {
  return (ctx) => ctx.b.add('unary', [x(ctx)], alpha ? { fn, alpha: alpha(ctx) } : { fn }, ctx.origin);
}

function binary(fn: 'add' | 'sub' | 'mul' | 'div'): Lowering {
  return (ctx) => ctx.b.add('binary', [ctx.inputs[0]!, ctx.inputs[1]!], { fn }, ctx.origin);
}

function flatten(ctx: LayerContext): ValueId {
  const shape = shapeOf(ctx, x(ctx));
  const start = inputDimension(ctx, 'start_dim');
  const end = inputDimension(ctx, 'end_dim');
  if (start > end) throw new ArgumentError(`flatten: start_dim ${start} comes after end_dim ${end}`, 'start_dim');
  const merged = shape.slice(start, end + 1);
  const size: Dim = merged.includes('N') ? 'N' : merged.reduce<number>((p, d) => p * (d as number), 1);
  if (size === 'N' && merged.length > 1) throw new LoweringError('flatten cannot merge the batch dimension N with others');
  return ctx.b.add('reshape', [x(ctx)], { shape: [...shape.slice(0, start), size, ...shape.slice(end + 1)] }, ctx.origin);
}

function reshape(ctx: LayerContext): ValueId {
  const shape = shapeOf(ctx, x(ctx));
  const perSample = shape.slice(1).reduce<number>((p, d) => p * (d as number), 1);
  const target = (ctx.values.get('shape') as number[]).slice();
  const unknown = target.indexOf(-1);
  if (target.filter((d) => d === -1).length > 1) throw new ArgumentError('reshape: at most one dimension may be -1', 'shape');
  if (unknown >= 0) {
    const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (known === 0 || perSample % known !== 0) throw new ArgumentError(`reshape: cannot infer -1 for ${perSample} values per sample`, 'shape');
    target[unknown] = perSample / known;
  }
  return ctx.b.add('reshape', [x(ctx)], { shape: [shape[0]!, ...target] }, ctx.origin);
}

function transpose(ctx: LayerContext): ValueId {
  const rank = shapeOf(ctx, x(ctx)).length;
  const a = inputDimension(ctx, 'dim0');
  const c = inputDimension(ctx, 'dim1');
  const perm = [...Array(rank).keys()];
  [perm[a], perm[c]] = [perm[c]!, perm[a]!];
  return ctx.b.add('permute', [x(ctx)], { perm }, ctx.origin);
}

function normalize(ctx: LayerContext): ValueId {
  const channels = staticDim(ctx, x(ctx), 1, 'the channel dimension');
  const expand = (param: 'mean' | 'std') => {
    const v = ctx.values.get(param) as number[];
    if (v.length === channels) return v;
    if (v.length === 1) return new Array<number>(channels).fill(v[0]!);
    throw new ArgumentError(`normalize has ${v.length} values of \`${param}\` for ${channels} channels`, param);
  };
  const mean = expand('mean');
  const std = expand('std');
  const scales = std.map((s) => 1 / s);
  const shifts = mean.map((m, i) => -m / std[i]!);
  if (!scales.every(fitsF32)) throw new ArgumentError('normalize: 1 / std is beyond the range of f32 (a std below 3e-39)', 'std');
  if (!shifts.every(fitsF32)) throw new ArgumentError('normalize: mean / std is beyond the range of f32', 'mean');
  const scale = ctx.b.constant(scales.map(Math.fround), [channels], ctx.origin);
  const shift = ctx.b.constant(shifts.map(Math.fround), [channels], ctx.origin);
  return ctx.b.add('channel_affine', [x(ctx), scale, shift], { axis: 1, epilogue: [] }, ctx.origin);
}

function minmax(ctx: LayerContext): ValueId {
  const lo = num(ctx, 'min');
  const hi = num(ctx, 'max');
  if (!(hi > lo)) throw new ArgumentError(`minmax needs max > min, got min=${lo}, max=${hi}`, 'max');
  const alpha = 1 / (hi - lo);
  const beta = -lo / (hi - lo);
  // Both become f32 constants: a range too narrow (or, for beta, too far from 0 for its width) has none.
  if (!fitsF32(alpha) || !fitsF32(beta)) {
    throw new ArgumentError(`minmax: the range [${lo}, ${hi}] is too narrow for f32 (1 / (max - min) = ${alpha}, -min / (max - min) = ${beta})`, 'max');
  }
  return ctx.b.add('unary', [x(ctx)], { fn: 'affine', alpha, beta }, ctx.origin);
}

function channelNorm(op: 'batchnorm' | 'instancenorm'): Lowering {
  return (ctx) => {
    const c = staticDim(ctx, x(ctx), 1, 'the channel dimension');
    const affine = bool(ctx, 'affine');
    const tracked = bool(ctx, 'track_running_stats');
    const inputs = [x(ctx)];
    if (affine) inputs.push(ctx.tensor('weight', [c], 'trainable', ONES), ctx.tensor('bias', [c], 'trainable', ZEROS));
    if (tracked) {
      inputs.push(ctx.tensor('running_mean', [c], 'running', ZEROS), ctx.tensor('running_var', [c], 'running', ONES));
      ctx.tensor('num_batches_tracked', [], 'state', ZEROS);
    }
    return ctx.b.add(op, inputs, { eps: num(ctx, 'eps'), momentum: num(ctx, 'momentum'), affine, trackRunningStats: tracked }, ctx.origin);
  };
}

function batchRenorm(ctx: LayerContext): ValueId {
  const c = staticDim(ctx, x(ctx), 1, 'the channel dimension');
  const inputs = [
    x(ctx),
    ctx.tensor('weight', [c], 'trainable', ONES),
    ctx.tensor('bias', [c], 'trainable', ZEROS),
    ctx.tensor('running_mean', [c], 'running', ZEROS),
  ];
  // The spread as torchrl keeps it (running_var), or as the paper does (running_std, sigma itself) where the weight file has that.
  const runningStd = ctx.holdsTensor('running_std');
  inputs.push(ctx.tensor(runningStd ? 'running_std' : 'running_var', [c], 'running', ONES));
  ctx.tensor('num_batches_tracked', [], 'state', ZEROS);
  return ctx.b.add(
    'batch_renorm',
    inputs,
    { eps: num(ctx, 'eps'), momentum: num(ctx, 'momentum'), rMax: num(ctx, 'r_max'), dMax: num(ctx, 'd_max'), runningStd },
    ctx.origin,
  );
}

function layernorm(ctx: LayerContext): ValueId {
  const dims = num(ctx, 'dims');
  const shape = shapeOf(ctx, x(ctx));
  if (dims > shape.length - 1) throw new ArgumentError(`layernorm over ${dims} trailing dimensions of ${formatShape(shape)} would include N`, 'dims');
  const normalized = shape.slice(shape.length - dims) as number[];
  const affine = bool(ctx, 'affine');
  const inputs = [x(ctx)];
  if (affine) inputs.push(ctx.tensor('weight', normalized, 'trainable', ONES), ctx.tensor('bias', normalized, 'trainable', ZEROS));
  return ctx.b.add('layernorm', inputs, { dims, eps: num(ctx, 'eps'), affine }, ctx.origin);
}

function groupnorm(ctx: LayerContext): ValueId {
  const c = staticDim(ctx, x(ctx), 1, 'the channel dimension');
  const affine = bool(ctx, 'affine');
  const inputs = [x(ctx)];
  if (affine) inputs.push(ctx.tensor('weight', [c], 'trainable', ONES), ctx.tensor('bias', [c], 'trainable', ZEROS));
  return ctx.b.add('groupnorm', inputs, { groups: num(ctx, 'groups'), eps: num(ctx, 'eps'), affine }, ctx.origin);
}

function scalenorm(ctx: LayerContext): ValueId {
  const last = staticDim(ctx, x(ctx), -1, 'the last dimension');
  const g0 = (ctx.values.get('g') as number | null) ?? Math.sqrt(last);
  const g = ctx.tensor('g', [], 'trainable', { kind: 'constant', value: g0 });
  const rank = shapeOf(ctx, x(ctx)).length;
  return ctx.b.add('scalenorm', [x(ctx), g], { eps: num(ctx, 'eps'), axes: [rank - 1] }, ctx.origin);
}

function batchInstanceNorm(ctx: LayerContext): ValueId {
  const c = staticDim(ctx, x(ctx), 1, 'the channel dimension');
  // Without affine there is no weight or bias to train or store: constant ones and zeros keep the op's inputs.
  const affine = bool(ctx, 'affine');
  const inputs = [
    x(ctx),
    affine ? ctx.tensor('weight', [c], 'trainable', ONES) : ctx.b.constant(new Array<number>(c).fill(1), [c], ctx.origin),
    affine ? ctx.tensor('bias', [c], 'trainable', ZEROS) : ctx.b.constant(new Array<number>(c).fill(0), [c], ctx.origin),
    ctx.tensor('rho', [c], 'trainable', { kind: 'constant', value: num(ctx, 'rho') }),
    ctx.tensor('running_mean', [c], 'running', ZEROS),
    ctx.tensor('running_var', [c], 'running', ONES),
  ];
  ctx.tensor('num_batches_tracked', [], 'state', ZEROS);
  return ctx.b.add('batch_instance_norm', inputs, { eps: num(ctx, 'eps'), momentum: num(ctx, 'momentum') }, ctx.origin);
}

function switchableNorm(ctx: LayerContext): ValueId {
  const c = staticDim(ctx, x(ctx), 1, 'the channel dimension');
  const inputs = [
    x(ctx),
    ctx.tensor('weight', [c], 'trainable', ONES),
    ctx.tensor('bias', [c], 'trainable', ZEROS),
    ctx.tensor('mean_weight', [3], 'trainable', ONES),
    ctx.tensor('var_weight', [3], 'trainable', ONES),
    ctx.tensor('running_mean', [c], 'running', ZEROS),
    ctx.tensor('running_var', [c], 'running', ONES),
  ];
  ctx.tensor('num_batches_tracked', [], 'state', ZEROS);
  return ctx.b.add('switchable_norm', inputs, { eps: num(ctx, 'eps'), momentum: num(ctx, 'momentum') }, ctx.origin);
}

/** No stored tensors: the window's sizes and constants are all it has. */
function localResponseNorm(ctx: LayerContext): ValueId {
  const attrs = { size: num(ctx, 'size'), alpha: num(ctx, 'alpha'), beta: num(ctx, 'beta'), k: num(ctx, 'k') };
  return ctx.b.add('local_response_norm', [x(ctx)], attrs, ctx.origin);
}

function attention(ctx: LayerContext): ValueId {
  if (ctx.inputs.length > 1) throw new LoweringError('multihead_attention with separate key/value inputs is not supported yet; use self-attention');
  const e = staticDim(ctx, x(ctx), -1, 'the embedding dimension');
  const declared = ctx.values.get('embed_dim') as number | null;
  if (declared !== null && declared !== e) throw new ArgumentError(`multihead_attention embed_dim=${declared} but the input has ${e} features`, 'embed_dim');
  const bias = bool(ctx, 'bias');
  // torch's _reset_parameters: xavier_uniform_ in_proj_weight, out_proj a Linear's weight, zero biases.
  const choice = initChoice(ctx);
  const inputs = [x(ctx), ctx.tensor('in_proj_weight', [3 * e, e], 'trainable', weightInit(choice ?? 'xavier_uniform', [3 * e, e]))];
  inputs.push(bias ? ctx.tensor('in_proj_bias', [3 * e], 'trainable', ZEROS) : ctx.b.constant(new Array(3 * e).fill(0), [3 * e], ctx.origin));
  inputs.push(ctx.tensor('out_proj.weight', [e, e], 'trainable', weightInit(choice, [e, e])));
  inputs.push(bias ? ctx.tensor('out_proj.bias', [e], 'trainable', ZEROS) : ctx.b.constant(new Array(e).fill(0), [e], ctx.origin));
  return ctx.b.add('multihead_attention', inputs, { heads: num(ctx, 'heads'), dropout: num(ctx, 'dropout') }, ctx.origin);
}

export const LAYER_LOWERINGS: Readonly<Record<string, Lowering>> = {
  linear,
  conv1d: conv(1),
  conv2d: conv(2),
  maxpool: pool('max', 2),
  maxpool1d: pool('max', 1),
  avgpool: pool('avg', 2),
  avgpool1d: pool('avg', 1),
  global_avgpool: (ctx) => ctx.b.add('global_avgpool', [x(ctx)], {}, ctx.origin),
  normalize,
  minmax,
  flatten,
  reshape,
  transpose,
  concat: (ctx) => ctx.b.add('concat', ctx.inputs, { axis: inputDimension(ctx, 'axis') }, ctx.origin),
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  matmul: (ctx) => ctx.b.add('matmul', [ctx.inputs[0]!, ctx.inputs[1]!], { epilogue: [] }, ctx.origin),
  relu: unary('relu'),
  leaky_relu: unary('leaky_relu', (ctx) => num(ctx, 'slope')),
  gelu: (ctx) => ctx.b.add('unary', [x(ctx)], { fn: ctx.values.get('approximate') === 'tanh' ? 'gelu_tanh' : 'gelu' }, ctx.origin),
  silu: unary('silu'),
  sigmoid: unary('sigmoid'),
  tanh: unary('tanh'),
  softmax: (ctx) => ctx.b.add('softmax', [x(ctx)], { axis: inputDimension(ctx, 'axis'), log: false }, ctx.origin),
  log_softmax: (ctx) => ctx.b.add('softmax', [x(ctx)], { axis: inputDimension(ctx, 'axis'), log: true }, ctx.origin),
  batchnorm: channelNorm('batchnorm'),
  instancenorm: channelNorm('instancenorm'),
  batch_renorm: batchRenorm,
  layernorm,
  groupnorm,
  scalenorm,
  batch_instance_norm: batchInstanceNorm,
  switchable_norm: switchableNorm,
  local_response_norm: localResponseNorm,
  multihead_attention: attention,
  dropout: (ctx) => ctx.b.add('dropout', [x(ctx)], { p: num(ctx, 'p') }, ctx.origin),
  drop_path: (ctx) => ctx.b.add('drop_path', [x(ctx)], { p: num(ctx, 'p') }, ctx.origin),
};
