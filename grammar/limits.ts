// Limits on how deeply brackets nest and how long an expression may be.
//
// The parsers (chevrotain's and fast-parser.ts), the CST -> AST step, the
// formatter and the compiler's later stages all recurse over the tree, so a
// file with thousands of nested `(` or a `1+1+1+...` of thousands of terms
// (a left-nested tree of binary nodes) would overflow the stack. parse()
// scans the tokens for these limits first: a file over them gets one
// diagnostic (E0106 or E0107) and is not parsed further.
//
// The limits are far above anything a real spec needs; they bound the
// recursion depth of every later stage to a few thousand frames.
import * as t from './tokens.ts';

/** Brackets (`(`, `[`, `{`, of any mix) open at once, at most. */
export const MAX_NESTING_DEPTH = 256;

/**
 * Terms of one expression, at most: an expression's operators (`+ - * /`,
 * binary or unary) count one each, together with the operators of the
 * expressions it is nested in, so the tree has no path longer than this.
 */
export const MAX_EXPRESSION_TERMS = 1024;

export type LimitBreach =
  /** Token `index` is the opening bracket that nests one level too deep. */
  | { readonly kind: 'depth'; readonly index: number }
  /** Token `index` is the operator that makes the expression one term too long. */
  | { readonly kind: 'terms'; readonly index: number };

const OTHER = 0;
const OPERAND = 1;
const OPERATOR = 2;
const OPEN = 3;
const CLOSE = 4;

/** Each token kind (tokenTypeIdx) as one of the above. */
const CATEGORY = new Uint8Array(256);
for (const type of t.allTokens) {
  const kind = type.tokenTypeIdx!;
  if (type === t.Identifier || type === t.NumberLiteral || type === t.StringLiteral || type === t.True || type === t.False) {
    CATEGORY[kind] = OPERAND;
  } else if (type === t.Plus || type === t.Minus || type === t.Star || type === t.Slash) {
    CATEGORY[kind] = OPERATOR;
  } else if (t.bracketPairs.has(type)) {
    CATEGORY[kind] = OPEN;
  } else if ([...t.bracketPairs.values()].includes(type)) {
    CATEGORY[kind] = CLOSE;
  }
}
CATEGORY[t.UnterminatedString.tokenTypeIdx!] = OPERAND;

/**
 * The first place tokens `0..count-1` (by kind, as `kindAt` gives them)
 * break a limit, or undefined. One pass, no allocation per token.
 *
 * Operators are counted per bracket level: a `,`, `:`, `=`, `->`, `;` or
 * keyword ends the expression at its level, and a closing bracket drops
 * its level's count; a bracketed group is part of the expression around it.
 */
export function findLimitBreach(count: number, kindAt: (index: number) => number): LimitBreach | undefined {
  // Operators counted at each open level; level 0 is outside all brackets.
  const counts = new Int32Array(MAX_NESTING_DEPTH + 1);
  let depth = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    switch (CATEGORY[kindAt(i)]) {
      case OPERAND:
        break;
      case OPERATOR:
        counts[depth]!++;
        if (++total >= MAX_EXPRESSION_TERMS) return { kind: 'terms', index: i };
        break;
      case OPEN:
        if (depth === MAX_NESTING_DEPTH) return { kind: 'depth', index: i };
        counts[++depth] = 0;
        break;
      case CLOSE:
        // A stray closer at level 0 closes nothing.
        if (depth > 0) total -= counts[depth--]!;
        break;
      default:
        total -= counts[depth]!;
        counts[depth] = 0;
    }
  }
  return undefined;
}

/** The diagnostic's code and words for a breach. */
export function describeBreach(breach: LimitBreach): { code: string; message: string; label: string; note: string } {
  return breach.kind === 'depth'
    ? {
        code: 'E0106',
        message: `brackets nested deeper than ${MAX_NESTING_DEPTH} levels`,
        label: `this bracket opens level ${MAX_NESTING_DEPTH + 1}`,
        note: `a spec may nest \`(\`, \`[\` and \`{\` at most ${MAX_NESTING_DEPTH} levels deep; the rest of the file is not checked`,
      }
    : {
        code: 'E0107',
        message: `expression of more than ${MAX_EXPRESSION_TERMS} terms`,
        label: `term ${MAX_EXPRESSION_TERMS + 1} starts after this operator`,
        note: `an expression may have at most ${MAX_EXPRESSION_TERMS} terms, counting those of the expressions it is nested in; the rest of the file is not checked`,
      };
}
