// Errors found while building the IR: shapes, and what only shapes reveal,
// sizes included.
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
    example:
      'block Down(ch: int) {\n  input x\n  let h = x -> c1: conv2d(ch, 3, padding=1) -> relu\n  output relu(h + x)\n}\n\n' +
      'model M {\n  input x: f32[N, 3, 8, 8]\n  output y\n  stem: conv2d(8, 3, padding=1)\n  b1: Down(16)\n}',
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
    title: 'stored tensors too large',
    explanation:
      'A weight, bias or statistic would hold more than 2^24 values (64 MiB of f32), or all of a model\'s stored ' +
      'tensors together more than 2^24: `regc compile` fills in and folds every stored tensor on the host, and the ' +
      'cap keeps that well under a second. The sizes are checked on shapes before anything is allocated; such sizes ' +
      'are usually a typo in a shape or a layer size. The caps are in compiler/lower/size-limits.ts.',
    example: 'model M {\n  input x: f32[N, 20000]\n  output y\n  fc: linear(20000)\n}',
  },
  {
    code: 'E0504',
    title: 'value too large',
    explanation:
      'An input or a layer\'s output would hold more than 2^28 values per sample (1 GiB of f32 for a batch of one, ' +
      'four times the buffer size WebGPU guarantees by default), or all of a model\'s values together (with the ' +
      'scratch of attention) more than 2^29 per sample, past which a run of one sample could need more memory than ' +
      'the runtime allows. Whatever is computed from it is not checked further. The caps are in ' +
      'compiler/lower/size-limits.ts.',
    example: 'model M {\n  input x: f32[N, 3, 100000, 100000]\n  output y\n  relu\n}',
  },
  {
    code: 'E0505',
    title: 'name too long',
    explanation:
      'A name the bundle\'s manifest holds has more than 1024 characters: the model\'s, an input\'s or an output\'s, ' +
      'a layer\'s or a stored tensor\'s full name, which the labels of the layer and of the block instances around it ' +
      'make up (`layer1.0.c1.weight`). The message shows the name\'s two ends. The cap is `MAX_NAME_LENGTH` in ' +
      'compiler/lower/size-limits.ts.',
    example: `model M {\n  input x: f32[N, 4]\n  output y\n  ${'fc'.repeat(520)}: linear(2)\n}`,
  },
];
