// "Did you mean" candidates for misspelled names, after Elm's Suggest.hs and
// rustc's find_best_match_for_name: rank by edit distance, accept at most a
// third of the name's length, and put case-only differences first.

/**
 * Damerau–Levenshtein distance in its optimal string alignment form: inserts,
 * deletions, substitutions and swaps of two adjacent characters each cost 1,
 * and no substring is edited twice. Counts code points, not UTF-16 units.
 */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  // Three rolling rows: the swap rule looks two rows back.
  let twoBack: number[] = new Array<number>(t.length + 1).fill(0);
  let previous: number[] = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current: number[] = new Array<number>(t.length + 1);
    current[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, twoBack[j - 2]! + 1);
      }
      current[j] = best;
    }
    twoBack = previous;
    previous = current;
  }
  return previous[t.length]!;
}

/** The largest distance still worth suggesting for a name of this length. */
export function suggestionThreshold(name: string): number {
  return Math.max(1, Math.floor(Array.from(name).length / 3));
}

/**
 * Up to `max` candidates close to `name`, best first: those equal to it but
 * for case, then by case-insensitive edit distance, ties in candidate order.
 */
export function suggest(name: string, candidates: Iterable<string>, max = 3): string[] {
  const wanted = name.toLowerCase();
  const threshold = suggestionThreshold(name);
  const scored: { candidate: string; rank: number; order: number }[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const lower = candidate.toLowerCase();
    // -1 sorts a case-only difference ahead of every real edit.
    const rank = lower === wanted ? -1 : editDistance(wanted, lower);
    if (rank <= threshold) scored.push({ candidate, rank, order: scored.length });
  }
  scored.sort((x, y) => x.rank - y.rank || x.order - y.order);
  return scored.slice(0, Math.max(0, max)).map((s) => s.candidate);
}
