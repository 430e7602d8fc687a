// The lexer of parse()'s fast path: the tokens of tokens.ts, read by hand
// into flat typed arrays instead of one chevrotain IToken object each.
//
// It only has to be right for text without lexical problems. At the first
// thing the chevrotain lexer would report (a character no token matches, an
// unterminated string or block comment) it gives up and returns undefined,
// and parse() takes the recovering path, which words the diagnostics.
// Invalid number literals are left to the parser, which reads every
// number's value anyway. Lines break at `\n`, `\r\n` and a lone `\r`, as
// chevrotain and SourceFile count them.
//
// Token kinds are chevrotain's tokenTypeIdx of each token type, so keyword
// spellings, soft keywords and priorities stay defined in tokens.ts alone.
import { EOF, type TokenType } from 'chevrotain';
import type { Comment } from './ast.ts';
import * as t from './tokens.ts';

/** The kind number of a token type. */
export function kindOf(type: TokenType): number {
  return type.tokenTypeIdx!;
}

const KIND_EOF = kindOf(EOF);
const KIND_IDENTIFIER = kindOf(t.Identifier);
const KIND_NUMBER = kindOf(t.NumberLiteral);
const KIND_STRING = kindOf(t.StringLiteral);
const KIND_GLOB = kindOf(t.Glob);
const KIND_ON = kindOf(t.On);
const KIND_COMMA = kindOf(t.Comma);
const KIND_ARROW = kindOf(t.Arrow);

/** Keywords, reserved and soft, by their word: the tokens that defer to Identifier for longer words. */
const KEYWORD_KINDS: ReadonlyMap<string, number> = new Map(
  t.allTokens
    .filter((type) => type.LONGER_ALT === t.Identifier)
    .map((type) => [(type.PATTERN as RegExp).source, kindOf(type)]),
);

/**
 * Which (first letter, length) pairs some keyword has, so that most words
 * are known to be plain identifiers without slicing them out of the text.
 */
const KEYWORD_SHAPES = new Uint8Array(128 * 16);
for (const word of KEYWORD_KINDS.keys()) KEYWORD_SHAPES[keywordShape(word.charCodeAt(0), word.length)] = 1;

function keywordShape(firstChar: number, length: number): number {
  return (firstChar << 4) | Math.min(length, 15);
}

/** Kinds of the one-character tokens, by character code. */
const SINGLE_CHAR_KINDS = new Int8Array(128).fill(-1);
for (const type of [
  t.LCurly, t.RCurly, t.LParen, t.RParen, t.LBracket, t.RBracket, t.Comma, t.Colon, t.Semicolon, t.Equals,
  t.Plus, t.Minus, t.Star, t.Slash,
]) {
  SINGLE_CHAR_KINDS[(type.PATTERN as RegExp).source.replace('\\', '').charCodeAt(0)] = kindOf(type);
}

// Sticky copies of the lexer's own patterns, matched at an offset.
const NUMBER_PATTERN = new RegExp((t.NumberLiteral.PATTERN as RegExp).source, 'y');
const STRING_PATTERN = new RegExp((t.StringLiteral.PATTERN as RegExp).source, 'y');
const GLOB_PATTERN = new RegExp(t.GLOB_PATTERN.source, 'y');

const enum Char {
  Tab = 9, LineFeed = 10, VerticalTab = 11, FormFeed = 12, CarriageReturn = 13, Space = 32,
  DoubleQuote = 34, SingleQuote = 39, Star = 42, Minus = 45, Dot = 46, Slash = 47,
  Digit0 = 48, Digit9 = 57, Question = 63, Greater = 62, Underscore = 95, ByteOrderMark = 0xfeff,
}

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === Char.Underscore;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= Char.Digit0 && c <= Char.Digit9);
}

function isDigit(c: number): boolean {
  return c >= Char.Digit0 && c <= Char.Digit9;
}

/**
 * The tokens of a file, one index per token, in source order; comments are
 * kept apart, already as AST nodes. Index `count` and the one after it hold
 * EOF, so the parser may look two tokens ahead without a bounds check.
 * Tokens never span lines, so one line number serves both ends.
 */
export interface FastTokens {
  readonly count: number;
  readonly kinds: Uint8Array;
  /** Offset of the first character. */
  readonly starts: Int32Array;
  /** Offset just past the last character. */
  readonly ends: Int32Array;
  /** 1-based line. */
  readonly lines: Int32Array;
  /** 1-based column of the first character. */
  readonly columns: Int32Array;
  readonly comments: Comment[];
}

class TokenBuffer {
  count = 0;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;
  columns: Int32Array;

  constructor(capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.lines = new Int32Array(capacity);
    this.columns = new Int32Array(capacity);
  }

  push(kind: number, start: number, end: number, line: number, column: number): void {
    // Two spare slots stay free for the EOF padding.
    if (this.count + 2 >= this.kinds.length) this.grow();
    const i = this.count++;
    this.kinds[i] = kind;
    this.starts[i] = start;
    this.ends[i] = end;
    this.lines[i] = line;
    this.columns[i] = column;
  }

  finish(comments: Comment[]): FastTokens {
    for (const i of [this.count, this.count + 1]) {
      this.kinds[i] = KIND_EOF;
      const last = this.count - 1;
      this.starts[i] = last < 0 ? 0 : this.ends[last]!;
      this.ends[i] = this.starts[i]!;
    }
    const { count, kinds, starts, ends, lines, columns } = this;
    return { count, kinds, starts, ends, lines, columns, comments };
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.kinds = grown(this.kinds, new Uint8Array(capacity));
    this.starts = grown(this.starts, new Int32Array(capacity));
    this.ends = grown(this.ends, new Int32Array(capacity));
    this.lines = grown(this.lines, new Int32Array(capacity));
    this.columns = grown(this.columns, new Int32Array(capacity));
  }
}

/** The tokens of text, or undefined where the chevrotain lexer would report a problem. */
export function lexFast(text: string): FastTokens | undefined {
  // About one token per four characters in real specs.
  const tokens = new TokenBuffer((text.length >> 2) + 16);
  const comments: Comment[] = [];
  const length = text.length;
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    const start = i;
    const column = i - lineStart + 1;

    if (c === Char.Space || c === Char.Tab) {
      i++;
    } else if (c === Char.LineFeed || c === Char.CarriageReturn) {
      i += c === Char.CarriageReturn && text.charCodeAt(i + 1) === Char.LineFeed ? 2 : 1;
      line++;
      lineStart = i;
    } else if (c === Char.FormFeed || c === Char.VerticalTab || c === Char.ByteOrderMark) {
      i++;
    } else if (isWordStart(c) || c === Char.Star || c === Char.Question) {
      if (isGlobPosition(text, i, tokens)) {
        GLOB_PATTERN.lastIndex = i;
        const glob = GLOB_PATTERN.exec(text)![0];
        if (!t.NOISE_TARGET_WORDS.has(glob)) {
          i += glob.length;
          tokens.push(KIND_GLOB, start, i, line, column);
          continue;
        }
      }
      if (c === Char.Question) return undefined;
      if (c === Char.Star) {
        i++;
        tokens.push(SINGLE_CHAR_KINDS[c]!, start, i, line, column);
        continue;
      }
      i++;
      while (i < length && isWordPart(text.charCodeAt(i))) i++;
      const keyword = KEYWORD_SHAPES[keywordShape(c, i - start)] === 1 ? KEYWORD_KINDS.get(text.slice(start, i)) : undefined;
      tokens.push(keyword ?? KIND_IDENTIFIER, start, i, line, column);
    } else if (isDigit(c) || (c === Char.Dot && isDigit(text.charCodeAt(i + 1)))) {
      // Most numbers are plain digit runs: where no `.`, `_`, letter or
      // digit follows the run, the NumberLiteral pattern ends there too.
      i++;
      while (i < length && isDigit(text.charCodeAt(i))) i++;
      if (c === Char.Dot || isWordPart(text.charCodeAt(i)) || text.charCodeAt(i) === Char.Dot) {
        NUMBER_PATTERN.lastIndex = start;
        i = start + NUMBER_PATTERN.exec(text)![0].length;
      }
      tokens.push(KIND_NUMBER, start, i, line, column);
    } else if (c === Char.DoubleQuote || c === Char.SingleQuote) {
      STRING_PATTERN.lastIndex = i;
      const match = STRING_PATTERN.exec(text);
      if (match === null) return undefined;
      i += match[0].length;
      tokens.push(KIND_STRING, start, i, line, column);
    } else if (c === Char.Slash && text.charCodeAt(i + 1) === Char.Star) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      const startLine = line;
      for (let k = i + 2; k < close; k++) {
        const inner = text.charCodeAt(k);
        if (inner === Char.LineFeed || (inner === Char.CarriageReturn && text.charCodeAt(k + 1) !== Char.LineFeed)) {
          line++;
          lineStart = k + 1;
        }
      }
      i = close + 2;
      comments.push(comment(text, start, i, startLine, column, line, i - lineStart + 1));
    } else if (c === Char.Slash && text.charCodeAt(i + 1) === Char.Slash) {
      i += 2;
      while (i < length) {
        const inner = text.charCodeAt(i);
        if (inner === Char.LineFeed || inner === Char.CarriageReturn) break;
        i++;
      }
      comments.push(comment(text, start, i, line, column, line, i - lineStart + 1));
    } else if (c === Char.Minus && text.charCodeAt(i + 1) === Char.Greater) {
      i += 2;
      tokens.push(KIND_ARROW, start, i, line, column);
    } else {
      const kind = c < 128 ? SINGLE_CHAR_KINDS[c]! : -1;
      if (kind < 0) return undefined;
      i++;
      tokens.push(kind, start, i, line, column);
    }
  }
  return tokens.finish(comments);
}

function comment(text: string, start: number, end: number, line: number, column: number, endLine: number, endColumn: number): Comment {
  return {
    kind: 'Comment',
    text: text.slice(start, end),
    span: { start: { offset: start, line, column }, end: { offset: end, line: endLine, column: endColumn } },
  };
}

/**
 * The glob rule of tokens.ts (isGlobPosition) over the flat arrays: right
 * after `on` on its line, or after a `,` that follows a glob of the same
 * list, bare or quoted.
 */
function isGlobPosition(text: string, offset: number, tokens: TokenBuffer): boolean {
  const { kinds, ends, count } = tokens;
  for (let i = count - 1; i >= 0; i -= 2) {
    const kind = kinds[i];
    if (kind === KIND_ON) return i < count - 1 || !hasLineBreak(text, ends[i]!, offset);
    if (kind !== KIND_COMMA || i === 0) return false;
    const beforeComma = kinds[i - 1];
    if (beforeComma === KIND_GLOB) return true;
    if (beforeComma !== KIND_STRING) return false;
  }
  return false;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.LineFeed || c === Char.CarriageReturn) return true;
  }
  return false;
}
