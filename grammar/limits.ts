// Limits on how deeply brackets nest, how long an expression may be, and
// how many syntax errors the parser reads through.
//
// The parsers (chevrotain's and fast-parser.ts), the CST -> AST step, the
// formatter and the compiler's later stages all recurse over the tree, so a
// file with thousands of nested `(` or a `1+1+1+...` of thousands of terms
// (a left-nested tree of binary nodes) would overflow the stack. parse()
// scans the tokens for these limits first: a file over them gets one
// diagnostic (E0106 or E0107) and is not parsed further. What recovery
// builds from a file with errors is measured again (expression-depth.ts).
//
// The limits are far above anything a real spec needs; they bound the
// recursion depth of every later stage to a few thousand frames.
import * as t from './tokens.ts';

/**
 * Syntax errors the recovering parser records before it stops reading: the
 * rest of the file is skipped. Each error costs chevrotain an exception and
 * a walk of the grammar (about 0.1 ms), so a line of 50,000 stray tokens
 * took seconds; at most one error per line is reported and 100 errors per
 * file shown (diagnostics/error-cap.ts), so no real file comes near.
 */
export const MAX_SYNTAX_ERRORS = 1000;

/**
 * Brackets (`(`, `[`, `{`, of any mix) open at once, at most. The recovering
 * parser is the deepest stage: about 40 frames a level (`f(` is six rules
 * of chevrotain's), and more while it recovers from an error at the bottom,
 * so 256 levels (the limit once) overflowed there; 128 leave it half the
 * stack.
 */
export const MAX_NESTING_DEPTH = 128;

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

const OPERAND = 1;
const OPERATOR = 2;
const OPEN = 3;
const CLOSE = 4;
/** `with`, `repeat` and a label's `:`: inside a layer application, which may be an operand. */
const WITHIN = 5;
const COMMA = 6;

/** Each token kind (tokenTypeIdx) as one of the above. */
const CATEGORY = new Uint8Array(256);
for (const type of t.allTokens) {
  const kind = type.tokenTypeIdx!;
  // The soft keywords (`steps`, `seed`, ...) are names wherever a name may stand.
  const isName = type === t.Identifier || (type.CATEGORIES?.includes(t.Identifier) ?? false);
  if (isName || type === t.NumberLiteral || type === t.StringLiteral || type === t.True || type === t.False) {
    CATEGORY[kind] = OPERAND;
  } else if (type === t.Plus || type === t.Minus || type === t.Star || type === t.Slash) {
    CATEGORY[kind] = OPERATOR;
  } else if (t.bracketPairs.has(type)) {
    CATEGORY[kind] = OPEN;
  } else if ([...t.bracketPairs.values()].includes(type)) {
    CATEGORY[kind] = CLOSE;
  } else if (type === t.With || type === t.Repeat || type === t.Colon) {
    CATEGORY[kind] = WITHIN;
  } else if (type === t.Comma) {
    CATEGORY[kind] = COMMA;
  }
}
CATEGORY[t.UnterminatedString.tokenTypeIdx!] = OPERAND;

/** Kinds that name something: identifiers and the soft keywords. */
const IS_NAME = new Uint8Array(256);
for (const type of t.allTokens) {
  if (type === t.Identifier || type.CATEGORIES?.includes(t.Identifier)) IS_NAME[type.tokenTypeIdx!] = 1;
}

const WITH_KIND = t.With.tokenTypeIdx!;
const REPEAT_KIND = t.Repeat.tokenTypeIdx!;
const EQUALS_KIND = t.Equals.tokenTypeIdx!;

/** Where a level is within `repeat COUNT callee`. */
const NO_REPEAT = 0;
const AFTER_REPEAT = 1;
const AFTER_COUNT = 2;

/**
 * The first place tokens `0..count-1` (by kind, as `kindAt` gives them)
 * break a limit, or undefined. One pass, no allocation per token.
 *
 * Operators are counted per bracket level, and a token ends the expression
 * at its level only where no expression can go on past it, so that for a
 * file that parses the count never falls short of the tree's depth: `=`,
 * `;`, `->` (a chain step is never an operand), the reserved words that
 * start statements and items, globs, a `,` between arguments or list
 * elements, and an operand right after another (`relu(x) relu`: a new
 * statement) but for a repeat's callee after its count. Names (soft
 * keywords included), `with`, `repeat` and a label's `:` are part of the
 * expression; so is a `,` after `with` followed by another attachment
 * (`x with a, b + y` is `(x with a, b) + y`). A closing bracket drops its
 * level's count: a bracketed group is one operand of the expression around
 * it. What recovery makes of a file with errors is checked on its tree
 * (expression-depth.ts).
 */
export function findLimitBreach(count: number, kindAt: (index: number) => number): LimitBreach | undefined {
  // Operators counted at each open level; level 0 is outside all brackets.
  const counts = new Int32Array(MAX_NESTING_DEPTH + 1);
  // Whether a `with` at that level may still take `, name` as another attachment.
  const attaching = new Uint8Array(MAX_NESTING_DEPTH + 1);
  // Whether the level's last token ended an operand (a name, a literal, a closed group).
  const ended = new Uint8Array(MAX_NESTING_DEPTH + 1);
  const repeating = new Uint8Array(MAX_NESTING_DEPTH + 1);
  let depth = 0;
  let total = 0;
  const endExpression = () => {
    total -= counts[depth]!;
    counts[depth] = 0;
    attaching[depth] = 0;
    repeating[depth] = NO_REPEAT;
  };
  for (let i = 0; i < count; i++) {
    const kind = kindAt(i);
    switch (CATEGORY[kind]) {
      case OPERAND:
        if (repeating[depth] === AFTER_REPEAT) repeating[depth] = AFTER_COUNT;
        else if (repeating[depth] === AFTER_COUNT) repeating[depth] = NO_REPEAT;
        else if (ended[depth] === 1) endExpression();
        ended[depth] = 1;
        break;
      case OPERATOR:
        counts[depth]!++;
        ended[depth] = 0;
        if (++total >= MAX_EXPRESSION_TERMS) return { kind: 'terms', index: i };
        break;
      case OPEN:
        if (depth === MAX_NESTING_DEPTH) return { kind: 'depth', index: i };
        ended[depth] = 0;
        counts[++depth] = 0;
        attaching[depth] = 0;
        ended[depth] = 0;
        repeating[depth] = NO_REPEAT;
        break;
      case CLOSE:
        // A stray closer at level 0 closes nothing.
        if (depth > 0) total -= counts[depth--]!;
        ended[depth] = 1;
        // `repeat (n) B`: the group was the count.
        if (repeating[depth] === AFTER_REPEAT) repeating[depth] = AFTER_COUNT;
        break;
      case WITHIN:
        if (kind === WITH_KIND) attaching[depth] = 1;
        if (kind === REPEAT_KIND) repeating[depth] = AFTER_REPEAT;
        ended[depth] = 0;
        break;
      case COMMA:
        ended[depth] = 0;
        // `, name` after `with` is one more attachment, unless `=` makes it a named argument.
        if (attaching[depth] === 1 && i + 1 < count && IS_NAME[kindAt(i + 1)] === 1 && !(i + 2 < count && kindAt(i + 2) === EQUALS_KIND)) break;
        endExpression();
        break;
      default:
        // `=`, `;`, `->`, the reserved words that start statements and items, globs.
        ended[depth] = 0;
        endExpression();
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
