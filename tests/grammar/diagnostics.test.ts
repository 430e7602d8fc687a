import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { grammarDiagnosticCodes } from '../../grammar/diagnostic-codes.ts';
import { parseText } from '../../grammar/parse.ts';

/** `CODE line:col message` for each diagnostic, in source order. */
function summarize(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);
}

function errorsOf(text: string): string[] {
  return summarize(parseText(text).diagnostics);
}

describe('lexical errors', () => {
  it('reports unexpected characters (E0101) and keeps parsing', () => {
    const result = parseText('model M {\n  relu $$ @\n  flatten\n}');
    expect(summarize(result.diagnostics)).toEqual([
      'E0101 2:8 unexpected characters `$$`',
      'E0101 2:11 unexpected character `@`',
    ]);
    expect(result.program.items[0]).toMatchObject({ kind: 'Model', body: [{}, {}] });
  });

  it('reports an unterminated string and block comment (E0102)', () => {
    expect(errorsOf('train M {\n  penalty l2(1) on "fc*.weight\n}')).toEqual(['E0102 2:20 unterminated string']);
    expect(errorsOf('model M {}\n/* open')).toEqual(['E0102 2:1 unterminated block comment']);
  });

  it.each([
    ['1e', 'an exponent needs digits after `e`'],
    ['1e+', 'an exponent needs digits after `e`'],
    ['0x', 'a hexadecimal literal needs digits 0-9 or a-f after `0x`'],
    ['0b102', 'a binary literal needs digits 0 or 1 after `0b`'],
    ['0o8', 'an octal literal needs digits 0-7 after `0o`'],
    ['1__0', '`_` may only separate digits'],
    ['1_', '`_` may only separate digits'],
    ['3abc', 'a number cannot be followed directly by letters'],
  ])('reports the invalid number %s (E0105)', (raw, label) => {
    const result = parseText(`train M {\n  batch ${raw}\n}`);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'E0105',
      message: `invalid number literal \`${raw}\``,
      label,
      span: { start: { line: 2, column: 9 }, end: { line: 2, column: 9 + raw.length } },
    });
  });
});

describe('syntax errors', () => {
  it('says what was expected and what was found (E0103)', () => {
    expect(errorsOf('model M {\n  fc: linear(10 20)\n}')).toEqual(['E0103 2:17 expected `,` or `)`, found `20`']);
    expect(errorsOf('model M {\n  f(a,, b)\n}')).toEqual(['E0103 2:7 expected an argument or `)`, found `,`']);
    expect(errorsOf('model M {\n  let = 3\n}')).toEqual(['E0103 2:7 expected a name, found `=`']);
    expect(errorsOf('model M {\n  output\n}')).toEqual(['E0103 3:1 expected an expression, found `}`']);
    expect(errorsOf('model M {\n  x = 1\n}')).toEqual(['E0103 2:5 expected a statement or `}`, found `=`']);
    expect(errorsOf('train M {\n  frobnicate 3\n}')).toEqual([
      'E0103 2:3 expected a train statement or `}`, found `frobnicate`',
    ]);
    expect(errorsOf(') model M {}')).toEqual([
      'E0103 1:1 expected `model`, `block`, `train` or end of file, found `)`',
    ]);
  });

  it('requires `;` between statements on one line', () => {
    expect(errorsOf('model M {\n  relu maxpool(2)\n  x -> relu + b\n  relu; flatten\n}')).toEqual([
      'E0103 2:8 expected `;` or a new line, found `maxpool`',
      'E0103 3:13 expected `;` or a new line, found `+`',
    ]);
    expect(errorsOf('train M { loss mse optimizer sgd\n  augment { hflip vflip; rotate }\n  batch 3; epochs 2 }')).toEqual([
      'E0103 1:20 expected `;` or a new line, found `optimizer`',
      'E0103 2:19 expected `;` or a new line, found `vflip`',
    ]);
  });

  it('reports no separator error where a syntax error already is', () => {
    expect(errorsOf('model M {\n  fc: linear(10 20) relu\n}')).toEqual(['E0103 2:17 expected `,` or `)`, found `20`']);
  });

  it('reserves `input` but not train words', () => {
    expect(errorsOf('model M {\n  input: linear(3)\n}')).toEqual(['E0103 2:8 expected a name, found `:`']);
    expect(errorsOf('model M {\n  loss: linear(3) -> batch\n}')).toEqual([]);
  });

  it('reports a missing closing bracket with the opening one (E0104)', () => {
    const [missing, ...rest] = parseText('model M {\n  fc: linear(10\n}').diagnostics;
    expect(rest).toEqual([]);
    expect(missing).toMatchObject({
      code: 'E0104',
      message: 'missing `)` to close `(`',
      label: 'expected `,` or `)` before `}`',
      span: { start: { line: 3, column: 1 } },
      secondary: [{ message: 'this `(` is never closed', span: { start: { line: 2, column: 13 } } }],
    });
  });

  it('reports a `}` missing at the end of the file', () => {
    const [missing] = parseText('model M {\n  relu\n').diagnostics;
    expect(missing).toMatchObject({
      code: 'E0104',
      message: 'missing `}` to close `{`',
      label: 'expected a statement or `}` before end of file',
      span: { start: { line: 2, column: 7 }, end: { line: 2, column: 7 } },
      secondary: [{ span: { start: { line: 1, column: 9 } } }],
    });
  });

  it('does not call a stray token before a closing bracket a missing bracket', () => {
    expect(errorsOf('model M {\n  input x: f32[N 3]\n}')).toEqual(['E0103 2:18 expected `,` or `]`, found `3`']);
  });

  it('reports every error of a file, not just the first', () => {
    const text = [
      'model M {', // 1
      '  input x: f32[N, 4]', // 2
      '  c1: conv2d(32,, 3)', // 3
      '  relu $', // 4
      '  fc: linear(10 20)', // 5
      '  let = x', // 6
      '}', // 7
      'model Q {', // 8
      '  fc: linear(10', // 9
      '}', // 10
      'train M {', // 11
      '  optimizer sgd(lr=1e)', // 12
      '  batch 64 64', // 13
      '}', // 14
      'model R {', // 15
      '  relu', // 16
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      'E0103 3:17 expected an argument or `)`, found `,`',
      'E0101 4:8 unexpected character `$`',
      'E0103 5:17 expected `,` or `)`, found `20`',
      'E0103 6:7 expected a name, found `=`',
      'E0104 10:1 missing `)` to close `(`',
      'E0105 12:20 invalid number literal `1e`',
      'E0103 13:12 expected a train statement or `}`, found `64`',
      'E0104 16:7 missing `}` to close `{`',
    ]);
  });

  it('keeps messages lowercase without a final period', () => {
    const { diagnostics } = parseText('model {\n  f(1,,\n  "x\n  0b2 $\n');
    expect(diagnostics.length).toBeGreaterThanOrEqual(4);
    for (const d of diagnostics) {
      expect(d.message).toMatch(/^[a-z]/);
      expect(d.message).not.toMatch(/\.$/);
      expect(d.severity).toBe('error');
      expect(d.file).toBe('<input>');
    }
  });
});

describe('diagnostic code docs', () => {
  it('documents every code the parser emits, each example producing its code', () => {
    expect(grammarDiagnosticCodes.map((doc) => doc.code)).toEqual(['E0101', 'E0102', 'E0103', 'E0104', 'E0105', 'E0106', 'E0107', 'E0108']);
    for (const doc of grammarDiagnosticCodes) {
      expect(parseText(doc.example).diagnostics.map((d) => d.code)).toContain(doc.code);
      expect(doc.title).toMatch(/^[a-z]/);
    }
  });
});
