import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conformsToType, describeRange, describeType, formatNumber, formatValue, withinRange } from '../../compiler/registry/index.ts';
import { floatOrFloats, floats, intOrInts, ints, oneOf } from '../../compiler/registry/param-types.ts';
import type { ParamType, Value } from '../../compiler/registry/types.ts';

const cases: [string, ParamType, Value[], Value[]][] = [
  ['int', { kind: 'int' }, [0, -3, 7], [1.5, '1', true, [1]]],
  ['float', { kind: 'float' }, [0, 0.5, -2, 1e-12], [Infinity, NaN, '0.5', false, [0.5]]],
  ['bool', { kind: 'bool' }, [true, false], [0, 'true']],
  ['string', { kind: 'string' }, ['', 'x'], [1, ['x']]],
  ['enum', oneOf('min', 'max'), ['min', 'max'], ['mean', 'MIN', 0]],
  ['intOrInts(2)', intOrInts(2), [3, [3, 5]], [[3], [3, 5, 7], [3, 0.5], 2.5]],
  ['ints(1)', ints(1), [[4], [-1, 7, 7]], [[], 4, [0.5]]],
  ['ints()', ints(), [[], [1, 2]], [1, [1.5]]],
  ['floats(2)', floats(2), [[0.9, 0.999], [1, 2]], [[0.9], 0.9, [0.9, 'x']]],
  ['floats()', floats(), [[], [0.1, 0.2, 0.3]], [0.1]],
  ['floatOrFloats(2)', floatOrFloats(2), [10, [-5, 5]], [[1, 2, 3], 'x', [[1, 2]]]],
];

describe('conformsToType', () => {
  it.each(cases)('accepts and rejects values for %s', (_, type, good, bad) => {
    for (const value of good) expect(conformsToType(value, type), JSON.stringify(value)).toBe(true);
    for (const value of bad) expect(conformsToType(value, type), JSON.stringify(value)).toBe(false);
  });

  it('accepts every int as a float but not every float as an int', () => {
    fc.assert(fc.property(fc.integer(), (n) => conformsToType(n, { kind: 'float' })));
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => conformsToType(x, { kind: 'int' }) === Number.isInteger(x)),
    );
  });
});

describe('withinRange', () => {
  it('honours inclusive and exclusive bounds', () => {
    expect(withinRange(0, { min: 0 })).toBe(true);
    expect(withinRange(0, { min: 0, minExclusive: true })).toBe(false);
    expect(withinRange(1e-300, { min: 0, minExclusive: true })).toBe(true);
    expect(withinRange(1, { min: 0, max: 1, maxExclusive: true })).toBe(false);
    expect(withinRange(0.999, { min: 0, max: 1, maxExclusive: true })).toBe(true);
    expect(withinRange(1, { min: 0, max: 1 })).toBe(true);
    expect(withinRange(-0.5, { max: 0 })).toBe(true);
  });

  it('checks every number in a list, and ignores words and booleans', () => {
    expect(withinRange([0.9, 0.999], { min: 0, max: 1, maxExclusive: true })).toBe(true);
    expect(withinRange([0.9, 1], { min: 0, max: 1, maxExclusive: true })).toBe(false);
    expect(withinRange([], { min: 1 })).toBe(true);
    expect(withinRange('min', { min: 1 })).toBe(true);
    expect(withinRange(true, { min: 1 })).toBe(true);
  });
});

describe('describing types, ranges and values', () => {
  it('names types as the checker and docs print them', () => {
    expect(describeType({ kind: 'int' })).toBe('int');
    expect(describeType(intOrInts(2))).toBe('int or [int, int]');
    expect(describeType(ints(1))).toBe('[int, ...]');
    expect(describeType(ints(2))).toBe('[int, ...] (at least 2)');
    expect(describeType(floats(2))).toBe('[float, float]');
    expect(describeType(floats())).toBe('[float, ...]');
    expect(describeType(floatOrFloats(2))).toBe('float or [float, float]');
    expect(describeType(oneOf('none', 'tanh'))).toBe('none | tanh');
  });

  it('writes ranges as intervals or one-sided bounds', () => {
    expect(describeRange(undefined)).toBe('');
    expect(describeRange({})).toBe('');
    expect(describeRange({ min: 0, max: 1 })).toBe('[0, 1]');
    expect(describeRange({ min: 0, max: 1, maxExclusive: true })).toBe('[0, 1)');
    expect(describeRange({ min: 0, max: 1, minExclusive: true, maxExclusive: true })).toBe('(0, 1)');
    expect(describeRange({ min: 0, minExclusive: true })).toBe('> 0');
    expect(describeRange({ min: 1 })).toBe('>= 1');
    expect(describeRange({ max: 10, maxExclusive: true })).toBe('< 10');
  });

  it('writes numbers the way specs do', () => {
    expect(formatNumber(1e-5)).toBe('1e-5');
    expect(formatNumber(5e-4)).toBe('5e-4');
    expect(formatNumber(1e-12)).toBe('1e-12');
    expect(formatNumber(0.001)).toBe('0.001');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-3)).toBe('-3');
    expect(formatValue(0.1, { kind: 'float' })).toBe('0.1');
    expect(formatValue(3, { kind: 'float' })).toBe('3.0');
    expect(formatValue(3, { kind: 'int' })).toBe('3');
    expect(formatValue([0.9, 1], floats(2))).toBe('[0.9, 1.0]');
    expect(formatValue('val_loss')).toBe('val_loss');
    expect(formatValue(false)).toBe('false');
  });

  it('formats numbers so that they read back as the same value', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => Object.is(Number(formatNumber(x)), x) || (x === 0 && Number(formatNumber(x)) === 0)));
  });
});
