// The stored tensors a layer owns, by the suffix after its name, in PyTorch
// state_dict order for the corresponding torch module (so `c1.weight`,
// `c1.bias`; `bn1.weight`, `bn1.bias`, `bn1.running_mean`, ...). The checker
// uses these to expand penalty globs; lowering creates exactly these tensors.
import type { Value } from './types.ts';

export type OwnedRole = 'trainable' | 'running' | 'state';

export interface OwnedTensor {
  readonly suffix: string;
  readonly role: OwnedRole;
}

const t = (suffix: string, role: OwnedRole = 'trainable'): OwnedTensor => ({ suffix, role });

/** The layer's own weight after attachments: weightnorm and spectralnorm rename it as torch does. */
export function weightTensors(attachments: readonly string[]): OwnedTensor[] {
  if (attachments.includes('weightnorm')) return [t('weight_g'), t('weight_v')];
  if (attachments.includes('spectralnorm')) return [t('weight_orig'), t('weight_u', 'state'), t('weight_v', 'state')];
  return [t('weight')];
}

/**
 * `values` are the bound arguments (defaults filled). Returns [] for ops
 * without stored tensors.
 */
export function ownedTensors(op: string, values: ReadonlyMap<string, Value | null>, attachments: readonly string[] = []): OwnedTensor[] {
  const flag = (name: string, fallback: boolean) => {
    const v = values.get(name);
    return typeof v === 'boolean' ? v : fallback;
  };
  switch (op) {
    case 'linear':
    case 'conv1d':
    case 'conv2d': {
      // torch's weight_norm and spectral_norm delete `weight` and register their
      // tensors afterwards, so in state_dict order they follow the bias.
      const bias = flag('bias', true) ? [t('bias')] : [];
      const weights = weightTensors(attachments);
      return attachments.includes('weightnorm') || attachments.includes('spectralnorm') ? [...bias, ...weights] : [...weights, ...bias];
    }
    case 'batchnorm':
    case 'instancenorm': {
      const affine = flag('affine', op === 'batchnorm');
      const tracked = flag('track_running_stats', op === 'batchnorm');
      return [
        ...(affine ? [t('weight'), t('bias')] : []),
        ...(tracked ? [t('running_mean', 'running'), t('running_var', 'running'), t('num_batches_tracked', 'state')] : []),
      ];
    }
    case 'batch_renorm':
      // Lowering declares running_std (the paper's sigma) in place of running_var where the weight file holds it; the checker sees no file.
      return [t('weight'), t('bias'), t('running_mean', 'running'), t('running_var', 'running'), t('num_batches_tracked', 'state')];
    case 'layernorm':
    case 'groupnorm':
      return flag('affine', true) ? [t('weight'), t('bias')] : [];
    case 'scalenorm':
      return [t('g')];
    case 'batch_instance_norm':
      return [
        ...(flag('affine', true) ? [t('weight'), t('bias')] : []),
        t('rho'),
        t('running_mean', 'running'),
        t('running_var', 'running'),
        t('num_batches_tracked', 'state'),
      ];
    case 'switchable_norm':
      return [
        t('weight'),
        t('bias'),
        t('mean_weight'),
        t('var_weight'),
        t('running_mean', 'running'),
        t('running_var', 'running'),
        t('num_batches_tracked', 'state'),
      ];
    case 'multihead_attention':
      return flag('bias', true)
        ? [t('in_proj_weight'), t('in_proj_bias'), t('out_proj.weight'), t('out_proj.bias')]
        : [t('in_proj_weight'), t('out_proj.weight')];
    default:
      return [];
  }
}
