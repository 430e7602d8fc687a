// The train section: model, statement kinds, duplicates, required
// statements, schedule phases, parameter globs and settings.
import { describe, expect, it } from 'vitest';
import { codes, expectClean, lines, only, train } from './helpers.ts';

const BASICS = '  loss cross_entropy\n  optimizer sgd(lr=0.1)';

describe('the trained model', () => {
  it('accepts a complete section', () => {
    expectClean(
      train(
        `${BASICS}\n  schedule warmup(steps=100) then cosine(epochs=10)\n  penalty l2(1e-4) on c1.weight, fc.*\n` +
          '  noise gaussian(std=0.1) on input\n  noise gaussian(std=0.01) on fc.weight\n  augment { hflip; random_crop(28, padding=4) }\n' +
          '  clip grad_norm(1.0)\n  early_stop(monitor=val_accuracy, mode=max)\n  calibrate temperature\n' +
          '  metrics accuracy, top_k(k=3), ece\n  batch 32\n  epochs 5\n  seed 0\n  val_split 0.1',
      ),
    );
  });

  it('reports an unknown model, suggesting a close one', () => {
    const d = only(train(BASICS).replace('train M {', 'train N {').replace('model M {', 'model MM {'));
    expect(d).toMatchObject({ code: 'E0401', message: 'unknown model `N`' });
    const close = only(train(BASICS).replace('model M {', 'model Mo {').replace('train M {', 'train Mp {'));
    expect(close.help).toBe('there is a model with a similar name: `Mo`');
  });

  it('reports training a block', () => {
    const text = `block B() {\n  input x\n  relu\n}\n${train(BASICS)}`.replace('train M {', 'train B {');
    expect(only(text).message).toBe('`B` is a block, and only a model can be trained');
  });

  it('reports two train sections for one model', () => {
    const d = only(`${train(BASICS)}\ntrain M {\n${BASICS}\n}\n`);
    expect(d).toMatchObject({ code: 'E0402', message: '`M` has two train sections' });
  });
});

describe('statements', () => {
  it('reports names of the wrong kind with what they are', () => {
    expect(only(train('  loss adamw\n  optimizer sgd(lr=0.1)')).message).toBe('`adamw` is an optimizer, not a loss');
    expect(only(train('  loss mse\n  optimizer mse')).message).toBe('`mse` is a loss, not an optimizer');
    expect(only(train(`${BASICS}\n  metrics accuracy, relu`)).message).toBe('`relu` is a layer, not a metric');
    expect(only(train(`${BASICS}\n  augment { hflip; dropout(0.1) }`)).message).toBe('`dropout` is a layer, not an augmentation');
  });

  it('reports unknown names with the closest of their kind', () => {
    const d = only(train('  loss crossentropy\n  optimizer sgd(lr=0.1)'));
    expect(d).toMatchObject({ code: 'E0201', message: 'unknown loss `crossentropy`', help: 'there is a loss with a similar name: `cross_entropy`' });
    expect(only(train('  loss mse\n  optimizer adamm(lr=0.1)')).help).toBe('there is an optimizer with a similar name: `adam`');
    expect(only(train(`${BASICS}\n  clip grad_nrom(1.0)`)).message).toBe('unknown gradient clipping `grad_nrom`');
  });

  it('binds arguments, monitor names included', () => {
    expect(lines(train('  loss mse\n  optimizer sgd()'))).toEqual(['E0306 11:13 missing argument `lr` of `sgd`']);
    const d = only(train(`${BASICS}\n  early_stop(monitor=val_los)`));
    expect(d).toMatchObject({ code: 'E0307', help: 'there is a value with a similar name: `val_loss`' });
    expect(codes(train(`${BASICS}\n  schedule reduce_on_plateau(monitor=accuracy)`))).toEqual(['E0307']);
  });

  it('reports single statements given twice', () => {
    const d = only(train(`${BASICS}\n  optimizer adam(lr=1e-3)`));
    expect(d).toMatchObject({ code: 'E0402', message: '`optimizer` is given twice' });
    expect(d.secondary[0]).toMatchObject({ message: 'first given here', span: { start: { line: 11 } } });
    expect(only(train(`${BASICS}\n  batch 8\n  batch 16`)).message).toBe('`batch` is given twice');
    expect(only(train(`${BASICS}\n  early_stop\n  early_stop(patience=2)`)).message).toBe('`early_stop` is given twice');
    expectClean(train(`${BASICS}\n  penalty l1(1e-5) on fc.weight\n  penalty l2(1e-4) on c1.weight\n  metrics accuracy\n  metrics ece`));
  });

  it('requires a loss and an optimizer', () => {
    expect(lines(train('  batch 8'))).toEqual([
      'E0403 9:7 the train section for `M` has no `loss`',
      'E0403 9:7 the train section for `M` has no `optimizer`',
    ]);
  });
});

describe('schedules', () => {
  const schedule = (phases: string) => train(`${BASICS}\n  schedule ${phases}`);

  it('accepts phases with lengths followed by any phase', () => {
    expectClean(schedule('constant(epochs=2) then warmup(epochs=1) then cosine(steps=500) then step(every=5)'));
    expectClean(schedule('reduce_on_plateau(patience=3)'));
    expectClean(schedule('constant'));
  });

  it('reports a phase after an open-ended one', () => {
    const d = only(schedule('step(every=5) then cosine(epochs=3)'));
    expect(d).toMatchObject({ code: 'E0404', message: '`step` runs until training ends, so nothing can follow it' });
    expect(only(schedule('constant then cosine(epochs=3)')).secondary[0]!.message).toBe('no `epochs` or `steps`, so it never ends');
    expect(only(schedule('reduce_on_plateau then constant')).message).toBe('`reduce_on_plateau` cannot be followed by `then`');
  });

  it('needs exactly one length for warmup and cosine, at most one for constant', () => {
    expect(only(schedule('warmup(from=0.1) then constant')).message).toBe('`warmup` needs a length: give `epochs` or `steps`');
    expect(only(schedule('cosine(epochs=2, steps=10)')).message).toBe('`cosine` is given both `epochs` and `steps`');
    expect(only(schedule('constant(epochs=1, steps=1)')).code).toBe('E0405');
  });

  it('does not judge the order when a phase is unknown', () => {
    expect(codes(schedule('stepp(every=5) then cosine(epochs=3)'))).toEqual(['E0201']);
  });
});

describe('parameter globs', () => {
  it('matches trainable parameters of the model', () => {
    expectClean(train(`${BASICS}\n  penalty l2(1e-4) on *.weight\n  penalty l1(1e-4) on "bn?.bias", "[cf]*.bias"`));
  });

  it('reports a glob that matches nothing, with the closest name and the parameters', () => {
    const d = only(train(`${BASICS}\n  penalty l2(1e-4) on fc.wieght`));
    expect(d).toMatchObject({
      code: 'E0406',
      message: '`fc.wieght` matches no trainable parameter of `M`',
      help: 'there is a parameter with a similar name: `fc.weight`',
      notes: ['parameters of `M`: c1.weight, c1.bias, bn1.weight, bn1.bias, fc.weight, fc.bias'],
    });
  });

  it('says when a glob matches only running statistics', () => {
    const d = only(train(`${BASICS}\n  noise gaussian(std=0.1) on bn1.running_*`));
    expect(d.notes[0]).toBe('it matches only tensors that are not trained: bn1.running_mean, bn1.running_var');
  });

  it('does not report a glob as matching nothing when the model has errors that may hide its target', () => {
    const text = train(`${BASICS}\n  penalty l2(1e-4) on fc.weight, out.weight`).replace('fc: linear(2)', 'fc: linear(2)\n  out: lineer(2)');
    expect(codes(text)).toEqual(['E0201']);
  });

  it('reports an invalid glob', () => {
    expect(lines(train(`${BASICS}\n  penalty l2(1e-4) on "fc[.weight"`))).toEqual([
      'E0408 12:23 invalid parameter pattern `fc[.weight`: this `[` is never closed by `]`',
    ]);
  });

  it('matches globs against block instance names', () => {
    const text =
      'block B() {\n  input x\n  c: linear(4)\n}\nmodel M {\n  input x: f32[N, 4]\n  output y\n  layer: repeat 2 B\n}\n' +
      `train M {\n${BASICS}\n  penalty l2(1e-4) on layer.?.c.weight\n  penalty l2(1e-4) on layer.2.*\n}\n`;
    expect(lines(text)).toEqual(['E0406 14:23 `layer.2.*` matches no trainable parameter of `M`']);
  });
});

describe('settings', () => {
  it('accepts valid settings', () => {
    expectClean(train(`${BASICS}\n  batch 1\n  epochs 1\n  steps 1_000\n  seed 0\n  val_split 0.5`));
  });

  it.each([
    ['batch 0', '`batch` must be a whole number of at least 1, got 0'],
    ['batch 1.5', '`batch` must be a whole number of at least 1, got 1.5'],
    ['epochs -1', '`epochs` must be a whole number of at least 1, got -1'],
    ['steps "many"', '`steps` must be a whole number of at least 1, got many'],
    ['seed -1', '`seed` must be a whole number of at least 0, got -1'],
    ['val_split 1', '`val_split` must be a fraction strictly between 0 and 1, got 1'],
    ['val_split 0', '`val_split` must be a fraction strictly between 0 and 1, got 0'],
    ['batch big', '`batch` must be a whole number of at least 1, got big'],
  ])('reports `%s`', (setting, message) => {
    const d = only(train(`${BASICS}\n  ${setting}`));
    expect(d).toMatchObject({ code: 'E0407', message });
  });
});
