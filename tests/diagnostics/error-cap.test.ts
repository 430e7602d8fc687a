// A file's errors are reported up to MAX_ERRORS_PER_FILE, then one note says
// how many more there were and where the next one is.
import { describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import type { Diagnostic, Severity } from '../../diagnostics/diagnostic.ts';
import { capErrors, MAX_ERRORS_PER_FILE } from '../../diagnostics/error-cap.ts';
import { renderDiagnostic, renderSummary } from '../../diagnostics/render.ts';
import { SourceFile } from '../../grammar/source.ts';

const source = new SourceFile('f.reg', 'x\n'.repeat(20));

function diagnostic(severity: Severity, line: number): Diagnostic {
  const offset = (line - 1) * 2;
  return { code: severity === 'error' ? 'E0201' : 'W0201', severity, message: `at ${line}`, file: 'f.reg', span: source.span(offset, offset + 1), secondary: [], notes: [] };
}

describe('capErrors', () => {
  it('keeps everything up to the cap', () => {
    const all = [diagnostic('error', 1), diagnostic('warning', 2), diagnostic('error', 3)];
    expect(capErrors(all, 2)).toEqual(all);
  });

  it('cuts after the cap-th error and counts what it leaves out, warnings too', () => {
    const all = [1, 2, 3, 4, 5, 6].map((line) => diagnostic(line === 4 ? 'warning' : 'error', line));
    const capped = capErrors(all, 2);
    expect(capped.slice(0, 2)).toEqual(all.slice(0, 2));
    expect(capped).toHaveLength(3);
    const note = capped[2]!;
    expect(note).toMatchObject({ severity: 'note', message: '3 more errors and 1 more warning not shown', label: 'the next one is here' });
    expect(note.span.start.line).toBe(3);
    expect(renderDiagnostic(note, source).split('\n')[0]).toBe('note: 3 more errors and 1 more warning not shown');
  });
});

describe('the cap in the pipeline', () => {
  // 150 misspelt layers, each its own error.
  const text = `model M {\n  input x: f32[N, 4]\n  output y\n${'  lineer(2)\n'.repeat(150)}}\n`;

  for (const [stage, run] of [
    ['analyseSource', () => analyseSource(new SourceFile('m.reg', text))],
    ['compileSource', () => compileSource(text, 'm.reg').diagnostics],
  ] as const) {
    it(`${stage} reports the first ${MAX_ERRORS_PER_FILE} errors and one note for the other 50`, () => {
      const diagnostics = run();
      expect(diagnostics.filter((d) => d.severity === 'error')).toHaveLength(MAX_ERRORS_PER_FILE);
      expect(diagnostics.at(-2)!.span.start.line).toBe(3 + MAX_ERRORS_PER_FILE);
      expect(diagnostics.at(-1)).toMatchObject({ severity: 'note', message: '50 more errors not shown', span: { start: { line: 4 + MAX_ERRORS_PER_FILE } } });
    });

    it(`${stage}'s summary line counts the errors left out too`, () => {
      expect(renderSummary(run())).toBe('error: 150 errors in m.reg');
    });
  }
});
