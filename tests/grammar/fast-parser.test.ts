// parse() has two parsers: the fast path (fast-lexer.ts, fast-parser.ts)
// for files without errors, and the chevrotain parser with recovery for
// the rest. They must agree: the fast path gives an AST exactly when the
// chevrotain path reports no diagnostic, and then the very same AST, spans
// included. Checked on every .reg file in the repository, on cut and
// spliced versions of them, and on generated token sequences near the
// grammar, mutated and joined with every kind of blank.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../grammar/fast-parser.ts';
import { parseWithRecovery } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { largeSpec } from '../../bench/large-spec.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Whether the two paths agree on text; true when it parsed clean. */
function expectPathsAgree(text: string): boolean {
  const source = new SourceFile('agree.reg', text);
  const recovered = parseWithRecovery(source);
  const fast = parseFast(source);
  if (recovered.diagnostics.length > 0) {
    expect(fast, `the fast path accepted a file with ${recovered.diagnostics[0]!.code}: ${JSON.stringify(text)}`).toBeUndefined();
    return false;
  }
  expect(fast, `the fast path gave up on a clean file: ${JSON.stringify(text)}`).toBeDefined();
  expect(fast).toStrictEqual(recovered.program);
  return true;
}

function regFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : regFiles(path);
    return entry.name.endsWith('.reg') ? [path] : [];
  });
}

const files = ['specs', 'tests', 'bench', 'docs'].flatMap((dir) => regFiles(join(repoRoot, dir))).sort();

describe('the fast path and the recovering parser agree', () => {
  it('on every .reg file in the repository, clean or not', () => {
    expect(files.length).toBeGreaterThan(50);
    const clean = files.filter((file) => expectPathsAgree(readFileSync(file, 'utf8')));
    // Both kinds must be there for the comparison to mean something.
    expect(clean.length).toBeGreaterThan(20);
    expect(files.length - clean.length).toBeGreaterThan(5);
  });

  it('on the benchmark spec', () => {
    expect(expectPathsAgree(largeSpec(400))).toBe(true);
  });

  it('on cuts and splices of the example specs', () => {
    const specs = regFiles(join(repoRoot, 'specs')).map((file) => readFileSync(file, 'utf8'));
    for (const text of specs) {
      for (let at = 0; at < text.length; at += 29) {
        expectPathsAgree(text.slice(0, at));
        expectPathsAgree(text.slice(0, at) + text.slice(at + 13));
      }
    }
  });

  it('on line ends, blanks and comments in every place', () => {
    const cases = [
      'model M {\n  relu\n  (a + b) -> fc\n}',
      'model M {\n  relu (2)\n}',
      'model M {\n  relu /* c */ (2)\n}',
      'model M {\n  x -> relu\n  -y\n}',
      'model M {\n  x\n  -y\n}',
      'model M { relu maxpool(2) }',
      'model M { relu; maxpool(2) }',
      'model M { relu;; maxpool(2) }',
      'model M {\r\n  relu\r\n}\r\n',
      'model M {\r  relu\r}',
      'model M { /* a\rb */ relu }',
      '\uFEFFmodel M {\f\v relu }',
      'train M {\n  penalty l2(1) on\n  noise g on input\n}',
      'train M { penalty l2(1) on /* x */ c*.weight, "b", fc?.bias }',
      'train M { penalty l2(1) on /* \n */ c*.weight }',
      'train M { noise g on weights; noise g on input; noise g on inputs }',
      'train M { augment { hflip(p=0.5) crop } }',
      'train M { augment { hflip(p=0.5); crop }\n metrics a, loss batch 3 }',
      'model M { f(x with a, y) }',
      'model M { f(x with a, k=2) }',
      'model M { f(a, b,) [1, 2,] g(,) [,] }',
      'model M { l: repeat 2 U(3) -> r: repeat n V -> repeat (n + 1) W with a(1), b }',
      'block B(a: int, b: float = 0.5,) { input x; output x }',
      'block B(a: int,,) { input x }',
      'model M { x = 3 }',
      'model M { let loss = then -> weights }',
      'model M { 1e 0x 3abc }',
      'model M { "open }',
      'model M { a ? b }',
      'model M { input x: f32[N, 3,] }',
      'model M { input x: f32[N, 3] output - - +x }',
      'model M { output a - b / c * d + e - f / g / h }',
      '',
      '  \n',
      '// only a comment',
      'model M { relu } // no line end after this',
      'model M { relu } /* unclosed',
      // Far more tokens than characters / 4, so the token arrays grow.
      `model M {\n  output [${'1,'.repeat(5000)}]\n}`,
    ];
    for (const text of cases) expectPathsAgree(text);
  });
});

// ------------------------------------------------------- generated input

const names = ['x', 'h', 'relu', 'fc1', 'loss', 'then', 'weights', 'batch', 'steps', 'early_stop', 'N'];
const numbers = ['3', '0.5', '.5', '1e-5', '1_000', '0x1F', '3.'];
const invalidNumbers = ['1e', '0x', '3abc', '1__0'];
const strings = ['"a"', "'b\\n'", '"c\\"d"'];
const globs = ['c*.weight', 'fc?.bias', '*.bias', '"x.*"', 'layer1.*.bn?.bias'];

type Tokens = string[];

const name = fc.constantFrom(...names);
const tokens = (...parts: fc.Arbitrary<Tokens>[]): fc.Arbitrary<Tokens> => fc.tuple(...parts).map((p) => p.flat());
const word = (w: string): fc.Arbitrary<Tokens> => fc.constant([w]);
const maybe = (part: fc.Arbitrary<Tokens>): fc.Arbitrary<Tokens> => fc.oneof(fc.constant<Tokens>([]), part);
const many = (part: fc.Arbitrary<Tokens>, maxLength = 3): fc.Arbitrary<Tokens> =>
  fc.array(part, { maxLength }).map((p) => p.flat());
/** Items with a separator between them; lists that allow none may end with one. */
const separated = (part: fc.Arbitrary<Tokens>, separator: string, trailing = true): fc.Arbitrary<Tokens> =>
  fc
    .tuple(fc.array(part, { minLength: trailing ? 0 : 1, maxLength: 3 }), fc.boolean())
    .map(([items, trail]) => [
      ...items.flatMap((item, i) => (i === 0 ? item : [separator, ...item])),
      ...(trailing && trail && items.length > 0 ? [separator] : []),
    ]);

const { expr, layerApp } = fc.letrec<{ expr: Tokens; layerApp: Tokens; operand: Tokens; call: Tokens }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 3, withCrossShrink: true },
    tie('operand'),
    tokens(tie('operand'), many(tokens(fc.constantFrom('+', '-', '*', '/').map((op) => [op]), tie('operand')), 4)),
    tokens(tie('operand'), many(tokens(word('->'), tie('layerApp')), 2)),
  ),
  operand: fc.oneof(
    { maxDepth: 3 },
    name.map((n) => [n]),
    fc.oneof(
      { weight: 30, arbitrary: fc.constantFrom(...numbers, ...strings, 'true', 'false') },
      { weight: 1, arbitrary: fc.constantFrom(...invalidNumbers) },
    ).map((v) => [v]),
    tokens(fc.constantFrom('-', '+').map((s) => [s]), tie('operand')),
    tokens(word('['), separated(tie('expr'), ','), word(']')),
    tokens(word('('), tie('expr'), word(')')),
    tie('layerApp'),
  ),
  call: tokens(name.map((n) => [n]), maybe(tokens(word('('), separated(tokens(maybe(tokens(name.map((n) => [n]), word('='))), tie('expr')), ','), word(')')))),
  layerApp: tokens(
    maybe(tokens(name.map((n) => [n]), word(':'))),
    maybe(tokens(word('repeat'), fc.oneof(fc.constantFrom('2', 'n').map((c) => [c]), tokens(word('('), tie('expr'), word(')'))))),
    tie('call'),
    maybe(tokens(word('with'), separated(tie('call'), ',', false))),
  ),
}));

const call = tokens(name.map((n) => [n]), maybe(tokens(word('('), separated(expr, ','), word(')'))));
const dim = fc.constantFrom('N', '3', '28', 'loss').map((d) => [d]);
const statement = fc.oneof(
  tokens(word('input'), name.map((n) => [n]), maybe(tokens(word(':'), word('f32'), word('['), separated(dim, ',', false), word(']')))),
  tokens(word('output'), expr),
  tokens(word('let'), name.map((n) => [n]), word('='), expr),
  expr,
  layerApp,
);
/** Statements end at a line end or `;`, now and then at neither. */
const statementEnd: fc.Arbitrary<Tokens> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Tokens>(['\n'], [';']) },
  { weight: 1, arbitrary: fc.constant<Tokens>([]) },
);
const statements = many(tokens(statement, statementEnd), 4);
const globList = separated(fc.constantFrom(...globs).map((g) => [g]), ',', false);
const trainStatement = fc.oneof(
  tokens(fc.constantFrom('loss', 'optimizer', 'clip', 'calibrate').map((k) => [k]), call),
  tokens(word('schedule'), call, many(tokens(word('then'), call), 2)),
  tokens(word('metrics'), separated(call, ',', false)),
  tokens(word('penalty'), call, word('on'), globList),
  tokens(word('noise'), call, word('on'), fc.oneof(word('input'), word('weights'), globList)),
  tokens(word('augment'), word('{'), many(tokens(call, statementEnd), 3), word('}')),
  tokens(word('early_stop'), maybe(tokens(word('('), separated(expr, ','), word(')')))),
  tokens(fc.constantFrom('batch', 'epochs', 'seed', 'steps', 'val_split').map((k) => [k]), expr),
);
const item = fc.oneof(
  tokens(word('model'), name.map((n) => [n]), word('{'), statements, word('}')),
  tokens(
    word('block'),
    name.map((n) => [n]),
    word('('),
    separated(tokens(name.map((n) => [n]), word(':'), word('int'), maybe(tokens(word('='), expr))), ','),
    word(')'),
    word('{'),
    statements,
    word('}'),
  ),
  tokens(word('train'), name.map((n) => [n]), word('{'), many(tokens(trainStatement, statementEnd), 4), word('}')),
);

/** What goes between two tokens: mostly a space or a line end, sometimes nothing, a comment or a stray character. */
const blank = fc.oneof(
  { weight: 300, arbitrary: fc.constant(' ') },
  { weight: 30, arbitrary: fc.constant('\n  ') },
  { weight: 3, arbitrary: fc.constantFrom('', '\t', '\r\n', '/* c */', '/* a\nb */', '// note\n', '\r', '\uFEFF', ' ? ', ' @ ', '/*') },
);

/** A generated file: items joined by blanks, then a few tokens dropped, repeated or swapped. */
const file = fc
  .tuple(
    fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.flat()),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      fc.array(fc.tuple(fc.constantFrom('drop', 'repeat', 'swap'), fc.nat()), { minLength: 1, maxLength: 2 }),
    ),
  )
  .chain(([words, mutations]) => {
    const mutated = [...words];
    for (const [mutation, at] of mutations) {
      if (mutated.length === 0) break;
      const i = at % mutated.length;
      if (mutation === 'drop') mutated.splice(i, 1);
      else if (mutation === 'repeat') mutated.splice(i, 0, mutated[i]!);
      else if (i + 1 < mutated.length) [mutated[i], mutated[i + 1]] = [mutated[i + 1]!, mutated[i]!];
    }
    return fc
      .array(blank, { minLength: mutated.length + 1, maxLength: mutated.length + 1 })
      .map((blanks) => blanks[0] + mutated.map((w, i) => w + blanks[i + 1]).join(''));
  });

describe('the fast path and the recovering parser agree on generated files', () => {
  it('clean and broken alike', () => {
    let clean = 0;
    let total = 0;
    fc.assert(
      fc.property(file, (text) => {
        total++;
        if (expectPathsAgree(text)) clean++;
      }),
      { numRuns: 1500 },
    );
    // The generator must keep producing both kinds, or the comparison proves little.
    expect(clean / total).toBeGreaterThan(0.1);
    expect(clean / total).toBeLessThan(0.9);
  });
});
