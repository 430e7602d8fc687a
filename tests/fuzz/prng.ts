// A small seeded random number generator for the fuzz campaign. Every case
// gets its own stream from (seed, kind, index), so case 81234 of a run can be
// made again on its own, in any process, without generating the 81233 before
// it. sfc32 (Chris Doty-Humphrey's "small fast counting" generator) seeded by
// splitmix32: fast, good enough for test inputs, and identical in every
// JavaScript engine because it uses only 32-bit integer arithmetic.

/** One 32-bit hash step (splitmix32's finaliser). */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit hash of a string, for naming streams ('spec', 'bundle'). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** The stream of case `index` of kind `stream` in a campaign seeded with `seed`. */
  static forCase(seed: number, stream: string, index: number): Rng {
    return new Rng(mix32(seed ^ mix32(hashString(stream) ^ mix32(index))));
  }

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a);
    this.c = mix32(this.b);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: no items');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One of the items, each with its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.float() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** Small numbers more often than large: 1 + a geometric draw, capped at max. */
  small(max: number, p = 0.5): number {
    let n = 1;
    while (n < max && this.chance(p)) n++;
    return n;
  }

  /** A seed for a sub-stream, so one part of a case can change without shifting the rest. */
  fork(): Rng {
    return new Rng(this.next());
  }
}
