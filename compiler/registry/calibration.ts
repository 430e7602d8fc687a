// Post-training calibration on the validation split.
import { FLOAT, INT } from './param-types.ts';
import { AT_LEAST_ONE, POSITIVE } from './shared-params.ts';
import type { OpSpec } from './types.ts';

export const CALIBRATION: readonly OpSpec[] = [
  {
    name: 'temperature',
    place: 'calibrate',
    group: 'calibration',
    doc: 'temperature scaling (Guo et al. 2017): fits T > 0, starting at 1.5, by minimising validation nll of logits / T with L-BFGS, then folds 1 / T into the output',
    inputs: { min: 0, max: 0 },
    params: [
      {
        name: 'max_iter',
        type: INT,
        default: 50,
        range: AT_LEAST_ONE,
        doc: 'iterations of L-BFGS (torch.optim.LBFGS max_iter, as in the paper\'s code)',
      },
      {
        name: 'lr',
        type: FLOAT,
        default: 0.01,
        range: POSITIVE,
        doc: 'step size of L-BFGS (torch.optim.LBFGS lr, as in the paper\'s code)',
      },
      {
        name: 'bins',
        type: INT,
        default: 15,
        range: AT_LEAST_ONE,
        doc: 'equal-width bins of the ECE reported before and after',
      },
    ],
  },
];
