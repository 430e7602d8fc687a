// Losses, in torch's formulas and with torch's `reduction` (mean by default,
// or sum); `weight` rescales each class as torch's does, the weighted mean
// dividing by the weights of the batch's targets.
import { FLOAT, floats, oneOf } from './param-types.ts';
import { NON_NEGATIVE, UNIT_INTERVAL } from './shared-params.ts';
import type { OpSpec, ParamSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

/** Not torch's 'none': a loss per sample is not a value a step can minimise. */
const reduction: ParamSpec = {
  name: 'reduction',
  type: oneOf('mean', 'sum'),
  default: 'mean',
  doc: 'how the batch\'s terms are combined: their mean or their sum',
};

const classWeight: ParamSpec = {
  name: 'weight',
  type: floats(),
  default: null,
  range: NON_NEGATIVE,
  doc: 'a weight per class (as many as the model\'s output has classes); the mean then divides by the weights of the targets\' classes, as torch\'s; unset means 1 for every class',
};

export const LOSSES: readonly OpSpec[] = [
  {
    name: 'cross_entropy',
    place: 'loss',
    group: 'losses',
    doc: 'softmax cross-entropy of logits against class indices',
    torch: 'torch.nn.CrossEntropyLoss',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'label_smoothing',
        type: FLOAT,
        default: 0.0,
        range: UNIT_INTERVAL,
        doc: 'a: the target becomes (1 - a) * onehot + a / K for K classes',
      },
      classWeight,
      reduction,
    ],
  },
  {
    name: 'nll',
    place: 'loss',
    group: 'losses',
    doc: 'negative log-likelihood of log-probabilities (a model ending in log_softmax) against class indices',
    torch: 'torch.nn.NLLLoss',
    inputs: NO_INPUTS,
    params: [classWeight, reduction],
  },
  {
    name: 'bce_with_logits',
    place: 'loss',
    group: 'losses',
    doc: 'sigmoid binary cross-entropy of logits against targets in [0, 1], computed stably',
    torch: 'torch.nn.BCEWithLogitsLoss',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'pos_weight',
        type: floats(),
        default: null,
        range: NON_NEGATIVE,
        doc: 'weight of positive examples, one per output (a single value applies to all); unset means 1',
      },
      reduction,
    ],
  },
  {
    name: 'mse',
    place: 'loss',
    group: 'losses',
    doc: 'mean squared error (or, with reduction=sum, the sum of squared errors)',
    torch: 'torch.nn.MSELoss',
    inputs: NO_INPUTS,
    params: [reduction],
  },
];
