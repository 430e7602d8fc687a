// The lexer and parser's error codes, explained for the diagnostics docs.

export interface DiagnosticCodeDoc {
  readonly code: string;
  readonly title: string;
  readonly explanation: string;
  /** A small .reg snippet that produces the error. */
  readonly example: string;
}

export const grammarDiagnosticCodes: readonly DiagnosticCodeDoc[] = [
  {
    code: 'E0101',
    title: 'unexpected character',
    explanation:
      'The file contains a character that cannot start any token of the language, such as `$`, `@` or `#`. ' +
      'Names are made of letters, digits and `_`; comments start with `//` or `/*`. The character is skipped ' +
      'and the rest of the file is still checked.',
    example: 'model M {\n  input x: f32[N, 4]\n  fc: linear(10) $\n}',
  },
  {
    code: 'E0102',
    title: 'unterminated string or comment',
    explanation:
      'A string literal has no closing quote before the end of its line (strings cannot span lines), or a ' +
      '`/*` comment has no closing `*/`, so it would swallow the rest of the file.',
    example: 'train M {\n  penalty l2(1e-4) on "fc*.weight\n}',
  },
  {
    code: 'E0103',
    title: 'unexpected token',
    explanation:
      'The parser found a token where the grammar does not allow it. The message lists what could have come ' +
      'instead. Statements need no separator, but each must be complete: arguments go in parentheses that ' +
      'open on the same line as the layer name, and a chain continues only after `->`.',
    example: 'model M {\n  input x: f32[N, 4]\n  fc: linear(10 20)\n}',
  },
  {
    code: 'E0104',
    title: 'missing closing bracket',
    explanation:
      'A `(`, `[` or `{` is never closed. The error points where the closing bracket was expected and also ' +
      'marks the opening bracket it should match.',
    example: 'model M {\n  input x: f32[N, 4]\n  fc: linear(10\n}',
  },
  {
    code: 'E0105',
    title: 'invalid number literal',
    explanation:
      'Something starts like a number but is not one. Accepted notations are decimal (`3`, `0.5`, `.5`, `3.`), ' +
      'exponents (`1e-5`, `1E+3`), `_` between digits (`1_000`), hexadecimal (`0x1F`), binary (`0b101`) and ' +
      'octal (`0o17`). A number directly followed by letters (`3x`) is also invalid.',
    example: 'train M {\n  optimizer sgd(lr=1e)\n}',
  },
  {
    code: 'E0106',
    title: 'brackets nested too deeply',
    explanation:
      'Brackets (`(`, `[` and `{`, in any mix) nest more than 128 levels deep. The compiler reads nested ' +
      'brackets recursively (and recovering from a syntax error deep inside them takes most stack), so it ' +
      'refuses such a file rather than run out of stack; the error marks the bracket that opens level 129, ' +
      'and the rest of the file is not checked. No real spec comes near the limit: a generated file that ' +
      'does should name intermediate values instead.',
    example: `model M {\n  input x: f32[N, 4]\n  fc: linear(${'('.repeat(260)}10${')'.repeat(260)})\n}`,
  },
  {
    code: 'E0107',
    title: 'expression too long',
    explanation:
      'An expression has more than 1024 terms joined by `+`, `-`, `*` or `/` (the terms of the expressions ' +
      'it is nested in count too, and every name, label, `repeat` and `with` in it is part of it). Each ' +
      'operator nests the tree one level deeper, so the compiler refuses such an expression rather than run ' +
      'out of stack; the error marks the operator after term 1024, and the rest of the file is not checked.',
    example: `model M {\n  input x: f32[N, 4]\n  fc: linear(${Array(1100).fill('1').join(' + ')})\n}`,
  },
  {
    code: 'E0108',
    title: 'too many syntax errors',
    explanation:
      'The parser met more than 1000 syntax errors (counting the follow-on errors of each mistake, though only ' +
      'one per line is shown) and stopped reading: the error marks the first token it left unread, and the rest ' +
      'of the file is not checked. Recovering from each error costs time, so a file that is mostly not a spec ' +
      '(a long line of stray tokens, another format) is refused here rather than read for seconds. The limit is ' +
      '`MAX_SYNTAX_ERRORS` in grammar/limits.ts.',
    example: `train M {\n  augment { ${'hflip -> '.repeat(1100)}hflip }\n}`,
  },
];
