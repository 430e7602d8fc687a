// The formatter's safety net: before `regc fmt` writes anything, the output
// is parsed again and must give the same tree (and the same comments) as the
// input, positions aside. A formatter bug then costs an error message, not a
// user's file. Comments are compared as the formatter prints them: trailing
// blanks and the kind of line break inside a comment carry no meaning.
import type { Program } from '../grammar/ast.ts';
import { canonicalComment } from '../grammar/format.ts';

export function sameSyntax(a: Program, b: Program): boolean {
  return sameNode(a, b);
}

/** Deep equality of two AST values, ignoring `span` and properties that are undefined; no copies are made. */
function sameNode(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameNode(a[i], b[i])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  if (left['kind'] === 'Comment' && right['kind'] === 'Comment') {
    return typeof left['text'] === 'string' && typeof right['text'] === 'string' && canonicalComment(left['text']) === canonicalComment(right['text']);
  }
  const keys = significantKeys(left);
  if (keys.length !== significantKeys(right).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && sameNode(left[key], right[key]));
}

function significantKeys(node: Record<string, unknown>): string[] {
  return Object.keys(node).filter((key) => key !== 'span' && node[key] !== undefined);
}
