// The AST without positions: two files mean the same when these are equal.
// Comments stay in (as `{kind, text}`), so their text and order are compared too.
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'span') out[key] = stripSpans(value);
    }
    return out;
  }
  return node;
}
