// The smallest real bundle: linear(3 -> 2) with a ReLU, compiled by the
// compiler, as files by name. Tests that mutate a bundle start from it.
// With four input features its kernels read the input and the weight as
// vec4s (array<vec4<f32>>), for tests of the buffer sizes a type needs.
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';

export function tinyLinearBundle(features: 3 | 4 = 3): Map<string, string | Uint8Array> {
  const b = new GraphBuilder('eval');
  const x = b.input('input', { dtype: 'f32', shape: ['N', features] });
  const weights = features === 3 ? [1, -1, 0, 0.5, 0.5, 0.5] : [1, -1, 0, 2, 0.5, 0.5, 0.5, -1];
  const w = b.tensor({ name: 'filter.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, features] } }, new Float32Array(weights));
  const bias = b.tensor({ name: 'filter.bias', role: 'trainable', type: { dtype: 'f32', shape: [2] } }, new Float32Array([0.25, -1]));
  const y = b.add('linear', [x, w, bias], { epilogue: [{ kind: 'unary', fn: 'relu' }] });
  b.output('output', y);
  return new Map(bundleFiles(generateBundle(b.finish(), { model: 'Tiny', generator: 'test' })));
}
