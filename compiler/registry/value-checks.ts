// Whether a checked argument value fits a parameter's type and range. The
// checker uses these on user arguments, and the registry tests on defaults.
import type { ParamType, Range, Value } from './types.ts';

function isInt(value: Value): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function isFloat(value: Value): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isListOf(value: Value, element: (v: Value) => boolean, length?: number, minLength?: number): boolean {
  if (!Array.isArray(value)) return false;
  const list = value as readonly Value[];
  if (length !== undefined && list.length !== length) return false;
  if (minLength !== undefined && list.length < minLength) return false;
  return list.every(element);
}

export function conformsToType(value: Value, type: ParamType): boolean {
  switch (type.kind) {
    case 'int':
      return isInt(value);
    case 'float':
      return isFloat(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'enum':
      return typeof value === 'string' && type.values.includes(value);
    case 'intOrInts':
      return isInt(value) || isListOf(value, isInt, type.length);
    case 'ints':
      return isListOf(value, isInt, undefined, type.minLength);
    case 'floats':
      return isListOf(value, isFloat, type.length);
    case 'floatOrFloats':
      return isFloat(value) || isListOf(value, isFloat, type.length);
  }
}

function numbersIn(value: Value): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return (value as readonly Value[]).flatMap(numbersIn);
  return [];
}

export function numberWithinRange(n: number, range: Range): boolean {
  if (range.min !== undefined && (range.minExclusive ? n <= range.min : n < range.min)) return false;
  if (range.max !== undefined && (range.maxExclusive ? n >= range.max : n > range.max)) return false;
  return true;
}

/** Every number in the value, lists included, lies in the range. */
export function withinRange(value: Value, range: Range): boolean {
  return numbersIn(value).every((n) => numberWithinRange(n, range));
}

/** The largest finite f32. Models compute in f32, so a float past it would be Infinity there (and no WGSL literal). */
export const F32_MAX = 3.4028234663852886e38;

/** A finite number whose magnitude an f32 can hold (tiny ones round towards 0, which is fine). */
export function fitsF32(n: number): boolean {
  return Math.abs(n) <= F32_MAX;
}

/** For a float-typed parameter, every number in the value fits an f32; other types always pass. */
export function floatsFitF32(value: Value, type: ParamType): boolean {
  if (type.kind !== 'float' && type.kind !== 'floats' && type.kind !== 'floatOrFloats') return true;
  return numbersIn(value).every(fitsF32);
}
