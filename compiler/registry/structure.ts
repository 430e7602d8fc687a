// Ops that only move, combine or reshape values. Dimension arguments count
// the batch dimension N as 0, as in PyTorch, except reshape's shape, which
// describes one sample because N is symbolic and cannot be written.
import { INT, ints } from './param-types.ts';
import type { OpSpec } from './types.ts';

const ONE_INPUT = { min: 1, max: 1 } as const;
const TWO_INPUTS = { min: 2, max: 2 } as const;

function elementwise(name: string, symbol: string, torch: string): OpSpec {
  return {
    name,
    place: 'layer',
    group: 'structure',
    doc: `elementwise a ${symbol} b with broadcasting; \`a ${symbol} b\` in a spec means this op`,
    torch,
    inputs: TWO_INPUTS,
    params: [],
  };
}

export const STRUCTURE: readonly OpSpec[] = [
  {
    name: 'flatten',
    place: 'layer',
    group: 'structure',
    doc: 'merges dimensions start_dim..end_dim into one',
    torch: 'torch.nn.Flatten',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'start_dim',
        type: INT,
        default: 1,
        doc: 'first dimension merged (0 is N; negative counts from the end)',
      },
      { name: 'end_dim', type: INT, default: -1, doc: 'last dimension merged (negative counts from the end)' },
    ],
  },
  {
    name: 'reshape',
    place: 'layer',
    group: 'structure',
    doc: 'gives each sample a new shape with the same element count: torch.reshape(x, (N, *shape))',
    torch: 'torch.reshape',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'shape',
        type: ints(1),
        range: { min: -1 },
        doc: 'shape of one sample, batch dimension excluded; at most one -1, inferred; 0 is not allowed',
      },
    ],
  },
  {
    name: 'transpose',
    place: 'layer',
    group: 'structure',
    doc: 'swaps two dimensions',
    torch: 'torch.transpose',
    inputs: ONE_INPUT,
    params: [
      { name: 'dim0', type: INT, doc: 'first dimension swapped (0 is N; negative counts from the end)' },
      { name: 'dim1', type: INT, doc: 'second dimension swapped (0 is N; negative counts from the end)' },
    ],
  },
  {
    name: 'concat',
    place: 'layer',
    group: 'structure',
    doc: 'joins two or more values along one dimension; the others must match',
    torch: 'torch.cat',
    inputs: { min: 2, max: Infinity },
    params: [
      {
        name: 'axis',
        type: INT,
        default: 1,
        doc: 'dimension joined (torch dim, whose default 0 would join along N); 1 is channels',
      },
    ],
  },
  elementwise('add', '+', 'torch.add'),
  elementwise('sub', '-', 'torch.sub'),
  elementwise('mul', '*', 'torch.mul'),
  elementwise('div', '/', 'torch.div'),
  {
    name: 'matmul',
    place: 'layer',
    group: 'structure',
    doc: 'matrix product over the last two dimensions, batched and broadcast over the others',
    torch: 'torch.matmul',
    inputs: TWO_INPUTS,
    params: [],
  },
];
