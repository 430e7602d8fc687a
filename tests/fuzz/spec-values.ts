// Argument values for the generated specs, written from a parameter's
// registry entry: a value of its type inside its range, spelt in one of the
// notations the language allows, or (for a sloppy spec) a value that breaks
// the type or the range on purpose.
import type { ParamSpec, ParamType, Range } from '../../compiler/registry/index.ts';
import type { Rng } from './prng.ts';

/** An integer in the usual spellings: `12`, `0xC`, `0b1100`, `1_2`, `12.0`, `24 / 2`. */
export function writeInt(rng: Rng, n: number): string {
  if (!Number.isInteger(n) || n < 0) return n < 0 ? `-${writeInt(rng, -n)}` : String(n);
  return rng.weighted<() => string>([
    [() => String(n), 20],
    [() => `0x${n.toString(16).toUpperCase()}`, 1],
    [() => `0b${n.toString(2)}`, 1],
    [() => `0o${n.toString(8)}`, 1],
    [() => (n >= 10 ? `${String(n).slice(0, 1)}_${String(n).slice(1)}` : String(n)), 1],
    [() => `${n}.0`, 1],
    [() => `${n * 2} / 2`, 1],
    [() => (n > 1 ? `${n - 1} + 1` : String(n)), 1],
  ])();
}

/** A float in the usual spellings: `0.5`, `.5`, `5e-1`, `5E-1`, `1 / 2`. */
export function writeFloat(rng: Rng, x: number): string {
  if (x < 0) return `-${writeFloat(rng, -x)}`;
  const plain = Number.isInteger(x) ? `${x}.0` : String(x);
  return rng.weighted<() => string>([
    [() => plain, 20],
    [() => (plain.startsWith('0.') ? plain.slice(1) : plain), 2],
    [() => x.toExponential(), 2],
    [() => x.toExponential().toUpperCase(), 1],
    [() => (Number.isInteger(x) ? `${x}.` : plain), 1],
    [() => (x > 0 ? `${x * 4} / 4` : plain), 1],
  ])();
}

function lowest(range: Range | undefined, fallback: number): number {
  if (range?.min === undefined) return fallback;
  return range.minExclusive ? range.min + (Number.isInteger(range.min) ? 1 : 0.01) : range.min;
}

/** A number inside the range, near its low end (sizes stay small so compiles stay cheap). */
function numberIn(rng: Rng, range: Range | undefined, integer: boolean): number {
  const lo = lowest(range, 0);
  let hi = range?.max ?? lo + (integer ? 8 : 2);
  if (range?.maxExclusive) hi = integer ? hi - 1 : hi - 0.01;
  if (integer) return rng.int(Math.ceil(lo), Math.max(Math.ceil(lo), Math.floor(Math.min(hi, lo + 8))));
  const x = lo + rng.float() * Math.max(0, Math.min(hi, lo + 2) - lo);
  return Number(x.toFixed(rng.int(1, 4))) || lo;
}

/** A value of the type, in range; `count` sizes lists whose length the type leaves open. */
export function writeValue(rng: Rng, type: ParamType, range: Range | undefined, count = rng.int(1, 3)): string {
  switch (type.kind) {
    case 'int':
      return writeInt(rng, numberIn(rng, range, true));
    case 'float':
      return writeFloat(rng, numberIn(rng, range, false));
    case 'bool':
      return rng.chance(0.5) ? 'true' : 'false';
    case 'string':
      return JSON.stringify(rng.pick(['a', 'fc*', 'x', '']));
    case 'enum': {
      const word = rng.pick(type.values);
      return rng.chance(0.8) ? word : rng.chance(0.5) ? `"${word}"` : `'${word}'`;
    }
    case 'intOrInts':
      if (rng.chance(0.7)) return writeInt(rng, numberIn(rng, range, true));
      return list(rng, type.length, () => writeInt(rng, numberIn(rng, range, true)));
    case 'ints':
      return list(rng, Math.max(type.minLength ?? 1, count), () => writeInt(rng, numberIn(rng, range, true)));
    case 'floats':
      return list(rng, type.length ?? count, () => writeFloat(rng, numberIn(rng, range, false)));
    case 'floatOrFloats':
      if (rng.chance(0.6)) return writeFloat(rng, numberIn(rng, range, false));
      return list(rng, type.length, () => writeFloat(rng, numberIn(rng, range, false)));
  }
}

export function list(rng: Rng, n: number, item: () => string): string {
  const items = Array.from({ length: n }, item);
  return `[${items.join(', ')}${rng.chance(0.1) ? ',' : ''}]`;
}

/** A value that breaks the parameter's type or range: what a careless user writes. */
export function writeWrongValue(rng: Rng, param: ParamSpec): string {
  const range = param.range;
  return rng.weighted<() => string>([
    [() => (range?.min !== undefined ? writeFloat(rng, range.min - 1) : '-1'), 3],
    [() => (range?.max !== undefined ? writeFloat(rng, range.max + 1) : '1e9'), 2],
    [() => (param.type.kind === 'int' || param.type.kind === 'intOrInts' ? '2.5' : '"text"'), 2],
    [() => rng.pick(['true', 'false', '"x"', 'relu', '[]', '[1, [2]]', '0', '1 / 0', '-0', 'x + 1']), 3],
    [() => rng.pick(['1e400', '0x', '1__0', '1e', '.', '3x', '0b2', '99999999999999999999999']), 1],
  ])();
}
