// The checker's code list: every code it reports is documented, every
// documented code is reported by its own example, and nothing else is.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveDiagnosticCodes } from '../../compiler/resolve/diagnostic-codes.ts';
import { check } from './helpers.ts';

const RESOLVE_DIR = new URL('../../compiler/resolve/', import.meta.url);

/** Codes written as `code: 'E0201'` (or ternaries of them) in the checker's sources. */
function codesInSources(): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(RESOLVE_DIR)) {
    if (!file.endsWith('.ts') || file === 'diagnostic-codes.ts') continue;
    const text = readFileSync(new URL(file, RESOLVE_DIR), 'utf8');
    for (const match of text.matchAll(/code: [^,\n]*/g)) {
      for (const code of match[0].matchAll(/'([EW]\d{4})'/g)) found.add(code[1]!);
    }
  }
  return found;
}

describe('the checker\'s diagnostic codes', () => {
  it('are unique, well formed and fully described', () => {
    const codes = resolveDiagnosticCodes.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of resolveDiagnosticCodes) {
      expect(entry.code).toMatch(/^(E0[234]|W02)\d\d$/);
      expect(entry.title).toMatch(/^[a-z]/);
      expect(entry.explanation.length).toBeGreaterThan(20);
    }
  });

  it('document every code the checker reports', () => {
    const documented = new Set(resolveDiagnosticCodes.map((c) => c.code));
    const used = codesInSources();
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((code) => !documented.has(code))).toEqual([]);
    expect([...documented].filter((code) => !used.has(code))).toEqual([]);
  });

  it.each(resolveDiagnosticCodes.map((c) => [c.code, c.example] as const))('%s: the example reports exactly that code', (code, example) => {
    expect(check(example, 'example.reg').diagnostics.map((d) => d.code)).toEqual([code]);
  });
});
