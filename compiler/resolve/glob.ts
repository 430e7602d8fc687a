// Parameter-name patterns for `penalty ... on GLOB` and `noise ... on GLOB`,
// with Python fnmatchcase semantics (the PyTorch world's habit): `*` any run
// of characters, dots included, possibly empty; `?` one character; `[abc]`,
// `[a-z]` a class, `[!abc]` its complement. Everything else is
// literal. Matching is whole-name and case-sensitive. Unlike fnmatch, which
// reads an unclosed `[` as a literal, that is an error here: no parameter
// name contains `[`, so it can only be a typo.

export type CompiledGlob =
  | { readonly ok: true; readonly matches: (name: string) => boolean }
  | { readonly ok: false; readonly problem: string; /** Offset into the pattern. */ readonly at: number };

/** Characters with a meaning in a RegExp outside a class. */
const REGEXP_SPECIAL = /[\\^$.|?*+()[\]{}/]/;

export function compileGlob(pattern: string): CompiledGlob {
  let source = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '*') {
      // Runs of stars mean the same as one, and one keeps the RegExp linear.
      while (pattern[i] === '*') i++;
      source += '[\\s\\S]*';
      continue;
    }
    if (ch === '?') {
      source += '[\\s\\S]';
      i++;
      continue;
    }
    if (ch === '[') {
      const parsed = parseClass(pattern, i);
      if (!parsed.ok) return parsed;
      source += parsed.source;
      i = parsed.end;
      continue;
    }
    source += REGEXP_SPECIAL.test(ch) ? `\\${ch}` : ch;
    i++;
  }
  const regexp = new RegExp(`^${source}$`);
  return { ok: true, matches: (name) => regexp.test(name) };
}

type ParsedClass = { readonly ok: true; readonly source: string; readonly end: number } | Extract<CompiledGlob, { ok: false }>;

/** A `[...]` class starting at `open`; as in fnmatch a `]` right after `[` or `[!` is literal. */
function parseClass(pattern: string, open: number): ParsedClass {
  let i = open + 1;
  let negated = false;
  if (pattern[i] === '!') {
    negated = true;
    i++;
  }
  const members: string[] = [];
  let first = true;
  while (i < pattern.length && (pattern[i] !== ']' || first)) {
    const lo = pattern[i]!;
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const hi = pattern[i + 2]!;
      if (hi < lo) return { ok: false, problem: `the range \`${lo}-${hi}\` is backwards`, at: i };
      members.push(`${escapeInClass(lo)}-${escapeInClass(hi)}`);
      i += 3;
    } else {
      members.push(escapeInClass(lo));
      i++;
    }
    first = false;
  }
  if (i >= pattern.length) return { ok: false, problem: 'this `[` is never closed by `]`', at: open };
  return { ok: true, source: `[${negated ? '^' : ''}${members.join('')}]`, end: i + 1 };
}

function escapeInClass(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

/** True when the pattern has no wildcard, so it names one parameter exactly. */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?[]/.test(pattern);
}
