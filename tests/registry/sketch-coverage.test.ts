// Every name and hyperparameter that docs' language sketch promises, listed by
// hand so that removing or renaming one from the registry fails here.
import { describe, expect, it } from 'vitest';
import { lookup, paramOf } from '../../compiler/registry/index.ts';
import type { Place, Value } from '../../compiler/registry/types.ts';

interface Promised {
  readonly name: string;
  readonly place: Place;
  /** Parameters the sketch names for it; more may exist. */
  readonly params: readonly string[];
}

const P = (place: Place, name: string, ...params: string[]): Promised => ({ name, place, params });

const PROMISED: readonly Promised[] = [
  // layers and operations
  P('layer', 'linear', 'out', 'bias'),
  P('layer', 'conv2d', 'out', 'kernel', 'stride', 'padding', 'dilation', 'groups', 'bias'),
  P('layer', 'conv1d', 'out', 'kernel', 'stride', 'padding', 'dilation', 'groups', 'bias'),
  P('layer', 'maxpool', 'kernel', 'stride', 'padding'),
  P('layer', 'avgpool', 'kernel', 'stride', 'padding', 'count_include_pad'),
  P('layer', 'global_avgpool'),
  P('layer', 'flatten', 'start_dim'),
  P('layer', 'reshape', 'shape'),
  P('layer', 'transpose', 'dim0', 'dim1'),
  P('layer', 'concat', 'axis'),
  P('layer', 'add'),
  P('layer', 'mul'),
  P('layer', 'matmul'),
  P('layer', 'normalize', 'mean', 'std'),
  P('layer', 'minmax', 'min', 'max'),
  P('layer', 'multihead_attention', 'heads', 'embed_dim', 'dropout', 'bias'),
  // activations
  P('layer', 'relu'),
  P('layer', 'leaky_relu', 'slope'),
  P('layer', 'gelu', 'approximate'),
  P('layer', 'silu'),
  P('layer', 'sigmoid'),
  P('layer', 'tanh'),
  P('layer', 'softmax', 'axis'),
  P('layer', 'log_softmax', 'axis'),
  // normalizers
  P('layer', 'batchnorm', 'momentum', 'eps', 'affine', 'track_running_stats'),
  P('layer', 'batch_renorm', 'r_max', 'd_max', 'momentum', 'eps'),
  P('layer', 'layernorm', 'eps', 'affine', 'dims'),
  P('layer', 'instancenorm', 'eps', 'affine', 'track_running_stats', 'momentum'),
  P('layer', 'groupnorm', 'groups', 'eps', 'affine'),
  P('layer', 'scalenorm', 'g', 'eps'),
  P('layer', 'batch_instance_norm', 'eps', 'momentum', 'rho'),
  P('layer', 'switchable_norm', 'eps', 'momentum'),
  P('layer', 'local_response_norm', 'size', 'alpha', 'beta', 'k'),
  P('attachment', 'weightnorm', 'dim'),
  P('attachment', 'spectralnorm', 'power_iterations', 'eps', 'dim'),
  // regularizers
  P('layer', 'dropout', 'p'),
  P('layer', 'drop_path', 'p'),
  P('attachment', 'dropconnect', 'p'),
  P('noise', 'gaussian', 'std'),
  P('penalty', 'l1', 'lambda'),
  P('penalty', 'l2', 'lambda'),
  P('augment', 'hflip', 'p'),
  P('augment', 'vflip', 'p'),
  P('augment', 'random_crop', 'size', 'padding'),
  P('augment', 'rotate', 'degrees'),
  P('augment', 'translate', 'fraction'),
  P('augment', 'scale', 'range'),
  P('augment', 'gaussian_noise', 'std'),
  P('augment', 'random_erasing', 'p', 'scale', 'ratio', 'value'),
  P('augment', 'mixup', 'alpha'),
  P('augment', 'cutmix', 'alpha'),
  P('early_stop', 'early_stop', 'monitor', 'patience', 'min_delta', 'mode', 'restore_best'),
  P('clip', 'grad_norm', 'max_norm', 'norm_type'),
  P('clip', 'grad_value', 'clip_value'),
  // optimizers
  P('optimizer', 'sgd', 'lr', 'momentum', 'dampening', 'nesterov', 'weight_decay'),
  P('optimizer', 'adam', 'lr', 'betas', 'eps', 'weight_decay', 'amsgrad'),
  P('optimizer', 'adamw', 'lr', 'betas', 'eps', 'weight_decay', 'amsgrad'),
  P('optimizer', 'rmsprop', 'lr', 'alpha', 'eps', 'weight_decay', 'momentum', 'centered'),
  P('optimizer', 'lamb', 'lr', 'betas', 'eps', 'weight_decay'),
  // schedules
  P('schedule', 'constant', 'lr'),
  P('schedule', 'step', 'every', 'gamma'),
  P('schedule', 'multistep', 'milestones', 'gamma'),
  P('schedule', 'exponential', 'gamma'),
  P('schedule', 'inverse', 'decay'),
  P('schedule', 'cosine', 'epochs', 'steps', 'min_lr'),
  P('schedule', 'warmup', 'steps', 'from'),
  P('schedule', 'reduce_on_plateau', 'monitor', 'factor', 'patience', 'mode', 'threshold', 'min_lr'),
  // losses
  P('loss', 'cross_entropy', 'label_smoothing'),
  P('loss', 'nll'),
  P('loss', 'bce_with_logits', 'pos_weight'),
  P('loss', 'mse'),
  // calibration and metrics
  P('calibrate', 'temperature', 'max_iter', 'lr', 'bins'),
  P('metric', 'accuracy'),
  P('metric', 'top_k', 'k'),
  P('metric', 'loss'),
  P('metric', 'ece', 'bins'),
];

/** Defaults the sketch or PyTorch fix, spot-checked where a slip would change training. */
const DEFAULTS: readonly [string, string, Value | null][] = [
  ['dropout', 'p', 0.5],
  ['leaky_relu', 'slope', 0.01],
  ['gelu', 'approximate', 'none'],
  ['softmax', 'axis', -1],
  ['maxpool', 'stride', null],
  ['batchnorm', 'momentum', 0.1],
  ['instancenorm', 'affine', false],
  ['instancenorm', 'track_running_stats', false],
  ['spectralnorm', 'power_iterations', 1],
  ['cross_entropy', 'label_smoothing', 0],
  ['adamw', 'weight_decay', 0.01],
  ['adam', 'betas', [0.9, 0.999]],
  ['lamb', 'eps', 1e-6],
  ['warmup', 'from', 0],
  ['reduce_on_plateau', 'monitor', 'val_loss'],
  ['early_stop', 'restore_best', false],
  ['random_erasing', 'scale', [0.02, 0.33]],
  ['random_erasing', 'ratio', [0.3, 3.3]],
  ['temperature', 'max_iter', 50],
  ['ece', 'bins', 15],
  ['top_k', 'k', 5],
];

describe('the language sketch is covered', () => {
  it.each(PROMISED.map((p) => [p.name, p] as const))('%s exists where the sketch writes it, with its parameters', (_, promised) => {
    const op = lookup(promised.name, promised.place);
    expect(op, `${promised.name} at ${promised.place}`).toBeDefined();
    for (const param of promised.params) expect(paramOf(op!, param), `${promised.name}.${param}`).toBeDefined();
  });

  it.each(DEFAULTS)('%s.%s defaults to %j', (name, param, value) => {
    expect(paramOf(lookup(name)!, param)?.default).toEqual(value);
  });

  it('makes the arguments the sketch always writes required', () => {
    for (const [name, param] of [
      ['linear', 'out'],
      ['conv2d', 'kernel'],
      ['groupnorm', 'groups'],
      ['multihead_attention', 'heads'],
      ['sgd', 'lr'],
      ['l2', 'lambda'],
      ['grad_norm', 'max_norm'],
      ['random_crop', 'size'],
    ] as const) {
      expect('default' in paramOf(lookup(name)!, param)!, `${name}.${param}`).toBe(false);
    }
  });

  it('takes the tensor inputs the sketch uses', () => {
    expect(lookup('matmul')!.inputs).toEqual({ min: 2, max: 2 });
    expect(lookup('concat')!.inputs).toEqual({ min: 2, max: Infinity });
    expect(lookup('drop_path')!.inputs).toEqual({ min: 1, max: 1 });
    expect(lookup('multihead_attention')!.inputs).toEqual({ min: 1, max: 3 });
  });

  it('lets weightnorm, spectralnorm and dropconnect attach to linear and conv layers', () => {
    for (const name of ['weightnorm', 'spectralnorm', 'dropconnect']) {
      expect(lookup(name, 'attachment')!.attachesTo).toEqual(['linear', 'conv1d', 'conv2d']);
    }
  });
});
