// Attention, batch-first: inputs are [N, L, E] as with PyTorch's
// batch_first=True, so a Transformer encoder layer can be written in a spec.
import { BOOL, FLOAT, INT } from './param-types.ts';
import { AT_LEAST_ONE, DROP_PROBABILITY, weightInit } from './shared-params.ts';
import type { OpSpec } from './types.ts';

export const ATTENTION: readonly OpSpec[] = [
  {
    name: 'multihead_attention',
    place: 'layer',
    group: 'attention',
    doc: 'scaled dot-product attention over heads; one input is self-attention, two are query and key = value, three are query, key, value',
    torch: 'torch.nn.MultiheadAttention',
    inputs: { min: 1, max: 3 },
    params: [
      {
        name: 'heads',
        type: INT,
        range: AT_LEAST_ONE,
        doc: 'number of heads, must divide embed_dim (torch num_heads)',
      },
      {
        name: 'embed_dim',
        type: INT,
        default: null,
        range: AT_LEAST_ONE,
        doc: 'model width; unset means the last dimension of the query',
      },
      {
        name: 'dropout',
        type: FLOAT,
        default: 0.0,
        range: DROP_PROBABILITY,
        doc: 'dropout on the attention weights in training',
      },
      { name: 'bias', type: BOOL, default: true, doc: 'learn biases in the input and output projections' },
      weightInit("applied to in_proj_weight and out_proj.weight alike; unset is torch's default, xavier_uniform and kaiming_uniform with a=sqrt(5); the biases start at 0 either way"),
    ],
    hasWeights: true,
  },
];
