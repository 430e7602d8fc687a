// At eval, dropout, drop_path, DropConnect and training noise are the
// identity: dropout and DropConnect are inverted (scaled by 1/(1-p) while
// training), so their expectation is the input itself.
import type { Rule } from '../ir/rewrite.ts';
import { rulePass } from './pass.ts';

const identityAtEval: Rule = {
  name: 'identity-at-eval',
  ops: ['dropout', 'drop_path', 'gaussian_noise', 'dropconnect'],
  apply: (node) => node.inputs[0],
};

export const removeTrainOnly = rulePass(
  'remove-train-only',
  'drop dropout, drop_path, DropConnect and training noise (identity at eval)',
  [identityAtEval],
);
