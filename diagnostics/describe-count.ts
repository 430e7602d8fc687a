// Counts in messages, readable at any size: `134,217,728 (2^27)` for a cap,
// `400,000,000` for a count, `3.04e+15` where the digits would be noise.

export function describeCount(count: number): string {
  if (!Number.isFinite(count)) return 'more than 1.8e+308';
  const exponent = Math.log2(count);
  if (Number.isInteger(exponent) && exponent >= 10) return `${count.toLocaleString('en-US')} (2^${exponent})`;
  return count < 1e12 ? count.toLocaleString('en-US') : count.toExponential(2);
}
