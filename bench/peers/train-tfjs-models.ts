// The four benchmark models in TF.js for training, from the torch weights:
// every trainable tensor a tf.variable (in TF.js's layouts: NHWC filters,
// [in, out] dense kernels), batch normalisation with the batch's statistics
// (tf.moments, the biased variance) and its running statistics updated as
// torch does (momentum 0.1, the unbiased variance), as tf.layers'
// BatchNormalization does in training. Otherwise the same ops as the
// inference builders (tfjs-models.ts): fused matMul/conv2d with bias and
// relu, layer norm from tf.moments. The builders take the TF.js namespace,
// so tests run them on the CPU backend.
import type * as Tf from '@tensorflow/tfjs-core';
import { convFilterHwio, denseKernelAfterChannelsLastFlatten, transpose2d } from './layouts.ts';
import type { F32Tensor, ModelName } from './models.ts';

type TfModule = typeof Tf;
type Weights = ReadonlyMap<string, F32Tensor>;

export interface TfTrainModel {
  /** Whether the input is fed NHWC (the convolutional models) or as torch gives it. */
  readonly channelsLast: boolean;
  /** What the optimizer updates. */
  readonly trainable: readonly Tf.Variable[];
  /** The forward pass in training mode; it also updates the running statistics. */
  forward(x: Tf.Tensor): Tf.Tensor;
  dispose(): void;
}

const BATCHNORM_EPS = 1e-5;
const BATCHNORM_MOMENTUM = 0.1; // torch's: running = (1 - m) * running + m * batch
const LAYERNORM_EPS = 1e-5;

class Variables {
  readonly trainable: Tf.Variable[] = [];
  private readonly all: Tf.Variable[] = [];
  constructor(private readonly tf: TfModule, private readonly weights: Weights) {}

  raw(name: string): F32Tensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`the weights have no tensor ${name}`);
    return t;
  }

  variable(data: Float32Array, shape: readonly number[], trainable = true): Tf.Variable {
    const initial = this.tf.tensor(data, [...shape], 'float32');
    const v = this.tf.variable(initial, trainable);
    initial.dispose();
    this.all.push(v);
    if (trainable) this.trainable.push(v);
    return v;
  }

  vector(name: string, trainable = true): Tf.Variable<Tf.Rank.R1> {
    const t = this.raw(name);
    return this.variable(t.data, [t.data.length], trainable) as Tf.Variable<Tf.Rank.R1>;
  }

  denseKernel(name: string): Tf.Variable<Tf.Rank.R2> {
    const t = this.raw(name);
    const [out, inp] = t.shape as [number, number];
    return this.variable(transpose2d(t.data, out, inp), [inp, out]) as Tf.Variable<Tf.Rank.R2>;
  }

  convFilter(name: string): Tf.Variable<Tf.Rank.R4> {
    const t = convFilterHwio(this.raw(name).data, this.raw(name).shape);
    return this.variable(t.data, t.shape) as Tf.Variable<Tf.Rank.R4>;
  }

  dispose(): void {
    for (const v of this.all) v.dispose();
  }
}

interface Dense {
  readonly kernel: Tf.Variable<Tf.Rank.R2>;
  readonly bias: Tf.Variable<Tf.Rank.R1>;
}

function dense(p: Variables, name: string): Dense {
  return { kernel: p.denseKernel(`${name}.weight`), bias: p.vector(`${name}.bias`) };
}

function applyDense(tf: TfModule, x: Tf.Tensor2D, layer: Dense, activation?: 'relu'): Tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: layer.kernel, bias: layer.bias, ...(activation ? { activation } : {}) }) as Tf.Tensor2D;
}

interface BatchNorm {
  readonly runningMean: Tf.Variable<Tf.Rank.R1>;
  readonly runningVar: Tf.Variable<Tf.Rank.R1>;
  readonly scale: Tf.Variable<Tf.Rank.R1>;
  readonly offset: Tf.Variable<Tf.Rank.R1>;
}

function batchNorm(p: Variables, name: string): BatchNorm {
  return {
    runningMean: p.vector(`${name}.running_mean`, false),
    runningVar: p.vector(`${name}.running_var`, false),
    scale: p.vector(`${name}.weight`),
    offset: p.vector(`${name}.bias`),
  };
}

/** NHWC batch normalisation over N, H, W with the batch's statistics; updates the running ones. */
function applyBatchNorm(tf: TfModule, x: Tf.Tensor4D, bn: BatchNorm): Tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  const m = BATCHNORM_MOMENTUM;
  // Not on the gradient tape's path to the loss: assign() only stores a value.
  bn.runningMean.assign(tf.add(tf.mul(bn.runningMean, 1 - m), tf.mul(mean, m)));
  bn.runningVar.assign(tf.add(tf.mul(bn.runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
  return tf.batchNorm(x, mean, variance, bn.offset, bn.scale, BATCHNORM_EPS) as Tf.Tensor4D;
}

function conv(tf: TfModule, x: Tf.Tensor4D, filter: Tf.Tensor4D, bias?: Tf.Tensor1D): Tf.Tensor4D {
  // 3x3 with padding 1 and stride 1 is 'same'.
  return tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', ...(bias ? { bias } : {}) });
}

function mlp(tf: TfModule, p: Variables): TfTrainModel {
  const [fc1, fc2, fc3] = ['fc1', 'fc2', 'fc3'].map((n) => dense(p, n)) as [Dense, Dense, Dense];
  return {
    channelsLast: false,
    trainable: p.trainable,
    forward: (x) => applyDense(tf, applyDense(tf, applyDense(tf, x as Tf.Tensor2D, fc1, 'relu'), fc2, 'relu'), fc3),
    dispose: () => p.dispose(),
  };
}

function cnn(tf: TfModule, p: Variables): TfTrainModel {
  const stageOf = (c: string, b: string) => ({ filter: p.convFilter(`${c}.weight`), bias: p.vector(`${c}.bias`), bn: batchNorm(p, b) });
  const conv1 = stageOf('conv1', 'bn1');
  const conv2 = stageOf('conv2', 'bn2');
  const fc1Raw = p.raw('fc1.weight');
  const fc1: Dense = { kernel: p.variable(denseKernelAfterChannelsLastFlatten(fc1Raw.data, 128, 64, 7, 7), [64 * 7 * 7, 128]) as Tf.Variable<Tf.Rank.R2>, bias: p.vector('fc1.bias') };
  const fc2 = dense(p, 'fc2');
  const stage = (x: Tf.Tensor4D, s: typeof conv1): Tf.Tensor4D => tf.maxPool(tf.relu(applyBatchNorm(tf, conv(tf, x, s.filter, s.bias), s.bn)), 2, 2, 'valid');
  return {
    channelsLast: true,
    trainable: p.trainable,
    forward(x) {
      const features = stage(stage(x as Tf.Tensor4D, conv1), conv2);
      const flat = tf.reshape(features, [features.shape[0], -1]) as Tf.Tensor2D;
      return applyDense(tf, applyDense(tf, flat, fc1, 'relu'), fc2);
    },
    dispose: () => p.dispose(),
  };
}

function resnet(tf: TfModule, p: Variables): TfTrainModel {
  const unit = (prefix: string, c: string, b: string) => ({ filter: p.convFilter(`${prefix}${c}.weight`), bn: batchNorm(p, `${prefix}${b}`) });
  const stem = unit('', 'conv1', 'bn1');
  const blocks = [0, 1, 2].map((i) => ({ a: unit(`layer1.${i}.`, 'conv1', 'bn1'), b: unit(`layer1.${i}.`, 'conv2', 'bn2') }));
  const fc = dense(p, 'fc');
  const convBn = (x: Tf.Tensor4D, u: typeof stem): Tf.Tensor4D => applyBatchNorm(tf, conv(tf, x, u.filter), u.bn);
  return {
    channelsLast: true,
    trainable: p.trainable,
    forward(x) {
      let h = tf.relu(convBn(x as Tf.Tensor4D, stem));
      for (const block of blocks) h = tf.relu(tf.add(convBn(tf.relu(convBn(h, block.a)), block.b), h));
      return applyDense(tf, tf.mean(h, [1, 2]) as Tf.Tensor2D, fc);
    },
    dispose: () => p.dispose(),
  };
}

function transformer(tf: TfModule, p: Variables): TfTrainModel {
  const heads = 4;
  const inProj: Dense = { kernel: p.denseKernel('self_attn.in_proj_weight'), bias: p.vector('self_attn.in_proj_bias') };
  const outProj = dense(p, 'self_attn.out_proj');
  const linear1 = dense(p, 'linear1');
  const linear2 = dense(p, 'linear2');
  const norm = (name: string) => ({ gamma: p.vector(`${name}.weight`), beta: p.vector(`${name}.bias`) });
  const norm1 = norm('norm1');
  const norm2 = norm('norm2');
  const layerNorm = (x: Tf.Tensor2D, n: typeof norm1): Tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYERNORM_EPS))), n.gamma), n.beta);
  };
  return {
    channelsLast: false,
    trainable: p.trainable,
    forward(x) {
      const [n, length, width] = x.shape as [number, number, number];
      const headWidth = width / heads;
      const rows = tf.reshape(x, [n * length, width]) as Tf.Tensor2D;
      const [q, k, v] = tf.split(applyDense(tf, rows, inProj), 3, 1).map((t) => tf.transpose(tf.reshape(t, [n, length, heads, headWidth]), [0, 2, 1, 3])) as [Tf.Tensor4D, Tf.Tensor4D, Tf.Tensor4D];
      const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(headWidth)), k, false, true);
      const context = tf.matMul(tf.softmax(scores, -1), v);
      const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [n * length, width]) as Tf.Tensor2D;
      const h = layerNorm(tf.add(rows, applyDense(tf, merged, outProj)), norm1);
      const f = applyDense(tf, applyDense(tf, h, linear1, 'relu'), linear2);
      return tf.reshape(layerNorm(tf.add(h, f), norm2), [n, length, width]);
    },
    dispose: () => p.dispose(),
  };
}

const BUILDERS: Readonly<Record<ModelName, (tf: TfModule, p: Variables) => TfTrainModel>> = { mlp, cnn, resnet, transformer };

export function buildTfTrainModel(tf: TfModule, name: ModelName, weights: Weights): TfTrainModel {
  return BUILDERS[name](tf, new Variables(tf, weights));
}
