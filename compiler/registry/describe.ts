// Human-readable forms of parameter types, ranges and values, shared by the
// checker's messages ("expected int or [int, int]") and docs/language.md.
import type { ParamType, Range, Value } from './types.ts';

export function describeType(type: ParamType): string {
  switch (type.kind) {
    case 'int':
    case 'float':
    case 'bool':
    case 'string':
      return type.kind;
    case 'enum':
      return type.values.join(' | ');
    case 'intOrInts':
      return `int or ${fixedList('int', type.length)}`;
    case 'ints':
      return type.minLength && type.minLength > 1 ? `[int, ...] (at least ${type.minLength})` : '[int, ...]';
    case 'floats':
      return type.length === undefined ? '[float, ...]' : fixedList('float', type.length);
    case 'floatOrFloats':
      return `float or ${fixedList('float', type.length)}`;
  }
}

function fixedList(element: string, length: number): string {
  return `[${Array.from({ length }, () => element).join(', ')}]`;
}

/** `[0, 1)`, `> 0`, `>= 1`; empty when there is no bound. */
export function describeRange(range: Range | undefined): string {
  if (!range) return '';
  const { min, max } = range;
  if (min !== undefined && max !== undefined) {
    return `${range.minExclusive ? '(' : '['}${formatNumber(min)}, ${formatNumber(max)}${range.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `${range.minExclusive ? '>' : '>='} ${formatNumber(min)}`;
  if (max !== undefined) return `${range.maxExclusive ? '<' : '<='} ${formatNumber(max)}`;
  return '';
}

/** Small magnitudes in exponent form, as people write them in specs (1e-5, not 0.00001). */
export function formatNumber(n: number): string {
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential();
  return String(n);
}

/** A value as a spec would write it; floats keep a fraction so they read as floats. */
export function formatValue(value: Value, type?: ParamType): string {
  const floaty = type !== undefined && (type.kind === 'float' || type.kind === 'floats' || type.kind === 'floatOrFloats');
  if (typeof value === 'number') {
    const text = formatNumber(value);
    return floaty && Number.isInteger(value) ? `${text}.0` : text;
  }
  if (typeof value === 'boolean' || typeof value === 'string') return String(value);
  return `[${(value as readonly Value[]).map((v) => formatValue(v, type)).join(', ')}]`;
}
