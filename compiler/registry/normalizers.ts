// Normalisation layers. Where PyTorch has the layer, its defaults are used;
// the rest follow the reference code published with their papers, with the
// running-average momentum always in torch's convention (see shared-params.ts).
import { BOOL, FLOAT, INT } from './param-types.ts';
import { AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, affine, eps, momentum, trackRunningStats } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const ONE_INPUT = { min: 1, max: 1 } as const;

export const NORMALIZERS: readonly OpSpec[] = [
  {
    name: 'batchnorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'normalises each channel (dimension 1) with batch statistics in training, running statistics at eval; 1d or 2d by input rank',
    torch: 'torch.nn.BatchNorm2d',
    inputs: ONE_INPUT,
    params: [eps(1e-5), momentum(0.1), affine(true), trackRunningStats(true)],
    hasWeights: true,
  },
  {
    name: 'batch_renorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'batch renormalisation (Ioffe 2017): batchnorm corrected by r and d, clipped and without gradient; always affine, no warmup phase',
    torch: 'torchrl.modules.BatchRenorm1d',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'r_max',
        type: FLOAT,
        default: 3.0,
        range: AT_LEAST_ONE,
        doc: 'r is clipped to [1 / r_max, r_max] (torchrl max_r)',
      },
      {
        name: 'd_max',
        type: FLOAT,
        default: 5.0,
        range: { min: 0 },
        doc: 'd is clipped to [-d_max, d_max] (torchrl max_d)',
      },
      momentum(0.01),
      eps(1e-5),
    ],
    hasWeights: true,
  },
  {
    name: 'layernorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'normalises each sample over its last `dims` dimensions, the same in training and eval',
    torch: 'torch.nn.LayerNorm',
    inputs: ONE_INPUT,
    params: [
      eps(1e-5),
      {
        name: 'affine',
        type: BOOL,
        default: true,
        doc: 'learn elementwise `weight` and `bias` over the normalised dimensions (torch elementwise_affine)',
      },
      {
        name: 'dims',
        type: INT,
        default: 1,
        range: AT_LEAST_ONE,
        doc: 'how many trailing dimensions are normalised (torch normalized_shape is their sizes)',
      },
    ],
    hasWeights: true,
  },
  {
    name: 'instancenorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'normalises each sample and channel over its spatial dimensions',
    torch: 'torch.nn.InstanceNorm2d',
    inputs: ONE_INPUT,
    params: [eps(1e-5), momentum(0.1), affine(false), trackRunningStats(false)],
    hasWeights: true,
  },
  {
    name: 'groupnorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'splits channels into groups and normalises each sample and group',
    torch: 'torch.nn.GroupNorm',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'groups',
        type: INT,
        range: AT_LEAST_ONE,
        doc: 'number of channel groups, must divide the channels (torch num_groups)',
      },
      eps(1e-5),
      affine(true),
    ],
    hasWeights: true,
  },
  {
    name: 'scalenorm',
    place: 'layer',
    group: 'normalizers',
    doc: 'g * x / max(||x||, eps) over the last dimension, g one learned scalar (Nguyen & Salazar 2019)',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'g',
        type: FLOAT,
        default: null,
        range: POSITIVE,
        doc: 'initial g; unset means sqrt of the last dimension size, as in the paper',
      },
      eps(1e-5),
    ],
    hasWeights: true,
  },
  {
    name: 'batch_instance_norm',
    place: 'layer',
    group: 'normalizers',
    doc: 'rho * batchnorm + (1 - rho) * instancenorm with learned per-channel rho clipped to [0, 1] (Nam & Kim 2018)',
    inputs: ONE_INPUT,
    params: [
      eps(1e-5),
      momentum(0.1),
      affine(true),
      {
        name: 'rho',
        type: FLOAT,
        default: 1.0,
        range: UNIT_INTERVAL,
        doc: 'initial rho, 1 = pure batchnorm as in the reference code',
      },
    ],
    hasWeights: true,
  },
  {
    name: 'switchable_norm',
    place: 'layer',
    group: 'normalizers',
    doc: 'mixes instance, layer and batch statistics with softmax-normalised learned weights, then a per-channel affine (Luo et al. 2018)',
    inputs: ONE_INPUT,
    params: [
      eps(1e-5),
      {
        ...momentum(0.003),
        doc: 'weight of the new batch statistic in the running averages (torch convention; the reference code writes 0.997 for the same update)',
      },
    ],
    hasWeights: true,
  },
  {
    name: 'local_response_norm',
    place: 'layer',
    group: 'normalizers',
    doc: 'x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta, the same in training and eval (AlexNet)',
    torch: 'torch.nn.LocalResponseNorm',
    inputs: ONE_INPUT,
    params: [
      {
        name: 'size',
        type: INT,
        range: AT_LEAST_ONE,
        doc: 'channels in the window: size // 2 before each channel and (size - 1) // 2 after, zeros past the ends, the sum always divided by size',
      },
      {
        name: 'alpha',
        type: FLOAT,
        default: 1e-4,
        range: NON_NEGATIVE,
        doc: "scale of the window's mean square",
      },
      { name: 'beta', type: FLOAT, default: 0.75, doc: 'exponent of the divisor' },
      {
        name: 'k',
        type: FLOAT,
        default: 1.0,
        range: POSITIVE,
        doc: "added to the scaled mean square; with alpha >= 0 it keeps the base positive, where torch's power would give NaN",
      },
    ],
  },
];
