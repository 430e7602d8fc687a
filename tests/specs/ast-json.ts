// The AST as golden-file text: spans removed (they change with every edit
// above a node and say nothing about structure) and keys sorted, so the file
// does not depend on the order in which the parser happened to build objects.

export function astJson(node: unknown): string {
  return `${JSON.stringify(canonical(node), null, 2)}\n`;
}

function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort()) {
    if (key === 'span') continue;
    const value = (node as Record<string, unknown>)[key];
    // An optional field present as undefined would vanish in JSON anyway; skip it here too.
    if (value !== undefined) out[key] = canonical(value);
  }
  return out;
}
