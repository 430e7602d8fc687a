// A one-node ONNX model written as protobuf bytes, for ORT-web in the kernel
// bench: every operand is a graph input (no initializers), so the file holds
// no weights and is made in memory per problem. Only the few protobuf fields
// such a model needs are written (see onnx.proto: ModelProto, GraphProto,
// NodeProto, AttributeProto, ValueInfoProto, TypeProto, TensorShapeProto).

export type OnnxAttribute = { readonly name: string } & ({ readonly int: number } | { readonly ints: readonly number[] });

export interface OnnxNodeModel {
  readonly opType: string;
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly output: { readonly name: string; readonly shape: readonly number[] };
  readonly attributes?: readonly OnnxAttribute[];
  readonly opset?: number;
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2;
const ATTR_INTS = 7;

class Writer {
  private readonly bytes: number[] = [];

  varint(value: number): this {
    // Non-negative values only: every field written here is.
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  int(field: number, value: number): this {
    return this.varint(field * 8).varint(value);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.varint(field * 8 + 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytesField(field, new TextEncoder().encode(text));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function valueInfo(w: Writer, name: string, shape: readonly number[]): void {
  w.string(1, name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, FLOAT).message(2, (dims) => {
        for (const d of shape) dims.message(1, (dim) => dim.int(1, d));
      }),
    ),
  );
}

export function oneNodeModel(model: OnnxNodeModel): Uint8Array {
  return new Writer()
    .int(1, 8) // ir_version
    .string(2, 'regc-bench') // producer_name
    .message(7, (graph) => {
      graph.message(1, (node) => {
        for (const input of model.inputs) node.string(1, input.name);
        node.string(2, model.output.name).string(3, 'op').string(4, model.opType);
        for (const a of model.attributes ?? []) {
          node.message(5, (attr) => {
            attr.string(1, a.name);
            if ('int' in a) attr.int(20, ATTR_INT).int(3, a.int);
            else {
              attr.int(20, ATTR_INTS);
              for (const v of a.ints) attr.int(8, v);
            }
          });
        }
      });
      graph.string(2, 'bench');
      for (const input of model.inputs) graph.message(11, (w) => valueInfo(w, input.name, input.shape));
      graph.message(12, (w) => valueInfo(w, model.output.name, model.output.shape));
    })
    .message(8, (opset) => opset.string(1, '').int(2, model.opset ?? 17))
    .finish();
}
