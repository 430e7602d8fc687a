import { describe, expect, it } from 'vitest';
import { arg, call, flowExpr, ident, modelBody, name, num, parseClean, trainBody, withoutSpans } from './helpers.ts';

const shape = (value: unknown) => withoutSpans(value);

describe('items', () => {
  it('parses models, blocks and train sections in source order', () => {
    const program = parseClean('train T {}\nmodel M {}\nblock B() {}\nmodel N {}');
    expect(program.items.map((item) => item.kind)).toEqual(['Train', 'Model', 'Block', 'Model']);
  });

  it('parses block parameters with types and defaults', () => {
    const program = parseClean('block Basic(ch: int, stride: int = 1, p: float = 0.1,) { input x }');
    expect(shape(program.items[0])).toEqual({
      kind: 'Block',
      name: ident('Basic'),
      params: [
        { kind: 'Param', name: ident('ch'), type: ident('int') },
        { kind: 'Param', name: ident('stride'), type: ident('int'), default: num('1', 1, true) },
        { kind: 'Param', name: ident('p'), type: ident('float'), default: num('0.1', 0.1, false) },
      ],
      body: [{ kind: 'Input', name: ident('x') }],
    });
  });

  it('parses an empty file', () => {
    expect(shape(parseClean('// nothing here\n'))).toEqual({
      kind: 'Program',
      items: [],
      comments: [{ kind: 'Comment', text: '// nothing here' }],
    });
  });
});

describe('statements', () => {
  it('parses input with a tensor type and symbolic dims', () => {
    expect(shape(modelBody('input image: f32[N, 1, 28, 28]'))).toEqual([
      {
        kind: 'Input',
        name: ident('image'),
        type: {
          kind: 'TensorType',
          dtype: ident('f32'),
          dims: [
            { kind: 'DimSymbol', name: 'N' },
            { kind: 'DimNumber', value: 1 },
            { kind: 'DimNumber', value: 28 },
            { kind: 'DimNumber', value: 28 },
          ],
        },
      },
    ]);
  });

  it('parses output, let and flow statements', () => {
    expect(shape(modelBody('output logits\nlet h = drop_path(h, 0.1)\nrelu'))).toEqual([
      { kind: 'Output', value: name('logits') },
      { kind: 'Let', name: ident('h'), value: call('drop_path', [arg(name('h')), arg(num('0.1', 0.1, false))]) },
      { kind: 'Flow', value: name('relu') },
    ]);
  });

  it('splits statements at line ends without separators', () => {
    expect(shape(modelBody('relu\nmaxpool(2)'))).toEqual([
      { kind: 'Flow', value: name('relu') },
      { kind: 'Flow', value: call('maxpool', [arg(num('2', 2, true))]) },
    ]);
  });

  it('accepts `;` between statements on one line', () => {
    expect(modelBody('relu; maxpool(2); flatten').map((s) => s.kind)).toEqual(['Flow', 'Flow', 'Flow']);
  });

  it('continues a chain after `->` at the end of a line', () => {
    expect(shape(modelBody('a ->\n  b'))).toEqual([
      { kind: 'Flow', value: { kind: 'Chain', head: name('a'), steps: [name('b')] } },
    ]);
  });

  it('continues a chain at a line starting with `->`', () => {
    const stmts = modelBody('let h = x -> c1: conv2d(8)\n        -> relu');
    expect(stmts).toHaveLength(1);
    expect(shape(stmts[0])).toEqual({
      kind: 'Let',
      name: ident('h'),
      value: {
        kind: 'Chain',
        head: name('x'),
        steps: [call('conv2d', [arg(num('8', 8, true))], { label: ident('c1') }), name('relu')],
      },
    });
  });

  it('does not take parentheses on the next line as arguments', () => {
    expect(shape(modelBody('maxpool\n(a + b) -> relu'))).toEqual([
      { kind: 'Flow', value: name('maxpool') },
      {
        kind: 'Flow',
        value: {
          kind: 'Chain',
          head: { kind: 'Paren', inner: { kind: 'Binary', op: '+', left: name('a'), right: name('b') } },
          steps: [name('relu')],
        },
      },
    ]);
  });

  it('continues an expression at a line starting with a binary operator', () => {
    expect(shape(modelBody('output h\n  + x'))).toEqual([
      { kind: 'Output', value: { kind: 'Binary', op: '+', left: name('h'), right: name('x') } },
    ]);
  });

  it('ends a chain at a line starting with a sign: only `->` continues after a step', () => {
    expect(shape(modelBody('x -> relu\n-y'))).toEqual([
      { kind: 'Flow', value: { kind: 'Chain', head: name('x'), steps: [name('relu')] } },
      { kind: 'Flow', value: { kind: 'Unary', op: '-', operand: name('y') } },
    ]);
  });

  it('lets the first statement of a body start with a sign or a parenthesis', () => {
    expect(modelBody('-x').map((s) => s.kind)).toEqual(['Flow']);
    expect(modelBody('(x)').map((s) => s.kind)).toEqual(['Flow']);
  });

  it('tells a labelled statement from a preceding input without a type', () => {
    expect(modelBody('input x\nc1: conv2d(3)').map((s) => s.kind)).toEqual(['Input', 'Flow']);
  });
});

describe('expressions', () => {
  it('gives * and / precedence over + and -, all left-associative', () => {
    expect(shape(flowExpr('a - b + c * d / e'))).toEqual({
      kind: 'Binary',
      op: '+',
      left: { kind: 'Binary', op: '-', left: name('a'), right: name('b') },
      right: {
        kind: 'Binary',
        op: '/',
        left: { kind: 'Binary', op: '*', left: name('c'), right: name('d') },
        right: name('e'),
      },
    });
  });

  it('binds `->` loosest', () => {
    expect(shape(flowExpr('h + x -> relu'))).toEqual({
      kind: 'Chain',
      head: { kind: 'Binary', op: '+', left: name('h'), right: name('x') },
      steps: [name('relu')],
    });
  });

  it('parses unary signs, nested', () => {
    expect(shape(flowExpr('f(-1, +x, - -2)'))).toEqual(
      call('f', [
        arg({ kind: 'Unary', op: '-', operand: num('1', 1, true) }),
        arg({ kind: 'Unary', op: '+', operand: name('x') }),
        arg({ kind: 'Unary', op: '-', operand: { kind: 'Unary', op: '-', operand: num('2', 2, true) } }),
      ]),
    );
  });

  it('parses literals: strings, booleans, lists with a trailing comma', () => {
    expect(shape(flowExpr(`f("a\\tb", 'c', true, false, [], [1, [2.5,],])`))).toEqual(
      call('f', [
        arg({ kind: 'String', value: 'a\tb', raw: '"a\\tb"' }),
        arg({ kind: 'String', value: 'c', raw: "'c'" }),
        arg({ kind: 'Bool', value: true }),
        arg({ kind: 'Bool', value: false }),
        arg({ kind: 'List', elements: [] }),
        arg({
          kind: 'List',
          elements: [num('1', 1, true), { kind: 'List', elements: [num('2.5', 2.5, false)] }],
        }),
      ]),
    );
  });

  it('parses named and positional arguments and an empty argument list', () => {
    expect(shape(flowExpr('conv2d(32, kernel=3, bias=false,)'))).toEqual(
      call('conv2d', [arg(num('32', 32, true)), arg(num('3', 3, true), 'kernel'), arg({ kind: 'Bool', value: false }, 'bias')]),
    );
    expect(shape(flowExpr('global_avgpool()'))).toEqual(call('global_avgpool', []));
  });

  it('makes a labelled layer without arguments a Call with null args', () => {
    expect(shape(flowExpr('bn2: batchnorm'))).toEqual(call('batchnorm', null, { label: ident('bn2') }));
  });

  it('parses attachments after `with`', () => {
    expect(shape(flowExpr('fc1: linear(128) with weightnorm, dropconnect(0.2)'))).toEqual(
      call('linear', [arg(num('128', 128, true))], {
        label: ident('fc1'),
        attachments: [call('weightnorm'), call('dropconnect', [arg(num('0.2', 0.2, false))])],
      }),
    );
  });

  it('gives `with` every following `, name` inside an argument list', () => {
    expect(shape(flowExpr('f(x with a, y)'))).toEqual(
      call('f', [arg(call('x', null, { attachments: [call('a'), call('y')] }))]),
    );
    expect(shape(flowExpr('f((x with a), y)'))).toEqual(
      call('f', [arg({ kind: 'Paren', inner: call('x', null, { attachments: [call('a')] }) }), arg(name('y'))]),
    );
  });

  it('decodes string escapes', () => {
    const raw = String.raw`"\n\t\\\"\u0041\u{1F600}\q"`;
    expect(shape(flowExpr(`f(${raw})`))).toEqual(
      call('f', [arg({ kind: 'String', value: '\n\t\\"A\u{1F600}q', raw })]),
    );
  });

  it('parses repeat with a label, a number, a name or a parenthesised count', () => {
    expect(shape(flowExpr('layer1: repeat 3 Basic(16)'))).toEqual({
      kind: 'Repeat',
      label: ident('layer1'),
      count: num('3', 3, true),
      body: call('Basic', [arg(num('16', 16, true))]),
    });
    expect(shape(flowExpr('repeat n Basic'))).toEqual({ kind: 'Repeat', count: name('n'), body: call('Basic') });
    expect(shape(flowExpr('repeat (n + 1) Basic(8) with weightnorm'))).toEqual({
      kind: 'Repeat',
      count: { kind: 'Paren', inner: { kind: 'Binary', op: '+', left: name('n'), right: num('1', 1, true) } },
      body: call('Basic', [arg(num('8', 8, true))], { attachments: [call('weightnorm')] }),
    });
  });

  it('parses the calls a Transformer layer needs', () => {
    expect(shape(flowExpr('concat(a, matmul(q, transpose(k, 1, 2)) * b, axis=1)'))).toEqual(
      call('concat', [
        arg(name('a')),
        arg({
          kind: 'Binary',
          op: '*',
          left: call('matmul', [
            arg(name('q')),
            arg(call('transpose', [arg(name('k')), arg(num('1', 1, true)), arg(num('2', 2, true))])),
          ]),
          right: name('b'),
        }),
        arg(num('1', 1, true), 'axis'),
      ]),
    );
  });
});

describe('numbers', () => {
  it.each([
    ['3', 3, true],
    ['3.0', 3, false],
    ['.5', 0.5, false],
    ['3.', 3, false],
    ['1e-5', 1e-5, false],
    ['1E+3', 1000, false],
    ['1_000', 1000, true],
    ['1_000.5_5', 1000.55, false],
    ['0x1F', 31, true],
    ['0XfF', 255, true],
    ['0b101', 5, true],
    ['0o17', 15, true],
  ])('reads %s as %d', (raw, value, isInteger) => {
    expect(shape(flowExpr(`f(${raw})`))).toEqual(call('f', [arg(num(raw, value, isInteger))]));
  });
});

describe('keywords as names', () => {
  it('lets soft keywords be labels, callees, argument names and metrics', () => {
    expect(shape(flowExpr('loss: linear(steps=3) -> batch'))).toEqual({
      kind: 'Chain',
      head: call('linear', [arg(num('3', 3, true), 'steps')], { label: ident('loss') }),
      steps: [name('batch')],
    });
    expect(shape(trainBody('metrics accuracy, loss, top_k(k=5)'))).toEqual([
      { kind: 'Metrics', fns: [call('accuracy'), call('loss'), call('top_k', [arg(num('5', 5, true), 'k')])] },
    ]);
  });
});

describe('train statements', () => {
  it('parses every train statement of the sketch', () => {
    const body = trainBody(
      [
        'loss       cross_entropy(label_smoothing=0.1)',
        'optimizer  adamw(lr=1e-3, betas=[0.9, 0.999])',
        'schedule   warmup(steps=500, from=0.0) then cosine(epochs=18) then constant',
        'penalty    l2(5e-4) on c*.weight, "fc*.weight"',
        'noise      gaussian(std=0.05) on input',
        'noise      gaussian(std=0.01) on weights',
        'noise      gaussian(std=0.01) on fc*.weight, c1.weight',
        'augment    { hflip(p=0.5); random_crop(28, padding=4)\n rotate(degrees=10) }',
        'clip       grad_norm(1.0)',
        'early_stop(monitor=val_loss, patience=5)',
        'calibrate  temperature',
        'metrics    accuracy, ece(bins=15)',
        'batch 64; epochs 20',
        'seed 0',
        'steps 1000',
        'val_split 0.1',
      ].join('\n'),
    );
    expect(shape(body)).toEqual([
      { kind: 'Loss', fn: call('cross_entropy', [arg(num('0.1', 0.1, false), 'label_smoothing')]) },
      {
        kind: 'Optimizer',
        fn: call('adamw', [
          arg(num('1e-3', 1e-3, false), 'lr'),
          arg({ kind: 'List', elements: [num('0.9', 0.9, false), num('0.999', 0.999, false)] }, 'betas'),
        ]),
      },
      {
        kind: 'Schedule',
        phases: [
          call('warmup', [arg(num('500', 500, true), 'steps'), arg(num('0.0', 0, false), 'from')]),
          call('cosine', [arg(num('18', 18, true), 'epochs')]),
          call('constant'),
        ],
      },
      {
        kind: 'Penalty',
        fn: call('l2', [arg(num('5e-4', 5e-4, false))]),
        targets: [
          { kind: 'Glob', pattern: 'c*.weight' },
          { kind: 'Glob', pattern: 'fc*.weight' },
        ],
      },
      { kind: 'Noise', fn: call('gaussian', [arg(num('0.05', 0.05, false), 'std')]), target: { kind: 'NoiseInput' } },
      {
        kind: 'Noise',
        fn: call('gaussian', [arg(num('0.01', 0.01, false), 'std')]),
        target: { kind: 'NoiseWeights', globs: [] },
      },
      {
        kind: 'Noise',
        fn: call('gaussian', [arg(num('0.01', 0.01, false), 'std')]),
        target: {
          kind: 'NoiseWeights',
          globs: [
            { kind: 'Glob', pattern: 'fc*.weight' },
            { kind: 'Glob', pattern: 'c1.weight' },
          ],
        },
      },
      {
        kind: 'Augment',
        ops: [
          call('hflip', [arg(num('0.5', 0.5, false), 'p')]),
          call('random_crop', [arg(num('28', 28, true)), arg(num('4', 4, true), 'padding')]),
          call('rotate', [arg(num('10', 10, true), 'degrees')]),
        ],
      },
      { kind: 'Clip', fn: call('grad_norm', [arg(num('1.0', 1, false))]) },
      {
        kind: 'EarlyStop',
        fn: call('early_stop', [arg(name('val_loss'), 'monitor'), arg(num('5', 5, true), 'patience')]),
      },
      { kind: 'Calibrate', fn: call('temperature') },
      { kind: 'Metrics', fns: [call('accuracy'), call('ece', [arg(num('15', 15, true), 'bins')])] },
      { kind: 'Setting', key: ident('batch'), value: num('64', 64, true) },
      { kind: 'Setting', key: ident('epochs'), value: num('20', 20, true) },
      { kind: 'Setting', key: ident('seed'), value: num('0', 0, true) },
      { kind: 'Setting', key: ident('steps'), value: num('1000', 1000, true) },
      { kind: 'Setting', key: ident('val_split'), value: num('0.1', 0.1, false) },
    ]);
  });

  it('accepts early_stop without arguments and calls without parentheses', () => {
    expect(shape(trainBody('early_stop\nloss mse\ncalibrate temperature(max_iter=50)'))).toEqual([
      { kind: 'EarlyStop', fn: call('early_stop') },
      { kind: 'Loss', fn: call('mse') },
      { kind: 'Calibrate', fn: call('temperature', [arg(num('50', 50, true), 'max_iter')]) },
    ]);
  });
});
