// What the fuzz campaign found in error recovery (docs/fuzzing.md): long runs
// of stray tokens and nesting near the limit made chevrotain's recovery
// overflow the stack or take quadratic time. Every stage must answer with
// diagnostics, quickly, whatever the file.
import { describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { MAX_NESTING_DEPTH, MAX_SYNTAX_ERRORS } from '../../grammar/limits.ts';
import { parse, parseWithRecovery } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

type Stage = readonly [string, (text: string) => readonly Diagnostic[]];
const STAGES: readonly Stage[] = [
  ['parseWithRecovery', (text) => parseWithRecovery(new SourceFile('t.reg', text)).diagnostics],
  ['analyseSource', (text) => analyseSource(new SourceFile('t.reg', text))],
  ['compileSource', (text) => compileSource(text, 't.reg').diagnostics],
];

/** The codes every stage (or the first `stages`) reports for `text`, each within `ms`; none may throw. */
function codesWithin(text: string, ms: number, stages = STAGES.length): string[][] {
  return STAGES.slice(0, stages).map(([stage, run]) => {
    const started = performance.now();
    let diagnostics: readonly Diagnostic[] = [];
    expect(() => (diagnostics = run(text)), stage).not.toThrow();
    expect(performance.now() - started, stage).toBeLessThan(ms);
    return [...new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))];
  });
}

const trainWith = (augment: string) => `model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  relu\n}\ntrain M {\n  loss mse\n  optimizer sgd(lr=0.1)\n  augment { ${augment} }\n}\n`;

describe('runs of stray tokens inside a repetition', () => {
  it('recover from a long `->` chain in `augment { }` without overflowing the stack', () => {
    // Chevrotain resumed the augmentation loop from inside its own recovery, one level deeper per `->`.
    for (const codes of codesWithin(trainWith(`${'relu -> '.repeat(2000)}hflip`), 2000)) expect(codes).toContain('E0103');
  });

  it('recover in linear time: 50,000 steps stop at MAX_SYNTAX_ERRORS instead of taking a minute', () => {
    const text = trainWith(`${'relu -> '.repeat(50_000)}hflip`);
    // analyse and compile show the first 100 errors, before the stop.
    for (const codes of codesWithin(text, 2000)) expect(codes).toContain('E0103');
    const stop = parse(new SourceFile('t.reg', text)).diagnostics.find((d) => d.code === 'E0108')!;
    expect(stop.message).toBe(`more than ${MAX_SYNTAX_ERRORS} syntax errors`);
    // It marks the first token left unread, past the errors it counted.
    expect(text.slice(stop.span.start.offset, stop.span.end.offset)).toMatch(/^(relu|->)$/);
    expect(stop.span.start.offset).toBeGreaterThan(text.indexOf('augment'));
  });

  it('recover from stray closers between statements of a body', () => {
    const text = `model M {\n  input x: f32[N, 4]\n  output y\n${'  relu )\n'.repeat(5000)}}\n`;
    for (const codes of codesWithin(text, 2000)) expect(codes).toContain('E0103');
  });

  it('report the errors before the cap as usual', () => {
    const text = trainWith('relu -> hflip');
    const diagnostics = parse(new SourceFile('t.reg', text)).diagnostics;
    expect(diagnostics.map((d) => d.code)).toEqual(['E0103']);
  });
});

describe('nesting at the limit with a syntax error inside', () => {
  // Each form opens `levels` brackets per repetition; the contexts put it where recovery runs deep.
  const forms: readonly (readonly [string, string, number])[] = [
    ['(', ')', 1],
    ['[', ']', 1],
    ['{', '}', 1],
    ['f(', ')', 1],
    ['f(a=', ')', 1],
    ['[(', ')]', 2],
    ['({[', ']})', 3],
    ['f([', '])', 2],
    ['repeat (', ')', 1],
  ];
  const inners = ['->', 'with', ')'];
  const contexts: readonly (readonly [string, (nest: string) => string, number])[] = [
    ['after a model name', (nest) => `model M${nest}`, 0],
    ['in layer arguments', (nest) => `model M {\n  input x: f32[N, 4]\n  output y\n  linear(${nest})\n}\n`, 2],
    ['in a block parameter default', (nest) => `block B(a: int = ${nest}) {\n  input x\n}\n`, 1],
  ];
  for (const [open, close, levels] of forms) {
    it(`recovers inside ${MAX_NESTING_DEPTH} levels of ${open}, closed or not`, () => {
      for (const [where, wrap, around] of contexts) {
        const reps = Math.floor((MAX_NESTING_DEPTH - around) / levels);
        for (const inner of inners) {
          for (const closed of [true, false]) {
            const text = wrap(open.repeat(reps) + inner + (closed ? close.repeat(reps) : ''));
            // The parser and the checker: lowering does not run on a file with syntax errors.
            for (const codes of codesWithin(text, 3000, 2)) expect(codes, `${where}, ${JSON.stringify(inner)}`).not.toContain('E0106');
          }
        }
      }
    });
  }

  it('refuses the fuzz case of 200 nested `[` with E0106, which once overflowed the stack in recovery', () => {
    const text = `model M${'['.repeat(200)}->${']'.repeat(200)}`;
    for (const codes of codesWithin(text, 2000)) expect(codes).toEqual(['E0106']);
  });
});
