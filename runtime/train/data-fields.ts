// Reading untrusted JSON data of a train bundle field by field: every value
// checked, unknown fields refused, each problem named by its path
// (`schedule.phases[1].gamma`). The schedule and optimizer formats share these.

export class TrainDataError extends Error {
  override readonly name: string = 'TrainDataError';
  constructor(
    /** Where the problem is, as `schedule.phases[1].gamma`. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export type Json = unknown;

export function fail(path: string, problem: string): never {
  throw new TrainDataError(path, problem);
}

export function show(v: Json): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An object with exactly the given fields (optional ones may be absent). */
export function fields(v: Json, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected an object, got ${show(v)}`);
  const o = v as Record<string, Json>;
  const known = new Set([...required, ...optional]);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length > 0) fail(`${path}.${unknown[0]}`, `unknown field (${path} has ${[...known].join(', ')})`);
  for (const key of required) if (!Object.hasOwn(o, key)) fail(`${path}.${key}`, 'missing');
  return o;
}

export function finite(v: Json, path: string, min: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(path, `expected ${what}, got ${show(v)}`);
  return v;
}

export function nonNegative(v: Json, path: string): number {
  return finite(v, path, 0, 'a finite number >= 0');
}

export function positive(v: Json, path: string): number {
  const n = finite(v, path, 0, 'a finite number > 0');
  if (n === 0) fail(path, 'expected a finite number > 0, got 0');
  return n;
}

export function fraction(v: Json, path: string, what: string, open: boolean): number {
  const ok = typeof v === 'number' && (open ? v > 0 && v < 1 : v >= 0 && v <= 1);
  if (!ok) fail(path, `expected ${what}, got ${show(v)}`);
  return v as number;
}

export function oneOf<T extends string>(v: Json, path: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    fail(path, `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

