// The graph IR. Nodes are small readonly records; a Graph is an array of them
// in topological order with `id === index`. Passes never mutate: they build a
// new Graph (see rewrite.ts). Ops keep their train-mode meaning (a batchnorm
// node means "normalise with batch statistics in training, running statistics
// at eval") until an eval pass lowers them, so the same IR serves inference
// and, later, autodiff.
import type { Span } from '../../grammar/source.ts';
import type { OpAttrs, OpName } from './ops.ts';

export type DType = 'f32' | 'i32' | 'u32';

/** A dimension: a size, or the symbolic batch size `'N'` chosen at run time. */
export type Dim = number | 'N';
export type Shape = readonly Dim[];

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export type ValueId = number;

/** Where a node came from in the spec, for diagnostics and --dump-ir. */
export interface Origin {
  /** The layer's full name (`layer1.0.c1`), or the op's automatic name. */
  readonly layer: string;
  readonly file: string;
  readonly span: Span;
}

export interface Node<Op extends OpName = OpName> {
  readonly id: ValueId;
  readonly op: Op;
  readonly inputs: readonly ValueId[];
  readonly attrs: OpAttrs[Op];
  readonly type: TensorType;
  readonly origin?: Origin;
}

/**
 * What a stored tensor is for. Only `trainable` tensors receive gradients;
 * `running` ones are updated by train-mode forward ops (batchnorm's running
 * mean/var); `state` is other persistent state (spectral norm's u,
 * num_batches_tracked); `derived` tensors are made by eval passes from the
 * others (a conv weight with BatchNorm folded in) and are not in the spec's
 * state_dict.
 */
export type TensorRole = 'trainable' | 'running' | 'state' | 'derived';

export interface TensorInfo {
  readonly name: string;
  readonly role: TensorRole;
  readonly type: TensorType;
}

/**
 * A side effect of running the graph: `target` (a stored tensor) takes the
 * value `value` after the step. Train-mode batchnorm emits one per running
 * statistic; optimizers will emit one per parameter.
 */
export interface Assign {
  readonly target: string;
  readonly value: ValueId;
}

export interface GraphOutput {
  readonly name: string;
  readonly value: ValueId;
}

export interface Graph {
  /** Topologically ordered; `nodes[i].id === i`. */
  readonly nodes: readonly Node[];
  readonly inputs: readonly ValueId[];
  readonly outputs: readonly GraphOutput[];
  /** Every stored tensor a `param` node may name, in the order lowering declared them. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Tensor contents known at compile time (weights given or initialised). Row-major f32. */
  readonly data: ReadonlyMap<string, Float32Array>;
  readonly assigns: readonly Assign[];
  /** 'train' until the eval pipeline has run; eval passes require 'eval'. */
  readonly mode: 'train' | 'eval';
}
