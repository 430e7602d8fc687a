// Diagnostics are data. Every phase (lexer, parser, checker, shape inference,
// weight loading) produces these; rendering lives in render.ts.
import type { Span } from '../grammar/source.ts';

export type Severity = 'error' | 'warning' | 'note';

export interface Label {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  /** Stable code, documented in docs/diagnostics.md, e.g. `E0201`. */
  readonly code: string;
  readonly severity: Severity;
  /** Lowercase, no final period. */
  readonly message: string;
  /** Path of the file the primary span points into. */
  readonly file: string;
  readonly span: Span;
  /** What to say under the primary caret, if anything. */
  readonly label?: string;
  /** Other places that explain the error ("previous definition here"). */
  readonly secondary: readonly Label[];
  readonly notes: readonly string[];
  /** A suggestion phrased as a statement ("there is a layer with a similar name: `conv2d`"). */
  readonly help?: string;
  /** On the note that stands for diagnostics left out (error-cap.ts): how many, so summaries count them. */
  readonly omitted?: { readonly errors: number; readonly warnings: number };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Source order, then code, so output is stable whatever order phases report in. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.span.start.offset - b.span.start.offset ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
