// Parameters that several ops share. Keeping one definition means `eps`,
// `momentum` or `monitor` cannot drift apart between the ops that take them.
import { BOOL, FLOAT, INT, oneOf } from './param-types.ts';
import type { ParamSpec, Range } from './types.ts';

export const POSITIVE: Range = { min: 0, minExclusive: true };
export const NON_NEGATIVE: Range = { min: 0 };
export const AT_LEAST_ONE: Range = { min: 1 };
export const UNIT_INTERVAL: Range = { min: 0, max: 1 };
/** Probabilities of dropping: p = 1 would divide by 1 - p = 0 when rescaling. */
export const DROP_PROBABILITY: Range = { min: 0, max: 1, maxExclusive: true };

export function eps(defaultValue: number): ParamSpec {
  return {
    name: 'eps',
    type: FLOAT,
    default: defaultValue,
    range: POSITIVE,
    doc: 'added to the variance (or norm) for numerical stability',
  };
}

/** PyTorch's convention: running = (1 - momentum) * running + momentum * batch. */
export function momentum(defaultValue: number): ParamSpec {
  return {
    name: 'momentum',
    type: FLOAT,
    default: defaultValue,
    range: UNIT_INTERVAL,
    doc: 'weight of the new batch statistic in the running averages (torch convention)',
  };
}

export function affine(defaultValue: boolean): ParamSpec {
  return {
    name: 'affine',
    type: BOOL,
    default: defaultValue,
    doc: 'learn a per-channel scale `weight` and shift `bias`',
  };
}

export function trackRunningStats(defaultValue: boolean): ParamSpec {
  return {
    name: 'track_running_stats',
    type: BOOL,
    default: defaultValue,
    doc: 'keep running mean and variance for eval; when false eval uses batch statistics',
  };
}

/** The quantities a plateau schedule or early stopping can watch, measured once per epoch. */
export const MONITORS = ['val_loss', 'val_accuracy', 'train_loss', 'train_accuracy'] as const;

export const monitor: ParamSpec = {
  name: 'monitor',
  type: oneOf(...MONITORS),
  default: 'val_loss',
  doc: 'quantity watched at the end of every epoch',
};

export const mode: ParamSpec = {
  name: 'mode',
  type: oneOf('min', 'max'),
  default: 'min',
  doc: 'whether the monitored quantity improves by going down (`min`, losses) or up (`max`, accuracies)',
};

export const p = (defaultValue: number, doc: string): ParamSpec => ({
  name: 'p',
  type: FLOAT,
  default: defaultValue,
  range: UNIT_INTERVAL,
  doc,
});

export const dropP = (doc: string, defaultValue?: number): ParamSpec =>
  defaultValue === undefined
    ? { name: 'p', type: FLOAT, range: DROP_PROBABILITY, doc }
    : { name: 'p', type: FLOAT, default: defaultValue, range: DROP_PROBABILITY, doc };

/**
 * Schedules count time in epochs or optimizer steps. With epochs, t is the
 * number of finished epochs, so the lr changes at epoch boundaries exactly as
 * a torch scheduler stepped once per epoch does.
 */
export const unit: ParamSpec = {
  name: 'unit',
  type: oneOf('epoch', 'step'),
  default: 'epoch',
  doc: 'what t counts: finished epochs (lr changes at epoch boundaries, torch style) or optimizer steps',
};

export function epochs(doc: string): ParamSpec {
  return { name: 'epochs', type: INT, default: null, range: AT_LEAST_ONE, doc };
}

export function steps(doc: string): ParamSpec {
  return { name: 'steps', type: INT, default: null, range: AT_LEAST_ONE, doc };
}

/** What `init=` may choose for a layer's weights: torch.nn.init's functions of these names, with their defaults. */
export const WEIGHT_INITS = ['kaiming_uniform', 'kaiming_normal', 'xavier_uniform', 'xavier_normal', 'orthogonal', 'zeros'] as const;

export type WeightInitChoice = (typeof WEIGHT_INITS)[number];

/** `init=` of the layers with weights; unset keeps torch's default, which `unsetDoc` describes. */
export function weightInit(unsetDoc: string): ParamSpec {
  return {
    name: 'init',
    type: oneOf(...WEIGHT_INITS),
    default: null,
    doc: `initial weights as torch.nn.init's function of that name with its defaults (kaiming: a=0, fan_in, leaky_relu gain); ${unsetDoc}`,
  };
}
