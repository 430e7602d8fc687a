// Layers with weights or a spatial window: dense, convolution, pooling, and
// the input scalers that make preprocessing part of the graph.
import { BOOL, FLOAT, INT, floats, intOrInts } from './param-types.ts';
import { AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, weightInit } from './shared-params.ts';
import type { OpSpec, ParamSpec } from './types.ts';

const ONE_INPUT = { min: 1, max: 1 } as const;

const out = (doc: string): ParamSpec => ({ name: 'out', type: INT, range: AT_LEAST_ONE, doc });
const bias: ParamSpec = { name: 'bias', type: BOOL, default: true, doc: 'add a learned bias' };
const init = weightInit("unset is torch's default, kaiming_uniform with a=sqrt(5), U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias keeps torch's default either way");

function convParams(rank: number): ParamSpec[] {
  return [
    out('number of output channels (torch out_channels; in_channels is inferred)'),
    { name: 'kernel', type: intOrInts(rank), range: AT_LEAST_ONE, doc: 'window size (torch kernel_size)' },
    { name: 'stride', type: intOrInts(rank), default: 1, range: AT_LEAST_ONE, doc: 'step between windows' },
    {
      name: 'padding',
      type: intOrInts(rank),
      default: 0,
      range: NON_NEGATIVE,
      doc: 'zeros added on both sides of every spatial dimension',
    },
    {
      name: 'dilation',
      type: intOrInts(rank),
      default: 1,
      range: AT_LEAST_ONE,
      doc: 'spacing between kernel elements',
    },
    {
      name: 'groups',
      type: INT,
      default: 1,
      range: AT_LEAST_ONE,
      doc: 'channel groups; must divide in and out channels, groups = in channels is depthwise',
    },
    bias,
    init,
  ];
}

function maxPoolParams(rank: number): ParamSpec[] {
  return [
    { name: 'kernel', type: intOrInts(rank), range: AT_LEAST_ONE, doc: 'window size (torch kernel_size)' },
    {
      name: 'stride',
      type: intOrInts(rank),
      default: null,
      range: AT_LEAST_ONE,
      doc: 'step between windows; unset means equal to kernel',
    },
    {
      name: 'padding',
      type: intOrInts(rank),
      default: 0,
      range: NON_NEGATIVE,
      doc: 'implicit -inf padding on both sides; at most half the kernel',
    },
  ];
}

function avgPoolParams(rank: number): ParamSpec[] {
  return [
    { name: 'kernel', type: intOrInts(rank), range: AT_LEAST_ONE, doc: 'window size (torch kernel_size)' },
    {
      name: 'stride',
      type: intOrInts(rank),
      default: null,
      range: AT_LEAST_ONE,
      doc: 'step between windows; unset means equal to kernel',
    },
    {
      name: 'padding',
      type: intOrInts(rank),
      default: 0,
      range: NON_NEGATIVE,
      doc: 'implicit zero padding on both sides; at most half the kernel',
    },
    {
      name: 'count_include_pad',
      type: BOOL,
      default: true,
      doc: 'count padded zeros in the divisor of each average',
    },
  ];
}

export const LAYERS: readonly OpSpec[] = [
  {
    name: 'linear',
    place: 'layer',
    group: 'layers',
    doc: 'fully connected layer y = x W^T + b over the last dimension; in features are inferred',
    torch: 'torch.nn.Linear',
    inputs: ONE_INPUT,
    params: [out('number of output features (torch out_features)'), bias, init],
    hasWeights: true,
  },
  {
    name: 'conv1d',
    place: 'layer',
    group: 'layers',
    doc: '1-d convolution (cross-correlation) over [N, C, L]',
    torch: 'torch.nn.Conv1d',
    inputs: ONE_INPUT,
    params: convParams(1),
    hasWeights: true,
  },
  {
    name: 'conv2d',
    place: 'layer',
    group: 'layers',
    doc: '2-d convolution (cross-correlation) over [N, C, H, W]; a single int applies to both spatial dimensions',
    torch: 'torch.nn.Conv2d',
    inputs: ONE_INPUT,
    params: convParams(2),
    hasWeights: true,
  },
  {
    name: 'maxpool',
    place: 'layer',
    group: 'layers',
    doc: '2-d max pooling over [N, C, H, W]',
    torch: 'torch.nn.MaxPool2d',
    inputs: ONE_INPUT,
    params: maxPoolParams(2),
  },
  {
    name: 'maxpool1d',
    place: 'layer',
    group: 'layers',
    doc: '1-d max pooling over [N, C, L]',
    torch: 'torch.nn.MaxPool1d',
    inputs: ONE_INPUT,
    params: maxPoolParams(1),
  },
  {
    name: 'avgpool',
    place: 'layer',
    group: 'layers',
    doc: '2-d average pooling over [N, C, H, W]',
    torch: 'torch.nn.AvgPool2d',
    inputs: ONE_INPUT,
    params: avgPoolParams(2),
  },
  {
    name: 'avgpool1d',
    place: 'layer',
    group: 'layers',
    doc: '1-d average pooling over [N, C, L]',
    torch: 'torch.nn.AvgPool1d',
    inputs: ONE_INPUT,
    params: avgPoolParams(1),
  },
  {
    name: 'global_avgpool',
    place: 'layer',
    group: 'layers',
    doc: 'mean over H and W: [N, C, H, W] -> [N, C, 1, 1] (follow with flatten)',
    torch: 'torch.nn.AdaptiveAvgPool2d',
    inputs: ONE_INPUT,
    params: [],
  },
  {
    name: 'normalize',
    place: 'layer',
    group: 'layers',
    doc: 'per-channel standardisation (x - mean[c]) / std[c] over dimension 1, part of the graph',
    torch: 'torchvision.transforms.Normalize',
    inputs: ONE_INPUT,
    params: [
      { name: 'mean', type: floats(), doc: 'one mean per channel' },
      { name: 'std', type: floats(), range: POSITIVE, doc: 'one standard deviation per channel' },
    ],
  },
  {
    name: 'minmax',
    place: 'layer',
    group: 'layers',
    doc: 'maps [min, max] linearly to [0, 1]: (x - min) / (max - min); values outside are not clamped',
    inputs: ONE_INPUT,
    params: [
      { name: 'min', type: FLOAT, doc: 'input value mapped to 0' },
      { name: 'max', type: FLOAT, doc: 'input value mapped to 1; must be greater than min' },
    ],
  },
];
