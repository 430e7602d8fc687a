// Elementwise nonlinearities and the two normalising exponentials.
import { FLOAT, INT, oneOf } from './param-types.ts';
import type { OpSpec } from './types.ts';

const ONE_INPUT = { min: 1, max: 1 } as const;

function plain(name: string, doc: string, torch: string): OpSpec {
  return { name, place: 'layer', group: 'activations', doc, torch, inputs: ONE_INPUT, params: [] };
}

function softmaxLike(name: string, doc: string, torch: string): OpSpec {
  return {
    name,
    place: 'layer',
    group: 'activations',
    doc,
    torch,
    inputs: ONE_INPUT,
    params: [
      {
        name: 'axis',
        type: INT,
        default: -1,
        doc: 'dimension normalised (torch dim, which has no usable default); -1 is the last',
      },
    ],
  };
}

export const ACTIVATIONS: readonly OpSpec[] = [
  plain('relu', 'max(x, 0)', 'torch.nn.ReLU'),
  {
    name: 'leaky_relu',
    place: 'layer',
    group: 'activations',
    doc: 'x for x >= 0, slope * x otherwise',
    torch: 'torch.nn.LeakyReLU',
    inputs: ONE_INPUT,
    params: [{ name: 'slope', type: FLOAT, default: 0.01, doc: 'gradient for negative inputs (torch negative_slope)' }],
  },
  {
    name: 'gelu',
    place: 'layer',
    group: 'activations',
    doc: 'x * Phi(x), Phi the standard normal cdf',
    torch: 'torch.nn.GELU',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'approximate',
        type: oneOf('none', 'tanh'),
        default: 'none',
        doc: '`none` uses erf exactly, `tanh` the tanh approximation',
      },
    ],
  },
  plain('silu', 'x * sigmoid(x), also called swish', 'torch.nn.SiLU'),
  plain('sigmoid', '1 / (1 + exp(-x))', 'torch.nn.Sigmoid'),
  plain('tanh', 'hyperbolic tangent', 'torch.nn.Tanh'),
  softmaxLike('softmax', 'exp(x) / sum(exp(x)) along axis', 'torch.nn.Softmax'),
  softmaxLike('log_softmax', 'log of softmax along axis, computed stably', 'torch.nn.LogSoftmax'),
];
