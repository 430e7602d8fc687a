// What `regc check` prints for a catalogue entry's example: shown by
// `regc explain` and in docs/diagnostics.md, so both stay true to the compiler.
import type { CatalogueEntry } from '../diagnostics/catalogue.ts';
import { renderDiagnostics, type RenderOptions } from '../diagnostics/render.ts';
import { SourceFile } from '../grammar/source.ts';
import { analyse } from './analyse.ts';

/** The path examples are shown under. */
export const EXAMPLE_PATH = 'example.reg';

/**
 * The diagnostics with the entry's own code, or undefined when the example
 * does not produce that code (then nothing is shown rather than something
 * misleading; tests/diagnostics/catalogue.test.ts reports such examples).
 */
export function exampleOutput(entry: CatalogueEntry, options: RenderOptions = {}): string | undefined {
  const source = new SourceFile(EXAMPLE_PATH, entry.example.endsWith('\n') ? entry.example : entry.example + '\n');
  const reported = analyse(source).filter((d) => d.code === entry.code);
  if (reported.length === 0) return undefined;
  return renderDiagnostics(reported, new Map([[source.path, source]]), options);
}
