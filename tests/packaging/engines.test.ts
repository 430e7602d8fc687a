// Every production dependency, transitively, must run on the oldest Node our
// own engines.node admits (npm warns EBADENGINE otherwise, and it may not run).
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface Manifest {
  name?: string;
  version?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const read = (path: string): Manifest | undefined => {
  try {
    return JSON.parse(readFileSync(new URL(path, root), 'utf8')) as Manifest;
  } catch {
    return undefined; // an optional dependency for another platform
  }
};
const own = read('package.json')!;

describe('engines', () => {
  it('declares a minimum Node', () => {
    expect(semver.minVersion(own.engines?.node ?? '')).not.toBeNull();
  });

  it('every production dependency admits our minimum Node', () => {
    const minimum = semver.minVersion(own.engines!.node!)!.version;
    const seen = new Set<string>();
    const queue = Object.keys(own.dependencies ?? {});
    const bad: string[] = [];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      // Hoisted layout (npm's default): every package sits at node_modules/<name>.
      const manifest = read(`node_modules/${name}/package.json`);
      if (manifest === undefined) continue;
      const range = manifest.engines?.node;
      if (range !== undefined && !semver.satisfies(minimum, range)) bad.push(`${name}@${manifest.version} needs node ${range}`);
      queue.push(...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}));
    }
    expect(seen.size).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });
});
