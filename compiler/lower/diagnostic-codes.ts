// Errors found while building the IR: shapes, and what only shapes reveal.
import type { DiagnosticCodeDoc } from '../../grammar/diagnostic-codes.ts';

export const loweringDiagnosticCodes: readonly DiagnosticCodeDoc[] = [
  {
    code: 'E0501',
    title: 'shapes disagree',
    explanation:
      'A layer receives a tensor whose shape it cannot take: a conv with a different number of input channels ' +
      'than its input has, a linear whose input features differ from the previous layer\'s output, an elementwise ' +
      'operation on shapes that do not broadcast. The message names the shapes; the secondary label points at the ' +
      'layer the input comes from.',
    example: 'model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  let a = x -> conv2d(4, 3)\n  let b = x -> conv2d(5, 3)\n  output a + b\n}',
  },
  {
    code: 'E0502',
    title: 'layer arguments do not fit the input',
    explanation:
      'An argument is valid on its own but not for the tensor the layer receives: `groups` that does not divide the ' +
      'channels, `normalize` with a different number of means than the input has channels, `flatten` dimensions ' +
      'in the wrong order, a `reshape` whose sizes do not multiply to the input\'s.',
    example: 'model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  conv2d(4, 3, groups=2)\n}',
  },
  {
    code: 'E0503',
    title: 'block with several inputs',
    explanation: 'Blocks take one tensor input for now; pass further values through `let` bindings in the model instead.',
    example: 'block B(c: int) {\n  input a\n  input b\n  output a + b\n}',
  },
  {
    code: 'E0504',
    title: 'nothing to apply or output',
    explanation:
      'A layer is applied, or an output named, before any value exists: a layer statement before the `input`, or ' +
      'a block whose body computes nothing.',
    example: 'model M {\n  output y\n  relu\n  input x: f32[N, 4]\n}',
  },
  {
    code: 'E0505',
    title: 'model input without a type',
    explanation: 'A model\'s inputs need a dtype and shape, such as `f32[N, 3, 32, 32]`; only block inputs may omit them.',
    example: 'model M {\n  input x\n  output y\n  relu\n}',
  },
  {
    code: 'E0506',
    title: 'expected a tensor',
    explanation: 'A constant stands where a tensor is needed, or a block parameter default is not a constant.',
    example: 'model M {\n  input x: f32[N, 4]\n  output y\n  let y = 3\n}',
  },
  {
    code: 'E0507',
    title: 'not a layer or block',
    explanation:
      'A name applied as a layer is neither a layer nor a block, or `repeat` names something that is not a block. ' +
      'The checker reports these first; this code appears only for constructs it lets through.',
    example: 'model M {\n  input x: f32[N, 4]\n  output y\n  layer1: repeat 2 relu\n}',
  },
];
