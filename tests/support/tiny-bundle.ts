// The smallest real bundle: linear(3 -> 2) with a ReLU, compiled by the
// compiler, as files by name. Tests that mutate a bundle start from it.
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';

export function tinyLinearBundle(): Map<string, string | Uint8Array> {
  const b = new GraphBuilder('eval');
  const x = b.input('input', { dtype: 'f32', shape: ['N', 3] });
  const w = b.tensor({ name: 'filter.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, 3] } }, new Float32Array([1, -1, 0, 0.5, 0.5, 0.5]));
  const bias = b.tensor({ name: 'filter.bias', role: 'trainable', type: { dtype: 'f32', shape: [2] } }, new Float32Array([0.25, -1]));
  const y = b.add('linear', [x, w, bias], { epilogue: [{ kind: 'unary', fn: 'relu' }] });
  b.output('output', y);
  return new Map(bundleFiles(generateBundle(b.finish(), { model: 'Tiny', generator: 'test' })));
}
