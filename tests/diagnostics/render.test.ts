import { describe, expect, it } from 'vitest';
import { SourceFile } from '../../grammar/source.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import {
  renderDiagnostic,
  renderDiagnostics,
  renderDiagnosticsJson,
  renderSummary,
} from '../../diagnostics/render.ts';

const FASHION = [
  'model Fashion {', // 1
  '  input image: f32[N, 1, 28, 28]', // 2
  '  output logits', // 3
  '', // 4
  '  c1: conv2d(32, kernel=3)', // 5
  '  bn1: batchnrom', // 6
  '  relu', // 7
  '  maxpool(2)', // 8
  '', // 9
  '  flatten', // 10
  '  fc2: linear(10)', // 11
  '}', // 12
  '',
].join('\n');

const source = new SourceFile('specs/fashion.reg', FASHION);

/** The span of the `nth` occurrence of `needle` (or its first `length` characters). */
function spanOf(file: SourceFile, needle: string, length = needle.length, nth = 0) {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = file.text.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`no ${needle} in test source`);
  return file.span(offset, offset + length);
}

function diag(overrides: Partial<Diagnostic>): Diagnostic {
  return {
    code: 'E0201',
    severity: 'error',
    message: 'unknown layer `batchnrom`',
    file: source.path,
    span: spanOf(source, 'batchnrom'),
    secondary: [],
    notes: [],
    ...overrides,
  };
}

describe('renderDiagnostic', () => {
  it('draws the rustc layout with label, help and note', () => {
    const text = renderDiagnostic(
      diag({
        label: 'unknown layer',
        help: 'there is a layer with a similar name: `batchnorm`',
        notes: ['layers are looked up in the registry'],
      }),
      source,
    );
    expect(text).toBe(
      [
        'error[E0201]: unknown layer `batchnrom`',
        ' --> specs/fashion.reg:6:8',
        '  |',
        '6 |   bn1: batchnrom',
        '  |        ^^^^^^^^^ unknown layer',
        '  |',
        '  = help: there is a layer with a similar name: `batchnorm`',
        '  = note: layers are looked up in the registry',
        '',
      ].join('\n'),
    );
  });

  it('omits the trailing gutter line when there is nothing after the snippet', () => {
    expect(renderDiagnostic(diag({}), source)).toBe(
      [
        'error[E0201]: unknown layer `batchnrom`',
        ' --> specs/fashion.reg:6:8',
        '  |',
        '6 |   bn1: batchnrom',
        '  |        ^^^^^^^^^',
        '',
      ].join('\n'),
    );
  });

  it('shows secondary spans in source order, the one line between near ones, ... between distant ones', () => {
    const text = renderDiagnostic(
      diag({
        code: 'E0202',
        message: 'duplicate layer name `c1`',
        span: spanOf(source, 'fc2'),
        label: 'second definition',
        secondary: [
          { span: spanOf(source, 'relu'), message: 'flow passes here' },
          { span: spanOf(source, 'c1'), message: 'first definition' },
        ],
      }),
      source,
    );
    expect(text).toBe(
      [
        'error[E0202]: duplicate layer name `c1`',
        '  --> specs/fashion.reg:11:3',
        '   |',
        ' 5 |   c1: conv2d(32, kernel=3)',
        '   |   -- first definition',
        ' 6 |   bn1: batchnrom',
        ' 7 |   relu',
        '   |   ---- flow passes here',
        '...',
        '11 |   fc2: linear(10)',
        '   |   ^^^ second definition',
        '',
      ].join('\n'),
    );
  });

  it('stacks the labels of several spans on one line, rightmost label inline', () => {
    const file = new SourceFile('a.reg', '  output relu(h + x)\n');
    const text = renderDiagnostic(
      diag({
        file: 'a.reg',
        code: 'E0301',
        message: 'shapes do not match',
        span: spanOf(file, '+'),
        label: 'in this sum',
        secondary: [
          { span: spanOf(file, 'h'), message: 'f32[N, 16]' },
          { span: spanOf(file, 'x'), message: 'f32[N, 32]' },
        ],
      }),
      file,
    );
    expect(text).toBe(
      [
        'error[E0301]: shapes do not match',
        ' --> a.reg:1:17',
        '  |',
        '1 |   output relu(h + x)',
        '  |               - ^ - f32[N, 32]',
        '  |               | |',
        '  |               | in this sum',
        '  |               f32[N, 16]',
        '',
      ].join('\n'),
    );
  });

  it('underlines only the first line of a multi-line span', () => {
    const text = renderDiagnostic(diag({ span: spanOf(source, 'maxpool(2)\n\n  flatten'), label: 'here' }), source);
    expect(text.split('\n').slice(3, 5)).toEqual(['8 |   maxpool(2)', '  |   ^^^^^^^^^^ here']);
  });

  it('expands tabs and keeps the caret under the right character', () => {
    const file = new SourceFile('t.reg', 'model M {\n\tc1:\tconv2d(3)\n}\n');
    const text = renderDiagnostic(diag({ file: 't.reg', span: spanOf(file, 'conv2d'), label: 'x' }), file);
    expect(text.split('\n').slice(3, 5)).toEqual(['2 |     c1:    conv2d(3)', '  |            ^^^^^^ x']);
  });

  it('gives wide characters two columns, astral ones included', () => {
    const file = new SourceFile('u.reg', '/* \u{1F600}\u4E2D */ relu\n');
    const text = renderDiagnostic(diag({ file: 'u.reg', span: spanOf(file, 'relu'), label: 'x' }), file);
    expect(text.split('\n').slice(3, 5)).toEqual(['1 | /* \u{1F600}\u4E2D */ relu', '  |            ^^^^ x']);
  });

  it('draws one caret for a zero-width span, also at the end of the file', () => {
    const file = new SourceFile('e.reg', 'model M {\n  relu');
    const end = file.text.length;
    const text = renderDiagnostic(
      diag({ file: 'e.reg', code: 'E0104', message: 'missing `}`', span: file.span(end, end), label: 'expected `}`' }),
      file,
    );
    expect(text).toBe(['error[E0104]: missing `}`', ' --> e.reg:2:7', '  |', '2 |   relu', '  |       ^ expected `}`', ''].join('\n'));

    const withNewline = new SourceFile('n.reg', 'model M {\n');
    const atEof = withNewline.text.length;
    const eofText = renderDiagnostic(diag({ file: 'n.reg', span: withNewline.span(atEof, atEof) }), withNewline);
    expect(eofText.split('\n').slice(1, 5)).toEqual([' --> n.reg:2:1', '  |', '2 |', '  | ^']);
  });

  it('clamps spans that point past the end of the text instead of throwing', () => {
    const file = new SourceFile('s.reg', 'relu');
    const span = { start: { offset: 50, line: 9, column: 9 }, end: { offset: 60, line: 9, column: 19 } };
    const text = renderDiagnostic(diag({ file: 's.reg', span }), file);
    expect(text).toContain('1 | relu\n  |     ^');
  });

  it('renders warnings and code-less diagnostics, and a header alone without a source', () => {
    const warning = renderDiagnostic(diag({ severity: 'warning', code: '' }), undefined);
    expect(warning).toBe('warning: unknown layer `batchnrom`\n --> specs/fashion.reg\n');
    const noFile = renderDiagnostic(diag({ file: '', notes: ['n'] }), undefined);
    expect(noFile).toBe('error[E0201]: unknown layer `batchnrom`\n  = note: n\n');
  });

  it('indents continuation lines of multi-line notes', () => {
    const text = renderDiagnostic(diag({ notes: ['first\nsecond'] }), source);
    expect(text.endsWith('  = note: first\n          second\n')).toBe(true);
  });

  it('adds ANSI colors only when asked', () => {
    const plain = renderDiagnostic(diag({ label: 'unknown layer' }), source);
    const colored = renderDiagnostic(diag({ label: 'unknown layer' }), source, { color: true });
    expect(plain).not.toContain('\x1b[');
    expect(colored).toContain('\x1b[1;31merror[E0201]\x1b[0m');
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });
});

describe('renderDiagnostics', () => {
  it('renders each diagnostic against its own file, separated by a blank line', () => {
    const other = new SourceFile('b.reg', 'relu\n');
    const text = renderDiagnostics(
      [diag({}), diag({ file: 'b.reg', span: other.span(0, 4), message: 'other' })],
      new Map([
        [source.path, source],
        [other.path, other],
      ]),
    );
    expect(text).toContain('^^^^^^^^^\n\nerror[E0201]: other\n --> b.reg:1:1\n  |\n1 | relu\n  | ^^^^\n');
  });
});

describe('renderSummary', () => {
  it('counts errors and warnings and names the file', () => {
    const list = [diag({}), diag({}), diag({ severity: 'warning' }), diag({ severity: 'note' })];
    expect(renderSummary(list)).toBe('error: 2 errors and 1 warning in specs/fashion.reg');
    expect(renderSummary([diag({ severity: 'warning' })])).toBe('warning: 1 warning in specs/fashion.reg');
    expect(renderSummary([diag({}), diag({ file: 'b.reg' })])).toBe('error: 2 errors in 2 files');
    expect(renderSummary([diag({ severity: 'note' })])).toBeUndefined();
    expect(renderSummary([])).toBeUndefined();
  });
});

describe('renderDiagnosticsJson', () => {
  it('gives a stable array with every field present', () => {
    const d = diag({ label: 'unknown layer', secondary: [{ span: spanOf(source, 'bn1'), message: 'label' }] });
    const parsed = JSON.parse(renderDiagnosticsJson([d]));
    expect(parsed).toEqual([
      {
        code: 'E0201',
        severity: 'error',
        message: 'unknown layer `batchnrom`',
        file: 'specs/fashion.reg',
        span: { start: { line: 6, column: 8, offset: 100 }, end: { line: 6, column: 17, offset: 109 } },
        label: 'unknown layer',
        secondary: [
          { span: { start: { line: 6, column: 3, offset: 95 }, end: { line: 6, column: 6, offset: 98 } }, message: 'label' },
        ],
        notes: [],
        help: null,
      },
    ]);
    expect(Object.keys(parsed[0])).toEqual(['code', 'severity', 'message', 'file', 'span', 'label', 'secondary', 'notes', 'help']);
    expect(renderDiagnosticsJson([])).toBe('[]\n');
  });
});
