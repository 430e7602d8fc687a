// Comparing outputs with expected values, the way golden tests do:
// |actual - expected| <= atol + rtol * |expected|, elementwise (numpy's
// allclose). NaN only matches NaN.

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-4 };

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbsError: number;
  /** The first element outside tolerance, if any. */
  readonly firstMismatch?: { readonly index: number; readonly actual: number; readonly expected: number };
  readonly mismatches: number;
}

export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  if (actual.length !== expected.length) {
    return { ok: false, maxAbsError: Infinity, mismatches: Math.max(actual.length, expected.length) };
  }
  let maxAbsError = 0;
  let mismatches = 0;
  let firstMismatch: Comparison['firstMismatch'];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const bothNaN = Number.isNaN(a) && Number.isNaN(e);
    const err = bothNaN ? 0 : Math.abs(a - e);
    if (!bothNaN) maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
    if (!bothNaN && !(err <= tol.atol + tol.rtol * Math.abs(e))) {
      mismatches++;
      firstMismatch ??= { index: i, actual: a, expected: e };
    }
  }
  return { ok: mismatches === 0, maxAbsError, mismatches, ...(firstMismatch ? { firstMismatch } : {}) };
}

export function describeComparison(name: string, c: Comparison, tol: Tolerance): string {
  if (c.ok) return `${name}: ok (max abs error ${c.maxAbsError.toExponential(2)})`;
  if (!c.firstMismatch) return `${name}: length differs from the golden output`;
  const m = c.firstMismatch;
  return `${name}: ${c.mismatches} values outside atol=${tol.atol}, rtol=${tol.rtol}; first at index ${m.index}: got ${m.actual}, expected ${m.expected} (max abs error ${c.maxAbsError.toExponential(2)})`;
}
