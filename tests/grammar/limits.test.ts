// Deep nesting and very long expressions give a located diagnostic, never
// a RangeError, through parse(), analyseSource() and compileSource().
import { describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { MAX_EXPRESSION_TERMS, MAX_NESTING_DEPTH } from '../../grammar/limits.ts';
import { parse, parseWithRecovery } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';

const model = (args: string, extra = '') => `model M {\n  input x: f32[N, 4]\n  output fc\n  fc: linear(${args})${extra}\n}\n`;
const terms = (n: number, op = '+') => Array(n).fill('1').join(op);
const nest = (n: number, open: string, close: string, inner = '10') => open.repeat(n) + inner + close.repeat(n);

type Stage = readonly [string, (text: string) => readonly Diagnostic[]];
const STAGES: readonly Stage[] = [
  ['parse', (text) => parse(new SourceFile('t.reg', text)).diagnostics],
  ['parseWithRecovery', (text) => parseWithRecovery(new SourceFile('t.reg', text)).diagnostics],
  ['analyseSource', (text) => analyseSource(new SourceFile('t.reg', text))],
  ['compileSource', (text) => compileSource(text, 't.reg').diagnostics],
];

/** Every stage reports `code` once, at a token of the text whose image is one of `images`. */
function expectLimit(text: string, code: string, images: readonly string[]): void {
  for (const [stage, run] of STAGES) {
    let diagnostics: readonly Diagnostic[] = [];
    expect(() => (diagnostics = run(text)), stage).not.toThrow();
    const hits = diagnostics.filter((d) => d.code === code);
    expect(hits, stage).toHaveLength(1);
    const span = hits[0]!.span;
    expect(span.start.offset, stage).toBeGreaterThanOrEqual(0);
    expect(span.end.offset, stage).toBeLessThanOrEqual(text.length);
    expect(images, stage).toContain(text.slice(span.start.offset, span.end.offset));
  }
}

const TOO_DEEP: Record<string, string> = {
  'parentheses in layer arguments': model(nest(2000, '(', ')')),
  'brackets (lists)': model(nest(2000, '[', ']')),
  'calls': model(nest(2000, 'f(', ')')),
  'mixed brackets': model(nest(700, '([{', '}])')),
  'braces': 'model M {\n' + '{'.repeat(2000) + '\n}\n',
  'unclosed parentheses': model('('.repeat(2000)),
  'parentheses at the limit plus one': model(nest(MAX_NESTING_DEPTH, '(', ')')),
  'parentheses in a file with a syntax error': model(nest(2000, '(', ')'), ' 20 20'),
};

describe('nesting deeper than MAX_NESTING_DEPTH', () => {
  for (const [name, text] of Object.entries(TOO_DEEP)) {
    it(`reports E0106 for ${name}`, () => expectLimit(text, 'E0106', ['(', '[', '{']));
  }

  it('points at the first bracket past the limit', () => {
    const text = model(nest(300, '(', ')'));
    const [d] = parse(new SourceFile('t.reg', text)).diagnostics;
    expect(d?.code).toBe('E0106');
    // The model's `{` is level 1 and `linear(` level 2, so level MAX+1 is the run's (MAX-1)-th bracket.
    expect(d?.span.start.offset).toBe(text.indexOf('(') + MAX_NESTING_DEPTH - 1);
  });

  it('accepts nesting just under the limit, through every stage', () => {
    const text = model(nest(MAX_NESTING_DEPTH - 2, '(', ')'));
    for (const [stage, run] of STAGES) expect(run(text).map((d) => d.code), stage).toEqual([]);
    // With a syntax error the chevrotain parser and to-ast handle that depth too.
    const broken = model(nest(MAX_NESTING_DEPTH - 2, '(', ')'), ' 20 20');
    for (const [stage, run] of STAGES) expect(run(broken).map((d) => d.code), stage).toContain('E0103');
  });
});

describe('expressions of more than MAX_EXPRESSION_TERMS terms', () => {
  for (const n of [MAX_EXPRESSION_TERMS + 1, 10_000, 100_000]) {
    it(`reports E0107 for ${n} terms`, () => expectLimit(model(terms(n)), 'E0107', ['+']));
  }

  it('counts every operator, unary ones and those of enclosing expressions', () => {
    expectLimit(model(terms(5000, '*')), 'E0107', ['*']);
    expectLimit(model('-'.repeat(5000) + '1'), 'E0107', ['-']);
    const nested = Array.from({ length: 200 }, () => terms(20)).reduce((inner, t) => `${t}+(${inner})`, '1');
    expectLimit(model(nested), 'E0107', ['+']);
  });

  it('counts the terms of soft keywords, labels, repeats and attachments, which once ended the count', () => {
    // Each of these made a left-nested tree of 5000 terms that overflowed the checker's stack.
    const body = (expr: string) => `model M {\n  input x: f32[N, 4]\n  output y\n  ${expr}\n}\n`;
    expectLimit(body(`relu(${'steps - '.repeat(5000)}x)`), 'E0107', ['-']);
    expectLimit(body(`relu(${'seed * batch + '.repeat(3000)}x)`), 'E0107', ['*', '+']);
    expectLimit(body(`relu(${'with * '.repeat(5000)}x)`), 'E0107', ['*']);
    expectLimit(body(`x${' + a: relu'.repeat(3000)}`), 'E0107', ['+']);
    expectLimit(body(`x${' + repeat 3 B'.repeat(3000)}`), 'E0107', ['+']);
    // `x with a, b + y` is `(x with a, b) + y`: the `,` between attachments does not end it.
    expectLimit(body(`x${' with a, b + x'.repeat(3000)}`), 'E0107', ['+']);
  });

  it('refuses an expression that error recovery glued past the tokens that end one', () => {
    // Recovery skips each stray `=` and goes on with the same sum: 40,000 terms in one tree,
    // which the checker's recursion overflowed on, though the token scan counts them apart.
    const text = model(`relu(${'1 + = + '.repeat(20_000)}1)`);
    for (const [stage, run] of STAGES) {
      let diagnostics: readonly Diagnostic[] = [];
      expect(() => (diagnostics = run(text)), stage).not.toThrow();
      expect(diagnostics.filter((d) => d.code === 'E0107'), stage).toHaveLength(1);
    }
  });

  it('still counts arguments, list elements and statements on their own', () => {
    const half = terms(MAX_EXPRESSION_TERMS - 10);
    const texts = [
      model(`${half}, bias=${half}`),
      model('1', ` with dropconnect(p=${half}), weightnorm(dim=${half})`),
      `model M {\n  input x: f32[N, 4]\n  output y\n  let a = x * ${half}\n  let b = x * ${half}\n  relu\n}\n`,
      `train M {\n  loss mse(a=${half})\n  optimizer sgd(lr=${half})\n  steps ${half}\n  seed ${half}\n}\n`,
    ];
    for (const text of texts) for (const [stage, run] of STAGES) expect(run(text).map((d) => d.code), stage).not.toContain('E0107');
  });

  it('accepts expressions at the limit, through every stage', () => {
    const text = model(terms(MAX_EXPRESSION_TERMS));
    for (const [stage, run] of STAGES) expect(run(text).map((d) => d.code), stage).toEqual([]);
  });

  it('counts each expression on its own', () => {
    const half = terms(MAX_EXPRESSION_TERMS - 10);
    const text = model(`${half}, ${half}`);
    for (const [stage, run] of STAGES) expect(run(text).map((d) => d.code), stage).not.toContain('E0107');
  });

  it('checks a conv given two arguments of about 1000 terms each in milliseconds, through every stage', () => {
    // Such a conv2d(1014, kernel=1014) on a 3-channel input declares a weight of 3e9 values, which
    // check used to fill in (about two minutes) before finding that the kernel does not fit.
    const half = terms(MAX_EXPRESSION_TERMS - 10);
    const text = `model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  conv2d(${half}, kernel=${half})\n}\n`;
    for (const [stage, run] of STAGES) {
      const started = performance.now();
      const codes = run(text).map((d) => d.code);
      expect(performance.now() - started, stage).toBeLessThan(5000);
      expect(codes, stage).not.toContain('E0107');
      if (stage === 'analyseSource' || stage === 'compileSource') expect(codes, stage).toEqual(['E0501', 'E0503']);
    }
  });
});
