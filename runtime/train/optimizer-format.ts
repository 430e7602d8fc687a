// The optimizer as bundle data, and the per-step scalars the runtime
// computes from it. torch computes an update's step-dependent factors
// (bias corrections, the first step of momentum) on the host in float64
// and hands them to the float32 kernels as scalars; a train bundle does
// the same: its update kernels read these scalars from small inputs the
// runtime fills before each step, so the GPU code has no step counter
// arithmetic and the numbers are torch's.
//
// Field names are camelCase like the rest of manifest.json; docs/bundle-format.md
// documents the shape and docs/training.md the update rules.
import { fail, fields, finite, fraction, nonNegative, oneOf, show, type Json } from './data-fields.ts';

export const OPTIMIZER_FORMAT_VERSION = 1;

export type OptimizerData =
  | { readonly kind: 'sgd'; readonly lr: number; readonly momentum: number; readonly dampening: number; readonly weightDecay: number; readonly nesterov: boolean }
  | { readonly kind: 'adam' | 'adamw'; readonly lr: number; readonly betas: readonly [number, number]; readonly eps: number; readonly weightDecay: number; readonly amsgrad: boolean }
  | { readonly kind: 'rmsprop'; readonly lr: number; readonly alpha: number; readonly eps: number; readonly weightDecay: number; readonly momentum: number; readonly centered: boolean }
  | { readonly kind: 'lamb'; readonly lr: number; readonly betas: readonly [number, number]; readonly eps: number; readonly weightDecay: number };

export type OptimizerKind = OptimizerData['kind'];

/**
 * The scalars each optimizer's update reads, fed as f32 [1] inputs named
 * `train.<name>` (stepScalarInput):
 *   neg_lr        -lr
 *   momentum_keep 0 on the first step, else momentum (torch starts the buffer as the gradient)
 *   grad_keep     1 on the first step, else 1 - dampening
 *   neg_step_size -lr / (1 - beta1^t)
 *   bc2_sqrt      sqrt(1 - beta2^t)
 *   decay         1 - lr * weight_decay (adamw's decoupled decay)
 */
export const STEP_SCALARS: { readonly [K in OptimizerKind]: readonly string[] } = {
  sgd: ['neg_lr', 'momentum_keep', 'grad_keep'],
  adam: ['neg_step_size', 'bc2_sqrt'],
  adamw: ['neg_step_size', 'bc2_sqrt', 'decay'],
  rmsprop: ['neg_lr'],
  lamb: ['neg_lr', 'bc1', 'bc2'],
};

export const stepScalarInput = (name: string): string => `train.${name}`;

/** The scalars of step `t` (1 for the first step) at learning rate `lr`, in float64 as torch computes them. */
export function stepScalars(data: OptimizerData, t: number, lr: number): Map<string, number> {
  const out = new Map<string, number>();
  switch (data.kind) {
    case 'sgd':
      out.set('neg_lr', -lr);
      out.set('momentum_keep', t === 1 ? 0 : data.momentum);
      out.set('grad_keep', t === 1 ? 1 : 1 - data.dampening);
      break;
    case 'adam':
    case 'adamw': {
      const [beta1, beta2] = data.betas;
      out.set('neg_step_size', -(lr / (1 - beta1 ** t)));
      out.set('bc2_sqrt', Math.sqrt(1 - beta2 ** t));
      if (data.kind === 'adamw') out.set('decay', 1 - lr * data.weightDecay);
      break;
    }
    case 'rmsprop':
      out.set('neg_lr', -lr);
      break;
    case 'lamb': {
      const [beta1, beta2] = data.betas;
      out.set('neg_lr', -lr);
      out.set('bc1', 1 - beta1 ** t);
      out.set('bc2', 1 - beta2 ** t);
      break;
    }
  }
  return out;
}

/** The state tensors of a parameter, under torch's optimizer state names (`<param>.<state>`). */
export function optimizerStates(data: OptimizerData): readonly string[] {
  switch (data.kind) {
    case 'sgd':
      return data.momentum !== 0 ? ['momentum_buffer'] : [];
    case 'adam':
    case 'adamw':
      return data.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
    case 'rmsprop':
      return [...(data.momentum > 0 ? ['momentum_buffer'] : []), 'square_avg', ...(data.centered ? ['grad_avg'] : [])];
    case 'lamb':
      return ['exp_avg', 'exp_avg_sq'];
  }
}

const KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'lamb'];

function flag(v: Json, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, `expected true or false, got ${show(v)}`);
  return v;
}

function betas(v: Json, path: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) fail(path, `expected two numbers in [0, 1), got ${show(v)}`);
  const pair = v.map((b, i) => fraction(b, `${path}[${i}]`, 'a number in [0, 1)', false));
  pair.forEach((b, i) => b === 1 && fail(`${path}[${i}]`, 'expected a number in [0, 1), got 1'));
  return [pair[0]!, pair[1]!];
}

/** Checks untrusted optimizer data field by field. */
export function validateOptimizerData(v: Json, path = 'optimizer'): OptimizerData & { readonly version?: number } {
  const head = v as Record<string, Json> | null;
  const kind = oneOf(typeof head === 'object' && head !== null ? head.kind : undefined, `${path}.kind`, KINDS);
  const common = ['version', 'kind', 'lr', 'weightDecay'];
  const n = (o: Record<string, Json>, key: string) => nonNegative(o[key], `${path}.${key}`);
  switch (kind) {
    case 'sgd': {
      const o = fields(v, path, [...common, 'momentum', 'dampening', 'nesterov']);
      checkVersion(o, path);
      return { kind, lr: n(o, 'lr'), momentum: n(o, 'momentum'), dampening: n(o, 'dampening'), weightDecay: n(o, 'weightDecay'), nesterov: flag(o.nesterov, `${path}.nesterov`) };
    }
    case 'adam':
    case 'adamw': {
      const o = fields(v, path, [...common, 'betas', 'eps', 'amsgrad']);
      checkVersion(o, path);
      return { kind, lr: n(o, 'lr'), betas: betas(o.betas, `${path}.betas`), eps: n(o, 'eps'), weightDecay: n(o, 'weightDecay'), amsgrad: flag(o.amsgrad, `${path}.amsgrad`) };
    }
    case 'rmsprop': {
      const o = fields(v, path, [...common, 'alpha', 'eps', 'momentum', 'centered']);
      checkVersion(o, path);
      return {
        kind,
        lr: n(o, 'lr'),
        alpha: finite(o.alpha, `${path}.alpha`, 0, 'a finite number >= 0'),
        eps: n(o, 'eps'),
        weightDecay: n(o, 'weightDecay'),
        momentum: n(o, 'momentum'),
        centered: flag(o.centered, `${path}.centered`),
      };
    }
    case 'lamb': {
      const o = fields(v, path, [...common, 'betas', 'eps']);
      checkVersion(o, path);
      return { kind, lr: n(o, 'lr'), betas: betas(o.betas, `${path}.betas`), eps: n(o, 'eps'), weightDecay: n(o, 'weightDecay') };
    }
  }
}

function checkVersion(o: Record<string, Json>, path: string): void {
  if (o.version !== OPTIMIZER_FORMAT_VERSION) fail(`${path}.version`, `version ${show(o.version)} is not known; this runtime reads optimizer version ${OPTIMIZER_FORMAT_VERSION}`);
}
