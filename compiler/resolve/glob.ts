// Parameter-name patterns for `penalty ... on GLOB` and `noise ... on GLOB`,
// with Python fnmatchcase semantics (the PyTorch world's habit): `*` any run
// of characters, dots included, possibly empty; `?` one character; `[abc]`,
// `[a-z]` a class, `[!abc]` its complement. Everything else is literal.
// Matching is whole-name and case-sensitive. Unlike fnmatch, which reads an
// unclosed `[` as a literal, that is an error here: no parameter name
// contains `[`, so it can only be a typo.
//
// Matching does not go through a RegExp: `*a*a*a...b` would backtrack
// polynomially there. The matcher below keeps only the last star as a
// backtracking point, so it takes at most pattern length x name length steps.

export type CompiledGlob =
  | { readonly ok: true; readonly matches: (name: string) => boolean }
  | { readonly ok: false; readonly problem: string; /** Offset into the pattern. */ readonly at: number };

/** One pattern element; every kind but `star` matches exactly one character. */
type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'class'; readonly negated: boolean; readonly ranges: readonly (readonly [string, string])[] };

export function compileGlob(pattern: string): CompiledGlob {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '*') {
      // A run of stars means the same as one.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (ch === '?') {
      tokens.push({ kind: 'any' });
      i++;
    } else if (ch === '[') {
      const parsed = parseClass(pattern, i);
      if (!parsed.ok) return parsed;
      tokens.push(parsed.token);
      i = parsed.end;
    } else {
      tokens.push({ kind: 'char', char: ch });
      i++;
    }
  }
  return { ok: true, matches: (name) => matchTokens(tokens, name) };
}

type ParsedClass =
  | { readonly ok: true; readonly token: Token; readonly end: number }
  | Extract<CompiledGlob, { ok: false }>;

/** A `[...]` class starting at `open`; as in fnmatch a `]` right after `[` or `[!` is a member. */
function parseClass(pattern: string, open: number): ParsedClass {
  let i = open + 1;
  let negated = false;
  if (pattern[i] === '!') {
    negated = true;
    i++;
  }
  const ranges: [string, string][] = [];
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    const lo = pattern[i]!;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const hi = pattern[i + 2]!;
      if (hi < lo) return { ok: false, problem: `the range \`${lo}-${hi}\` is backwards`, at: i };
      ranges.push([lo, hi]);
      i += 3;
    } else {
      ranges.push([lo, lo]);
      i++;
    }
    first = false;
  }
  if (i >= pattern.length) return { ok: false, problem: 'this `[` is never closed by `]`', at: open };
  return { ok: true, token: { kind: 'class', negated, ranges }, end: i + 1 };
}

function matchesOne(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'any':
      return true;
    case 'char':
      return token.char === ch;
    case 'class':
      return token.ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== token.negated;
    case 'star':
      return false;
  }
}

/**
 * Greedy matching with one backtracking point, the last star seen: when a
 * later token fails, that star takes one more character and matching
 * resumes after it. Earlier stars never need to move, since the last one
 * can absorb anything they would.
 */
function matchTokens(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let starToken = -1;
  let starName = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind === 'star') {
      starToken = t++;
      starName = n;
    } else if (token !== undefined && matchesOne(token, name[n]!)) {
      t++;
      n++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      n = ++starName;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/** True when the pattern has no wildcard, so it names one parameter exactly. */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?[]/.test(pattern);
}
