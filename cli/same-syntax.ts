// The formatter's safety net: before `regc fmt` writes anything, the output
// is parsed again and must give the same tree (and the same comments) as the
// input, positions aside. A formatter bug then costs an error message, not a
// user's file.
import type { Program } from '../grammar/ast.ts';

export function sameSyntax(a: Program, b: Program): boolean {
  return JSON.stringify(withoutSpans(a)) === JSON.stringify(withoutSpans(b));
}

function withoutSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutSpans);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'span')
      .map(([key, value]) => [key, withoutSpans(value)]),
  );
}
