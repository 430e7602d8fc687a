// Metrics reported per epoch on the training and validation data.
import { INT } from './param-types.ts';
import { AT_LEAST_ONE } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

export const METRICS: readonly OpSpec[] = [
  {
    name: 'accuracy',
    place: 'metric',
    group: 'metrics',
    doc: 'fraction of samples whose highest logit is the true class',
    inputs: NO_INPUTS,
    params: [],
  },
  {
    name: 'top_k',
    place: 'metric',
    group: 'metrics',
    doc: 'fraction of samples whose true class is among the k highest logits',
    inputs: NO_INPUTS,
    params: [{ name: 'k', type: INT, default: 5, range: AT_LEAST_ONE, doc: 'how many of the highest logits count' }],
  },
  {
    name: 'loss',
    place: 'metric',
    group: 'metrics',
    doc: 'the training loss, without penalties, averaged over the data',
    inputs: NO_INPUTS,
    params: [],
  },
  {
    name: 'ece',
    place: 'metric',
    group: 'metrics',
    doc: 'expected calibration error: |accuracy - confidence| per equal-width confidence bin, weighted by the bin\'s share of samples (Guo et al. 2017)',
    inputs: NO_INPUTS,
    params: [{
      name: 'bins',
      type: INT,
      default: 15,
      range: AT_LEAST_ONE,
      doc: 'number of equal-width confidence bins',
    }],
  },
];
