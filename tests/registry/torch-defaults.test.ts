// The registry's defaults against PyTorch's own signatures, recorded in
// torch-defaults.json by dump_torch_defaults.py (torch 1.13), so this runs
// without torch installed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_OPS, lookup, paramOf } from '../../compiler/registry/index.ts';
import type { Value } from '../../compiler/registry/types.ts';

type TorchParam = { readonly required: true } | { readonly default: Value | null };

interface TorchDump {
  readonly torch_version: string;
  readonly callables: Record<string, Record<string, TorchParam>>;
}

const dump = JSON.parse(readFileSync(new URL('./torch-defaults.json', import.meta.url), 'utf8')) as TorchDump;

/** registry op -> { registry parameter: torch parameter } for the parameters that must agree. */
const SAME_AS_TORCH: Record<string, Record<string, string>> = {
  linear: { out: 'out_features', bias: 'bias' },
  conv1d: { out: 'out_channels', kernel: 'kernel_size', stride: 'stride', padding: 'padding', dilation: 'dilation', groups: 'groups', bias: 'bias' },
  conv2d: { out: 'out_channels', kernel: 'kernel_size', stride: 'stride', padding: 'padding', dilation: 'dilation', groups: 'groups', bias: 'bias' },
  maxpool: { kernel: 'kernel_size', stride: 'stride', padding: 'padding' },
  maxpool1d: { kernel: 'kernel_size', stride: 'stride', padding: 'padding' },
  avgpool: { kernel: 'kernel_size', stride: 'stride', padding: 'padding', count_include_pad: 'count_include_pad' },
  avgpool1d: { kernel: 'kernel_size', stride: 'stride', padding: 'padding', count_include_pad: 'count_include_pad' },
  flatten: { start_dim: 'start_dim', end_dim: 'end_dim' },
  transpose: { dim0: 'dim0', dim1: 'dim1' },
  leaky_relu: { slope: 'negative_slope' },
  gelu: { approximate: 'approximate' },
  batchnorm: { eps: 'eps', momentum: 'momentum', affine: 'affine', track_running_stats: 'track_running_stats' },
  instancenorm: { eps: 'eps', momentum: 'momentum', affine: 'affine', track_running_stats: 'track_running_stats' },
  layernorm: { eps: 'eps', affine: 'elementwise_affine' },
  groupnorm: { groups: 'num_groups', eps: 'eps', affine: 'affine' },
  local_response_norm: { size: 'size', alpha: 'alpha', beta: 'beta', k: 'k' },
  multihead_attention: { heads: 'num_heads', dropout: 'dropout', bias: 'bias' },
  dropout: { p: 'p' },
  weightnorm: { dim: 'dim' },
  spectralnorm: { power_iterations: 'n_power_iterations', eps: 'eps' },
  cross_entropy: { label_smoothing: 'label_smoothing', weight: 'weight', reduction: 'reduction' },
  nll: { weight: 'weight', reduction: 'reduction' },
  mse: { reduction: 'reduction' },
  bce_with_logits: { pos_weight: 'pos_weight', reduction: 'reduction' },
  sgd: { lr: 'lr', momentum: 'momentum', dampening: 'dampening', weight_decay: 'weight_decay', nesterov: 'nesterov' },
  adam: { lr: 'lr', betas: 'betas', eps: 'eps', weight_decay: 'weight_decay', amsgrad: 'amsgrad' },
  adamw: { lr: 'lr', betas: 'betas', eps: 'eps', weight_decay: 'weight_decay', amsgrad: 'amsgrad' },
  rmsprop: { lr: 'lr', alpha: 'alpha', eps: 'eps', weight_decay: 'weight_decay', momentum: 'momentum', centered: 'centered' },
  cosine: { min_lr: 'eta_min' },
  step: { every: 'step_size', gamma: 'gamma' },
  multistep: { milestones: 'milestones', gamma: 'gamma' },
  exponential: { gamma: 'gamma' },
  reduce_on_plateau: { mode: 'mode', factor: 'factor', patience: 'patience', threshold: 'threshold', threshold_mode: 'threshold_mode', cooldown: 'cooldown', min_lr: 'min_lr', eps: 'eps' },
  grad_norm: { max_norm: 'max_norm', norm_type: 'norm_type' },
  grad_value: { clip_value: 'clip_value' },
};

/**
 * Where the registry differs from torch on purpose; each reason is also in the
 * parameter's doc. Checked to really differ, so a stale entry is noticed.
 */
const DIFFERS_FROM_TORCH: readonly [op: string, param: string, torchParam: string, reason: string][] = [
  ['softmax', 'axis', 'dim', 'torch has no usable default dim'],
  ['log_softmax', 'axis', 'dim', 'torch has no usable default dim'],
  ['concat', 'axis', 'dim', 'torch.cat joins along N by default'],
  ['spectralnorm', 'dim', 'dim', 'torch picks 0 (1 for transposed convolutions) when unset'],
  ['warmup', 'from', 'start_factor', 'torch requires start_factor > 0'],
];

const torchParams = (path: string) => dump.callables[path];

describe(`registry defaults agree with torch ${dump.torch_version}`, () => {
  it('has a recorded signature for every torch.* counterpart the registry cites', () => {
    const cited = [...new Set(ALL_OPS.flatMap((op) => (op.torch?.startsWith('torch.') ? [op.torch] : [])))];
    expect(cited.filter((path) => !(path in dump.callables))).toEqual([]);
  });

  it.each(Object.entries(SAME_AS_TORCH))('%s matches its torch counterpart', (name, mapping) => {
    const op = lookup(name)!;
    const signature = torchParams(op.torch!);
    expect(signature, op.torch).toBeTruthy();
    for (const [ours, theirs] of Object.entries(mapping)) {
      const param = paramOf(op, ours);
      const torchParam = signature![theirs];
      expect(param, `${name}.${ours}`).toBeDefined();
      expect(torchParam, `${op.torch}(${theirs})`).toBeDefined();
      if ('required' in torchParam!) {
        expect('default' in param!, `${name}.${ours} should be required like ${theirs}`).toBe(false);
      } else {
        expect(param!.default, `${name}.${ours} vs ${theirs}`).toEqual(torchParam!.default);
      }
    }
  });

  it.each(DIFFERS_FROM_TORCH)('%s.%s differs from torch %s on purpose: %s', (name, ours, theirs) => {
    const op = lookup(name)!;
    const torchParam = torchParams(op.torch!)![theirs]!;
    const torchDefault = 'required' in torchParam ? undefined : torchParam.default;
    expect(paramOf(op, ours)!.default).not.toEqual(torchDefault);
  });
});
