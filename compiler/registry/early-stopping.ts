// Early stopping, checked at the end of every epoch.
import { BOOL, FLOAT, INT } from './param-types.ts';
import { NON_NEGATIVE, mode, monitor } from './shared-params.ts';
import type { OpSpec } from './types.ts';

export const EARLY_STOPPING: readonly OpSpec[] = [
  {
    name: 'early_stop',
    place: 'early_stop',
    group: 'early-stopping',
    doc: 'stops training when the monitored quantity has not improved for patience epochs; defaults from lightning, restore_best from keras',
    torch: 'lightning.pytorch.callbacks.EarlyStopping',
    inputs: { min: 0, max: 0 },
    params: [
      monitor,
      {
        name: 'patience',
        type: INT,
        default: 3,
        range: NON_NEGATIVE,
        doc: 'epochs without improvement tolerated before stopping',
      },
      {
        name: 'min_delta',
        type: FLOAT,
        default: 0,
        range: NON_NEGATIVE,
        doc: 'smallest absolute change that counts as improvement',
      },
      mode,
      {
        name: 'restore_best',
        type: BOOL,
        default: false,
        doc: 'on stopping, put back the weights of the best epoch (keras restore_best_weights)',
      },
    ],
  },
];
