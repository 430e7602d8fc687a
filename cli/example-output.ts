// What `regc check` prints for a catalogue entry's example: shown by
// `regc explain` and in docs/diagnostics.md, so both stay true to the compiler.
import type { CatalogueEntry } from '../diagnostics/catalogue.ts';
import { renderDiagnostics, type RenderOptions } from '../diagnostics/render.ts';
import { SourceFile } from '../grammar/source.ts';
import { analyse } from './analyse.ts';

/** The path examples are shown under. */
export const EXAMPLE_PATH = 'example.reg';

/**
 * The diagnostics with the entry's own code. Throws when there are none: an
 * example that does not show its error would mislead.
 */
export function exampleOutput(entry: CatalogueEntry, options: RenderOptions = {}): string {
  const source = new SourceFile(EXAMPLE_PATH, entry.example.endsWith('\n') ? entry.example : entry.example + '\n');
  const reported = analyse(source).filter((d) => d.code === entry.code);
  if (reported.length === 0) {
    throw new Error(`the example for ${entry.code} (${entry.phase}) does not produce ${entry.code}`);
  }
  return renderDiagnostics(reported, new Map([[source.path, source]]), options);
}
