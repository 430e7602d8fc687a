// Small numeric helpers shared by the measuring loop and the report.

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Agreement {
  /** max |got - want|; Infinity where got has a NaN or the lengths differ. */
  readonly maxAbsError: number;
  /** max |want|, the scale the error is read against. */
  readonly maxAbsExpected: number;
}

export function agreement(got: Float32Array, want: Float32Array): Agreement {
  let maxAbsExpected = 0;
  for (const w of want) maxAbsExpected = Math.max(maxAbsExpected, Math.abs(w));
  if (got.length !== want.length) return { maxAbsError: Infinity, maxAbsExpected };
  let maxAbsError = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    // NaN compares false with everything: make it the worst error, not a skipped one.
    maxAbsError = Number.isNaN(e) ? Infinity : Math.max(maxAbsError, e);
  }
  return { maxAbsError, maxAbsExpected };
}
