// Stochastic regularizers that live in the model graph. All are identity at
// eval, so the eval-mode passes remove them.
import { dropP } from './shared-params.ts';
import type { OpSpec } from './types.ts';

/** The layers whose `weight` an attachment may rewrite. */
export const WEIGHTED_LAYERS: readonly string[] = ['linear', 'conv1d', 'conv2d'];

export const REGULARIZERS: readonly OpSpec[] = [
  {
    name: 'dropout',
    place: 'layer',
    group: 'regularizers',
    doc: 'inverted dropout: in training zeroes each element with probability p and scales the rest by 1 / (1 - p); identity at eval',
    torch: 'torch.nn.Dropout',
    inputs: { min: 1, max: 1 },
    params: [dropP('probability of zeroing an element', 0.5)],
  },
  {
    name: 'drop_path',
    place: 'layer',
    group: 'regularizers',
    doc: 'stochastic depth: in training zeroes the whole value per sample with probability p and scales survivors by 1 / (1 - p); identity at eval',
    torch: 'torchvision.ops.StochasticDepth',
    inputs: { min: 1, max: 1 },
    params: [dropP('probability of dropping a sample\'s branch (torchvision mode="row")')],
  },
  {
    name: 'dropconnect',
    place: 'attachment',
    group: 'regularizers',
    doc: 'in training masks each weight with probability p and scales the rest by 1 / (1 - p), so eval uses the mean, the weights themselves (Wan et al. 2013)',
    inputs: { min: 0, max: 0 },
    params: [dropP('probability of zeroing a weight', 0.5)],
    attachesTo: WEIGHTED_LAYERS,
  },
];
