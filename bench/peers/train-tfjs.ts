// TF.js's training step, as a TF.js user writes one: the loss inside
// optimizer.minimize (tf.train.momentum, the equivalent of torch's
// SGD(lr, momentum)), the batch uploaded from host arrays every step, and the
// loss read back (await loss.data()), which also waits for the update.
import type * as Tf from '@tensorflow/tfjs-core';
import type { F32Tensor, ModelName } from './models.ts';
import { LEARNING_RATE, MOMENTUM, TRAIN_MODELS } from './train-setup.ts';
import { buildTfTrainModel } from './train-tfjs-models.ts';

type TfModule = typeof Tf;

export interface TfTrainer {
  /** One step on the batch (as fed: NHWC for the convolutional models); resolves to its loss. */
  step(input: F32Tensor, labels: Float32Array): Promise<number>;
  /** The input in the layout the model takes. */
  readonly channelsLast: boolean;
  dispose(): void;
}

export function tfTrainer(tf: TfModule, name: ModelName, weights: ReadonlyMap<string, F32Tensor>): TfTrainer {
  const model = buildTfTrainModel(tf, name, weights);
  const optimizer = tf.train.momentum(LEARNING_RATE, MOMENTUM);
  const info = TRAIN_MODELS[name];
  const lossOf = (output: Tf.Tensor, labels: Tf.Tensor): Tf.Scalar =>
    info.loss === 'cross_entropy' ? tf.losses.softmaxCrossEntropy(labels, output) : tf.losses.meanSquaredError(labels, output);
  return {
    channelsLast: model.channelsLast,
    async step(input, labels) {
      const x = tf.tensor(input.data, [...input.shape], 'float32');
      const y = info.loss === 'cross_entropy' ? tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), info.classes!)) : tf.tensor(labels, x.shape, 'float32');
      const loss = optimizer.minimize(() => lossOf(model.forward(x), y), true, model.trainable as Tf.Variable[]);
      if (!loss) throw new Error('optimizer.minimize returned no loss');
      const value = (await loss.data())[0]!;
      tf.dispose([x, y, loss]);
      return value;
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
