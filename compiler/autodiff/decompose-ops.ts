// What the normaliser and reparameterisation decompositions build with:
// primitive ops that have gradient rules (reduce, unary, binary, reshape,
// count_scale, detach, ...), written as short calls.
import type { GraphBuilder } from '../ir/builder.ts';
import type { BinaryFn, CountInN, UnaryFn } from '../ir/ops.ts';
import type { Origin, Shape, ValueId } from '../ir/types.ts';

export class Emitter {
  constructor(
    readonly b: GraphBuilder,
    readonly origin: Origin | undefined,
  ) {}

  shape(v: ValueId): Shape {
    return this.b.type(v).shape;
  }

  unary(fn: UnaryFn, v: ValueId, alpha?: number, beta?: number): ValueId {
    return this.b.add('unary', [v], { fn, ...(alpha !== undefined ? { alpha } : {}), ...(beta !== undefined ? { beta } : {}) }, this.origin);
  }

  /** alpha * v + beta. */
  affine(v: ValueId, alpha: number, beta = 0): ValueId {
    return this.unary('affine', v, alpha, beta);
  }

  binary(fn: BinaryFn, p: ValueId, q: ValueId): ValueId {
    return this.b.add('binary', [p, q], { fn }, this.origin);
  }

  add(p: ValueId, q: ValueId): ValueId {
    return this.binary('add', p, q);
  }

  sub(p: ValueId, q: ValueId): ValueId {
    return this.binary('sub', p, q);
  }

  mul(p: ValueId, q: ValueId): ValueId {
    return this.binary('mul', p, q);
  }

  div(p: ValueId, q: ValueId): ValueId {
    return this.binary('div', p, q);
  }

  /** Mean over `axes`, kept as size-1 axes. */
  mean(v: ValueId, axes: readonly number[]): ValueId {
    return this.b.add('reduce', [v], { fn: 'mean', axes, keepDims: true }, this.origin);
  }

  /** Sum over `axes`, kept as size-1 axes. */
  sum(v: ValueId, axes: readonly number[]): ValueId {
    return this.b.add('reduce', [v], { fn: 'sum', axes, keepDims: true }, this.origin);
  }

  reshape(v: ValueId, shape: Shape): ValueId {
    const from = this.shape(v);
    if (from.length === shape.length && from.every((d, i) => d === shape[i])) return v;
    return this.b.add('reshape', [v], { shape }, this.origin);
  }

  /** A constant filled with `value`, of rank `rank` with every axis 1: broadcasts against anything of that rank or less. */
  scalar(value: number, rank: number): ValueId {
    return this.b.constant([value], new Array<number>(rank).fill(1), this.origin);
  }

  softmax(v: ValueId, axis: number): ValueId {
    return this.b.add('softmax', [v], { axis, log: false }, this.origin);
  }

  /** `length` elements of v along `axis` from `start`. */
  slice(v: ValueId, axis: number, start: number, length = 1): ValueId {
    return this.b.add('slice', [v], { axis, start, length }, this.origin);
  }

  /** v * numerator / denominator, counts that may grow with the batch size. */
  countScale(v: ValueId, numerator: CountInN, denominator: CountInN): ValueId {
    return this.b.add('count_scale', [v], { numerator, denominator }, this.origin);
  }

  /** v, with no gradient flowing back into it. */
  detach(v: ValueId): ValueId {
    return this.b.add('detach', [v], {}, this.origin);
  }

  /** min(max(v, lo), hi), for values nothing differentiates (they are detached). */
  clip(v: ValueId, lo: number, hi: number): ValueId {
    const rank = this.shape(v).length;
    return this.binary('min', this.binary('max', v, this.scalar(lo, rank)), this.scalar(hi, rank));
  }

  /**
   * torch's clamp(v, lo, hi): the gradient passes where lo <= v <= hi, the
   * bounds included (a max/min pair would halve it at a tie, and rho = 1,
   * batch_instance_norm's initial value, is one). The mask is detached, and
   * m * v + detach(clamp - m * v) is exactly the clamp forward: m is 0 or 1.
   */
  clampLikeTorch(v: ValueId, lo: number, hi: number): ValueId {
    const above = this.unary('step', this.affine(v, 1, -lo), 0, 1);
    const below = this.unary('step', this.affine(v, -1, hi), 0, 1);
    const mask = this.detach(this.mul(above, below));
    const through = this.mul(mask, v);
    return this.add(through, this.detach(this.sub(this.clip(v, lo, hi), through)));
  }
}
