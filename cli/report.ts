// Errors that are not about a spec (a bad flag, a missing file) printed in
// the same shape as diagnostics, just without a source snippet.
import { renderDiagnostic } from '../diagnostics/render.ts';
import { NO_SPAN } from '../grammar/source.ts';

export interface ErrorDetails {
  readonly help?: string;
  readonly notes?: readonly string[];
}

export function renderError(message: string, details: ErrorDetails, color: boolean): string {
  return renderDiagnostic(
    {
      code: '',
      severity: 'error',
      message,
      file: '',
      span: NO_SPAN,
      secondary: [],
      notes: details.notes ?? [],
      ...(details.help !== undefined ? { help: details.help } : {}),
    },
    undefined,
    { color },
  );
}
