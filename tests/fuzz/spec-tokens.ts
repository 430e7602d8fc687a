// A rough tokenizer for mutating specs: it splits text into names, numbers,
// strings, comments, punctuation, spaces and anything else, so mutations can
// delete, duplicate or swap whole tokens. It is deliberately not the
// grammar's lexer: mutations should not inherit that lexer's ideas of what a
// token is.

export type TokenKind = 'name' | 'number' | 'string' | 'comment' | 'space' | 'newline' | 'punct' | 'other';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const PATTERNS: readonly [TokenKind, RegExp][] = [
  ['newline', /\r?\n/y],
  ['space', /[ \t]+/y],
  ['comment', /\/\/[^\n]*|\/\*[\s\S]*?\*\//y],
  ['string', /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/y],
  ['number', /(?:0[xob][0-9A-Fa-f_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?\.?)/y],
  ['name', /[A-Za-z_][A-Za-z0-9_]*/y],
  ['punct', /->|[{}()[\],:;=+\-*/]/y],
];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    let matched = false;
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at;
      const m = pattern.exec(text);
      if (m && m[0].length > 0) {
        tokens.push({ kind, text: m[0] });
        at += m[0].length;
        matched = true;
        break;
      }
    }
    if (!matched) {
      // One code point, so a surrogate pair is not split by accident.
      const ch = String.fromCodePoint(text.codePointAt(at)!);
      tokens.push({ kind: 'other', text: ch });
      at += ch.length;
    }
  }
  return tokens;
}

export function untokenize(tokens: readonly Token[]): string {
  return tokens.map((t) => t.text).join('');
}

/** Indices of the tokens that are not spaces, newlines or comments. */
export function significant(tokens: readonly Token[]): number[] {
  const found: number[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'space' && t.kind !== 'newline' && t.kind !== 'comment') found.push(i);
  });
  return found;
}
