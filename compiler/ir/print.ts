// A stable text form of a graph, for --dump-ir and golden files. Stable means:
// the same graph prints the same bytes (attributes in declaration order,
// numbers in shortest round-trip form).
import { formatShape } from './ops.ts';
import type { Graph, Node } from './types.ts';

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(', ')}}`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function formatAttrs(node: Node): string {
  const entries = Object.entries(node.attrs as object).filter(([, v]) => !(Array.isArray(v) && v.length === 0));
  if (node.op === 'constant') {
    const values = (node as Node<'constant'>).attrs.values;
    return values.length <= 8 ? ` {values: ${formatValue(values)}}` : ` {values: ${values.length} numbers}`;
  }
  if (entries.length === 0) return '';
  return ` {${entries.map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')}}`;
}

export function printNode(node: Node): string {
  const args = node.inputs.map((i) => `%${i}`).join(', ');
  const type = `${node.type.dtype}${formatShape(node.type.shape)}`;
  const origin = node.origin ? `  # ${node.origin.layer}` : '';
  return `%${node.id} = ${node.op}(${args})${formatAttrs(node)} : ${type}${origin}`;
}

export function printGraph(graph: Graph, title = 'graph'): string {
  const lines = [`${title} (${graph.mode})`];
  if (graph.tensors.size > 0) {
    lines.push('  tensors:');
    for (const info of graph.tensors.values()) {
      const known = graph.data.has(info.name) ? '' : ' (no data)';
      lines.push(`    ${info.name}: ${info.type.dtype}${formatShape(info.type.shape)} ${info.role}${known}`);
    }
  }
  for (const node of graph.nodes) lines.push(`  ${printNode(node)}`);
  for (const o of graph.outputs) lines.push(`  output ${o.name} = %${o.value}`);
  for (const a of graph.assigns) lines.push(`  assign ${a.target} <- %${a.value}`);
  return lines.join('\n') + '\n';
}
