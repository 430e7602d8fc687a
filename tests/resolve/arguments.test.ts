// Arguments of layers, blocks and attachments; tensor inputs; `repeat`;
// block parameters checked once on their own and again per instance; input
// tensor types.
import { describe, expect, it } from 'vitest';
import { check, codes, expectClean, lines, model, only } from './helpers.ts';

describe('layer arguments', () => {
  it('binds positional and named arguments through the registry', () => {
    expectClean(model('  conv2d(16, 3, stride=2, padding=[1, 1], bias=false)'));
    expectClean(model('  c: conv2d(out=16, kernel=[3, 5])'));
  });

  it('reports unknown, extra, duplicate and missing arguments', () => {
    expect(lines(model('  linear(10, bais=false)', 'f32[N, 4]'))).toEqual(['E0301 4:14 `linear` has no parameter `bais`']);
    expect(lines(model('  linear(10, true, zeros, 3)', 'f32[N, 4]'))).toEqual(['E0302 4:27 too many arguments: `linear` takes at most 3']);
    expect(lines(model('  linear(10, out=3)', 'f32[N, 4]'))).toEqual(['E0303 4:14 argument `out` of `linear` is given twice']);
    expect(lines(model('  conv2d(16)'))).toEqual(['E0306 4:3 missing argument `kernel` of `conv2d`']);
    expect(lines(model('  relu -> conv2d'))).toEqual(['E0306 4:11 missing arguments `out` and `kernel` of `conv2d`']);
  });

  it('reports values of the wrong type or out of range, with suggestions for enum words', () => {
    expect(lines(model('  linear(2.5)', 'f32[N, 4]'))).toEqual(['E0307 4:10 `out` of `linear` expects int, got 2.5']);
    expect(lines(model('  dropout(1)', 'f32[N, 4]'))).toEqual(['E0308 4:11 `p` of `dropout` must be in [0, 1), got 1']);
    const d = only(model('  gelu(approximate=tahn)', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0307', help: 'there is a value with a similar name: `tanh`' });
  });

  it('reports a tensor where a constant goes, and arithmetic on non-numbers', () => {
    expect(lines(model('  linear(4, bias=x)', 'f32[N, 4]'))).toEqual(['E0305 4:18 `x` is a tensor, not a constant']);
    expect(lines(model('  linear(4 * true)', 'f32[N, 4]'))).toEqual(['E0304 4:10 `*` needs numbers on both sides']);
    expect(lines(model('  let h = x -> relu\n  relu(h + "a")', 'f32[N, 4]'))).toEqual([
      'E0304 5:12 `+` needs a tensor or a number on each side',
    ]);
  });

  it('accepts tensors combined with numbers', () => {
    expectClean(model('  let h = x -> relu\n  relu(h * 0.5 + x)', 'f32[N, 4]'));
  });
});

describe('tensor inputs', () => {
  it('takes explicit tensor inputs from leading arguments', () => {
    expectClean(model('  let a = x -> linear(4)\n  let b = x -> linear(4)\n  concat(a, b, axis=1)', 'f32[N, 4]'));
    expectClean(model('  let a = x -> linear(4)\n  matmul(a, x)', 'f32[N, 4]'));
  });

  it('reports a multi-input layer fed only by the flow value', () => {
    const d = only(model('  relu -> concat', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0309', message: '`concat` takes 2 or more tensor inputs, but only the value flowing in is given' });
    expect(only(model('  matmul', 'f32[N, 4]')).message).toBe('`matmul` takes 2 tensor inputs, but only the value flowing in is given');
  });

  it('reports too many explicit inputs', () => {
    expect(lines(model('  let a = x -> relu\n  relu(a, x)', 'f32[N, 4]'))).toEqual([
      'E0302 5:11 too many arguments: `relu` takes no arguments',
    ]);
    expect(only(model('  let a = x -> relu\n  matmul(a, x, a)', 'f32[N, 4]')).code).toBe('E0302');
  });

  it('reports tensor arguments after `->`', () => {
    const d = only(model('  let h = x -> relu\n  x -> drop_path(h, 0.1)', 'f32[N, 4]'));
    expect(d).toMatchObject({ code: 'E0309', message: '`drop_path` after `->` takes its input from the chain' });
  });
});

describe('attachments', () => {
  it('accepts attachments on the layers they attach to', () => {
    expectClean(model('  fc: linear(4) with weightnorm, dropconnect(0.2)', 'f32[N, 4]'));
    expectClean(model('  c: conv2d(4, 3) with spectralnorm(power_iterations=2)'));
  });

  it('reports attachments on other layers and on blocks', () => {
    expect(only(model('  bn: batchnorm with spectralnorm')).message).toBe('`spectralnorm` cannot attach to `batchnorm`');
    const d = only(`block B() {\n  input x\n  relu\n}\n${model('  b: B with weightnorm')}`);
    expect(d).toMatchObject({ code: 'E0211', message: 'attachments apply to layers, and `B` is a block' });
  });

  it('reports non-attachments, duplicates and two reparameterisations', () => {
    expect(only(model('  fc: linear(4) with relu', 'f32[N, 4]')).message).toBe('`relu` is a layer, not an attachment');
    expect(only(model('  fc: linear(4) with weightnorm, weightnorm', 'f32[N, 4]')).message).toBe(
      '`weightnorm` is attached twice to the same layer',
    );
    expect(only(model('  fc: linear(4) with spectralnorm, weightnorm', 'f32[N, 4]')).code).toBe('E0212');
    expect(lines(model('  fc: linear(4) with dropconnect(2)', 'f32[N, 4]'))).toEqual([
      'E0308 4:34 `p` of `dropconnect` must be in [0, 1), got 2',
    ]);
  });
});

describe('blocks and their parameters', () => {
  const conv = 'block Conv(ch: int, bias: bool = false, p: float = 0.1) {\n  input x\n  c: conv2d(ch, 3, bias=bias) -> dropout(p)\n}\n';

  it('binds block calls against the block\'s parameters', () => {
    expectClean(`${conv}${model('  a: Conv(8)\n  b: Conv(8, true, 0.2)\n  c: Conv(ch=4, p=0.5)')}`);
    expect(lines(`${conv}${model('  a: Conv()')}`)).toEqual(['E0306 8:3 missing argument `ch` of `Conv`']);
    expect(lines(`${conv}${model('  a: Conv(8, bais=true)')}`)).toEqual(['E0301 8:14 `Conv` has no parameter `bais`']);
    expect(lines(`${conv}${model('  a: Conv(8.5)')}`)).toEqual(['E0307 8:11 `ch` of `Conv` expects int, got 8.5']);
  });

  it('checks parameter types and defaults', () => {
    const d = only('block B(n: integer) {\n  input x\n  linear(n)\n}');
    expect(d).toMatchObject({ code: 'E0310', message: 'unknown parameter type `integer`' });
    expect(only('block B(n: Int) {\n  input x\n  linear(n)\n}').help).toBe('there is a type with a similar name: `int`');
    expect(only('block B(n: int = 2.5) {\n  input x\n  linear(n)\n}').message).toBe('default of `n` is not an int: 2.5');
    expect(only('block B(n: bool = 1) {\n  input x\n  linear(4, bias=n)\n}').message).toBe('default of `n` is not a bool: 1');
    expectClean('block B(n: float = 1, s: string = max) {\n  input x\n  dropout(n / 10)\n  gelu(approximate=s)\n}');
    expect(only('block B(n: int, n: int) {\n  input x\n  linear(n)\n}').code).toBe('E0216');
  });

  it('checks the declared type of a parameter where it is used, before any instance', () => {
    const d = only('block B(flag: bool) {\n  input x\n  linear(flag)\n}');
    expect(d).toMatchObject({ code: 'E0307', message: '`out` of `linear` expects int, got `flag` of type bool' });
    expectClean('block B(k: int) {\n  input x\n  conv2d(4, kernel=[k, k], padding=k / 2 - 1)\n}');
  });

  it('checks values that depend on arguments once per distinct instance, pointing at the use', () => {
    const text = `${conv}${model('  a: Conv(8, p=1.5)\n  b: Conv(8, p=1.5)\n  c: Conv(0)')}`;
    const result = check(text);
    expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line} ${d.message}`)).toEqual([
      'E0308 3 `out` of `conv2d` must be >= 1, got 0',
      'E0308 3 `p` of `dropout` must be in [0, 1), got 1.5',
    ]);
    expect(result.diagnostics.map((d) => d.secondary.map((s) => `${s.message} ${s.span.start.line}`))).toEqual([
      ['in the instance made here 10'],
      ['in the instance made here 8'],
    ]);
  });

  it('gives a block with several inputs its inputs as arguments', () => {
    const pair = 'block Pair() {\n  input a\n  input b\n  output concat(a, b)\n}\n';
    expectClean(`${pair}${model('  let h = x -> relu\n  Pair(h, x)')}`);
    expect(only(`${pair}${model('  Pair')}`).message).toBe('`Pair` takes 2 tensor inputs, but only the value flowing in is given');
  });
});

describe('repeat', () => {
  const basic = 'block Basic(ch: int) {\n  input x\n  conv2d(ch, 3, padding=1)\n}\n';

  it('repeats a block a constant or parameter number of times', () => {
    expectClean(`${basic}${model('  layer1: repeat 3 Basic(4)')}`);
    expectClean(`${basic}block Stage(n: int) {\n  input x\n  r: repeat n Basic(4)\n}\n${model('  s: Stage(2)')}`);
  });

  it('reports a count that is not a whole number of at least 1', () => {
    expect(lines(`${basic}${model('  r: repeat 0 Basic(4)')}`)).toEqual(['E0312 8:13 `repeat` needs a whole number of at least 1, got 0']);
    expect(codes(`${basic}${model('  r: repeat (2.5) Basic(4)')}`)).toEqual(['E0312']);
    expect(lines(`${basic}block Stage(n: float) {\n  input x\n  r: repeat n Basic(4)\n}`)).toEqual([
      'E0312 7:13 `repeat` needs a whole number, and `n` is a float parameter',
    ]);
  });

  it('reports a repeated layer or unknown block', () => {
    expect(only(model('  r: repeat 2 conv2d(4, 3)')).code).toBe('E0215');
    expect(only(`${basic}${model('  r: repeat 2 Basik(4)')}`)).toMatchObject({
      code: 'E0201',
      message: 'unknown block `Basik`',
      help: 'there is a block with a similar name: `Basic`',
    });
  });

  it('reports a repeated block that does not chain', () => {
    const pair = 'block Pair() {\n  input a\n  input b\n  output concat(a, b)\n}\n';
    expect(only(`${pair}${model('  r: repeat 2 Pair')}`).message).toBe('`repeat` needs a block with one input, and `Pair` takes 2');
  });
});

describe('input types', () => {
  it('needs a type on model inputs, not on block inputs', () => {
    expect(only('model M {\n  input x\n  output y\n  relu\n}')).toMatchObject({ code: 'E0206', message: 'model input `x` needs a type' });
    expectClean('block B() {\n  input x\n  relu\n}');
    expectClean('block B() {\n  input x: f32[N, 4]\n  relu\n}');
  });

  it('accepts only f32', () => {
    expect(only(model('  relu', 'f16[N, 4]')).message).toBe('only `f32` tensors are supported for now, not `f16`');
    expect(only(model('  relu', 'float32[N, 4]'))).toMatchObject({ code: 'E0313', message: 'unknown element type `float32`' });
  });

  it('accepts N only, and only first', () => {
    expect(only(model('  relu', 'f32[N, C]')).message).toBe('unknown dimension `C`: only `N`, the batch dimension, may be symbolic');
    expect(only(model('  relu', 'f32[N, 4, N]')).message).toBe('`N`, the batch dimension, may only be the first dimension');
    expect(only(model('  relu', 'f32[n, 4]')).help).toBe('the batch dimension is written `N`');
    expect(only(model('  relu', 'f32[8, 4]'))).toMatchObject({ code: 'E0314', help: 'write `f32[N, 4]`; the batch size is chosen when the model runs' });
    expect(only(model('  relu', 'f32[N, 0]')).message).toBe('a dimension must be a whole number of at least 1, got 0');
  });
});
