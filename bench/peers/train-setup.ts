// What every system's training step shares, beside the model and its
// weights (models.ts): the train spec, the loss, the optimizer and the
// labels of the benchmark batch. The labels are made from a formula with
// integer arithmetic only, so that TypeScript and the torch child
// (train-torch.py, which repeats these formulas) get the same numbers.
import type { ModelName } from './models.ts';

/** sgd(lr=0.01, momentum=0.9) in every system: torch.optim.SGD, tf.train.momentum, the train specs' optimizer. */
export const LEARNING_RATE = 0.01;
export const MOMENTUM = 0.9;

export type TrainLoss = 'cross_entropy' | 'mse';

export interface TrainModelInfo {
  /** The spec with the train section: the inference spec's text, then `train Model { ... }`. */
  readonly spec: string;
  readonly loss: TrainLoss;
  /** cross_entropy: the number of classes. */
  readonly classes?: number;
}

export const TRAIN_MODELS: Readonly<Record<ModelName, TrainModelInfo>> = {
  mlp: { spec: 'bench/models/mlp-train.reg', loss: 'cross_entropy', classes: 10 },
  cnn: { spec: 'bench/models/cnn-train.reg', loss: 'cross_entropy', classes: 10 },
  resnet: { spec: 'bench/models/resnet-train.reg', loss: 'cross_entropy', classes: 10 },
  // The encoder's output is a sequence of features, not class scores: it is fitted to a target.
  transformer: { spec: 'bench/models/transformer-train.reg', loss: 'mse' },
};

/**
 * The batch's labels: class (7i + 3) mod classes for sample i, or for mse a
 * target of the output's shape (the input's, for the encoder) with element
 * j = ((37j) mod 101) / 50 - 1, in [-1, 1].
 */
export function trainLabels(model: ModelName, batch: number, outputElements: number): Float32Array {
  const info = TRAIN_MODELS[model];
  if (info.loss === 'cross_entropy') return Float32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % info.classes!);
  return Float32Array.from({ length: outputElements }, (_, j) => ((j * 37) % 101) / 50 - 1);
}
