// Shorthands for the parameter types the registry tables use over and over,
// so each op entry reads as a line of data rather than nested object syntax.
import type { ParamType } from './types.ts';

export const INT: ParamType = { kind: 'int' };
export const FLOAT: ParamType = { kind: 'float' };
export const BOOL: ParamType = { kind: 'bool' };

export function oneOf(...values: string[]): ParamType {
  return { kind: 'enum', values };
}

export function intOrInts(length: number): ParamType {
  return { kind: 'intOrInts', length };
}

export function ints(minLength?: number): ParamType {
  return minLength === undefined ? { kind: 'ints' } : { kind: 'ints', minLength };
}

export function floats(length?: number): ParamType {
  return length === undefined ? { kind: 'floats' } : { kind: 'floats', length };
}

export function floatOrFloats(length: number): ParamType {
  return { kind: 'floatOrFloats', length };
}
