// Parse + check never throws on broken input, and every diagnostic it gives
// points inside the file with positions that agree with SourceFile: random
// token soups, and the sketch files with tokens deleted, duplicated,
// swapped or inserted (the partial ASTs of error recovery are the point).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { Position, Span } from '../../grammar/source.ts';
import { check, fixture } from './helpers.ts';

const SKETCHES = [fixture('sketch-fashion.reg'), fixture('sketch-resnet.reg')];

/** Words, numbers, strings, comments, arrows, single punctuation and whitespace runs, in order. */
function tokenize(text: string): string[] {
  return text.match(/\/\/[^\n]*|"[^"\n]*"|->|[A-Za-z_][A-Za-z0-9_]*|\d[\d._eE+-]*|\s+|./g) ?? [];
}

const VOCABULARY = [
  'model', 'block', 'train', 'input', 'output', 'let', 'repeat', 'with', 'then', 'on', 'weights',
  'loss', 'optimizer', 'schedule', 'penalty', 'noise', 'augment', 'clip', 'early_stop', 'calibrate', 'metrics',
  'batch', 'epochs', 'steps', 'seed', 'val_split',
  'x', 'h', 'y', 'N', 'f32', 'f16', 'int', 'float', 'bool', 'Basic', 'Tiny', 'Fashion', 'M',
  'conv2d', 'linear', 'relu', 'concat', 'matmul', 'batchnorm', 'weightnorm', 'spectralnorm', 'dropconnect',
  'mse', 'sgd', 'cosine', 'warmup', 'reduce_on_plateau', 'l2', 'gaussian', 'hflip', 'accuracy', 'temperature',
  '(', ')', '[', ']', '{', '}', ',', ':', '=', '->', '+', '-', '*', '/', ';', '"', '.', '?',
  '0', '1', '3', '-1', '0.5', '1e-3', '1e', '0x', '"c*.weight"', '"["', 'c*.weight',
  '\n', ' ', '\t', '//', '/*', 'é', '😀',
];

const token = fc.constantFrom(...VOCABULARY);

type Mutation =
  | { kind: 'delete' | 'duplicate'; at: number }
  | { kind: 'swap'; at: number; other: number }
  | { kind: 'insert'; at: number; token: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token }),
);

function mutate(tokens: readonly string[], mutations: readonly Mutation[]): string {
  const out = [...tokens];
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'insert') out.splice(at, 0, m.token);
    else if (out.length === 0) continue;
    else if (m.kind === 'delete') out.splice(at % out.length, 1);
    else if (m.kind === 'duplicate') out.splice(at % out.length, 0, out[at % out.length]!);
    else if (m.kind === 'swap') {
      const [i, j] = [at % out.length, m.other % out.length];
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out.join('');
}

function expectWellPlaced(span: Span, text: string, position: (offset: number) => Position): void {
  expect(span.start.offset).toBeGreaterThanOrEqual(0);
  expect(span.end.offset).toBeLessThanOrEqual(text.length);
  expect(span.start.offset).toBeLessThanOrEqual(span.end.offset);
  expect(span.start).toEqual(position(span.start.offset));
  expect(span.end).toEqual(position(span.end.offset));
}

function checkWellFormed(text: string): void {
  const result = check(text, 'fuzz.reg');
  const position = (offset: number) => result.source.position(offset);
  for (const d of result.diagnostics as Diagnostic[]) {
    expect(d.code).toMatch(/^[EW]\d{4}$/);
    expect(d.message).toMatch(/^[^A-Z]/);
    expect(d.message).not.toMatch(/\.$/);
    expect(d.file).toBe('fuzz.reg');
    expectWellPlaced(d.span, text, position);
    for (const label of d.secondary) expectWellPlaced(label.span, text, position);
  }
  for (const summary of result.models.values()) {
    for (const p of summary.parameters) expect(p.name).not.toMatch(/^\.|\.\.|\.$/);
  }
}

describe('parse + check on broken input', () => {
  it('never throws on token soups, and places every diagnostic inside the file', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), (tokens) => checkWellFormed(tokens.join(' '))),
      { numRuns: 120 },
    );
  });

  it('never throws on mutated sketch files, and places every diagnostic inside the file', () => {
    const sketches = SKETCHES.map(tokenize);
    fc.assert(
      fc.property(fc.constantFrom(...sketches), fc.array(mutation, { minLength: 1, maxLength: 6 }), (tokens, mutations) =>
        checkWellFormed(mutate(tokens, mutations)),
      ),
      { numRuns: 180 },
    );
  });

  it('keeps the sketch files intact when nothing is mutated', () => {
    for (const sketch of SKETCHES) expect(tokenize(sketch).join('')).toBe(sketch);
  });
});
