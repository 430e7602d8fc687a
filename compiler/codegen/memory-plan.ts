// Assigns every activation value a buffer slot, reusing a slot once nothing
// later reads its value (liveness over the dispatch order). A slot's size is
// the largest value it ever holds, per batch-size term, so one plan serves
// every batch size. Reshapes are views: they share their input's slot and
// extend its life.
import type { AffineInN } from './kernel.ts';

export interface PlannedValue {
  /** Step index that writes it (-1 for graph inputs, written before step 0). */
  readonly producedAt: number;
  /** Last step that reads it; Infinity for graph outputs. */
  readonly lastUse: number;
  readonly elements: AffineInN;
}

export interface MemoryPlan {
  /** Slot of each planned value, by the caller's key. */
  readonly slotOf: ReadonlyMap<number, number>;
  readonly slotSizes: readonly AffineInN[];
}

/**
 * `values` is keyed by an id the caller chooses. A value's slot is free
 * again only after its last use, and never reused by a value produced at
 * the same step (a kernel may not read and write one buffer).
 */
export function planMemory(values: ReadonlyMap<number, PlannedValue>): MemoryPlan {
  const order = [...values.entries()].sort((a, b) => a[1].producedAt - b[1].producedAt || a[0] - b[0]);
  const slotSizes: { perN: number; fixed: number }[] = [];
  const slotFreeAfter: number[] = [];
  const slotOf = new Map<number, number>();
  for (const [key, v] of order) {
    // Best fit among free slots: the one whose size grows least.
    let best = -1;
    let bestCost = Infinity;
    for (let s = 0; s < slotSizes.length; s++) {
      if (slotFreeAfter[s]! >= v.producedAt) continue;
      const size = slotSizes[s]!;
      const cost = Math.max(0, v.elements.perN - size.perN) * 64 + Math.max(0, v.elements.fixed - size.fixed);
      if (cost < bestCost) {
        best = s;
        bestCost = cost;
      }
    }
    if (best === -1) {
      best = slotSizes.length;
      slotSizes.push({ perN: 0, fixed: 0 });
      slotFreeAfter.push(-Infinity);
    }
    const size = slotSizes[best]!;
    size.perN = Math.max(size.perN, v.elements.perN);
    size.fixed = Math.max(size.fixed, v.elements.fixed);
    slotFreeAfter[best] = v.lastUse;
    slotOf.set(key, best);
  }
  return { slotOf, slotSizes };
}

/** Bytes of a plan at batch size n, for the memory figures in bench/. */
export function planBytes(sizes: readonly AffineInN[], n: number): number {
  return sizes.reduce((sum, s) => sum + (s.perN * n + s.fixed) * 4, 0);
}

/**
 * The most bytes live at any one step at batch size n: what any plan must
 * hold at once, so the yardstick for how close a plan comes to the least.
 * A value is live from the step that writes it through its last reader.
 */
export function peakLiveBytes(values: readonly PlannedValue[], n: number): number {
  const steps = new Set(values.map((v) => Math.max(v.producedAt, 0)));
  let peak = 0;
  for (const step of steps) {
    let live = 0;
    for (const v of values) if (v.producedAt <= step && step <= v.lastUse) live += (v.elements.perN * n + v.elements.fixed) * 4;
    peak = Math.max(peak, live);
  }
  return peak;
}
