// Every callable name in the language, in one table. Names are unique across
// all places, so the checker can say "`mse` is a loss, not a layer" rather
// than just "unknown layer".
import { ACTIVATIONS } from './activations.ts';
import { ATTENTION } from './attention.ts';
import { AUGMENTATIONS } from './augmentations.ts';
import { CALIBRATION } from './calibration.ts';
import { CLIPPING } from './clipping.ts';
import { EARLY_STOPPING } from './early-stopping.ts';
import { LAYERS } from './layers.ts';
import { LOSSES } from './losses.ts';
import { METRICS } from './metrics.ts';
import { NOISE } from './noise.ts';
import { NORMALIZERS } from './normalizers.ts';
import { OPTIMIZERS } from './optimizers.ts';
import { PENALTIES } from './penalties.ts';
import { REGULARIZERS } from './regularizers.ts';
import { REPARAMETERISATIONS } from './reparameterisations.ts';
import { SCHEDULES } from './schedules.ts';
import { STRUCTURE } from './structure.ts';
import type { OpSpec, ParamSpec, Place } from './types.ts';

export type * from './types.ts';
export { conformsToType, F32_MAX, fitsF32, floatsFitF32, numberWithinRange, withinRange } from './value-checks.ts';
export { describeRange, describeType, formatNumber, formatValue } from './describe.ts';
export { editDistance, suggest } from './suggest.ts';

/** In documentation order: model-side groups first, then the train block's. */
export const ALL_OPS: readonly OpSpec[] = [
  ...LAYERS,
  ...STRUCTURE,
  ...ACTIVATIONS,
  ...NORMALIZERS,
  ...ATTENTION,
  ...REGULARIZERS,
  ...REPARAMETERISATIONS,
  ...LOSSES,
  ...OPTIMIZERS,
  ...SCHEDULES,
  ...PENALTIES,
  ...NOISE,
  ...AUGMENTATIONS,
  ...CLIPPING,
  ...EARLY_STOPPING,
  ...CALIBRATION,
  ...METRICS,
];

function indexByName(ops: readonly OpSpec[]): ReadonlyMap<string, OpSpec> {
  const byName = new Map<string, OpSpec>();
  for (const op of ops) {
    // A duplicate would silently shadow an entry; fail at load instead.
    if (byName.has(op.name)) throw new Error(`registry: duplicate name \`${op.name}\``);
    byName.set(op.name, op);
  }
  return byName;
}

export const REGISTRY: ReadonlyMap<string, OpSpec> = indexByName(ALL_OPS);

/** The op called `name`; with `place`, only if it may be written there. */
export function lookup(name: string, place?: Place): OpSpec | undefined {
  const op = REGISTRY.get(name);
  if (op === undefined || (place !== undefined && op.place !== place)) return undefined;
  return op;
}

const namesByPlace = new Map<Place, readonly string[]>();

/** The names that may be written at a place, in documentation order (suggestion candidates). */
export function namesFor(place: Place): readonly string[] {
  let names = namesByPlace.get(place);
  if (names === undefined) {
    names = ALL_OPS.filter((op) => op.place === place).map((op) => op.name);
    namesByPlace.set(place, names);
  }
  return names;
}

/** A parameter of an op by name. */
export function paramOf(op: OpSpec, name: string): ParamSpec | undefined {
  return op.params.find((param) => param.name === name);
}
