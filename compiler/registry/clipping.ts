// Gradient clipping, applied after the backward pass and before the optimizer.
import { FLOAT } from './param-types.ts';
import { NON_NEGATIVE, POSITIVE } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

export const CLIPPING: readonly OpSpec[] = [
  {
    name: 'grad_norm',
    place: 'clip',
    group: 'gradient-clipping',
    doc: 'rescales all gradients together so their joint norm is at most max_norm',
    torch: 'torch.nn.utils.clip_grad_norm_',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'max_norm',
        type: FLOAT,
        range: NON_NEGATIVE,
        doc: 'largest allowed norm of all gradients as one vector',
      },
      {
        name: 'norm_type',
        type: FLOAT,
        default: 2.0,
        range: POSITIVE,
        doc: 'p of the p-norm (torch also allows inf, which is not writable here)',
      },
    ],
  },
  {
    name: 'grad_value',
    place: 'clip',
    group: 'gradient-clipping',
    doc: 'clamps every gradient element to [-clip_value, clip_value]',
    torch: 'torch.nn.utils.clip_grad_value_',
    inputs: NO_INPUTS,
    params: [{ name: 'clip_value', type: FLOAT, range: NON_NEGATIVE, doc: 'largest allowed absolute gradient value' }],
  },
];
