// The campaign's figures: cases per outcome and per diagnostic code or
// refusal category, times (max and 99th percentile), and failures grouped by
// signature with the first case of each, as data and as the summary text
// the script prints and docs/fuzzing.md quotes.
import { signatureOf, type CaseResult, type Failure } from './outcomes.ts';

export interface FailureGroup {
  readonly signature: string;
  count: number;
  /** The first case (lowest index seen) and its failure. */
  first: { readonly index: number; readonly failure: Failure; readonly origin: string };
  /** A few more cases, as they came: one signature (a hang, say) may hide different bugs. */
  readonly others: { readonly index: number; readonly origin: string }[];
}

export class Tally {
  readonly outcomes = new Map<string, number>();
  readonly codes = new Map<string, number>();
  readonly failures = new Map<string, FailureGroup>();
  private readonly times: number[] = [];
  private readonly cpuTimes: number[] = [];
  cases = 0;
  failingCases = 0;
  slowest: { index: number; ms: number; origin: string } | undefined;
  slowestCpu: { index: number; ms: number; origin: string } | undefined;

  add(result: CaseResult): void {
    this.cases++;
    bump(this.outcomes, result.outcome);
    for (const code of result.codes) bump(this.codes, code);
    this.times.push(result.ms);
    if (!this.slowest || result.ms > this.slowest.ms) this.slowest = { index: result.index, ms: result.ms, origin: result.origin };
    if (result.cpuMs !== undefined) {
      this.cpuTimes.push(result.cpuMs);
      if (!this.slowestCpu || result.cpuMs > this.slowestCpu.ms) this.slowestCpu = { index: result.index, ms: result.cpuMs, origin: result.origin };
    }
    if (result.failures.length > 0) this.failingCases++;
    // Cases per signature: one case meeting a bug through two stages counts once.
    const seen = new Set<string>();
    for (const failure of result.failures) {
      const signature = signatureOf(failure);
      if (seen.has(signature)) continue;
      seen.add(signature);
      const group = this.failures.get(signature);
      if (!group) this.failures.set(signature, { signature, count: 1, first: { index: result.index, failure, origin: result.origin }, others: [] });
      else {
        group.count++;
        if (group.others.length < 3) group.others.push({ index: result.index, origin: result.origin });
        if (result.index < group.first.index) group.first = { index: result.index, failure, origin: result.origin };
      }
    }
  }

  /** The wall time (or processor time) at or under which `fraction` of the cases finished. */
  percentile(fraction: number, clock: 'wall' | 'cpu' = 'wall'): number {
    const times = clock === 'wall' ? this.times : this.cpuTimes;
    if (times.length === 0) return 0;
    const sorted = Float64Array.from(times).sort();
    return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
  }

  maxMs(clock: 'wall' | 'cpu' = 'wall'): number {
    return (clock === 'wall' ? this.slowest : this.slowestCpu)?.ms ?? 0;
  }

  hasCpuTimes(): boolean {
    return this.cpuTimes.length > 0;
  }

  failureTypes(): Map<string, number> {
    const byType = new Map<string, number>();
    for (const group of this.failures.values()) byType.set(group.first.failure.type, (byType.get(group.first.failure.type) ?? 0) + group.count);
    return byType;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function ranked(map: ReadonlyMap<string, number>, limit: number): string[] {
  const rows = [...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = rows.slice(0, limit).map(([k, n]) => `    ${String(n).padStart(7)}  ${k}`);
  if (rows.length > limit) shown.push(`    ${String(rows.slice(limit).reduce((s, [, n]) => s + n, 0)).padStart(7)}  (${rows.length - limit} more)`);
  return shown;
}

/** The summary of one kind of case, as printed at the end of a run. */
export function summarise(title: string, tally: Tally, options: { codesTitle: string; codeLimit: number }): string {
  const lines = [
    `${title}: ${tally.cases} cases, ${tally.failingCases} failing`,
    '  outcomes:',
    ...ranked(tally.outcomes, 20),
    `  ${options.codesTitle}:`,
    ...ranked(tally.codes, options.codeLimit),
    ...(['wall', 'cpu'] as const)
      .filter((clock) => clock === 'wall' || tally.hasCpuTimes())
      .map((clock) => {
        const slowest = clock === 'wall' ? tally.slowest : tally.slowestCpu;
        return (
          `  ${clock === 'wall' ? 'wall time' : 'processor time'} per case: p50 ${tally.percentile(0.5, clock).toFixed(1)} ms, ` +
          `p99 ${tally.percentile(0.99, clock).toFixed(1)} ms, max ${tally.maxMs(clock).toFixed(1)} ms` +
          (slowest ? ` (case ${slowest.index}: ${slowest.origin.slice(0, 80)})` : '')
        );
      }),
  ];
  if (tally.failures.size === 0) lines.push('  failures: none');
  else {
    lines.push(`  failures: ${tally.failures.size} distinct signatures`);
    for (const group of [...tally.failures.values()].sort((a, b) => b.count - a.count)) {
      lines.push(`    ${String(group.count).padStart(6)} x ${group.signature.slice(0, 220)}`);
      lines.push(`             first: case ${group.first.index} (${group.first.origin.slice(0, 120)})`);
      lines.push(`             ${group.first.failure.detail.slice(0, 300)}`);
      for (const other of group.others) lines.push(`             also: case ${other.index} (${other.origin.slice(0, 120)})`);
    }
  }
  return lines.join('\n');
}
