import { describe, expect, it } from 'vitest';
import { agreement, median } from '../../bench/peers/stats.ts';

describe('stats', () => {
  it('median of odd and even counts, unsorted input left alone', () => {
    const input = [5, 1, 3];
    expect(median(input)).toBe(3);
    expect(input).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('agreement is the max absolute error and the scale of the expected values', () => {
    const want = Float32Array.from([1, -4, 2]);
    expect(agreement(Float32Array.from([1, -4.5, 2.25]), want)).toEqual({ maxAbsError: 0.5, maxAbsExpected: 4 });
    expect(agreement(want, want).maxAbsError).toBe(0);
  });

  it('a NaN or a wrong length is an infinite error, never a skipped one', () => {
    const want = Float32Array.from([1, 2]);
    expect(agreement(Float32Array.from([NaN, 2]), want).maxAbsError).toBe(Infinity);
    expect(agreement(Float32Array.from([1, NaN]), want).maxAbsError).toBe(Infinity);
    expect(agreement(Float32Array.from([1, 2, 3]), want).maxAbsError).toBe(Infinity);
  });
});
