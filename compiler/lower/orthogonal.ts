// torch.nn.init.orthogonal_: a matrix of standard normals, its QR
// factorisation, and Q with each column multiplied by the sign of R's
// diagonal. With that correction Q is the unique factor whose R has a
// positive diagonal, so it does not depend on how the QR is computed, and it
// is distributed uniformly (Haar) over the matrices with orthonormal columns
// (Mezzadri 2007, the paper torch cites). Householder reflections here, in
// f64, on the tall orientation, as torch transposes a wide matrix first.
import type { Rng } from './init.ts';

/**
 * A [rows, cols] matrix, row-major, times `gain`: orthonormal rows when
 * rows <= cols, orthonormal columns otherwise.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  // The tall matrix is m x n with m >= n, stored by columns: column j at j * m.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n);
  rng.fillNormal(a, 1);
  const q = thinQ(a, m, n);
  const out = new Float32Array(rows * cols);
  if (rows < cols) {
    // The wide result is Q transposed: row r of it is column r of Q, which is contiguous.
    for (let k = 0; k < q.length; k++) out[k] = q[k]! * gain;
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = q[j * m + i]! * gain;
  }
  return out;
}

/** Reflectors applied together to each column, so that column stays in cache while they pass over it. */
const PANEL = 32;

/**
 * The m x n factor Q of A = QR (A by columns, overwritten) whose R has a
 * positive diagonal, by columns.
 */
function thinQ(a: Float64Array, m: number, n: number): Float64Array {
  // Reflector k is I - tau[k] v v^T with v = a[k*m + k .. k*m + m), kept in A's column k.
  const tau = new Float64Array(n);
  const diagonalSign = new Float64Array(n);
  for (let k0 = 0; k0 < n; k0 += PANEL) {
    const k1 = Math.min(n, k0 + PANEL);
    for (let k = k0; k < k1; k++) {
      const col = k * m;
      let norm2 = 0;
      for (let i = k; i < m; i++) norm2 += a[col + i]! ** 2;
      const x0 = a[col + k]!;
      // R[k][k] = alpha; its sign opposite to x0's keeps v free of cancellation.
      const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(norm2);
      diagonalSign[k] = alpha >= 0 ? 1 : -1;
      a[col + k] = x0 - alpha;
      const vNorm2 = norm2 - x0 * x0 + (x0 - alpha) ** 2;
      tau[k] = vNorm2 > 0 ? 2 / vNorm2 : 0;
      for (let j = k + 1; j < k1; j++) reflect(a, col, a, j * m, k, m, tau[k]!);
    }
    for (let j = k1; j < n; j++) for (let k = k0; k < k1; k++) reflect(a, k * m, a, j * m, k, m, tau[k]!);
  }
  // Q = H_0 ... H_{n-1} applied to the first n columns of the identity, last reflector first;
  // H_k leaves column j < k alone, which is e_j, zero from row k on, until then.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k1 = n; k1 > 0; k1 -= PANEL) {
    const k0 = Math.max(0, k1 - PANEL);
    for (let j = k0; j < n; j++) for (let k = Math.min(j, k1 - 1); k >= k0; k--) reflect(a, k * m, q, j * m, k, m, tau[k]!);
  }
  for (let j = 0; j < n; j++) {
    if (diagonalSign[j]! < 0) for (let i = 0; i < m; i++) q[j * m + i] = -q[j * m + i]!;
  }
  return q;
}

/**
 * x -= tau (v . x) v over rows k..m of the columns at vAt (in v) and xAt (in
 * x). Almost all the time goes here; four partial sums keep the dot product
 * from waiting on one chain of additions.
 */
function reflect(v: Float64Array, vAt: number, x: Float64Array, xAt: number, k: number, m: number, tau: number): void {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let i = k;
  for (; i + 3 < m; i += 4) {
    d0 += v[vAt + i]! * x[xAt + i]!;
    d1 += v[vAt + i + 1]! * x[xAt + i + 1]!;
    d2 += v[vAt + i + 2]! * x[xAt + i + 2]!;
    d3 += v[vAt + i + 3]! * x[xAt + i + 3]!;
  }
  for (; i < m; i++) d0 += v[vAt + i]! * x[xAt + i]!;
  const s = tau * (d0 + d1 + (d2 + d3));
  if (s === 0) return;
  for (let j = k; j < m; j++) x[xAt + j] = x[xAt + j]! - s * v[vAt + j]!;
}
