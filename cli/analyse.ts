// The front of the pipeline as `regc check` runs it: parse, then check the
// names, arguments and shapes the parser cannot see.
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { sortDiagnostics } from '../diagnostics/diagnostic.ts';
import { parse } from '../grammar/parse.ts';
import type { SourceFile } from '../grammar/source.ts';

export function analyse(source: SourceFile): Diagnostic[] {
  const parsed = parse(source);
  return sortDiagnostics(parsed.diagnostics);
}
