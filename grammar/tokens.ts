// Every token of the .reg language, in lexer priority order.
//
// Reserved words are kept few. Only the words that start or shape a model
// statement are reserved: `model block train input output let repeat with on
// true false`. (`input x` must not read as a flow statement `input` followed
// by `x`, and `on` must be unambiguous because globs are lexed after it.)
// The train statement words (`loss`, `batch`, `steps`, ...),
// `then` and `weights` are *soft* keywords: they lex as their own token type
// but belong to the Identifier category, so everywhere the parser accepts an
// identifier it accepts them too. A user can label a layer `loss`, name a
// metric `loss`, or write `warmup(steps=500)`; inside `train { }` the same
// word starts a statement.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  // A byte-order mark is whitespace too, wherever an editor left it.
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

// Comments are kept in their own group so the formatter can re-attach them.
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
});
/** A `/*` that never closes: it runs to the end of the file (reported as E0102). */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
  line_breaks: true,
});
export const LineComment = createToken({
  name: 'LineComment',
  pattern: /\/\/[^\n\r]*/,
  group: 'comments',
});

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"|'(?:[^'\\\n\r]|\\[^\n\r])*'/,
  label: 'a string',
});
/**
 * A string whose closing quote is missing on its line. It is a StringLiteral
 * by category so parsing carries on as if the quote were there; parse()
 * reports E0102.
 */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?|'(?:[^'\\\n\r]|\\[^\n\r])*\\?/,
  categories: [StringLiteral],
  label: 'a string',
});

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: 'a name',
});

// ------------------------------------------------------------------ globs

/** An unquoted glob's characters (sticky: matched at a given offset). */
export const GLOB_PATTERN = /[A-Za-z_*?][A-Za-z0-9_*?.[\]]*/y;
/** Words after `on` that are noise targets, not parameter globs. */
export const NOISE_TARGET_WORDS: ReadonlySet<string> = new Set(['input', 'weights']);

/**
 * True when the next token is a glob position: right after `on` on the same
 * line, or after a `,` that follows a glob (bare or quoted) of the same
 * list. Everywhere else `c*.weight` lexes as `c`, `*`, ... so that `a*b`
 * stays multiplication.
 */
function isGlobPosition(text: string, offset: number, matched: readonly IToken[]): boolean {
  let i = matched.length - 1;
  for (;;) {
    const last = matched[i];
    if (last === undefined) return false;
    // The first glob shares the line of its `on`: after a truncated
    // `penalty l2(1e-4) on`, the next line's `noise` stays a keyword.
    if (last.tokenType === On) return i < matched.length - 1 || !hasLineBreak(text, last.endOffset! + 1, offset);
    if (last.tokenType !== Comma) return false;
    const beforeComma = matched[i - 1];
    if (beforeComma === undefined) return false;
    if (beforeComma.tokenType === Glob) return true;
    // A quoted glob is an ordinary string token; keep walking back to see
    // whether it belongs to a glob list.
    if (beforeComma.tokenType !== StringLiteral) return false;
    i -= 2;
  }
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

function matchGlob(text: string, offset: number, matched: IToken[]): RegExpExecArray | null {
  if (!isGlobPosition(text, offset, matched)) return null;
  GLOB_PATTERN.lastIndex = offset;
  const match = GLOB_PATTERN.exec(text);
  if (match === null || NOISE_TARGET_WORDS.has(match[0])) return null;
  return match;
}

const GLOB_START_CHARS = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '_',
  '*',
  '?',
];

/** An unquoted parameter-name pattern: `c*.weight`, `layer1.*.bn?.bias`, `fc1.weight`. */
export const Glob = createToken({
  name: 'Glob',
  pattern: { exec: matchGlob },
  line_breaks: false,
  start_chars_hint: GLOB_START_CHARS,
  label: 'a parameter glob',
});

// ----------------------------------------------------------------- numbers

/**
 * Anything number-shaped, valid or not: `3`, `.5`, `1e-5`, `0x1F`, `1_000`,
 * but also `1e`, `0x`, `3abc`. Validation happens in number-literal.ts so a
 * malformed number is one E0105 error, not a number followed by a name.
 */
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern:
    /0[xXbBoO][0-9A-Za-z_]*|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?[\d_]*)?[A-Za-z0-9_]*/,
  label: 'a number',
});

// ---------------------------------------------------------------- keywords

function keyword(name: string, word: string, soft: boolean): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: soft ? [Identifier] : [],
    label: `\`${word}\``,
  });
}

export const Model = keyword('Model', 'model', false);
export const Block = keyword('Block', 'block', false);
export const Train = keyword('Train', 'train', false);
export const Input = keyword('Input', 'input', false);
export const Output = keyword('Output', 'output', false);
export const Let = keyword('Let', 'let', false);
export const Repeat = keyword('Repeat', 'repeat', false);
export const With = keyword('With', 'with', false);
export const On = keyword('On', 'on', false);
export const True = keyword('True', 'true', false);
export const False = keyword('False', 'false', false);

export const Then = keyword('Then', 'then', true);
export const Weights = keyword('Weights', 'weights', true);
export const Loss = keyword('Loss', 'loss', true);
export const Optimizer = keyword('Optimizer', 'optimizer', true);
export const Schedule = keyword('Schedule', 'schedule', true);
export const Penalty = keyword('Penalty', 'penalty', true);
export const Noise = keyword('Noise', 'noise', true);
export const Augment = keyword('Augment', 'augment', true);
export const Clip = keyword('Clip', 'clip', true);
export const EarlyStop = keyword('EarlyStop', 'early_stop', true);
export const Calibrate = keyword('Calibrate', 'calibrate', true);
export const Metrics = keyword('Metrics', 'metrics', true);
export const Batch = keyword('Batch', 'batch', true);
export const Epochs = keyword('Epochs', 'epochs', true);
export const Seed = keyword('Seed', 'seed', true);
export const Steps = keyword('Steps', 'steps', true);
export const ValSplit = keyword('ValSplit', 'val_split', true);

const RESERVED_KEYWORDS = [Model, Block, Train, Input, Output, Let, Repeat, With, On, True, False];
const SOFT_KEYWORDS = [
  Then, Weights, Loss, Optimizer, Schedule, Penalty, Noise, Augment, Clip, EarlyStop, Calibrate,
  Metrics, Batch, Epochs, Seed, Steps, ValSplit,
];

/** The words a user cannot use as a name. */
export const reservedWords: readonly string[] = RESERVED_KEYWORDS.map(
  (tok) => (tok.PATTERN as RegExp).source,
);

// ------------------------------------------------------------- punctuation

function punct(name: string, image: string): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return createToken({ name, pattern: new RegExp(escaped), label: `\`${image}\`` });
}

export const Arrow = punct('Arrow', '->');
export const LCurly = punct('LCurly', '{');
export const RCurly = punct('RCurly', '}');
export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const Semicolon = punct('Semicolon', ';');
export const Equals = punct('Equals', '=');
export const Plus = punct('Plus', '+');
export const Minus = punct('Minus', '-');
export const Star = punct('Star', '*');
export const Slash = punct('Slash', '/');

/** Lexer priority order: earlier tokens win ties. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  BlockComment,
  UnterminatedBlockComment,
  LineComment,
  StringLiteral,
  UnterminatedString,
  Glob,
  NumberLiteral,
  ...RESERVED_KEYWORDS,
  ...SOFT_KEYWORDS,
  Identifier,
  Arrow,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Semicolon,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
];

// Chevrotain's default line terminators, `\n`, `\r\n` and a lone `\r`, are the
// line breaks SourceFile counts (source.ts), so token lines and columns are
// SourceFile's; tests/grammar/line-breaks.test.ts holds them to that.
export const regLexer = new Lexer(allTokens, { ensureOptimizations: true, positionTracking: 'full' });

/** Brackets that must pair up, closing token by opening token. */
export const bracketPairs: ReadonlyMap<TokenType, TokenType> = new Map([
  [LParen, RParen],
  [LBracket, RBracket],
  [LCurly, RCurly],
]);

/** Index of the first token starting at or after offset (tokens.length past the last). */
export function tokenIndexAt(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
