// Error recovery must never throw and must always produce a well-formed AST
// whose spans lie inside the file, whatever the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../grammar/parse.ts';
import { fixture } from './helpers.ts';

interface SpanLike {
  start: { offset: number };
  end: { offset: number };
}

/** Checks every span in an AST value lies within [0, length] and is ordered. */
function expectSpansWithin(value: unknown, length: number): void {
  if (Array.isArray(value)) {
    for (const item of value) expectSpansWithin(item, length);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  const span = record['span'] as SpanLike | undefined;
  if (span !== undefined) {
    expect(span.start.offset).toBeGreaterThanOrEqual(0);
    expect(span.end.offset).toBeGreaterThanOrEqual(span.start.offset);
    expect(span.end.offset).toBeLessThanOrEqual(length);
  }
  for (const [key, inner] of Object.entries(record)) if (key !== 'span') expectSpansWithin(inner, length);
}

function parsesSafely(text: string): void {
  const result = parseText(text);
  expect(result.program.kind).toBe('Program');
  expectSpansWithin(result.program, text.length);
  for (const d of result.diagnostics) {
    expect(d.span.end.offset).toBeLessThanOrEqual(text.length);
    expect(d.message).not.toMatch(/^\{/); // never leak the structured detail
  }
}

describe.each(['sketch-fashion.reg', 'sketch-resnet.reg'])('truncations of %s', (file) => {
  const text = fixture(file);

  it('parse without throwing at every 10th offset', () => {
    for (let end = 0; end < text.length; end += 10) parsesSafely(text.slice(0, end));
  });

  it('report an error for every truncation inside an item', () => {
    // Cutting just after an opening `{` always leaves it unclosed.
    for (let end = text.indexOf('{') + 1; end > 0; end = text.indexOf('{', end) + 1) {
      expect(parseText(text.slice(0, end)).diagnostics.length, `cut at ${end}`).toBeGreaterThan(0);
    }
  });

  it('parse without throwing with a window of text deleted', () => {
    for (let start = 0; start < text.length; start += 37) {
      parsesSafely(text.slice(0, start) + text.slice(start + 23));
    }
  });
});

const FRAGMENTS = [
  'model', 'block', 'train', 'input', 'output', 'let', 'repeat', 'with', 'on', 'then', 'true', 'loss', 'noise',
  'penalty', 'augment', 'early_stop', 'batch', 'weights', 'x', 'c1', 'conv2d', 'fc*.weight', '3', '.5', '1e-5',
  '0x1F', '1e', '"s"', '"open', "'q'", '{', '}', '(', ')', '[', ']', ',', ':', ';', '=', '->', '+', '-', '*', '/',
  '// c', '/* c */', '/* open', '\n', ' ', '$',
];

describe('random token soup', () => {
  it('never throws and keeps spans inside the file', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }), (parts) => {
        parsesSafely(parts.join(' '));
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        parsesSafely(text);
      }),
      { numRuns: 300 },
    );
  });
});
