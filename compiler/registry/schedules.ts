// Learning-rate schedules. Every schedule scales the optimizer's lr and is
// evaluated before each optimizer step. `a then b` runs phase a for its
// length, then b with t restarted at 0; only a phase with a length (constant,
// warmup, cosine) may be followed by another.
import { FLOAT, INT, ints, oneOf } from './param-types.ts';
import { AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, epochs, mode, monitor, steps, unit } from './shared-params.ts';
import type { OpSpec, ParamSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

const gamma = (defaultValue?: number): ParamSpec =>
  defaultValue === undefined
    ? { name: 'gamma', type: FLOAT, range: POSITIVE, doc: 'factor applied to the lr per unit of t' }
    : {
      name: 'gamma',
      type: FLOAT,
      default: defaultValue,
      range: POSITIVE,
      doc: 'factor applied to the lr at each decay',
    };

export const SCHEDULES: readonly OpSpec[] = [
  {
    name: 'constant',
    place: 'schedule',
    group: 'schedules',
    doc: 'keeps the lr fixed; with epochs or steps it is a phase of that length',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'lr',
        type: FLOAT,
        default: null,
        range: NON_NEGATIVE,
        doc: 'the lr to hold; unset means the optimizer\'s lr',
      },
      epochs('phase length in epochs; unset means until training ends'),
      steps('phase length in optimizer steps; unset means until training ends'),
    ],
  },
  {
    name: 'warmup',
    place: 'schedule',
    group: 'schedules',
    doc: 'linear warmup from from * lr to lr over its length, given by exactly one of steps and epochs',
    torch: 'torch.optim.lr_scheduler.LinearLR',
    inputs: NO_INPUTS,
    params: [
      steps('warmup length in optimizer steps, lr updated every step'),
      epochs('warmup length in epochs, lr updated every step'),
      {
        name: 'from',
        type: FLOAT,
        default: 0.0,
        range: UNIT_INTERVAL,
        doc: 'starting lr as a fraction of the lr (torch start_factor, which must be > 0 there)',
      },
    ],
  },
  {
    name: 'cosine',
    place: 'schedule',
    group: 'schedules',
    doc: 'cosine annealing min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2 over T, given by exactly one of epochs and steps',
    torch: 'torch.optim.lr_scheduler.CosineAnnealingLR',
    inputs: NO_INPUTS,
    params: [
      epochs('length T in epochs; t counts finished epochs (torch T_max with one scheduler step per epoch)'),
      steps('length T in optimizer steps; t counts steps'),
      { name: 'min_lr', type: FLOAT, default: 0, range: NON_NEGATIVE, doc: 'lr reached at t = T (torch eta_min)' },
    ],
  },
  {
    name: 'step',
    place: 'schedule',
    group: 'schedules',
    doc: 'multiplies the lr by gamma every `every` units of t',
    torch: 'torch.optim.lr_scheduler.StepLR',
    inputs: NO_INPUTS,
    params: [
      { name: 'every', type: INT, range: AT_LEAST_ONE, doc: 'period of decay in units of t (torch step_size)' },
      gamma(0.1),
      unit,
    ],
  },
  {
    name: 'multistep',
    place: 'schedule',
    group: 'schedules',
    doc: 'multiplies the lr by gamma each time t reaches a milestone',
    torch: 'torch.optim.lr_scheduler.MultiStepLR',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'milestones',
        type: ints(1),
        range: AT_LEAST_ONE,
        doc: 'values of t at which the lr decays, in any order; one given k times multiplies by gamma^k there, as in torch',
      },
      gamma(0.1),
      unit,
    ],
  },
  {
    name: 'exponential',
    place: 'schedule',
    group: 'schedules',
    doc: 'lr * gamma^t',
    torch: 'torch.optim.lr_scheduler.ExponentialLR',
    inputs: NO_INPUTS,
    params: [gamma(), unit],
  },
  {
    name: 'inverse',
    place: 'schedule',
    group: 'schedules',
    doc: 'inverse time decay lr / (1 + decay * t), as torch LambdaLR with that factor',
    torch: 'torch.optim.lr_scheduler.LambdaLR',
    inputs: NO_INPUTS,
    params: [{ name: 'decay', type: FLOAT, range: NON_NEGATIVE, doc: 'decay rate per unit of t' }, unit],
  },
  {
    name: 'reduce_on_plateau',
    place: 'schedule',
    group: 'schedules',
    doc: 'multiplies the lr by factor when the monitored quantity has not improved for more than patience epochs',
    torch: 'torch.optim.lr_scheduler.ReduceLROnPlateau',
    inputs: NO_INPUTS,
    params: [
      monitor,
      mode,
      {
        name: 'factor',
        type: FLOAT,
        default: 0.1,
        range: { min: 0, max: 1, minExclusive: true, maxExclusive: true },
        doc: 'factor applied to the lr on a plateau',
      },
      {
        name: 'patience',
        type: INT,
        default: 10,
        range: NON_NEGATIVE,
        doc: 'epochs without improvement tolerated before reducing',
      },
      {
        name: 'threshold',
        type: FLOAT,
        default: 1e-4,
        range: NON_NEGATIVE,
        doc: 'change that counts as improvement, as threshold_mode says',
      },
      {
        name: 'threshold_mode',
        type: oneOf('rel', 'abs'),
        default: 'rel',
        doc: 'rel: better than best * (1 - threshold) for min, best * (1 + threshold) for max; abs: best - threshold, best + threshold',
      },
      {
        name: 'cooldown',
        type: INT,
        default: 0,
        range: NON_NEGATIVE,
        doc: 'epochs after a reduction whose bad epochs are not counted',
      },
      { name: 'min_lr', type: FLOAT, default: 0, range: NON_NEGATIVE, doc: 'lower bound on the lr' },
      {
        name: 'eps',
        type: FLOAT,
        default: 1e-8,
        range: NON_NEGATIVE,
        doc: 'a reduction that would change the lr by eps or less is skipped',
      },
    ],
  },
];
