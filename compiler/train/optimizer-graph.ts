// torch.optim's update rules as IR nodes: for every trainable tensor, its new
// value and its optimizer state's new values, each an Assign, in torch's
// order of operations (torch 1.13's single-tensor code paths, the ones
// Debian's torch runs). Step-dependent factors are scalar inputs the runtime
// computes per step (runtime/train/optimizer-format.ts), so nothing here
// depends on the step.
import type { GraphBuilder } from '../ir/builder.ts';
import type { Origin, ValueId } from '../ir/types.ts';
import { STEP_SCALARS, stepScalarInput, type OptimizerData } from '../../runtime/train/optimizer-format.ts';

/** A stored tensor's name plus the optimizer's state name: `fc1.weight.exp_avg`, as torch's state_dict keys them by parameter. */
export const optimizerStateTensor = (param: string, state: string): string => `${param}.${state}`;

export interface ParamUpdate {
  readonly name: string;
  readonly value: ValueId;
  readonly grad: ValueId;
  /** Clamp the updated value into [lo, hi] after every step (batch_instance_norm's rho, as its authors' code does). */
  readonly range?: readonly [number, number];
}

/** Adds the update of every parameter (Assigns to the parameters and their state) to `b`. */
export function addOptimizerStep(b: GraphBuilder, data: OptimizerData, params: readonly ParamUpdate[], origin?: Origin): void {
  const scalars = new Map<string, ValueId>();
  for (const name of STEP_SCALARS[data.kind]) scalars.set(name, b.input(stepScalarInput(name), { dtype: 'f32', shape: [1] }, origin));
  const s = (name: string) => scalars.get(name)!;
  const mul = (p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn: 'mul' }, origin);
  const add = (p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn: 'add' }, origin);
  const div = (p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn: 'div' }, origin);
  const max = (p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn: 'max' }, origin);
  const scale = (v: ValueId, alpha: number) => b.add('unary', [v], { fn: 'affine', alpha, beta: 0 }, origin);
  const plus = (v: ValueId, beta: number) => b.add('unary', [v], { fn: 'affine', alpha: 1, beta }, origin);
  const sqrt = (v: ValueId) => b.add('unary', [v], { fn: 'sqrt' }, origin);
  const square = (v: ValueId) => b.add('unary', [v], { fn: 'square' }, origin);
  /** `x + alpha * y`, torch's add(y, alpha=...). */
  const addScaled = (x: ValueId, y: ValueId, alpha: number) => (alpha === 1 ? add(x, y) : add(x, scale(y, alpha)));
  const state = (param: ParamUpdate, name: string): ValueId => {
    const type = b.type(param.value);
    const count = (type.shape as number[]).reduce((p, d) => p * d, 1);
    return b.tensor({ name: optimizerStateTensor(param.name, name), role: 'state', type }, new Float32Array(count), origin);
  };
  const assign = (target: string, value: ValueId) => b.assign(target, value);
  const clamped = (p: ParamUpdate, value: ValueId): ValueId => {
    if (!p.range) return value;
    const [lo, hi] = p.range;
    const upper = b.add('binary', [value, b.constant([hi], [1], origin)], { fn: 'min' }, origin);
    return b.add('binary', [upper, b.constant([lo], [1], origin)], { fn: 'max' }, origin);
  };
  const updateParam = (p: ParamUpdate, value: ValueId) => assign(p.name, clamped(p, value));

  for (const p of params) {
    switch (data.kind) {
      case 'sgd': {
        let d = data.weightDecay !== 0 ? addScaled(p.grad, p.value, data.weightDecay) : p.grad;
        if (data.momentum !== 0) {
          const buf = state(p, 'momentum_buffer');
          const next = add(mul(buf, s('momentum_keep')), mul(d, s('grad_keep')));
          assign(optimizerStateTensor(p.name, 'momentum_buffer'), next);
          d = data.nesterov ? addScaled(d, next, data.momentum) : next;
        }
        updateParam(p, add(p.value, mul(d, s('neg_lr'))));
        break;
      }
      case 'adam':
      case 'adamw': {
        const [beta1, beta2] = data.betas;
        const param = data.kind === 'adamw' ? mul(p.value, s('decay')) : p.value;
        const g = data.kind === 'adam' && data.weightDecay !== 0 ? addScaled(p.grad, p.value, data.weightDecay) : p.grad;
        const m = addScaled(scale(state(p, 'exp_avg'), beta1), g, 1 - beta1);
        const v = add(scale(state(p, 'exp_avg_sq'), beta2), scale(mul(g, g), 1 - beta2));
        assign(optimizerStateTensor(p.name, 'exp_avg'), m);
        assign(optimizerStateTensor(p.name, 'exp_avg_sq'), v);
        let second = v;
        if (data.amsgrad) {
          second = max(state(p, 'max_exp_avg_sq'), v);
          assign(optimizerStateTensor(p.name, 'max_exp_avg_sq'), second);
        }
        const denom = plus(div(sqrt(second), s('bc2_sqrt')), data.eps);
        updateParam(p, add(param, mul(div(m, denom), s('neg_step_size'))));
        break;
      }
      case 'rmsprop': {
        const g = data.weightDecay !== 0 ? addScaled(p.grad, p.value, data.weightDecay) : p.grad;
        const sq = add(scale(state(p, 'square_avg'), data.alpha), scale(mul(g, g), 1 - data.alpha));
        assign(optimizerStateTensor(p.name, 'square_avg'), sq);
        let avg: ValueId;
        if (data.centered) {
          const ga = addScaled(scale(state(p, 'grad_avg'), data.alpha), g, 1 - data.alpha);
          assign(optimizerStateTensor(p.name, 'grad_avg'), ga);
          avg = sqrt(b.add('binary', [sq, square(ga)], { fn: 'sub' }, origin));
        } else {
          avg = sqrt(sq);
        }
        avg = plus(avg, data.eps);
        if (data.momentum > 0) {
          const buf = add(scale(state(p, 'momentum_buffer'), data.momentum), div(g, avg));
          assign(optimizerStateTensor(p.name, 'momentum_buffer'), buf);
          updateParam(p, add(p.value, mul(buf, s('neg_lr'))));
        } else {
          updateParam(p, add(p.value, mul(div(g, avg), s('neg_lr'))));
        }
        break;
      }
      case 'lamb': {
        // You et al. 2019: the bias-corrected adam direction plus decoupled decay, scaled by the
        // trust ratio ||w|| / ||u|| of the whole tensor (1 when either norm is 0).
        const [beta1, beta2] = data.betas;
        const m = addScaled(scale(state(p, 'exp_avg'), beta1), p.grad, 1 - beta1);
        const v = add(scale(state(p, 'exp_avg_sq'), beta2), scale(mul(p.grad, p.grad), 1 - beta2));
        assign(optimizerStateTensor(p.name, 'exp_avg'), m);
        assign(optimizerStateTensor(p.name, 'exp_avg_sq'), v);
        const direction = div(div(m, s('bc1')), plus(sqrt(div(v, s('bc2'))), data.eps));
        const u = data.weightDecay !== 0 ? addScaled(direction, p.value, data.weightDecay) : direction;
        const norm = (x: ValueId) => sqrt(b.add('reduce', [square(x)], { fn: 'sum', axes: b.type(x).shape.map((_, i) => i), keepDims: false }, origin));
        const [wn, un] = [norm(p.value), norm(u)];
        const positive = (x: ValueId) => b.add('unary', [x], { fn: 'step', alpha: 0, beta: 0 }, origin);
        const both = mul(positive(wn), positive(un));
        // both ? wn / un : 1, without dividing by zero where the ratio is not used.
        const notBoth = b.add('unary', [both], { fn: 'affine', alpha: -1, beta: 1 }, origin);
        const trust = add(mul(both, div(wn, add(un, notBoth))), notBoth);
        updateParam(p, add(p.value, mul(mul(u, trust), s('neg_lr'))));
        break;
      }
    }
  }
}
