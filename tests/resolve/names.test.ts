// Names and scoping in model and block bodies: layers, blocks, values,
// labels, top-level names, recursion, inputs and outputs, unused values.
import { describe, expect, it } from 'vitest';
import { check, codes, expectClean, lines, model, only } from './helpers.ts';

describe('layer and block names', () => {
  it('reports an unknown layer with the closest layer name', () => {
    const d = only(model('  bn1: batchnrom'));
    expect(d).toMatchObject({ code: 'E0201', message: 'unknown layer `batchnrom`', help: 'there is a layer with a similar name: `batchnorm`' });
    expect(d.span.start).toMatchObject({ line: 4, column: 8 });
  });

  it('suggests a block name for a misspelt block', () => {
    const d = only(`block Basic() {\n  input x\n  relu\n}\n${model('  Basci')}`);
    expect(d).toMatchObject({ code: 'E0201', help: 'there is a block with a similar name: `Basic`' });
  });

  it('reports an unknown layer after `->` and as a call', () => {
    expect(lines(model('  relu -> softmx(axis=1)'))).toEqual(['E0201 4:11 unknown layer `softmx`']);
    expect(lines(model('  lineer(10)'))).toEqual(['E0201 4:3 unknown layer `lineer`']);
  });

  it('says what a name from another place is', () => {
    expect(only(model('  mse')).message).toBe('`mse` is a loss, not a layer');
    expect(only(model('  relu -> adamw')).message).toBe('`adamw` is an optimizer, not a layer');
    expect(only(model('  weightnorm(dim=0)')).message).toBe('`weightnorm` is an attachment, not a layer');
  });

  it('says when a value or parameter is written where a layer goes', () => {
    expect(only(model('  let h = x -> relu\n  x -> h')).message).toBe('`h` is a value, not a layer');
    const inBlock = only('block B(n: int) {\n  input x\n  linear(n) -> n\n}');
    expect(inBlock).toMatchObject({ code: 'E0203', message: '`n` is a block parameter, not a layer' });
  });

  it('says when a model is used as a layer', () => {
    const text = `model Other {\n  input x: f32[N, 4]\n  output y\n  relu\n}\n${model('  Other')}`;
    expect(only(text)).toMatchObject({ code: 'E0203', message: '`Other` is a model, not a layer' });
  });

  it('says when a layer is used as a value', () => {
    expect(only(model('  let h = x -> relu\n  h + gelu')).message).toBe('`gelu` is a layer, not a value');
  });
});

describe('values', () => {
  it('reports an undefined value with the closest one', () => {
    const d = only(model('  let hidden = x -> relu\n  relu(hiden + x)'));
    expect(d).toMatchObject({ code: 'E0202', message: 'unknown value `hiden`', help: 'there is a value with a similar name: `hidden`' });
  });

  it('points at a definition that comes later', () => {
    const d = only(model('  relu(h)\n  let h = x -> relu'));
    expect(d.code).toBe('E0202');
    expect(d.secondary).toEqual([{ span: expect.objectContaining({ start: expect.objectContaining({ line: 5 }) }), message: 'defined later' }]);
  });

  it('treats a misspelt value as an input, not as an extra argument', () => {
    expect(lines(model('  let h = x -> relu\n  let g = drop_path(hh, 0.1)\n  relu(h + g)'))).toEqual(['E0202 5:21 unknown value `hh`']);
    expect(lines(model('  let h = x -> relu\n  relu(hh)'))).toEqual(['E0202 5:8 unknown value `hh`']);
  });

  it('allows `let` to rebind a name', () => {
    expectClean(model('  let h = x -> linear(4)\n  let h = h -> relu\n  output h', 'f32[N, 4]').replace('  output y\n', ''));
  });

  it('forbids reusing an input or parameter name', () => {
    expect(codes(model('  input x: f32[N, 3, 8, 8]'))).toEqual(['E0213']);
    expect(only('block B(n: int) {\n  input n\n  relu\n}')).toMatchObject({ code: 'E0213', message: '`n` is already a parameter of block `B`' });
    expect(codes('block B(n: int) {\n  input x\n  let n = x -> linear(n)\n}')).toEqual(['E0213']);
  });

  it('forbids an input that takes the name of an earlier `let`, pointing at both', () => {
    const d = only(model('  let h = x -> linear(4)\n  input h: f32[N, 4]\n  relu(h)', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0213', message: '`h` is already a value of model `M`', span: { start: { line: 5, column: 9 } } });
    expect(d.secondary).toEqual([{ span: expect.objectContaining({ start: expect.objectContaining({ line: 4, column: 7 }) }), message: 'defined by this `let`' }]);
  });

  it('forbids an input and a layer with one name, reporting the later one', () => {
    const label = only(model('  x: linear(2)', 'f32[N, 4]'));
    expect(label).toMatchObject({ code: 'E0213', message: '`x` is both an input and a layer of model `M`', label: 'a layer label here' });
    expect(label.span.start).toMatchObject({ line: 4, column: 3 });
    expect(label.secondary[0]).toMatchObject({ message: 'the input', span: { start: { line: 2, column: 9 } } });
    // The automatic name counts too, and in a block as in a model.
    const automatic = only('block B() {\n  input relu_1\n  relu -> relu\n}');
    expect(automatic).toMatchObject({ code: 'E0213', message: '`relu_1` is both an input and a layer of block `B`' });
    expect(automatic.span.start).toMatchObject({ line: 3, column: 11 });
    // An input declared after the layer is the later one.
    const inputLater = only('model M {\n  input a: f32[N, 4]\n  output y\n  let h = a -> b: linear(4)\n  input b: f32[N, 4]\n  relu(h + b)\n}');
    expect(inputLater.span.start).toMatchObject({ line: 5, column: 9 });
    expect(inputLater.secondary[0]).toMatchObject({ message: 'a layer label', span: { start: { line: 4, column: 16 } } });
  });

  it('warns about values never used', () => {
    const d = only(model('  let side = x -> linear(2)\n  x -> relu', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'W0201', severity: 'warning', message: 'value `side` is never used' });
    expect(only('model M {\n  input a: f32[N, 4]\n  input b: f32[N, 4]\n  output y\n  relu\n}').message).toBe('input `a` is never used');
  });

  it('does not warn about a value whose name starts with `_`', () => {
    expectClean(model('  let _side = x -> linear(2)\n  x -> relu', 'f32[N, 4]'));
  });

  it('warns about a statement result that the next statement drops', () => {
    const d = only(model('  linear(2)\n  x -> relu', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'W0203', message: 'the result of this statement is never used' });
    expect(d.span.start.line).toBe(4);
  });

  it('counts the flow value as used by the next layer and by `output`', () => {
    expectClean(model('  linear(2)\n  relu', 'f32[N, 4]'));
    expectClean('model M {\n  input x: f32[N, 4]\n  output x\n}');
  });

  it('warns about an unused block parameter', () => {
    const d = only('block B(n: int, _spare: int = 0) {\n  input x\n  relu\n}');
    expect(d).toMatchObject({ code: 'W0202', message: 'parameter `n` of block `B` is never used' });
  });
});

describe('labels', () => {
  it('reports a label used twice, with the first one', () => {
    const d = only(model('  c1: linear(8)\n  c1: linear(2)', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0204', message: 'the label `c1` is used twice in model `M`' });
    expect(d.secondary[0]).toMatchObject({ message: 'first used here', span: { start: { line: 4, column: 3 } } });
  });

  it('reports a label equal to another layer\'s automatic name', () => {
    const d = only(model('  linear(8)\n  linear_0: linear(2)', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0204', message: 'the label `linear_0` is also the automatic name of another layer' });
  });

  it('allows the same label in different bodies', () => {
    expectClean(`block B() {\n  input x\n  fc: linear(4)\n}\n${model('  fc: linear(4)\n  b: B', 'f32[N, 4]')}`);
  });
});

describe('top-level names', () => {
  it('reports two items with one name', () => {
    const d = only(`block M() {\n  input x\n  relu\n}\n${model('  relu')}`);
    expect(d).toMatchObject({ code: 'E0205', message: 'the name `M` is defined twice' });
    expect(d.secondary[0]!.message).toBe('block `M` first defined here');
  });

  it('reports a block named like a registry function', () => {
    expect(only('block relu() {\n  input x\n  gelu\n}').message).toBe('block name `relu` is already a layer');
  });

  it('reports a block calling itself, directly or through others', () => {
    expect(only('block A() {\n  input x\n  A\n}')).toMatchObject({ code: 'E0210', message: 'block `A` calls itself' });
    const d = only('block A() {\n  input x\n  B\n}\nblock B() {\n  input x\n  r: repeat 2 C\n}\nblock C() {\n  input x\n  A\n}');
    expect(d.message).toBe('blocks call each other in a cycle: `A` -> `B` -> `C` -> `A`');
    expect(d.secondary.map((s) => s.message)).toEqual(['`A` calls `B` here', '`B` calls `C` here']);
  });

  it('still checks a model that uses a recursive block, without expanding it', () => {
    const result = check(`block A() {\n  input x\n  A\n}\n${model('  a: A\n  fc: linear(2)')}`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E0210']);
    expect(result.models.get('M')!.parameters.map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
  });
});

describe('inputs and outputs', () => {
  it('needs an input in models and blocks', () => {
    expect(only('model M {\n  output y\n  relu\n}')).toMatchObject({ code: 'E0209', message: 'model `M` has no `input`' });
    expect(only('block B() {\n  relu\n}')).toMatchObject({ code: 'E0209', message: 'block `B` has no `input`' });
  });

  it('needs an output in models but not in blocks', () => {
    expect(only('model M {\n  input x: f32[N, 4]\n  relu\n}')).toMatchObject({ code: 'E0208', message: 'model `M` has no `output`' });
    expectClean('block B() {\n  input x\n  relu\n}');
  });

  it('reports a layer with nothing flowing into it', () => {
    const d = only('model M {\n  output y\n  relu\n  input x: f32[N, 4]\n}');
    expect(d).toMatchObject({ code: 'E0207', message: '`relu` has no input: nothing has been computed before it' });
  });

  it('takes `output name` as the final value when the name is unbound', () => {
    expect(expectClean(model('  relu')).models.get('M')!.outputs).toEqual(['y']);
  });

  it('takes `output name` as that value when it is bound, and an expression in place', () => {
    const bound = expectClean('model M {\n  input x: f32[N, 4]\n  let h = x -> linear(4)\n  output h\n  output relu(h + x)\n}');
    expect(bound.models.get('M')!.outputs).toEqual(['h', 'output']);
  });

  it('applies a layer named by `output`', () => {
    const result = expectClean('model M {\n  input x: f32[N, 4]\n  output fc: linear(2)\n}');
    expect(result.models.get('M')!.parameters.map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
  });

  it('reports outputs a block or model cannot have', () => {
    expect(only('block B() {\n  input x\n  output x\n  output relu(x)\n}').code).toBe('E0214');
    expect(only('model M {\n  input x: f32[N, 4]\n  output y\n  output y\n  relu\n}').message).toBe('model `M` has two outputs named `y`');
  });

  it('reports statements and outputs that compute constants', () => {
    expect(lines(model('  3'))).toEqual(['E0305 4:3 this statement computes a constant, not a tensor']);
    expect(lines(model('  let k = 2 * 3\n  relu'))).toEqual(['E0305 4:11 `let` binds a tensor value, and this is a constant']);
    expect(lines('model M {\n  input x: f32[N, 4]\n  output [1, 2]\n}')).toEqual([
      'W0201 2:9 input `x` is never used',
      'E0305 3:10 an output must be a tensor, and this is a constant',
    ]);
    expect(codes(model('  1 -> relu'))).toEqual(['E0305']);
  });
});
