// The registry describes every name a spec can call: its parameters, their
// types, defaults, ranges and a one-line meaning. The checker, the lowering
// to IR, the CLI's help and docs/language.md all read it, so a name exists in
// exactly one place.

/** A checked argument value. Enum words (`val_loss`, `max`) are strings. */
export type Value = number | boolean | string | readonly Value[];

export type ParamType =
  | { readonly kind: 'int' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  /** A bare word or string from a fixed set, e.g. `mode=min`. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** An int, or a list of `length` ints (kernel=3 or kernel=[3, 5]). */
  | { readonly kind: 'intOrInts'; readonly length: number }
  /** A list of ints of any length (>= minLength), e.g. milestones, reshape dims. */
  | { readonly kind: 'ints'; readonly minLength?: number }
  /** A list of floats; `length` fixes it (betas=[0.9, 0.999]). */
  | { readonly kind: 'floats'; readonly length?: number }
  /** A float, or a list of floats (scale=[0.9, 1.1]). */
  | { readonly kind: 'floatOrFloats'; readonly length: number };

export interface Range {
  readonly min?: number;
  readonly max?: number;
  /** When true, `min` itself is not allowed (eps > 0). */
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** Absent means the argument is required. `null` means "none" (e.g. stride defaults to kernel). */
  readonly default?: Value | null;
  /** Applies to every number in the value, lists included. */
  readonly range?: Range;
  /** One line, lowercase, no final period. */
  readonly doc: string;
}

/** Where a name may be written. */
export type Place =
  | 'layer' // in a model or block body
  | 'attachment' // after `with` on a layer
  | 'loss'
  | 'optimizer'
  | 'schedule'
  | 'penalty'
  | 'noise'
  | 'augment'
  | 'clip'
  | 'early_stop'
  | 'calibrate'
  | 'metric';

/** Groups for docs/language.md's tables. */
export type Group =
  | 'layers'
  | 'activations'
  | 'normalizers'
  | 'regularizers'
  | 'structure'
  | 'attention'
  | 'weight-reparameterisations'
  | 'losses'
  | 'optimizers'
  | 'schedules'
  | 'penalties'
  | 'noise'
  | 'augmentations'
  | 'gradient-clipping'
  | 'early-stopping'
  | 'calibration'
  | 'metrics';

export interface OpSpec {
  readonly name: string;
  readonly place: Place;
  readonly group: Group;
  /** One line, lowercase, no final period. */
  readonly doc: string;
  /** The PyTorch counterpart whose semantics we follow, e.g. `torch.nn.Conv2d`. */
  readonly torch?: string;
  /**
   * Tensor inputs for layers: `{min: 1, max: 1}` for most, 2 for matmul,
   * `max: Infinity` for concat. Zero for everything outside a model.
   */
  readonly inputs: { readonly min: number; readonly max: number };
  /** Positional order is this order. */
  readonly params: readonly ParamSpec[];
  /** True when the op owns trainable parameters (and so a name prefix). */
  readonly hasWeights?: boolean;
  /** For attachments: the layers they may attach to. */
  readonly attachesTo?: readonly string[];
}
