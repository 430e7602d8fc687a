// Builds a Graph node by node. Every node's type comes from `inferType`, so
// shape errors surface the moment a node is made, with the node's origin.
import { inferType, ShapeError, type OpAttrs, type OpName } from './ops.ts';
import type { Assign, Graph, GraphOutput, Node, Origin, TensorInfo, TensorType, ValueId } from './types.ts';

export class GraphShapeError extends Error {
  constructor(
    message: string,
    readonly origin: Origin | undefined,
    /** The producers of the node's inputs, for "`bn1` gives [N, 64, 7, 7]" labels. */
    readonly inputOrigins: readonly (Origin | undefined)[],
    readonly inputTypes: readonly TensorType[] = [],
  ) {
    super(message);
  }
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly inputIds: ValueId[] = [];
  private readonly outputList: GraphOutput[] = [];
  private readonly tensorInfos = new Map<string, TensorInfo>();
  private readonly tensorData = new Map<string, Float32Array>();
  private readonly assignList: Assign[] = [];
  private readonly paramNodes = new Map<string, ValueId>();

  constructor(private readonly mode: 'train' | 'eval' = 'train') {}

  node(id: ValueId): Node {
    const n = this.nodes[id];
    if (!n) throw new Error(`no node %${id}`);
    return n;
  }

  get size(): number {
    return this.nodes.length;
  }

  type(id: ValueId): TensorType {
    return this.node(id).type;
  }

  input(name: string, type: TensorType, origin?: Origin): ValueId {
    const id = this.push({ op: 'input', inputs: [], attrs: { name }, type, origin });
    this.inputIds.push(id);
    return id;
  }

  /** Declares a stored tensor (with optional data) and returns its single `param` node. */
  tensor(info: TensorInfo, data?: Float32Array, origin?: Origin): ValueId {
    const existing = this.paramNodes.get(info.name);
    if (existing !== undefined) return existing;
    this.tensorInfos.set(info.name, info);
    if (data) this.tensorData.set(info.name, data);
    const id = this.push({ op: 'param', inputs: [], attrs: { name: info.name }, type: info.type, origin });
    this.paramNodes.set(info.name, id);
    return id;
  }

  constant(values: readonly number[], shape: readonly number[], origin?: Origin): ValueId {
    return this.push({ op: 'constant', inputs: [], attrs: { values }, type: { dtype: 'f32', shape }, origin });
  }

  /** Adds `op(inputs)`, inferring its type; throws GraphShapeError when shapes disagree. */
  add<Op extends OpName>(op: Op, inputs: readonly ValueId[], attrs: OpAttrs[Op], origin?: Origin): ValueId {
    let type: TensorType;
    try {
      type = inferType(op, attrs, inputs.map((i) => this.type(i)));
    } catch (e) {
      if (e instanceof ShapeError) {
        throw new GraphShapeError(e.message, origin, inputs.map((i) => this.node(i).origin), inputs.map((i) => this.type(i)));
      }
      throw e;
    }
    return this.push({ op, inputs, attrs, type, origin });
  }

  /** Adds a node whose type is already known (used by passes copying nodes). */
  addTyped<Op extends OpName>(op: Op, inputs: readonly ValueId[], attrs: OpAttrs[Op], type: TensorType, origin?: Origin): ValueId {
    return this.push({ op, inputs, attrs, type, origin });
  }

  output(name: string, value: ValueId): void {
    this.outputList.push({ name, value });
  }

  assign(target: string, value: ValueId): void {
    this.assignList.push({ target, value });
  }

  getData(name: string): Float32Array | undefined {
    return this.tensorData.get(name);
  }

  hasTensor(name: string): boolean {
    return this.tensorInfos.has(name);
  }

  setData(name: string, data: Float32Array): void {
    this.tensorData.set(name, data);
  }

  finish(): Graph {
    return {
      nodes: [...this.nodes],
      inputs: [...this.inputIds],
      outputs: [...this.outputList],
      tensors: new Map(this.tensorInfos),
      data: new Map(this.tensorData),
      assigns: [...this.assignList],
      mode: this.mode,
    };
  }

  private push(n: Omit<Node, 'id'>): ValueId {
    const id = this.nodes.length;
    const node = { id, ...n } as Node;
    if (n.origin === undefined) delete (node as { origin?: Origin }).origin;
    this.nodes.push(node);
    return id;
  }
}
