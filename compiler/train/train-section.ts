// A checked spec's train section as data the train graph is built from: the
// loss, the optimizer with every hyper-parameter filled in (torch's
// defaults where the spec is silent), the penalties with the parameters
// their globs select, the noise on inputs and weights, and the gradient
// clipping.
import type { Call, TrainDecl } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import { argumentSpan } from '../lower/argument-span.ts';
import { lookup } from '../registry/index.ts';
import { compileGlob } from '../resolve/glob.ts';
import type { OptimizerData } from '../../runtime/train/optimizer-format.ts';
import type { NoiseData } from './noise-graph.ts';
import { boolValue, bindChecked, numberList, numberValue, TrainDataBug, wordValue } from './bound-values.ts';

export type Reduction = 'mean' | 'sum';

/** A list argument and where it was written: only the lowered model's shapes can tell it has the wrong length. */
export interface LocatedList {
  readonly values: readonly number[];
  readonly span: Span;
}

export type LossData = (
  | { readonly kind: 'cross_entropy'; readonly labelSmoothing: number; readonly weight: LocatedList | null }
  | { readonly kind: 'nll'; readonly weight: LocatedList | null }
  | { readonly kind: 'bce_with_logits'; readonly posWeight: LocatedList | null }
  | { readonly kind: 'mse' }
) & {
  readonly reduction: Reduction;
  /** The loss's call, where an output of the wrong shape for it is reported. */
  readonly span: Span;
};

export type { OptimizerData } from '../../runtime/train/optimizer-format.ts';

export interface PenaltyData {
  readonly kind: 'l1' | 'l2';
  readonly lambda: number;
  /** Trainable tensors the globs select, in the order given. */
  readonly params: readonly string[];
}

export type ClipData =
  | { readonly kind: 'grad_norm'; readonly maxNorm: number; readonly normType: number }
  | { readonly kind: 'grad_value'; readonly clipValue: number };

export interface TrainSectionData {
  readonly loss: LossData;
  readonly optimizer: OptimizerData;
  readonly penalties: readonly PenaltyData[];
  readonly noise: readonly NoiseData[];
  readonly clip?: ClipData;
}

/** `trainable`: the model's trainable tensor names, which penalty globs are matched against. */
export function trainSectionData(decl: TrainDecl, trainable: readonly string[]): TrainSectionData {
  const lossStmt = decl.body.find((s) => s.kind === 'Loss');
  const optimizerStmt = decl.body.find((s) => s.kind === 'Optimizer');
  if (!lossStmt || lossStmt.kind !== 'Loss') throw new TrainDataBug(`the train section for ${decl.model.name} has no loss`);
  if (!optimizerStmt || optimizerStmt.kind !== 'Optimizer') throw new TrainDataBug(`the train section for ${decl.model.name} has no optimizer`);
  const penalties: PenaltyData[] = [];
  const noise: NoiseData[] = [];
  let clip: ClipData | undefined;
  for (const s of decl.body) {
    if (s.kind === 'Penalty') {
      const v = bindChecked(s.fn, 'penalty');
      const kind = s.fn.callee.name === 'l1' ? 'l1' : 'l2';
      const matchers = s.targets.map((g) => compileGlob(g.pattern)).map((c) => (c.ok ? c.matches : () => false));
      penalties.push({ kind, lambda: numberValue(v.get('lambda'), 'penalty lambda'), params: trainable.filter((t) => matchers.some((m) => m(t))) });
    } else if (s.kind === 'Noise') {
      const std = numberValue(bindChecked(s.fn, 'noise').get('std'), 'noise std');
      if (s.target.kind === 'NoiseInput') noise.push({ std, span: s.span, target: { kind: 'input' } });
      else {
        // `on weights`: every trainable tensor; otherwise those the globs match.
        const matchers = s.target.globs.map((g) => compileGlob(g.pattern)).map((c) => (c.ok ? c.matches : () => false));
        const params = matchers.length === 0 ? [...trainable] : trainable.filter((t) => matchers.some((m) => m(t)));
        noise.push({ std, span: s.span, target: { kind: 'params', params } });
      }
    } else if (s.kind === 'Clip') {
      const v = bindChecked(s.fn, 'clip');
      clip =
        s.fn.callee.name === 'grad_norm'
          ? { kind: 'grad_norm', maxNorm: numberValue(v.get('max_norm'), 'max_norm'), normType: numberValue(v.get('norm_type'), 'norm_type') }
          : { kind: 'grad_value', clipValue: numberValue(v.get('clip_value'), 'clip_value') };
    }
  }
  return {
    loss: lossData(lossStmt.fn, bindChecked(lossStmt.fn, 'loss')),
    optimizer: optimizerData(optimizerStmt.fn.callee.name, bindChecked(optimizerStmt.fn, 'optimizer')),
    penalties,
    noise,
    ...(clip ? { clip } : {}),
  };
}

type Values = ReturnType<typeof bindChecked>;

function lossData(call: Call, v: Values): LossData {
  const name = call.callee.name;
  const common = { reduction: wordValue(v.get('reduction'), 'reduction', REDUCTIONS), span: call.span };
  /** A list argument left unset (null) or given, located at its argument (the call when not found). */
  const list = (param: string): LocatedList | null => {
    const given = v.get(param);
    if (given === null || given === undefined) return null;
    const spec = lookup(name, 'loss');
    const span = (spec && argumentSpan(call, spec, param, 0)) ?? call.span;
    return { values: numberList(given, param), span };
  };
  switch (name) {
    case 'cross_entropy':
      return { kind: 'cross_entropy', labelSmoothing: numberValue(v.get('label_smoothing'), 'label_smoothing'), weight: list('weight'), ...common };
    case 'nll':
      return { kind: 'nll', weight: list('weight'), ...common };
    case 'bce_with_logits':
      return { kind: 'bce_with_logits', posWeight: list('pos_weight'), ...common };
    case 'mse':
      return { kind: 'mse', ...common };
  }
  throw new TrainDataBug(`no train graph for the loss \`${name}\``);
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum'];

function pair(v: Values, key: string): [number, number] {
  const list = numberList(v.get(key), key);
  if (list.length !== 2) throw new TrainDataBug(`${key} has ${list.length} values`);
  return [list[0]!, list[1]!];
}

function optimizerData(name: string, v: Values): OptimizerData {
  const n = (key: string) => numberValue(v.get(key), key);
  switch (name) {
    case 'sgd':
      return { kind: 'sgd', lr: n('lr'), momentum: n('momentum'), dampening: n('dampening'), weightDecay: n('weight_decay'), nesterov: boolValue(v.get('nesterov'), 'nesterov') };
    case 'adam':
    case 'adamw':
      return { kind: name, lr: n('lr'), betas: pair(v, 'betas'), eps: n('eps'), weightDecay: n('weight_decay'), amsgrad: boolValue(v.get('amsgrad'), 'amsgrad') };
    case 'rmsprop':
      return { kind: 'rmsprop', lr: n('lr'), alpha: n('alpha'), eps: n('eps'), weightDecay: n('weight_decay'), momentum: n('momentum'), centered: boolValue(v.get('centered'), 'centered') };
    case 'lamb':
      return { kind: 'lamb', lr: n('lr'), betas: pair(v, 'betas'), eps: n('eps'), weightDecay: n('weight_decay') };
  }
  throw new TrainDataBug(`no train graph for the optimizer \`${name}\``);
}
