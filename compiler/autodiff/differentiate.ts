// Reverse-mode autodiff over the IR: the forward graph, then for every value
// on a path from a differentiated tensor to a seed, in reverse order, the
// sum of the gradients of its uses pushed through its op's rule. The result
// is one graph (forward and backward nodes together) that the rest of the
// compiler treats like any other: passes, memory planning and codegen.
import { GraphBuilder } from '../ir/builder.ts';
import type { Graph, Node, Origin, ValueId } from '../ir/types.ts';
import { zerosLike } from './grad-ops.ts';
import { VJP_RULES } from './rules/index.ts';
import { NoGradientRuleError, type VjpContext, type VjpRule } from './vjp.ts';

/** Where backward propagation starts: a value and its cotangent. */
export type Seed =
  /** A scalar (one-element) value such as a loss: d loss / d loss = 1. */
  | { readonly value: ValueId; readonly cotangent: 'one' }
  /** Any value, with its cotangent given as a new graph input of the value's type (torch.autograd.backward(out, g)). */
  | { readonly value: ValueId; readonly cotangent: { readonly input: string } };

export interface GradientRequest {
  readonly seeds: readonly Seed[];
  /** Stored tensors whose gradient to output; every `trainable` one when omitted. */
  readonly params?: readonly string[];
  /** Graph inputs (by name) whose gradient to output. */
  readonly inputs?: readonly string[];
}

export interface GradientGraph {
  /** The forward graph's nodes, outputs and assigns, plus the backward nodes and the gradient outputs. */
  readonly graph: Graph;
  /** Parameter name -> the output holding its gradient. */
  readonly paramGrads: ReadonlyMap<string, string>;
  /** Input name -> the output holding its gradient. */
  readonly inputGrads: ReadonlyMap<string, string>;
}

export const paramGradOutput = (name: string): string => `grad.${name}`;
export const inputGradOutput = (name: string): string => `grad_input.${name}`;

export function differentiate(graph: Graph, request: GradientRequest): GradientGraph {
  const b = copyGraph(graph);
  const grads = appendBackward(b, graph, request);
  const paramGrads = new Map<string, string>();
  const inputGrads = new Map<string, string>();
  for (const [name, id] of grads.params) {
    b.output(paramGradOutput(name), id);
    paramGrads.set(name, paramGradOutput(name));
  }
  for (const [name, id] of grads.inputs) {
    b.output(inputGradOutput(name), id);
    inputGrads.set(name, inputGradOutput(name));
  }
  return { graph: b.finish(), paramGrads, inputGrads };
}

/** The gradient values appendBackward made, by parameter and input name. */
export interface BackwardValues {
  readonly params: ReadonlyMap<string, ValueId>;
  readonly inputs: ReadonlyMap<string, ValueId>;
}

/**
 * Adds the backward pass of `graph` to `b` (a copyGraph of it, perhaps with
 * more nodes after): the gradient of every requested parameter and input,
 * zeros for those the seeds do not depend on.
 */
export function appendBackward(b: GraphBuilder, graph: Graph, request: GradientRequest): BackwardValues {
  const params = request.params ?? [...graph.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
  const inputs = request.inputs ?? [];
  const paramNode = new Map<string, ValueId>();
  const inputNode = new Map<string, ValueId>();
  for (const n of graph.nodes) {
    if (n.op === 'param') paramNode.set((n as Node<'param'>).attrs.name, n.id);
    if (n.op === 'input') inputNode.set((n as Node<'input'>).attrs.name, n.id);
  }
  const requires = requiresGrad(graph, new Set([...params.flatMap((p) => opt(paramNode.get(p))), ...inputs.flatMap((i) => opt(inputNode.get(i)))]));

  const contributions = new Map<ValueId, ValueId[]>();
  const push = (id: ValueId, g: ValueId) => {
    const list = contributions.get(id);
    if (list) list.push(g);
    else contributions.set(id, [g]);
  };
  for (const seed of request.seeds) {
    const type = graph.nodes[seed.value]!.type;
    if (seed.cotangent === 'one') {
      const count = type.shape.reduce<number>((p, d) => p * (d === 'N' ? Number.NaN : d), 1);
      if (count !== 1) throw new Error(`a seed of cotangent one must be a single value, not of shape [${type.shape.join(', ')}]`);
      push(seed.value, b.constant([1], type.shape as number[]));
    } else {
      push(seed.value, b.input(seed.cotangent.input, type));
    }
  }

  const total = new Map<ValueId, ValueId>();
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    const list = contributions.get(id);
    if (!list || !requires[id]) continue;
    const node = graph.nodes[id]!;
    const origin = backwardOrigin(node.origin);
    const g = list.reduce((sum, next) => b.add('binary', [sum, next], { fn: 'add' }, origin));
    total.set(id, g);
    if (node.op === 'input' || node.op === 'param' || node.op === 'constant') continue;
    const rule = VJP_RULES[node.op] as VjpRule | undefined;
    if (!rule) throw new NoGradientRuleError(node.op, node.origin);
    const ctx: VjpContext = {
      b,
      type: (v) => b.type(v),
      needs: (i) => requires[node.inputs[i]!] === true,
      origin,
    };
    const grads = rule(node, g, ctx);
    node.inputs.forEach((input, i) => {
      const gi = grads[i];
      if (gi !== undefined && requires[input]) push(input, gi);
    });
  }

  const zeroCtx: VjpContext = { b, type: (v) => b.type(v), needs: () => false, origin: undefined };
  const paramGrads = new Map<string, ValueId>();
  const inputGrads = new Map<string, ValueId>();
  for (const name of params) {
    const id = paramNode.get(name);
    const info = graph.tensors.get(name);
    if (!info) throw new Error(`no stored tensor named ${name}`);
    paramGrads.set(name, (id !== undefined ? total.get(id) : undefined) ?? zerosLike(zeroCtx, info.type.shape));
  }
  for (const name of inputs) {
    const id = inputNode.get(name);
    if (id === undefined) throw new Error(`no graph input named ${name}`);
    inputGrads.set(name, total.get(id) ?? zerosLike(zeroCtx, graph.nodes[id]!.type.shape));
  }
  return { params: paramGrads, inputs: inputGrads };
}

const opt = <T>(v: T | undefined): T[] => (v === undefined ? [] : [v]);

/** A builder holding `graph` node for node (ids unchanged), its outputs and assigns, to add more to. */
export function copyGraph(graph: Graph): GraphBuilder {
  const b = new GraphBuilder(graph.mode);
  for (const node of graph.nodes) {
    let id: ValueId;
    if (node.op === 'input') id = b.input((node as Node<'input'>).attrs.name, node.type, node.origin);
    else if (node.op === 'param') {
      const name = (node as Node<'param'>).attrs.name;
      id = b.tensor(graph.tensors.get(name)!, graph.data.get(name), node.origin);
    } else id = b.addTyped(node.op, node.inputs, node.attrs as never, node.type, node.origin);
    if (id !== node.id) throw new Error(`autodiff: node %${node.id} was copied to %${id}`);
  }
  for (const o of graph.outputs) b.output(o.name, o.value);
  for (const a of graph.assigns) b.assign(a.target, a.value);
  // Stored tensors no node reads (an assign target only) keep their declaration.
  for (const info of graph.tensors.values()) if (!b.hasTensor(info.name)) b.tensor(info, graph.data.get(info.name));
  return b;
}

/** Which values depend on one of `sources`: only they need a gradient. */
function requiresGrad(graph: Graph, sources: ReadonlySet<ValueId>): boolean[] {
  const requires = new Array<boolean>(graph.nodes.length).fill(false);
  for (const node of graph.nodes) {
    requires[node.id] = sources.has(node.id) || node.inputs.some((i) => requires[i]);
  }
  return requires;
}

function backwardOrigin(origin: Origin | undefined): Origin | undefined {
  return origin ? { ...origin, layer: `${origin.layer} (backward)` } : undefined;
}
