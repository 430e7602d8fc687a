// The loss as IR nodes after the model's output, in torch's formulas, so
// that its gradient comes from the same rules as the model's and runs in the
// same bundle. With p = log_softmax(x) (x itself for nll), w the class
// weights (1 when unset) and R the reduction over the batch:
//   nll(p, y) = R_i(-w[y_i] p[i, y_i])
//   cross_entropy: (1 - a) * nll(p, y) + a / C * R_i(-sum_c w_c p[i, c])
//     (torch's label smoothing, aten cross_entropy_loss_label_smoothing)
//   bce_with_logits: R((1 - y) x + (1 + (pw - 1) y) (log(exp(-m) + exp(-x - m)) + m)), m = max(-x, 0)
//   mse: R((x - y)^2)
// R is the sum for reduction='sum'. For 'mean' it is the mean over every
// element, except for a weighted nll or cross_entropy, where it is the sum
// divided by sum_i w[y_i] (the smoothing term too, as aten divides it). The
// sums over the batch axis are reduce ops, so they take N at run time.
import type { GraphBuilder } from '../ir/builder.ts';
import { formatShape } from '../ir/ops.ts';
import type { Dim, Origin, ValueId } from '../ir/types.ts';
import type { Span } from '../../grammar/source.ts';
import type { LossData } from './train-section.ts';

/** The graph input labels are fed under: class indices [N] (as f32), or targets of the output's shape. */
export const LABELS_INPUT = 'labels';

/** A loss that does not fit the model's output; `file` and `span` locate the train section's words it refutes. */
export class LossShapeError extends Error {
  constructor(
    readonly problem: string,
    readonly file: string,
    readonly span: Span,
  ) {
    super(`${problem} (${file === '' ? '' : `${file}:`}${span.start.line}:${span.start.column})`);
  }
}

export interface LossNodes {
  /** The loss, shape []. */
  readonly loss: ValueId;
  readonly labels: ValueId;
}

export function addLoss(b: GraphBuilder, output: ValueId, loss: LossData, origin?: Origin): LossNodes {
  const shape = b.type(output).shape;
  const file = origin?.file ?? b.node(output).origin?.file ?? '';
  const unary = (fn: 'neg' | 'exp' | 'log' | 'relu' | 'square', v: ValueId) => b.add('unary', [v], { fn }, origin);
  const affine = (v: ValueId, alpha: number, beta = 0) => b.add('unary', [v], { fn: 'affine', alpha, beta }, origin);
  const bin = (fn: 'add' | 'sub' | 'mul' | 'div', p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn }, origin);
  const reduceAll = (fn: 'mean' | 'sum', v: ValueId) => b.add('reduce', [v], { fn, axes: b.type(v).shape.map((_, i) => i), keepDims: false }, origin);
  const sumClasses = (v: ValueId) => b.add('reduce', [v], { fn: 'sum', axes: [1], keepDims: false }, origin);
  const elementwise = (v: ValueId) => reduceAll(loss.reduction, v);

  if (loss.kind === 'cross_entropy' || loss.kind === 'nll') {
    if (shape.length !== 2 || shape[0] !== 'N' || shape[1] === 'N') {
      throw new LossShapeError(`${loss.kind} needs a model output of shape [N, classes], not ${formatShape(shape)}`, file, loss.span);
    }
    const classes = shape[1] as number;
    const weight = loss.weight;
    if (weight !== null && weight.values.length !== classes) {
      throw new LossShapeError(
        `${loss.kind}'s \`weight\` has ${weight.values.length} value${weight.values.length === 1 ? '' : 's'}, one per class, and the model's output ${formatShape(shape)} has ${classes} classes`,
        file,
        weight.span,
      );
    }
    const labels = b.input(LABELS_INPUT, { dtype: 'f32', shape: ['N'] }, origin);
    const logp = loss.kind === 'nll' ? output : b.add('softmax', [output], { axis: 1, log: true }, origin);
    const onehot = b.add('one_hot', [labels], { classes }, origin);
    const w = weight === null ? undefined : b.constant(weight.values, [classes], origin);
    // w[y_i] at each sample's target, 0 elsewhere.
    const targetWeight = w === undefined ? onehot : bin('mul', onehot, w);
    const divisor = w !== undefined && loss.reduction === 'mean' ? reduceAll('sum', sumClasses(targetWeight)) : undefined;
    const overBatch = (perSample: ValueId) => (divisor === undefined ? reduceAll(loss.reduction, perSample) : bin('div', reduceAll('sum', perSample), divisor));
    const nll = unary('neg', overBatch(sumClasses(bin('mul', targetWeight, logp))));
    if (loss.kind === 'nll' || loss.labelSmoothing === 0) return { loss: nll, labels };
    const a = loss.labelSmoothing;
    const smooth = unary('neg', overBatch(sumClasses(w === undefined ? logp : bin('mul', logp, w))));
    return { loss: bin('add', affine(nll, 1 - a), affine(smooth, a / classes)), labels };
  }

  const labels = b.input(LABELS_INPUT, { dtype: 'f32', shape: shape as Dim[] }, origin);
  if (loss.kind === 'mse') return { loss: elementwise(unary('square', bin('sub', output, labels))), labels };

  // bce_with_logits, torch's stable form.
  const m = unary('relu', unary('neg', output));
  const logTerm = bin('add', unary('log', bin('add', unary('exp', unary('neg', m)), unary('exp', bin('sub', unary('neg', output), m)))), m);
  const linear = bin('mul', affine(labels, -1, 1), output);
  let weighted = logTerm;
  if (loss.posWeight !== null) {
    const last = shape[shape.length - 1];
    const pw = loss.posWeight.values;
    if (pw.length !== 1 && pw.length !== last) {
      throw new LossShapeError(`bce_with_logits's \`pos_weight\` has ${pw.length} values for an output of shape ${formatShape(shape)}: give one, or one per output`, file, loss.posWeight.span);
    }
    const pwMinusOne = b.constant(pw.map((w) => w - 1), [pw.length]);
    const logWeight = affine(bin('mul', pwMinusOne, labels), 1, 1);
    weighted = bin('mul', logWeight, logTerm);
  }
  return { loss: elementwise(bin('add', linear, weighted)), labels };
}
