// IR invariants, checked between passes in tests (and by `regc compile
// --verify-ir`). A violation is a compiler bug, never a user error, so the
// result is a list of plain strings.
import { elementCount, inferType, formatShape, shapesEqual, TRAIN_ONLY_MEANING, type OpName } from './ops.ts';
import type { Graph, Node } from './types.ts';

export interface VerifyOptions {
  /** After the eval pipeline: no op with train-only meaning may remain. */
  readonly evalLowered?: boolean;
}

const SOURCE_OPS: ReadonlySet<OpName> = new Set(['input', 'param', 'constant']);

export function verifyGraph(graph: Graph, options: VerifyOptions = {}): string[] {
  const problems: string[] = [];
  const seenParams = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    const at = `%${index} (${node.op})`;
    if (node.id !== index) problems.push(`${at}: id ${node.id} differs from its position`);
    for (const i of node.inputs) {
      if (!Number.isInteger(i) || i < 0 || i >= index) problems.push(`${at}: input %${i} does not precede it`);
    }
    if (problems.length > 0 && node.inputs.some((i) => i >= index)) return;
    checkNode(graph, node, at, problems, seenParams);
    if (options.evalLowered && TRAIN_ONLY_MEANING.has(node.op)) {
      problems.push(`${at}: train-only op remains after the eval pipeline`);
    }
  });
  for (const i of graph.inputs) {
    if (graph.nodes[i]?.op !== 'input') problems.push(`graph input %${i} is not an input node`);
  }
  for (const o of graph.outputs) {
    if (!graph.nodes[o.value]) problems.push(`output ${o.name} refers to missing %${o.value}`);
  }
  for (const a of graph.assigns) {
    const info = graph.tensors.get(a.target);
    const value = graph.nodes[a.value];
    if (!info) problems.push(`assign to unknown tensor ${a.target}`);
    else if (!value) problems.push(`assign to ${a.target} refers to missing %${a.value}`);
    else if (!shapesEqual(info.type.shape, value.type.shape)) {
      problems.push(`assign to ${a.target}: ${formatShape(value.type.shape)} into ${formatShape(info.type.shape)}`);
    }
  }
  for (const [name, data] of graph.data) {
    const info = graph.tensors.get(name);
    if (!info) {
      problems.push(`data for undeclared tensor ${name}`);
      continue;
    }
    const count = elementCount(info.type.shape);
    if (count.perN !== 0) problems.push(`stored tensor ${name} has a batch-sized shape`);
    else if (data.length !== count.fixed) problems.push(`tensor ${name} holds ${data.length} values, shape needs ${count.fixed}`);
  }
  return problems;
}

function checkNode(graph: Graph, node: Node, at: string, problems: string[], seenParams: Map<string, number>): void {
  if (node.op === 'param') {
    const name = (node as Node<'param'>).attrs.name;
    const info = graph.tensors.get(name);
    if (!info) problems.push(`${at}: refers to undeclared tensor ${name}`);
    else if (!shapesEqual(info.type.shape, node.type.shape)) problems.push(`${at}: type differs from tensor ${name}`);
    const previous = seenParams.get(name);
    if (previous !== undefined) problems.push(`${at}: tensor ${name} already read by %${previous}`);
    seenParams.set(name, node.id);
    return;
  }
  if (node.op === 'constant') {
    const count = elementCount(node.type.shape);
    const values = (node as Node<'constant'>).attrs.values;
    if (count.perN !== 0 || count.fixed !== values.length) problems.push(`${at}: ${values.length} values for ${formatShape(node.type.shape)}`);
    return;
  }
  if (SOURCE_OPS.has(node.op)) return;
  try {
    const expected = inferType(node.op, node.attrs as never, node.inputs.map((i) => graph.nodes[i]!.type));
    if (!shapesEqual(expected.shape, node.type.shape) || expected.dtype !== node.type.dtype) {
      problems.push(`${at}: recorded type ${formatShape(node.type.shape)} but inputs give ${formatShape(expected.shape)}`);
    }
  } catch (e) {
    problems.push(`${at}: ${(e as Error).message}`);
  }
}
