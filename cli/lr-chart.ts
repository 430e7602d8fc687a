// A learning-rate curve drawn in the terminal with asciichart: the run
// sampled at one step per column, the lr on a labelled axis, the first and
// last step under it.
import { plot } from 'asciichart';

export interface ChartOptions {
  /** Columns for the curve itself (the axis labels come on top). */
  readonly width?: number;
  readonly height?: number;
}

/** Steps shown, one per column: evenly spaced from the first to the last. */
export function sampleSteps(steps: number, width: number): number[] {
  if (steps <= width) return Array.from({ length: steps }, (_, i) => i);
  return Array.from({ length: width }, (_, i) => Math.round((i * (steps - 1)) / (width - 1)));
}

export function lrChart(lrs: Float64Array, options: ChartOptions = {}): string {
  if (lrs.length === 0) return '(no steps)\n';
  const width = Math.max(2, options.width ?? 64);
  const columns = sampleSteps(lrs.length, width);
  const series = columns.map((s) => lrs[s]!);
  const label = (x: number) => x.toExponential(2).padStart(10);
  // asciichart labels a flat series' one row from a zero range as 0; a constant lr gets its own row.
  const flat = series.every((v) => v === series[0]);
  const chart = flat ? `${label(series[0]!)} ┼${'─'.repeat(series.length)}` : plot(series, { height: options.height ?? 10, format: label });
  // asciichart puts the axis after the label and one separator: the curve starts that far in.
  const indent = ' '.repeat(label(0).length + 2);
  const first = 'step 0';
  const last = `step ${lrs.length - 1}`;
  const gap = Math.max(1, columns.length - first.length - last.length);
  return `${chart}\n${indent}${first}${' '.repeat(gap)}${last}\n`;
}
