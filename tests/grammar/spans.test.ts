import { describe, expect, it } from 'vitest';
import type { Span } from '../../grammar/source.ts';
import { parseText } from '../../grammar/parse.ts';

const text = [
  'model M {', // 1
  '  input x: f32[N, 4]', // 2
  '  c1: linear(8) with weightnorm -> relu', // 3
  '  output h + x', // 4
  '}', // 5
  'train M {', // 6
  '  penalty l2(1e-4) on fc*.weight', // 7
  '}', // 8
].join('\n');

const { program, diagnostics } = parseText(text);

/** The source text a span covers. */
function textOf(span: Span): string {
  return text.slice(span.start.offset, span.end.offset);
}

describe('spans', () => {
  it('parses the fixture cleanly', () => {
    expect(diagnostics).toEqual([]);
  });

  it('covers an item from its keyword to its closing brace', () => {
    const model = program.items[0]!;
    expect(model.span.start).toEqual({ offset: 0, line: 1, column: 1 });
    expect(model.span.end).toMatchObject({ line: 5, column: 2 });
    expect(textOf(program.items[1]!.span)).toBe('train M {\n  penalty l2(1e-4) on fc*.weight\n}');
  });

  it('covers statements and expressions from first to last token', () => {
    if (program.items[0]?.kind !== 'Model') throw new Error('expected a model');
    const [input, flow, output] = program.items[0].body;
    expect(textOf(input!.span)).toBe('input x: f32[N, 4]');
    if (input?.kind !== 'Input') throw new Error('expected input');
    expect(textOf(input.type!.span)).toBe('f32[N, 4]');
    expect(textOf(input.type!.dims[1]!.span)).toBe('4');
    expect(textOf(flow!.span)).toBe('c1: linear(8) with weightnorm -> relu');
    if (flow?.kind !== 'Flow' || flow.value.kind !== 'Chain') throw new Error('expected a chain');
    expect(textOf(flow.value.head.span)).toBe('c1: linear(8) with weightnorm');
    if (flow.value.head.kind !== 'Call') throw new Error('expected a call');
    expect(textOf(flow.value.head.callee.span)).toBe('linear');
    expect(textOf(flow.value.head.label!.span)).toBe('c1');
    expect(textOf(flow.value.head.args![0]!.span)).toBe('8');
    expect(flow.value.head.span.start).toMatchObject({ line: 3, column: 3 });
    if (output?.kind !== 'Output') throw new Error('expected output');
    expect(textOf(output.value.span)).toBe('h + x');
  });

  it('points globs and comments at their text', () => {
    const train = program.items[1];
    if (train?.kind !== 'Train' || train.body[0]?.kind !== 'Penalty') throw new Error('expected a penalty');
    expect(textOf(train.body[0].targets[0]!.span)).toBe('fc*.weight');
    const withComment = parseText('model M {} /* note */');
    expect(withComment.program.comments[0]!.span.start.column).toBe(12);
  });

  it('gives a missing name an empty, zero-width span after the token before it', () => {
    const partial = parseText('model {\n}');
    const model = partial.program.items[0];
    if (model?.kind !== 'Model') throw new Error('expected a model');
    expect(model.name.name).toBe('');
    expect(model.name.span.start).toEqual(model.name.span.end);
    expect(model.name.span.start.offset).toBe('model'.length);
  });
});
