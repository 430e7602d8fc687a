// Losses, averaged over the batch (torch reduction='mean').
import { FLOAT, floats } from './param-types.ts';
import { NON_NEGATIVE, UNIT_INTERVAL } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

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
    ],
  },
  {
    name: 'nll',
    place: 'loss',
    group: 'losses',
    doc: 'negative log-likelihood of log-probabilities (a model ending in log_softmax) against class indices',
    torch: 'torch.nn.NLLLoss',
    inputs: NO_INPUTS,
    params: [],
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
    ],
  },
  {
    name: 'mse',
    place: 'loss',
    group: 'losses',
    doc: 'mean squared error',
    torch: 'torch.nn.MSELoss',
    inputs: NO_INPUTS,
    params: [],
  },
];
