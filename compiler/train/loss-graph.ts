// The loss as IR nodes after the model's output, in torch's formulas
// (reduction='mean'), so that its gradient comes from the same rules as the
// model's and runs in the same bundle.
//   cross_entropy: (1 - a) * nll(log_softmax(x), y) + a / C * mean(-sum_c log_softmax(x))
//     (torch's label smoothing, aten cross_entropy_loss_label_smoothing)
//   nll: -mean(x[i, y_i])
//   bce_with_logits: mean((1 - y) x + (1 + (pw - 1) y) (log(exp(-m) + exp(-x - m)) + m)), m = max(-x, 0)
//   mse: mean((x - y)^2)
import type { GraphBuilder } from '../ir/builder.ts';
import { formatShape } from '../ir/ops.ts';
import type { Dim, Origin, ValueId } from '../ir/types.ts';
import type { LossData } from './train-section.ts';

/** The graph input labels are fed under: class indices [N] (as f32), or targets of the output's shape. */
export const LABELS_INPUT = 'labels';

export class LossShapeError extends Error {}

export interface LossNodes {
  /** The loss, shape []. */
  readonly loss: ValueId;
  readonly labels: ValueId;
}

export function addLoss(b: GraphBuilder, output: ValueId, loss: LossData, origin?: Origin): LossNodes {
  const shape = b.type(output).shape;
  const unary = (fn: 'neg' | 'exp' | 'log' | 'relu' | 'square', v: ValueId) => b.add('unary', [v], { fn }, origin);
  const affine = (v: ValueId, alpha: number, beta = 0) => b.add('unary', [v], { fn: 'affine', alpha, beta }, origin);
  const bin = (fn: 'add' | 'sub' | 'mul', p: ValueId, q: ValueId) => b.add('binary', [p, q], { fn }, origin);
  const meanAll = (v: ValueId) => b.add('reduce', [v], { fn: 'mean', axes: b.type(v).shape.map((_, i) => i), keepDims: false }, origin);
  const sumClasses = (v: ValueId) => b.add('reduce', [v], { fn: 'sum', axes: [1], keepDims: false }, origin);

  if (loss.kind === 'cross_entropy' || loss.kind === 'nll') {
    if (shape.length !== 2 || shape[0] !== 'N' || shape[1] === 'N') {
      throw new LossShapeError(`${loss.kind} needs a model output of shape [N, classes], not ${formatShape(shape)}`);
    }
    const classes = shape[1] as number;
    const labels = b.input(LABELS_INPUT, { dtype: 'f32', shape: ['N'] }, origin);
    const logp = loss.kind === 'nll' ? output : b.add('softmax', [output], { axis: 1, log: true }, origin);
    const onehot = b.add('one_hot', [labels], { classes }, origin);
    const nll = unary('neg', meanAll(sumClasses(bin('mul', onehot, logp))));
    if (loss.kind === 'nll' || loss.labelSmoothing === 0) return { loss: nll, labels };
    const a = loss.labelSmoothing;
    const smooth = unary('neg', meanAll(sumClasses(logp)));
    return { loss: bin('add', affine(nll, 1 - a), affine(smooth, a / classes)), labels };
  }

  const labels = b.input(LABELS_INPUT, { dtype: 'f32', shape: shape as Dim[] }, origin);
  if (loss.kind === 'mse') return { loss: meanAll(unary('square', bin('sub', output, labels))), labels };

  // bce_with_logits, torch's stable form.
  const m = unary('relu', unary('neg', output));
  const logTerm = bin('add', unary('log', bin('add', unary('exp', unary('neg', m)), unary('exp', bin('sub', unary('neg', output), m)))), m);
  const linear = bin('mul', affine(labels, -1, 1), output);
  let weighted = logTerm;
  if (loss.posWeight !== null) {
    const last = shape[shape.length - 1];
    const pw = loss.posWeight;
    if (pw.length !== 1 && pw.length !== last) {
      throw new LossShapeError(`bce_with_logits pos_weight has ${pw.length} values for an output of shape ${formatShape(shape)}`);
    }
    const pwMinusOne = b.constant(pw.map((w) => w - 1), [pw.length]);
    const logWeight = affine(bin('mul', pwMinusOne, labels), 1, 1);
    weighted = bin('mul', logWeight, logTerm);
  }
  return { loss: meanAll(bin('add', linear, weighted)), labels };
}
