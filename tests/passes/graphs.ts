// Small graphs built by hand for pass tests.
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { Graph, TensorRole, ValueId } from '../../compiler/ir/types.ts';

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export function tensor(b: GraphBuilder, name: string, shape: number[], rand: () => number, role: TensorRole = 'trainable', positive = false): ValueId {
  const count = shape.reduce((p, d) => p * d, 1);
  const data = Float32Array.from({ length: count }, () => (positive ? 0.5 + Math.abs(rand()) : rand()));
  return b.tensor({ name, role, type: { dtype: 'f32', shape } }, data);
}

/** conv(3->4) -> batchnorm -> relu, eval mode, optionally without conv bias. */
export function convBnRelu(withBias = true): Graph {
  const rand = seeded(1);
  const b = new GraphBuilder('eval');
  const x = b.input('x', { dtype: 'f32', shape: ['N', 3, 6, 6] });
  const w = tensor(b, 'c1.weight', [4, 3, 3, 3], rand);
  const inputs = [x, w];
  if (withBias) inputs.push(tensor(b, 'c1.bias', [4], rand));
  const c = b.add('conv', inputs, { spatial: 2, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1, epilogue: [] });
  const bn = b.add(
    'batchnorm',
    [c, tensor(b, 'bn1.weight', [4], rand), tensor(b, 'bn1.bias', [4], rand), tensor(b, 'bn1.running_mean', [4], rand, 'running'), tensor(b, 'bn1.running_var', [4], rand, 'running', true)],
    { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true },
  );
  const r = b.add('unary', [bn], { fn: 'relu' });
  b.output('y', r);
  return b.finish();
}

export function ops(graph: Graph): string[] {
  return graph.nodes.filter((n) => n.op !== 'param' && n.op !== 'input' && n.op !== 'constant').map((n) => n.op);
}
