// Collects diagnostics for one file; phases report through it so the file
// path and defaults are filled in one place.
import type { Diagnostic, Label, Severity } from '../../diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/source.ts';

export interface Report {
  readonly code: string;
  readonly message: string;
  readonly span: Span;
  readonly label?: string;
  readonly secondary?: readonly Label[];
  readonly notes?: readonly string[];
  readonly help?: string;
  readonly severity?: Severity;
}

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: string) {}

  report(r: Report): void {
    this.diagnostics.push({
      code: r.code,
      severity: r.severity ?? (r.code.startsWith('W') ? 'warning' : 'error'),
      message: r.message,
      file: this.file,
      span: r.span,
      ...(r.label !== undefined ? { label: r.label } : {}),
      secondary: r.secondary ?? [],
      notes: r.notes ?? [],
      ...(r.help !== undefined ? { help: r.help } : {}),
    });
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}
