import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogue, catalogueProblems, lookupCode, PHASES, type Phase } from '../../diagnostics/catalogue.ts';
import { exampleOutput } from '../../cli/example-output.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Folders whose sources report diagnostics. */
const REPORTING_FOLDERS = ['grammar', 'compiler', 'cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** Every `'E0201'` / `"W0301"` string literal in the sources, with where it is. */
function codesUsedInSources(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const folder of REPORTING_FOLDERS) {
    for (const file of sourceFiles(join(root, folder))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const match of line.matchAll(/(['"])([EW]\d{4})\1/g)) {
          const code = match[2]!;
          used.set(code, [...(used.get(code) ?? []), `${relative(root, file)}:${i + 1}`]);
        }
      });
    }
  }
  return used;
}

const entry = (code: string) => ({ code, title: 't', explanation: 'e', example: 'x' });

describe('the diagnostic catalogue', () => {
  it('has unique, well-formed, documented codes', () => {
    expect(catalogueProblems()).toEqual([]);
  });

  it('has an entry for every code the sources report', () => {
    const documented = new Set(catalogue().map((e) => e.code));
    const missing = [...codesUsedInSources()]
      .filter(([code]) => !documented.has(code))
      .map(([code, places]) => `${code} used at ${places.join(', ')}`);
    // Add the code to its phase's diagnostic-codes.ts, and the phase to PHASES in diagnostics/catalogue.ts.
    expect(missing).toEqual([]);
  });

  it('finds the scan working: the grammar codes are seen in use', () => {
    const used = codesUsedInSources();
    expect(used.get('E0103')?.some((place) => place.startsWith('grammar/parse.ts'))).toBe(true);
  });

  it('has an example for every code that really produces that code under regc check', () => {
    const silent = catalogue()
      .filter((e) => exampleOutput(e) === undefined)
      .map((e) => `${e.code} (${e.phase}): its example does not produce it`);
    expect(silent).toEqual([]);
  });

  it('reports duplicates, malformed codes and empty fields', () => {
    const phases: Phase[] = [
      { name: 'a', title: 'A', codes: [entry('E0101'), entry('X1'), { ...entry('E0102'), title: ' ' }] },
      { name: 'b', title: 'B', codes: [entry('E0101')] },
    ];
    expect(catalogueProblems(phases)).toEqual([
      'X1 (a) is not a letter E or W and four digits',
      'E0102 (a) has an empty title',
      'E0101 is defined by both a and b',
    ]);
  });

  it('looks codes up case-insensitively', () => {
    expect(lookupCode('e0101')?.phase).toBe('grammar');
    expect(lookupCode('E9999')).toBeUndefined();
  });
});
