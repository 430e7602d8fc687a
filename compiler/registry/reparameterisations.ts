// Attachments that re-express a layer's `weight` through other parameters.
// At eval the weight is computed once and stored, so inference pays nothing.
import { FLOAT, INT } from './param-types.ts';
import { AT_LEAST_ONE, POSITIVE } from './shared-params.ts';
import { WEIGHTED_LAYERS } from './regularizers.ts';
import type { OpSpec } from './types.ts';

export const REPARAMETERISATIONS: readonly OpSpec[] = [
  {
    name: 'weightnorm',
    place: 'attachment',
    group: 'weight-reparameterisations',
    doc: 'w = g * v / ||v||, learning g (`weight_g`) and v (`weight_v`) instead of w',
    torch: 'torch.nn.utils.weight_norm',
    inputs: { min: 0, max: 0 },
    params: [
      {
        name: 'dim',
        type: INT,
        default: 0,
        doc: 'dimension kept by the norm: 0 gives one g per output unit or channel',
      },
    ],
    hasWeights: true,
    attachesTo: WEIGHTED_LAYERS,
  },
  {
    name: 'spectralnorm',
    place: 'attachment',
    group: 'weight-reparameterisations',
    doc: 'w / sigma, sigma the largest singular value estimated by power iteration with a stored vector u updated in training',
    torch: 'torch.nn.utils.spectral_norm',
    inputs: { min: 0, max: 0 },
    params: [
      {
        name: 'power_iterations',
        type: INT,
        default: 1,
        range: AT_LEAST_ONE,
        doc: 'power iterations per training step (torch n_power_iterations)',
      },
      { name: 'eps', type: FLOAT, default: 1e-12, range: POSITIVE, doc: 'added to norms when normalising u and v' },
      {
        name: 'dim',
        type: INT,
        default: 0,
        doc: 'dimension of the output units (torch defaults to 0 except for transposed convolutions)',
      },
    ],
    hasWeights: true,
    attachesTo: WEIGHTED_LAYERS,
  },
];
