// Snippets of very long lines: rendering costs the same wherever the span
// is on the line, and a line wider than the snippet shows is cut to a
// window around its spans, with `...` where text is left out.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostic, renderDiagnostics } from '../../diagnostics/render.ts';
import { SourceFile } from '../../grammar/source.ts';

function diagnostic(source: SourceFile, start: number, end: number, label: string, secondary: [number, number, string][] = []): Diagnostic {
  return {
    code: 'E0103',
    severity: 'error',
    message: 'expected an argument or `)`, found `=`',
    file: source.path,
    span: source.span(start, end),
    label,
    secondary: secondary.map(([from, to, message]) => ({ span: source.span(from, to), message })),
    notes: [],
  };
}

/** The snippet lines of a rendering: the source line and the marker rows under it. */
function snippet(text: string): string[] {
  return text.split('\n').slice(3, -1);
}

// 302 columns: two spaces, then `abcdefghij` thirty times.
const LONG = new SourceFile('long.reg', '  ' + 'abcdefghij'.repeat(30) + '\nnext\n');
const WINDOW = 'abcdefghij'.repeat(12);

describe('rendering a diagnostic on a very long line', () => {
  it('takes time linear in the line, not quadratic in the column', () => {
    // This took 8 seconds when each snippet line was stripped of its
    // trailing blanks with a regular expression.
    const source = new SourceFile('far.reg', `model M {\n  input x: f32[N, 4]\n  relu(${' '.repeat(400_000)}=)\n}\n`);
    const at = source.text.indexOf('=');
    const started = performance.now();
    const text = renderDiagnostic(diagnostic(source, at, at + 1, 'unexpected here'), source);
    expect(performance.now() - started).toBeLessThan(250);
    expect(text).toContain(` --> far.reg:3:${at - source.lineStart(3) + 1}\n`);
    expect(text.length).toBeLessThan(600);
  });

  it('renders a hundred diagnostics on one 400 KB line quickly', () => {
    const line = 'relu -> '.repeat(50_000);
    const source = new SourceFile('chain.reg', `model M {\n  ${line}\n}\n`);
    const diagnostics = Array.from({ length: 100 }, (_, i) => {
      const at = source.lineStart(2) + 2 + i * 4000;
      return diagnostic(source, at, at + 4, 'here');
    });
    const started = performance.now();
    const text = renderDiagnostics(diagnostics, new Map([[source.path, source]]));
    expect(performance.now() - started).toBeLessThan(500);
    expect(text.length).toBeLessThan(100 * 600);
  });

  it('leaves a line of 120 columns whole and cuts one of 121', () => {
    const fits = new SourceFile('fits.reg', 'x'.repeat(120));
    expect(snippet(renderDiagnostic(diagnostic(fits, 0, 1, 'here'), fits))[0]).toBe(`1 | ${'x'.repeat(120)}`);
    const wide = new SourceFile('wide.reg', 'x'.repeat(121));
    expect(snippet(renderDiagnostic(diagnostic(wide, 0, 1, 'here'), wide))[0]).toBe(`1 | ${'x'.repeat(117)}...`);
  });

  it('shows a window from a little before the span, the caret under its character', () => {
    const at = 152;
    expect(snippet(renderDiagnostic(diagnostic(LONG, at, at + 3, 'here'), LONG))).toEqual([
      `1 | ...${WINDOW.slice(0, 114)}...`,
      `  | ${' '.repeat(43)}^^^ here`,
    ]);
    // The window starts 40 columns before the span: at the `a` of offset 112.
    expect(LONG.text.slice(112, 115)).toBe('abc');
    expect(LONG.text.slice(at, at + 3)).toBe('abc');
  });

  it('uses the whole width near the end of the line', () => {
    const end = LONG.lineEnd(1);
    expect(snippet(renderDiagnostic(diagnostic(LONG, end, end, 'expected `}`'), LONG))).toEqual([
      `1 | ...${LONG.text.slice(end - 117, end)}`,
      `  | ${' '.repeat(120)}^ expected \`}\``,
    ]);
  });

  it('marks a secondary span outside the window under the `...` on its side', () => {
    const left = renderDiagnostic(diagnostic(LONG, 152, 155, 'here', [[2, 5, 'far left']]), LONG);
    expect(snippet(left).slice(1)).toEqual([`  | ---${' '.repeat(40)}^^^ here`, '  | |', '  | far left']);
    const right = renderDiagnostic(diagnostic(LONG, 152, 155, 'here', [[280, 290, 'far right']]), LONG);
    expect(snippet(right)[1]).toBe(`  | ${' '.repeat(43)}^^^${' '.repeat(71)}--- far right`);
  });

  it('keeps spans that fit in the window together in it', () => {
    const text = renderDiagnostic(diagnostic(LONG, 100, 110, 'p', [[130, 132, 's']]), LONG);
    expect(snippet(text)[1]).toBe(`  | ${' '.repeat(43)}${'^'.repeat(10)}${' '.repeat(20)}-- s`);
  });

  it('underlines a span that runs past the window into the `...`', () => {
    const text = renderDiagnostic(diagnostic(LONG, 12, LONG.text.length, 'all of it'), LONG);
    expect(snippet(text)).toEqual([`1 | ${LONG.text.slice(0, 117)}...`, `  |             ${'^'.repeat(108)} all of it`]);
  });

  it('cuts the line shown between two spans too', () => {
    const source = new SourceFile('gap.reg', `a\n${'y'.repeat(500)}\nb\n`);
    const text = renderDiagnostic(diagnostic(source, 0, 1, 'first', [[source.text.length - 2, source.text.length - 1, 'second']]), source);
    expect(text.split('\n')).toContain(`2 | ${'y'.repeat(117)}...`);
  });

  it('counts tabs and wide characters in the window', () => {
    // From the `x`: 40 columns back, the rest of the line, then what room is left (117 - 41) to the left.
    const source = new SourceFile('tabs.reg', '\t'.repeat(100) + '\u4e2d'.repeat(50) + 'x');
    const at = source.text.length - 1;
    const lines = snippet(renderDiagnostic(diagnostic(source, at, at + 1, 'x'), source));
    expect(lines[0]).toBe(`1 | ...${' '.repeat(4 * 4)}${'\u4e2d'.repeat(50)}x`);
    expect(lines[1]).toBe(`  | ${' '.repeat(3 + 16 + 100)}^ x`);
  });
});

describe('characters a terminal would not show as one column', () => {
  it('are drawn as visible ones, so the caret stays under its character', () => {
    const source = new SourceFile('odd.reg', '// a\x1b[31mb\u2028c\u202ed\u200b\ufeffe\x7f\ud800 relu\n');
    const at = source.text.indexOf('relu');
    const lines = snippet(renderDiagnostic(diagnostic(source, at, at + 4, 'here'), source));
    expect(lines).toEqual(['1 | // a\u241b[31mb\ufffdc\ufffdd\ufffd\ufffde\u2421\ufffd relu', `  | ${' '.repeat(20)}^^^^ here`]);
  });
});
