import { describe, expect, test } from 'vitest';
import { GraphBuilder, GraphShapeError } from '../../compiler/ir/builder.ts';
import { broadcastShapes, elementCount } from '../../compiler/ir/ops.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import { rewrite, RewriteLimitError, type Rule } from '../../compiler/ir/rewrite.ts';
import type { Graph } from '../../compiler/ir/types.ts';
import { verifyGraph } from '../../compiler/ir/verify.ts';
import { peakLiveBytes, planBytes, planMemory } from '../../compiler/codegen/memory-plan.ts';

function mlp(): Graph {
  const b = new GraphBuilder('eval');
  const x = b.input('x', { dtype: 'f32', shape: ['N', 4] });
  const w = b.tensor({ name: 'fc.weight', role: 'trainable', type: { dtype: 'f32', shape: [3, 4] } }, new Float32Array(12));
  const y = b.add('linear', [x, w], { epilogue: [] });
  b.output('y', b.add('unary', [y], { fn: 'relu' }));
  return b.finish();
}

describe('shape inference', () => {
  test('conv output size follows torch', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: ['N', 3, 28, 28] });
    const w = b.tensor({ name: 'w', role: 'trainable', type: { dtype: 'f32', shape: [8, 3, 5, 5] } });
    const c = b.add('conv', [x, w], { spatial: 2, stride: [2, 2], padding: [1, 1], dilation: [2, 2], groups: 1, epilogue: [] });
    // floor((28 + 2 - 2*4 - 1) / 2) + 1 = 11
    expect(b.type(c).shape).toEqual(['N', 8, 11, 11]);
  });

  test('a channel mismatch is a GraphShapeError naming both shapes', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'f32', shape: ['N', 64, 7, 7] });
    const w = b.tensor({ name: 'w', role: 'trainable', type: { dtype: 'f32', shape: [8, 32, 3, 3] } });
    expect(() => b.add('conv', [x, w], { spatial: 2, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, epilogue: [] })).toThrow(
      GraphShapeError,
    );
    expect(() => b.add('conv', [x, w], { spatial: 2, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, epilogue: [] })).toThrow(/32 input channels, got 64/);
  });

  test('broadcasting and element counts', () => {
    expect(broadcastShapes(['N', 3, 1], [4])).toEqual(['N', 3, 4]);
    expect(() => broadcastShapes([2, 3], [4])).toThrow();
    expect(elementCount(['N', 3, 4])).toEqual({ perN: 12, fixed: 0 });
    expect(elementCount([5])).toEqual({ perN: 0, fixed: 5 });
  });
});

describe('verifier', () => {
  test('a well-formed graph has no problems', () => {
    expect(verifyGraph(mlp())).toEqual([]);
  });

  test('finds wrong types, bad order and undeclared tensors', () => {
    const g = mlp();
    const broken: Graph = {
      ...g,
      nodes: g.nodes.map((n) => (n.op === 'unary' ? { ...n, type: { dtype: 'f32', shape: ['N', 5] } } : n)),
    };
    expect(verifyGraph(broken).join('\n')).toMatch(/recorded type/);
    const reordered: Graph = { ...g, nodes: [g.nodes[0]!, { ...g.nodes[2]!, id: 1 }, { ...g.nodes[1]!, id: 2 }, g.nodes[3]!] };
    expect(verifyGraph(reordered).join('\n')).toMatch(/does not precede/);
    expect(verifyGraph({ ...g, tensors: new Map() }).join('\n')).toMatch(/undeclared tensor/);
    expect(verifyGraph({ ...g, mode: 'eval', nodes: [...g.nodes] }, { evalLowered: true })).toEqual([]);
  });
});

describe('rewrite driver', () => {
  test('a rule that keeps firing is an error, not a hang', () => {
    const flip: Rule = { name: 'flip', ops: ['unary'], apply: (n, ctx) => ctx.b.addTyped('unary', n.inputs, { fn: 'relu' }, n.type) };
    expect(() => rewrite(mlp(), [flip])).toThrow(RewriteLimitError);
  });

  test('dead nodes and unused tensors are removed', () => {
    const drop: Rule = { name: 'skip-relu', ops: ['unary'], apply: (n) => n.inputs[0] };
    const { graph } = rewrite(mlp(), [drop]);
    expect(graph.nodes.map((n) => n.op)).toEqual(['input', 'param', 'linear']);
    expect(printGraph(graph)).toBe(printGraph(rewrite(mlp(), [drop]).graph));
  });
});

describe('memory plan', () => {
  /** Values 0..k-1 of [perN, fixed] elements, each written by the step before the one that last reads it (the last one is the output). */
  const chain = (...sizes: [number, number][]) =>
    new Map(sizes.map(([perN, fixed], i) => [i, { producedAt: i - 1, lastUse: i === sizes.length - 1 ? Infinity : i, elements: { perN, fixed } }]));

  test('reuses a slot only after its last reader, never within the writing step', () => {
    const values = chain([4, 0], [8, 0], [2, 0], [8, 0]);
    const plan = planMemory(values);
    expect(plan.slotOf.get(1)).not.toBe(plan.slotOf.get(0));
    expect(plan.slotOf.get(2)).toBe(plan.slotOf.get(0));
    expect(plan.slotOf.get(3)).toBe(plan.slotOf.get(1));
    expect(plan.slotSizes.length).toBe(2);
  });

  test('the least memory any plan needs is the most bytes live at one step', () => {
    const values = chain([4, 0], [2, 1], [2, 0], [8, 0]);
    // At batch 3 step 0 holds 19 elements (values 0, 1), step 1 holds 13 (1, 2), step 2 holds 30 (2, 3).
    expect(peakLiveBytes([...values.values()], 3)).toBe(30 * 4);
    expect(planBytes(planMemory(values).slotSizes, 3)).toBeGreaterThanOrEqual(30 * 4);
  });
});
