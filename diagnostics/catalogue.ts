// Every diagnostic code of every phase, in one list: docs/diagnostics.md and
// `regc explain` read it, and tests check that no code is used without an
// entry here. Each phase owns its codes in its own diagnostic-codes.ts.
import { grammarDiagnosticCodes, type DiagnosticCodeDoc } from '../grammar/diagnostic-codes.ts';
import { resolveDiagnosticCodes } from '../compiler/resolve/diagnostic-codes.ts';
import { loweringDiagnosticCodes } from '../compiler/lower/diagnostic-codes.ts';

export type { DiagnosticCodeDoc };

export interface Phase {
  /** The folder that reports these codes, e.g. `grammar`. */
  readonly name: string;
  /** A heading for the docs. */
  readonly title: string;
  readonly codes: readonly DiagnosticCodeDoc[];
}

/** In pipeline order. To add a phase: import its code list and add one line here. */
export const PHASES: readonly Phase[] = [
  { name: 'grammar', title: 'Syntax (grammar/)', codes: grammarDiagnosticCodes },
  { name: 'resolve', title: 'Names, arguments and training (compiler/resolve/)', codes: resolveDiagnosticCodes },
  { name: 'lower', title: 'Shapes and weights (compiler/lower/)', codes: loweringDiagnosticCodes },
];

export interface CatalogueEntry extends DiagnosticCodeDoc {
  readonly phase: string;
}

/** `E` for errors, `W` for warnings, then four digits. */
export const CODE_PATTERN = /^[EW]\d{4}$/;

export function catalogue(phases: readonly Phase[] = PHASES): CatalogueEntry[] {
  return phases.flatMap((phase) => phase.codes.map((doc) => ({ ...doc, phase: phase.name })));
}

export function lookupCode(code: string, phases: readonly Phase[] = PHASES): CatalogueEntry | undefined {
  return catalogue(phases).find((entry) => entry.code === code.toUpperCase());
}

/**
 * What is wrong with the catalogue: duplicate or malformed codes, entries
 * without a title, explanation or example. Empty when all is well.
 */
export function catalogueProblems(phases: readonly Phase[] = PHASES): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const entry of catalogue(phases)) {
    const previous = owner.get(entry.code);
    if (previous !== undefined) problems.push(`${entry.code} is defined by both ${previous} and ${entry.phase}`);
    owner.set(entry.code, entry.phase);
    if (!CODE_PATTERN.test(entry.code)) problems.push(`${entry.code} (${entry.phase}) is not a letter E or W and four digits`);
    for (const field of ['title', 'explanation', 'example'] as const) {
      if (entry[field].trim() === '') problems.push(`${entry.code} (${entry.phase}) has an empty ${field}`);
    }
  }
  return problems;
}
