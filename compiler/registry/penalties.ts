// Penalties added to the training loss for the parameters their globs match.
import { FLOAT } from './param-types.ts';
import { NON_NEGATIVE } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

export const PENALTIES: readonly OpSpec[] = [
  {
    name: 'l1',
    place: 'penalty',
    group: 'penalties',
    doc: 'adds lambda * sum(|w|) over the matched parameters to the loss',
    inputs: NO_INPUTS,
    params: [{ name: 'lambda', type: FLOAT, range: NON_NEGATIVE, doc: 'penalty strength' }],
  },
  {
    name: 'l2',
    place: 'penalty',
    group: 'penalties',
    doc: 'adds lambda / 2 * sum(w^2) over the matched parameters to the loss, so its gradient is lambda * w like sgd weight_decay',
    inputs: NO_INPUTS,
    params: [{ name: 'lambda', type: FLOAT, range: NON_NEGATIVE, doc: 'penalty strength' }],
  },
];
