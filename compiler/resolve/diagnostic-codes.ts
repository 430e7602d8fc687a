// The checker's codes (compiler/resolve, argument binding included),
// explained for docs/diagnostics.md and `regc explain`. E02xx are names and
// structure, E03xx arguments and values, E04xx the train section, W02xx
// warnings. Every example here produces its code (tests/resolve checks).
import type { DiagnosticCodeDoc } from '../../grammar/diagnostic-codes.ts';

const MODEL_HEAD = 'model M {\n  input x: f32[N, 4]\n  output y\n';
const TRAIN_HEAD = 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n\ntrain M {\n';

export const resolveDiagnosticCodes: readonly DiagnosticCodeDoc[] = [
  {
    code: 'E0201',
    title: 'unknown name',
    explanation:
      'A layer, block, attachment, loss, optimizer, schedule, penalty, noise, augmentation, clipping rule, ' +
      'calibration or metric name that does not exist. The message says which kind of name was expected there, ' +
      'and a similarly spelt one is suggested when there is one. `regc` has one table of names, docs/language.md.',
    example: `${MODEL_HEAD}  fc: lineer(10)\n}`,
  },
  {
    code: 'E0202',
    title: 'unknown value',
    explanation:
      'A name used as a value (a tensor from `input` or `let`, or a block parameter) that is not defined at ' +
      'that point. Values must be defined before they are used; a `let` further down does not count.',
    example: `${MODEL_HEAD}  let h = x -> linear(4)\n  relu(h + z)\n}`,
  },
  {
    code: 'E0203',
    title: 'a name used in the wrong place',
    explanation:
      'The name exists, but as a different kind of thing: a loss written as a layer, a value written after `->` ' +
      'where a layer is expected, a layer where a value is expected. Names are unique across kinds, so the ' +
      'message says what the name is.',
    example: `${MODEL_HEAD}  mse\n}`,
  },
  {
    code: 'E0204',
    title: 'duplicate layer label',
    explanation:
      'Two layers in one model or block body have the same label, or a label equals the automatic name of an ' +
      'unlabelled layer (`relu_2`: the op name and the layer\'s 0-based position among all layer and block ' +
      'applications of the body). Labels name parameters (`c1.weight`), so they must be unique in a body.',
    example: `${MODEL_HEAD}  c1: linear(8)\n  c1: linear(2)\n}`,
  },
  {
    code: 'E0205',
    title: 'duplicate model or block name',
    explanation:
      'Two models or blocks share a name (they share one namespace), or a block takes a name the language ' +
      'already uses for a layer, loss or other function.',
    example: 'block B() {\n  input x\n  relu\n}\n\nblock B() {\n  input x\n  gelu\n}',
  },
  {
    code: 'E0206',
    title: 'model input without a type',
    explanation:
      'A model\'s `input` needs its tensor type, `f32[N, ...]` with the batch dimension N first, so that buffer ' +
      'sizes are known when the model is compiled. Inputs of blocks may leave the type out.',
    example: 'model M {\n  input x\n  output y\n  relu\n}',
  },
  {
    code: 'E0207',
    title: 'nothing flows into a layer',
    explanation:
      'A layer written without tensor arguments applies to the current value: the last `input`, `let` or ' +
      'statement result. Before the first `input` there is no such value. The same holds for `output y` naming ' +
      'the final value of a body that computes nothing.',
    example: 'model M {\n  output y\n  relu\n  input x: f32[N, 4]\n}',
  },
  {
    code: 'E0208',
    title: 'model without output',
    explanation:
      'A model must say what it returns: `output logits` names its final value, `output h` returns the value ' +
      '`h`, and `output expr` returns an expression.',
    example: 'model M {\n  input x: f32[N, 4]\n  relu\n}',
  },
  {
    code: 'E0209',
    title: 'model or block without input',
    explanation: 'Every model and block body starts from its inputs, declared with `input`.',
    example: 'model M {\n  output y\n  relu\n}',
  },
  {
    code: 'E0210',
    title: 'block recursion',
    explanation:
      'Blocks are expanded where they are used, so a block that calls itself, directly or through other ' +
      'blocks, would never finish expanding. The message lists the cycle. Use `repeat n Block(...)` for a ' +
      'stack of copies.',
    example: `block A() {\n  input x\n  B\n}\n\nblock B() {\n  input x\n  A\n}`,
  },
  {
    code: 'E0211',
    title: 'attachment not allowed here',
    explanation:
      'An attachment after `with` rewrites or regularises a layer\'s weight, so it attaches only to the ' +
      'layers listed for it (linear and convolutions), never to a block.',
    example: `${MODEL_HEAD}  bn: batchnorm with weightnorm\n}`,
  },
  {
    code: 'E0212',
    title: 'conflicting attachments',
    explanation:
      'The same attachment twice on a layer, or both `weightnorm` and `spectralnorm`: each replaces the ' +
      'layer\'s `weight` with its own parameters, so only one can.',
    example: `${MODEL_HEAD}  fc: linear(2) with weightnorm, spectralnorm\n}`,
  },
  {
    code: 'E0213',
    title: 'name defined twice',
    explanation:
      'Two `input` statements with one name, an `input` that takes the name of an earlier `let`, an input and a ' +
      'layer (its label or automatic name) with one name, or an input or `let` that reuses the name of a block ' +
      'parameter. A `let` may rebind an earlier value (shadowing); inputs and parameters may not be redefined, ' +
      'and since messages name values by the input or layer they come from, an input and a layer may not share a name.',
    example: 'model M {\n  input x: f32[N, 4]\n  input x: f32[N, 4]\n  output y\n}',
  },
  {
    code: 'E0214',
    title: 'invalid outputs',
    explanation: 'A block returns one value, so it has at most one `output`; a model\'s outputs need distinct names.',
    example: 'block B() {\n  input x\n  output x\n  output relu(x)\n}',
  },
  {
    code: 'E0215',
    title: 'repeat of a layer',
    explanation:
      '`repeat n` stacks copies of a block, each instance named by its number (`layer1.0`, `layer1.1`). To ' +
      'repeat a single layer, put it in a block.',
    example: `${MODEL_HEAD}  r: repeat 3 linear(4)\n}`,
  },
  {
    code: 'E0216',
    title: 'duplicate block parameter',
    explanation: 'Two parameters of one block have the same name.',
    example: 'block B(n: int, n: int) {\n  input x\n  linear(n)\n}',
  },
  {
    code: 'E0217',
    title: 'too many layers',
    explanation:
      'A model may have at most 2^12 (4,096) layer and block applications once its blocks are expanded and each ' +
      '`repeat n` is counted n times: eight times those of a ResNet-152, and each becomes kernels and weights that ' +
      'compiling has to build. Repeats nested in blocks multiply, so a few levels of them reach any count; the ' +
      'checker counts before it expands, and stops at the cap. The cap is `MAX_LAYER_INSTANCES` in ' +
      'compiler/resolve/model-summary.ts.',
    example: 'block B() {\n  input x\n  relu\n}\n\n' + `${MODEL_HEAD}  r: repeat 3000 B\n}`,
  },
  {
    code: 'E0301',
    title: 'unknown argument name',
    explanation: 'A named argument that the function does not have. The note lists its parameters.',
    example: `${MODEL_HEAD}  linear(10, bais=false)\n}`,
  },
  {
    code: 'E0302',
    title: 'misplaced or extra argument',
    explanation:
      'Positional arguments fill parameters in the documented order and must come before named ones; a ' +
      'function cannot take more arguments than it has parameters.',
    example: `${MODEL_HEAD}  linear(out=10, false)\n}`,
  },
  {
    code: 'E0303',
    title: 'argument given twice',
    explanation: 'The same parameter is given twice, by position and by name or twice by name.',
    example: `${MODEL_HEAD}  linear(10, out=20)\n}`,
  },
  {
    code: 'E0304',
    title: 'invalid arithmetic',
    explanation:
      'Arithmetic on constants needs numbers (`ch * 2`), division by zero is not allowed, and a tensor can ' +
      'be combined only with another tensor or a number, one within ±3.4e38: the model computes in f32, where a ' +
      'larger number would be Infinity.',
    example: `${MODEL_HEAD}  linear(10 / 0)\n}`,
  },
  {
    code: 'E0305',
    title: 'tensor where a constant is expected, or the reverse',
    explanation:
      'Arguments such as sizes and rates must be constants known when compiling; a tensor value cannot be ' +
      'used for them. Conversely a statement, `let`, `output` or chain must compute a tensor, not a constant.',
    example: `${MODEL_HEAD}  linear(4, bias=x)\n}`,
  },
  {
    code: 'E0306',
    title: 'missing argument',
    explanation: 'A parameter without a default is not given. The note says what it means.',
    example: `${MODEL_HEAD}  linear\n}`,
  },
  {
    code: 'E0307',
    title: 'argument of the wrong type',
    explanation:
      'The value does not have the parameter\'s type: an int where a list is expected, a float for an int, an ' +
      'enum word that is not one of the allowed ones.',
    example: `${MODEL_HEAD}  linear(2.5)\n}`,
  },
  {
    code: 'E0308',
    title: 'argument out of range',
    explanation:
      'The value has the right type but lies outside the parameter\'s range, e.g. a probability of 1.5. A float ' +
      'parameter also has to lie within ±3.4e38, the range of the f32 numbers the model computes with.',
    example: `${MODEL_HEAD}  linear(4)\n  dropout(1.5)\n}`,
  },
  {
    code: 'E0309',
    title: 'wrong number of tensor inputs',
    explanation:
      'Most layers take one tensor; `concat` takes two or more and `matmul` two. After `->` and in a bare ' +
      'statement a layer takes only the value flowing in, so layers with several inputs are written with their ' +
      'inputs as arguments: `concat(a, b)`.',
    example: `${MODEL_HEAD}  linear(4)\n  concat\n}`,
  },
  {
    code: 'E0310',
    title: 'unknown parameter type',
    explanation: 'Block parameters are `int`, `float`, `bool` or `string`.',
    example: 'block B(n: integer) {\n  input x\n  linear(n)\n}',
  },
  {
    code: 'E0311',
    title: 'default of the wrong type',
    explanation: 'A block parameter\'s default value does not have the parameter\'s declared type.',
    example: 'block B(n: int = 2.5) {\n  input x\n  linear(n)\n}',
  },
  {
    code: 'E0312',
    title: 'invalid repeat count',
    explanation: '`repeat n` needs a whole number n of at least 1, written directly or as an int block parameter.',
    example: `block B() {\n  input x\n  relu\n}\n\n${MODEL_HEAD}  r: repeat 0 B\n}`,
  },
  {
    code: 'E0313',
    title: 'unsupported element type',
    explanation: 'Tensors are `f32` for now; other element types are not compiled yet.',
    example: 'model M {\n  input x: f16[N, 4]\n  output y\n  relu\n}',
  },
  {
    code: 'E0314',
    title: 'invalid dimension',
    explanation:
      'Dimensions are whole numbers of at least 1, except the batch dimension `N`, which is the only symbolic ' +
      'one and comes first (a model input must start with it).',
    example: 'model M {\n  input x: f32[N, C]\n  output y\n  relu\n}',
  },
  {
    code: 'E0401',
    title: 'train section for an unknown model',
    explanation: '`train Name { ... }` must name a model of the same file.',
    example: 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n\ntrain Mdl {\n  loss mse\n  optimizer sgd(lr=0.1)\n}',
  },
  {
    code: 'E0402',
    title: 'statement given twice',
    explanation:
      'A train section has at most one loss, optimizer, schedule, clip, early_stop, calibrate and one of each ' +
      'setting, and a model has at most one train section. Penalties, noise, augment and metrics may repeat.',
    example: `${TRAIN_HEAD}  loss mse\n  loss cross_entropy\n  optimizer sgd(lr=0.1)\n}`,
  },
  {
    code: 'E0403',
    title: 'missing loss or optimizer',
    explanation: 'Training needs a `loss` to minimise and an `optimizer` to do it.',
    example: `${TRAIN_HEAD}  loss mse\n}`,
  },
  {
    code: 'E0404',
    title: 'schedule phase that never starts',
    explanation:
      '`a then b` runs phase a for its length, then b. Only constant with a length, warmup and cosine have ' +
      'one; every other schedule, reduce_on_plateau included, runs until training ends, so nothing may follow it.',
    example: `${TRAIN_HEAD}  loss mse\n  optimizer sgd(lr=0.1)\n  schedule exponential(0.9) then constant\n}`,
  },
  {
    code: 'E0405',
    title: 'schedule phase length',
    explanation: 'warmup and cosine need exactly one of `epochs` and `steps`; constant takes at most one.',
    example: `${TRAIN_HEAD}  loss mse\n  optimizer sgd(lr=0.1)\n  schedule cosine(min_lr=0)\n}`,
  },
  {
    code: 'E0406',
    title: 'parameter pattern matches nothing',
    explanation:
      'A `penalty ... on` or `noise ... on` pattern matches no trainable parameter of the model, so it would ' +
      'do nothing. The note lists the model\'s parameter names; running statistics are not trainable.',
    example: `${TRAIN_HEAD}  loss mse\n  optimizer sgd(lr=0.1)\n  penalty l2(1e-4) on conv*.weight\n}`,
  },
  {
    code: 'E0407',
    title: 'invalid training setting',
    explanation:
      '`batch`, `epochs` and `steps` are whole numbers of at least 1, `seed` a whole number of at least 0, and ' +
      '`val_split` a fraction strictly between 0 and 1.',
    example: `${TRAIN_HEAD}  loss mse\n  optimizer sgd(lr=0.1)\n  batch 0\n}`,
  },
  {
    code: 'E0408',
    title: 'invalid parameter pattern',
    explanation:
      'Patterns use `*` for any run of characters, `?` for one character, `[abc]` or `[a-z]` for one of a set ' +
      'and `[!abc]` for one not in it; a `[` must be closed.',
    example: `${TRAIN_HEAD}  loss mse\n  optimizer sgd(lr=0.1)\n  penalty l2(1e-4) on "fc[.weight"\n}`,
  },
  {
    code: 'W0201',
    title: 'unused value',
    explanation:
      'An input or `let` value that nothing uses, by name or by flowing into the next statement. Start its ' +
      'name with `_` to keep it on purpose.',
    example: 'model M {\n  input x: f32[N, 4]\n  output y\n  let unused = x -> linear(2)\n  x -> relu\n}',
  },
  {
    code: 'W0202',
    title: 'unused block parameter',
    explanation: 'A block parameter that nothing in the block mentions. Start its name with `_` to keep it on purpose.',
    example: 'block B(n: int) {\n  input x\n  relu\n}',
  },
  {
    code: 'W0203',
    title: 'unused statement result',
    explanation:
      'A statement\'s result flows into the next statement only when that one starts with a layer or block. ' +
      'When the next one starts from a named value instead, the result is computed and dropped.',
    example: 'model M {\n  input x: f32[N, 4]\n  output y\n  linear(2)\n  x -> relu\n}',
  },
];
