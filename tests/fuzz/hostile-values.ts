// Values a hostile bundle puts where a manifest or safetensors header
// expects something else: for each kind of JSON value, the edges (zero,
// negative, huge, fractional, just past a limit), the wrong types, and for
// strings the names that try to leave the bundle.
import type { Rng } from './prng.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const HUGE = [2 ** 16, 2 ** 16 - 1, 2 ** 20 + 1, 2 ** 24, 2 ** 30, 2 ** 30 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308];

export function hostileNumber(rng: Rng, v: number): Json {
  return rng.weighted<() => Json>([
    [() => rng.pick([0, -1, 1, -0, 2, 3]), 4],
    [() => rng.pick([v + 1, v - 1, v * 2, Math.floor(v / 2), v * 1000, -v]), 4],
    [() => rng.pick(HUGE), 3],
    [() => rng.pick([0.5, v + 0.5, 1e-300, Number.MIN_VALUE, -1e308]), 2],
    [() => rng.pick(['1', String(v), '', 'NaN']), 1],
    [() => rng.pick([null, true, false, [], {}, [v]]), 1],
  ])();
}

/** Names that try to leave the bundle or confuse a path check. */
export const HOSTILE_PATHS = [
  '', '.', '..', '../x.wgsl', '../../etc/passwd', '/etc/passwd', '/dev/zero', 'shaders/../manifest.json', 'shaders/../../x',
  'shaders//a.wgsl', './manifest.json', 'shaders/./a.wgsl', 'a\\b.wgsl', '..\\..\\x', 'C:/x.wgsl', 'c:x', '%2e%2e/x', 'shaders/',
  '/', '~/.ssh/id_rsa', 'file:///etc/passwd', 'http://127.0.0.1/x', 'a\u0000b', 'ünïcode.wgsl', 'a b.wgsl', 'x'.repeat(5000),
  'manifest.json', 'weights.safetensors', 'shaders', 'nested/deeper/still/a.wgsl', '.hidden', 'con', 'NUL', 'a:b', '*', '?',
];

export function hostileString(rng: Rng, v: string): Json {
  return rng.weighted<() => Json>([
    [() => rng.pick(HOSTILE_PATHS), 3],
    [() => rng.pick(['', ' ', v.toUpperCase(), `${v}x`, v.slice(1), `${v}\u0000`, '\ud800', 'é', '<script>']), 3],
    [() => rng.pick([`../${v}`, `/${v}`, `${v}/`, `${v}/../${v}`, `./${v}`]), 2],
    [() => 'x'.repeat(rng.pick([4096, 4097, 100_000])), 1],
    [() => rng.pick([0, 1, null, true, [], {}, [v]]), 1],
  ])();
}

export function hostileValue(rng: Rng, v: Json): Json {
  if (typeof v === 'number') return hostileNumber(rng, v);
  if (typeof v === 'string') return hostileString(rng, v);
  if (typeof v === 'boolean') return rng.pick([!v, 'true', 0, 1, null]);
  if (v === null) return rng.pick([0, '', {}, []]);
  if (Array.isArray(v)) {
    return rng.weighted<() => Json>([
      [() => [], 2],
      [() => [...v, ...v], 2],
      [() => v.slice(1), 2],
      [() => v.slice(0, -1), 2],
      [() => [...v].reverse(), 1],
      [() => (v.length > 0 ? Array.from({ length: rng.pick([9, 100, 100_001]) }, () => v[0]!) : [0]), 1],
      [() => rng.pick([null, {}, 'x', 0]), 1],
    ])();
  }
  return rng.weighted<() => Json>([
    [() => ({}), 2],
    [() => rng.pick([null, [], 'x', 0]), 2],
    [() => ({ ...v, [rng.pick(['extra', '__proto__', 'constructor', 'toString', 'id'])]: rng.pick([1, 'x', null, {}]) }), 2],
  ])();
}

/** Every path into a JSON value, containers and leaves, as key lists. */
export function jsonPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...jsonPaths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths.push(...jsonPaths(v, [...prefix, k]));
  return paths;
}

export function getPath(root: Json, path: readonly (string | number)[]): Json {
  let at: Json = root;
  for (const key of path) at = (at as Record<string | number, Json>)[key]!;
  return at;
}

/** Sets (or, with `undefined`, deletes) the value at a non-empty path, in place. */
export function setPath(root: Json, path: readonly (string | number)[], value: Json | undefined): void {
  const parent = getPath(root, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete (parent as Record<string | number, Json>)[key];
  } else {
    // defineProperty, so a key like `__proto__` becomes a real own key, as JSON.parse would make it.
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
