// Data augmentation of training batches, applied in the order written, each
// op drawing its randomness per sample unless it says otherwise. Defaults are
// torchvision's. Geometric ops sample nearest-neighbour and fill with 0.
import { FLOAT, INT, floatOrFloats, floats, intOrInts } from './param-types.ts';
import { AT_LEAST_ONE, NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, p } from './shared-params.ts';
import type { OpSpec } from './types.ts';

const NO_INPUTS = { min: 0, max: 0 } as const;

export const AUGMENTATIONS: readonly OpSpec[] = [
  {
    name: 'hflip',
    place: 'augment',
    group: 'augmentations',
    doc: 'flips the image left to right',
    torch: 'torchvision.transforms.RandomHorizontalFlip',
    inputs: NO_INPUTS,
    params: [p(0.5, 'probability of flipping')],
  },
  {
    name: 'vflip',
    place: 'augment',
    group: 'augmentations',
    doc: 'flips the image top to bottom',
    torch: 'torchvision.transforms.RandomVerticalFlip',
    inputs: NO_INPUTS,
    params: [p(0.5, 'probability of flipping')],
  },
  {
    name: 'random_crop',
    place: 'augment',
    group: 'augmentations',
    doc: 'pads with zeros, then cuts a window of the given size at a uniformly random position',
    torch: 'torchvision.transforms.RandomCrop',
    inputs: NO_INPUTS,
    params: [
      { name: 'size', type: intOrInts(2), range: AT_LEAST_ONE, doc: 'crop height and width; one int means a square' },
      {
        name: 'padding',
        type: INT,
        default: 0,
        range: NON_NEGATIVE,
        doc: 'zeros added on every border first (torch default None is no padding)',
      },
    ],
  },
  {
    name: 'rotate',
    place: 'augment',
    group: 'augmentations',
    doc: 'rotates the image about its centre by an angle drawn uniformly from the range',
    torch: 'torchvision.transforms.RandomRotation',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'degrees',
        type: floatOrFloats(2),
        doc: 'a number d means [-d, d] and must be >= 0; or [min, max] in degrees',
      },
    ],
  },
  {
    name: 'translate',
    place: 'augment',
    group: 'augmentations',
    doc: 'shifts the image by a uniformly drawn offset, as RandomAffine(degrees=0, translate=...)',
    torch: 'torchvision.transforms.RandomAffine',
    inputs: NO_INPUTS,
    params: [
      {
        name: 'fraction',
        type: floatOrFloats(2),
        range: UNIT_INTERVAL,
        doc: 'largest shift as a fraction of [width, height]; one number applies to both (torch translate)',
      },
    ],
  },
  {
    name: 'scale',
    place: 'augment',
    group: 'augmentations',
    doc: 'zooms about the centre by a factor drawn uniformly from range, as RandomAffine(degrees=0, scale=...)',
    torch: 'torchvision.transforms.RandomAffine',
    inputs: NO_INPUTS,
    params: [{ name: 'range', type: floats(2), range: POSITIVE, doc: '[min, max] zoom factor (torch scale)' }],
  },
  {
    name: 'gaussian_noise',
    place: 'augment',
    group: 'augmentations',
    doc: 'adds N(0, std^2) noise to every element, without clipping',
    inputs: NO_INPUTS,
    params: [{ name: 'std', type: FLOAT, range: NON_NEGATIVE, doc: 'standard deviation of the noise' }],
  },
  {
    name: 'random_erasing',
    place: 'augment',
    group: 'augmentations',
    doc: 'fills a random rectangle with value (Zhong et al. 2017); area and aspect ratio drawn from scale and ratio, the ratio log-uniformly',
    torch: 'torchvision.transforms.RandomErasing',
    inputs: NO_INPUTS,
    params: [
      p(0.5, 'probability of erasing'),
      {
        name: 'scale',
        type: floats(2),
        default: [0.02, 0.33],
        range: UNIT_INTERVAL,
        doc: '[min, max] erased area as a fraction of the image',
      },
      {
        name: 'ratio',
        type: floats(2),
        default: [0.3, 3.3],
        range: POSITIVE,
        doc: '[min, max] aspect ratio of the erased rectangle',
      },
      { name: 'value', type: FLOAT, default: 0, doc: 'fill value' },
    ],
  },
  {
    name: 'mixup',
    place: 'augment',
    group: 'augmentations',
    doc: 'per batch, blends each sample and its one-hot label with a shuffled partner by lambda ~ Beta(alpha, alpha) (Zhang et al. 2018)',
    torch: 'torchvision.transforms.v2.MixUp',
    inputs: NO_INPUTS,
    params: [{
      name: 'alpha',
      type: FLOAT,
      default: 1.0,
      range: POSITIVE,
      doc: 'lambda is drawn from Beta(alpha, alpha)',
    }],
  },
  {
    name: 'cutmix',
    place: 'augment',
    group: 'augmentations',
    doc: 'per batch, pastes a box from a shuffled partner, box area 1 - lambda with lambda ~ Beta(alpha, alpha); labels mix by the pasted area (Yun et al. 2019)',
    torch: 'torchvision.transforms.v2.CutMix',
    inputs: NO_INPUTS,
    params: [{
      name: 'alpha',
      type: FLOAT,
      default: 1.0,
      range: POSITIVE,
      doc: 'lambda is drawn from Beta(alpha, alpha)',
    }],
  },
];
