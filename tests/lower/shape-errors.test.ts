// Shape errors found while lowering: the message names both shapes, the
// labels name the layers the inputs come from.
import { expect, test } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { SourceFile } from '../../grammar/source.ts';

function errors(text: string) {
  return analyseSource(new SourceFile('m.reg', text)).filter((d) => d.severity === 'error');
}

test('a residual add across a channel change names both shapes and both producers', () => {
  const [d, ...rest] = errors(`block Down(ch: int) {
  input x
  let h = x -> c1: conv2d(ch, 3, padding=1) -> relu
  output relu(h + x)
}

model M {
  input x: f32[N, 3, 8, 8]
  output y
  stem: conv2d(8, 3, padding=1)
  b1: Down(16)
}
`);
  expect(rest).toEqual([]);
  expect(d!.code).toBe('E0501');
  expect(d!.message).toBe('`b1.add`: shapes [N, 16, 8, 8] and [N, 8, 8, 8] cannot be broadcast together');
  expect(d!.span.start.line).toBe(4);
  expect(d!.secondary.map((l) => l.message)).toEqual(['`b1.relu_1` gives f32[N, 16, 8, 8]', '`stem` gives f32[N, 8, 8, 8]']);
});

test('a linear after a layer that does not fit, and arguments that do not fit the input', () => {
  expect(errors('model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  conv2d(4, 3, groups=2)\n}\n').map((d) => [d.code, d.message])).toEqual([
    ['E0502', '`conv2d_0`: groups=2 does not divide the 3 input channels'],
  ]);
  expect(errors('model M {\n  input x: f32[N, 3, 4, 4]\n  output y\n  maxpool(8)\n}\n').map((d) => d.code)).toEqual(['E0501']);
  expect(errors('model M {\n  input x: f32[N, 3, 4]\n  output y\n  normalize(mean=[0.5, 0.5], std=[1, 1])\n}\n').map((d) => d.code)).toEqual(['E0502']);
});

test('a clean spec lowers without diagnostics', () => {
  expect(errors('model M {\n  input x: f32[N, 1, 8, 8]\n  output y\n  c1: conv2d(4, 3) -> relu -> flatten -> fc: linear(2)\n}\n')).toEqual([]);
});

test('lowering goes on past a shape error: independent errors are all reported, what depends on one is not', () => {
  const diagnostics = errors(`model M {
  input x: f32[N, 3, 8, 8]
  output y
  let a = x -> conv2d(4, 3, groups=2) -> relu -> flatten -> linear(2)
  let b = x -> maxpool(16) -> flatten
  let c = x -> flatten -> linear(5)
  concat(a, b, c) -> linear(3)
}
`);
  // The linear after the failed conv, and the concat of two failed branches, are not reported.
  expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual([
    'E0502 4:29 `conv2d_0`: groups=2 does not divide the 3 input channels', // at `groups=2`
    'E0501 5:16 `maxpool_4`: output size would be 0 (input 8, kernel 16, stride 16, padding 0, dilation 1)',
  ]);
});

test('a model with checker errors is not lowered, and the file\'s other models are', () => {
  const diagnostics = errors(`model A {
  input x: f32[N, 4]
  output y
  lineer(3)
  conv2d(4, 3)
}

model B {
  input x: f32[N, 3, 4, 4]
  output y
  maxpool(8)
}
`);
  // A's conv2d on a 2-d input would be a shape error, but A's names are broken: its shapes are not checked.
  expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}`)).toEqual(['E0201 4', 'E0501 11']);
});
