// A shader's text as the runtime reads it, without a WGSL parser: comments
// blanked out, then read a token at a time. The runtime reads only a shader's
// module-scope declarations (wgsl-declarations.ts) and its entry point's
// @workgroup_size (workgroup-size.ts); what the text computes is the
// device's shader compiler's to judge.

/** The text with its comments (line comments, and block comments, which nest) blanked out. */
export function withoutComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    // The next `//` or `/*`; a `*/` outside a comment is text.
    let j = code.indexOf('/', i);
    while (j >= 0 && code[j + 1] !== '/' && code[j + 1] !== '*') j = code.indexOf('/', j + 1);
    if (j < 0) return out + code.slice(i);
    out += `${code.slice(i, j)} `;
    if (code[j + 1] === '/') {
      // The line break stays: it ends the comment.
      const end = code.indexOf('\n', j);
      i = end < 0 ? code.length : end;
      continue;
    }
    let depth = 1;
    let k = j + 2;
    while (depth > 0) {
      const open = code.indexOf('/*', k);
      const close = code.indexOf('*/', k);
      if (close < 0) return out; // an unclosed comment runs to the end
      if (open >= 0 && open < close) {
        depth++;
        k = open + 2;
      } else {
        depth--;
        k = close + 2;
      }
    }
    i = k;
  }
  return out;
}

/**
 * WGSL's blankspace (its spec, "Blankspace and line breaks"). JavaScript's
 * `\s` is another set: it lacks U+0085, U+200E and U+200F, which WGSL skips
 * between tokens, so a reader using it would not see a declaration the
 * device compiles.
 */
const BLANK_CHARS = '\\t\\n\\v\\f\\r \\u0085\\u200e\\u200f\\u2028\\u2029';
const BLANKSPACE = `[${BLANK_CHARS}]`;
/** A character of a word (an identifier or keyword) after its first: past ASCII, any that is not blankspace (WGSL identifiers may hold Unicode letters). */
const WORD_CHAR = '[0-9A-Za-z_\\u0080-\\u0084\\u0086-\\u200d\\u2010-\\u2027\\u202a-\\uffff]';
const WORD_START = '[A-Za-z_\\u0080-\\u0084\\u0086-\\u200d\\u2010-\\u2027\\u202a-\\uffff]';
const NUMBER = '0[xX][0-9A-Za-z_.]*(?:[pP][+-][0-9A-Za-z_.]*)*|(?:[0-9]|\\.[0-9])[0-9A-Za-z_.]*(?:[eE][+-][0-9A-Za-z_.]*)*';

/** Blankspace, then a word, a number, or any other character. */
const TOKEN = new RegExp(`${BLANKSPACE}*(?:(${WORD_START}${WORD_CHAR}*)|(${NUMBER})|([^${BLANK_CHARS}]))`, 'y');

export type TokenKind = 'word' | 'number' | 'punctuation';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

/**
 * The token that starts at or after `from` in comment-free text, and where
 * it ends; undefined past the last. Other characters than words and numbers
 * are tokens of one character each (so `>>` in `array<vec4<f32>>` is two
 * closing brackets, as WGSL reads it in a type).
 */
export function nextToken(text: string, from: number): { readonly token: Token; readonly end: number } | undefined {
  TOKEN.lastIndex = from;
  const m = TOKEN.exec(text);
  if (!m) return undefined;
  const end = TOKEN.lastIndex;
  if (m[1] !== undefined) return { token: { kind: 'word', text: m[1] }, end };
  if (m[2] !== undefined) return { token: { kind: 'number', text: m[2] }, end };
  return { token: { kind: 'punctuation', text: m[3]! }, end };
}

/** How many `@binding` attributes the comment-free text holds, wherever they are. */
export function bindingAttributeCount(text: string): number {
  return text.match(new RegExp(`@${BLANKSPACE}*binding(?!${WORD_CHAR})`, 'g'))?.length ?? 0;
}

const INTEGER_LITERAL = /^(?:0[xX][0-9a-fA-F]+|0|[1-9][0-9]*)[iu]?$/;

/** The value of a WGSL integer literal (`16`, `0x10`, `16u`), or undefined for anything else. */
export function integerLiteral(text: string): number | undefined {
  if (!INTEGER_LITERAL.test(text)) return undefined;
  return Number.parseInt(text.replace(/[iu]$/, ''));
}
