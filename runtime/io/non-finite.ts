// NaN and Inf in stored tensors. A weight that is not finite makes every
// output NaN without a word, so loaders report such tensors by name (and
// refuse them unless the user opts in).

export interface NonFiniteReport {
  readonly tensor: string;
  readonly nan: number;
  readonly inf: number;
  /** Index of the first non-finite element, for the message. */
  readonly firstIndex: number;
}

/** Counts the NaN and +-Inf elements of `data`; undefined when all are finite. */
export function nonFiniteIn(tensor: string, data: ArrayLike<number>): NonFiniteReport | undefined {
  let nan = 0;
  let inf = 0;
  let firstIndex = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v === 0) continue; // finite: x - x is 0, and NaN for NaN and Inf
    if (Number.isNaN(v)) nan++;
    else inf++;
    if (firstIndex < 0) firstIndex = i;
  }
  return firstIndex < 0 ? undefined : { tensor, nan, inf, firstIndex };
}

/** `tensor "fc.weight": 2 NaN, 1 Inf (first at element 17)`. */
export function describeNonFinite(report: NonFiniteReport): string {
  const counts = [report.nan > 0 ? `${report.nan} NaN` : '', report.inf > 0 ? `${report.inf} Inf` : ''].filter(Boolean).join(', ');
  return `tensor ${JSON.stringify(report.tensor)}: ${counts} (first at element ${report.firstIndex})`;
}
