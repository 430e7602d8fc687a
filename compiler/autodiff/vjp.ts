// The contract between the autodiff driver and the per-op gradient rules.
// A rule gets a forward node, the gradient flowing into its result (already
// summed over every use of it), and a context for building backward nodes;
// it returns one gradient per input, or undefined for an input that needs
// none (a running statistic, an index, an input nothing trainable reaches).
import type { GraphBuilder } from '../ir/builder.ts';
import type { OpName } from '../ir/ops.ts';
import type { Node, Origin, TensorType, ValueId } from '../ir/types.ts';

export interface VjpContext {
  /** The graph being built: the forward nodes keep their ids in it. */
  readonly b: GraphBuilder;
  type(id: ValueId): TensorType;
  /** Whether the node's `index`-th input needs a gradient: returning one for it is wasted work otherwise. */
  needs(index: number): boolean;
  /** The origin backward nodes of this node carry (its layer, marked as the backward pass). */
  readonly origin: Origin | undefined;
}

export type VjpRule<Op extends OpName = OpName> = (node: Node<Op>, grad: ValueId, ctx: VjpContext) => readonly (ValueId | undefined)[];

/** A forward op with no gradient rule yet: the train bundle cannot be built for a model using it. */
export class NoGradientRuleError extends Error {
  constructor(
    readonly op: OpName,
    readonly origin: Origin | undefined,
    detail = '',
  ) {
    super(`no gradient rule for op ${op}${detail ? ` (${detail})` : ''}${origin ? ` in layer ${origin.layer}` : ''}`);
  }
}
