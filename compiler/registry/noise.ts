// Noise injected during training only; eval sees the clean values.
import { FLOAT } from './param-types.ts';
import { NON_NEGATIVE } from './shared-params.ts';
import type { OpSpec } from './types.ts';

export const NOISE: readonly OpSpec[] = [
  {
    name: 'gaussian',
    place: 'noise',
    group: 'noise',
    doc: 'in training adds fresh N(0, std^2) noise to every element of the target (the input, or the matched weights) at each step',
    inputs: { min: 0, max: 0 },
    params: [{ name: 'std', type: FLOAT, range: NON_NEGATIVE, doc: 'standard deviation of the noise' }],
  },
];
