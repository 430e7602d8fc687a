// Optimizers with PyTorch's update rules, defaults and positional order.
import { BOOL, FLOAT, floats } from './param-types.ts';
import { NON_NEGATIVE } from './shared-params.ts';
import type { OpSpec, ParamSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

const lr = (defaultValue?: number): ParamSpec =>
  defaultValue === undefined
    ? { name: 'lr', type: FLOAT, range: NON_NEGATIVE, doc: 'learning rate, before any schedule' }
    : {
      name: 'lr',
      type: FLOAT,
      default: defaultValue,
      range: NON_NEGATIVE,
      doc: 'learning rate, before any schedule',
    };

const betas: ParamSpec = {
  name: 'betas',
  type: floats(2),
  default: [0.9, 0.999],
  range: { min: 0, max: 1, maxExclusive: true },
  doc: 'decay rates of the first and second moment averages',
};

const eps = (defaultValue: number): ParamSpec => ({
  name: 'eps',
  type: FLOAT,
  default: defaultValue,
  range: NON_NEGATIVE,
  doc: 'added to the denominator for numerical stability',
});

const COUPLED_DECAY = 'weight decay coupled to the gradient: g += weight_decay * w, as an l2 penalty';
const weightDecay = (defaultValue: number, doc = COUPLED_DECAY): ParamSpec => ({
  name: 'weight_decay',
  type: FLOAT,
  default: defaultValue,
  range: NON_NEGATIVE,
  doc,
});

const amsgrad: ParamSpec = {
  name: 'amsgrad',
  type: BOOL,
  default: false,
  doc: 'use the running maximum of the second moment (AMSGrad)',
};

const momentum: ParamSpec = {
  name: 'momentum',
  type: FLOAT,
  default: 0,
  range: NON_NEGATIVE,
  doc: 'momentum factor; 0 disables momentum',
};

export const OPTIMIZERS: readonly OpSpec[] = [
  {
    name: 'sgd',
    place: 'optimizer',
    group: 'optimizers',
    doc: 'stochastic gradient descent with optional momentum and nesterov',
    torch: 'torch.optim.SGD',
    inputs: NO_INPUTS,
    params: [
      lr(),
      momentum,
      { name: 'dampening', type: FLOAT, default: 0, range: NON_NEGATIVE, doc: 'dampening for momentum' },
      weightDecay(0),
      { name: 'nesterov', type: BOOL, default: false, doc: 'nesterov momentum; needs momentum > 0 and dampening = 0' },
    ],
  },
  {
    name: 'adam',
    place: 'optimizer',
    group: 'optimizers',
    doc: 'adam with bias-corrected moment estimates',
    torch: 'torch.optim.Adam',
    inputs: NO_INPUTS,
    params: [lr(1e-3), betas, eps(1e-8), weightDecay(0), amsgrad],
  },
  {
    name: 'adamw',
    place: 'optimizer',
    group: 'optimizers',
    doc: 'adam with decoupled weight decay (Loshchilov & Hutter 2019)',
    torch: 'torch.optim.AdamW',
    inputs: NO_INPUTS,
    params: [
      lr(1e-3),
      betas,
      eps(1e-8),
      weightDecay(1e-2, 'decoupled weight decay: w -= lr * weight_decay * w before the adam step'),
      amsgrad,
    ],
  },
  {
    name: 'rmsprop',
    place: 'optimizer',
    group: 'optimizers',
    doc: 'rmsprop, dividing the gradient by a running root mean square',
    torch: 'torch.optim.RMSprop',
    inputs: NO_INPUTS,
    params: [
      lr(1e-2),
      {
        name: 'alpha',
        type: FLOAT,
        default: 0.99,
        range: NON_NEGATIVE,
        doc: 'smoothing constant of the squared-gradient average',
      },
      eps(1e-8),
      weightDecay(0),
      momentum,
      {
        name: 'centered',
        type: BOOL,
        default: false,
        doc: 'subtract the squared mean gradient, normalising by an estimate of the variance',
      },
    ],
  },
  {
    name: 'lamb',
    place: 'optimizer',
    group: 'optimizers',
    doc: 'lamb (You et al. 2019): the bias-corrected adam update plus decoupled weight decay, scaled per parameter tensor by the trust ratio ||w|| / ||update|| (1 when either is 0)',
    inputs: NO_INPUTS,
    params: [
      lr(1e-3),
      betas,
      eps(1e-6),
      weightDecay(0, 'decoupled weight decay, added to the update before the trust ratio'),
    ],
  },
];
