// One definition of a line break, `\n`, `\r\n` or a lone `\r`, shared by
// SourceFile, both lexers and so every span and diagnostic: a line and
// column must always be what SourceFile says of the offset.
import { describe, expect, it } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { renderDiagnostics } from '../../diagnostics/render.ts';
import { parseFast } from '../../grammar/fast-parser.ts';
import { parse, parseWithRecovery } from '../../grammar/parse.ts';
import { SourceFile, type Position } from '../../grammar/source.ts';

/** Every position in an AST (or diagnostic list) whose line and column are not SourceFile's for its offset. */
function disagreeingPositions(value: unknown, source: SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if ('offset' in node && 'line' in node && 'column' in node) {
      const p = node as Position;
      const expected = source.position(p.offset);
      if (p.line !== expected.line || p.column !== expected.column) {
        found.push(`offset ${p.offset}: ${p.line}:${p.column}, expected ${expected.line}:${expected.column}`);
      }
      return;
    }
    Object.values(node).forEach(visit);
  };
  visit(value);
  return found;
}

describe('SourceFile line breaks', () => {
  it('breaks lines at \\n, \\r\\n and a lone \\r', () => {
    const source = new SourceFile('a.reg', 'a\nb\r\nc\rd');
    expect(source.lineCount).toBe(4);
    expect([1, 2, 3, 4].map((line) => source.lineText(line))).toEqual(['a', 'b', 'c', 'd']);
    expect(source.position(source.text.indexOf('d'))).toEqual({ offset: 7, line: 4, column: 1 });
    expect(source.position(source.text.indexOf('c'))).toEqual({ offset: 5, line: 3, column: 1 });
    // The `\n` of a `\r\n` still belongs to the line the `\r` ends.
    expect(source.position(4)).toMatchObject({ line: 2, column: 3 });
  });

  it('gives each line its start and its end before the break', () => {
    const source = new SourceFile('a.reg', 'ab\r\ncd\ref\n');
    expect([1, 2, 3, 4].map((line) => [source.lineStart(line), source.lineEnd(line)])).toEqual([
      [0, 2],
      [4, 6],
      [7, 9],
      [10, 10],
    ]);
  });

  it('keeps blank lines made of lone \\r and of \\r\\n apart', () => {
    const source = new SourceFile('a.reg', 'a\r\rb\r\n\r\nc');
    expect(source.lineCount).toBe(5);
    expect(source.lineText(2)).toBe('');
    expect(source.position(source.text.indexOf('c')).line).toBe(5);
  });

  it('does not break lines at U+2028 or U+2029', () => {
    const source = new SourceFile('a.reg', '// a\u2028b\u2029c\nd');
    expect(source.lineCount).toBe(2);
    expect(source.position(source.text.indexOf('d'))).toMatchObject({ line: 2, column: 1 });
    expect(source.position(source.text.indexOf('c'))).toMatchObject({ line: 1, column: 8 });
  });
});

describe('parse positions agree with SourceFile whatever the line breaks', () => {
  const layouts = [
    'model M {\r  input x: f32[N, 4]\r  c1: linear(4) -> relu\r  output c1\r}\r',
    'model M {\r\n  input x: f32[N, 4]\r\n  output x -> relu\r\n}\r\n',
    'model M {\r  input x: f32[N, 4]\n  output y\r\n  /* a\rb\r\nc */ relu // note\r  y: linear(2)\r}',
    'model M {\r\r  input x: f32[N, 4] // \u2028 not a break\r  output x\r}',
    'train M {\r  penalty l2(1e-4) on\r  noise gaussian(0.1) on input\r}\r',
  ];

  for (const text of layouts) {
    it(`on ${JSON.stringify(text.slice(0, 40))}...`, () => {
      const source = new SourceFile('m.reg', text);
      const recovered = parseWithRecovery(source);
      expect(disagreeingPositions(recovered, source)).toEqual([]);
      // The fast path reads lone `\r` too, and must build the very same tree.
      const fast = parseFast(source);
      if (recovered.diagnostics.length === 0) expect(fast).toStrictEqual(recovered.program);
      else expect(fast).toBeUndefined();
    });
  }

  it('places statements after a lone \\r on their own lines', () => {
    const source = new SourceFile('m.reg', 'model M {\r  input x: f32[N, 4]\r  relu maxpool(2)\r}');
    const { diagnostics } = parse(source);
    expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`)).toEqual(['E0103 3:8']);
  });
});

describe('diagnostics after a lone \\r', () => {
  it('name the line of their offset and show it', () => {
    const source = new SourceFile('m.reg', 'model M {\r  input x: f32[N, 4]\n  output y\n  relx\n}');
    const diagnostics = analyseSource(source);
    const unknown = diagnostics.find((d) => d.code === 'E0201')!;
    expect(unknown.span.start).toMatchObject({ line: 4, column: 3 });
    expect(disagreeingPositions(diagnostics, source)).toEqual([]);
    const text = renderDiagnostics([unknown], new Map([[source.path, source]]));
    expect(text).toContain(' --> m.reg:4:3\n');
    expect(text).toContain('4 |   relx\n  |   ^^^^');
  });

  it('keep their secondary labels on the right lines', () => {
    const source = new SourceFile('m.reg', 'model M {\r  input x: f32[N, 4]\r  a: relu\r  a: relu\r  output a\r}');
    const diagnostics = analyseSource(source);
    expect(diagnostics.some((d) => d.secondary.length > 0)).toBe(true);
    expect(disagreeingPositions(diagnostics, source)).toEqual([]);
  });
});
