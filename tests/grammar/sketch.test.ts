// The example files of the language sketch parse cleanly and say what the
// sketch says they say.
import { describe, expect, it } from 'vitest';
import { fixture, parseClean, withoutSpans } from './helpers.ts';

describe('the language sketch examples', () => {
  it('parses the Fashion classifier and its training section', () => {
    const program = parseClean(fixture('sketch-fashion.reg'));
    expect(program.items.map((item) => item.kind)).toEqual(['Model', 'Train']);
    const [model, train] = program.items;
    if (model?.kind !== 'Model' || train?.kind !== 'Train') throw new Error('unexpected items');
    expect(model.body.map((s) => s.kind)).toEqual([
      'Input', 'Output', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow', 'Flow',
    ]);
    expect(train.body.map((s) => s.kind)).toEqual([
      'Loss', 'Optimizer', 'Schedule', 'Penalty', 'Penalty', 'Noise', 'Augment', 'Clip', 'EarlyStop', 'Setting',
      'Setting',
    ]);
    expect(program.comments[0]!.text).toBe('// fashion.reg — a small classifier for 28x28 grayscale images.');
    expect(program.comments).toHaveLength(8);
  });

  it('parses the residual block and the Tiny model', () => {
    const program = parseClean(fixture('sketch-resnet.reg'));
    const [block, model] = program.items;
    if (block?.kind !== 'Block' || model?.kind !== 'Model') throw new Error('unexpected items');
    expect(block.body.map((s) => s.kind)).toEqual(['Input', 'Let', 'Let', 'Output']);
    const firstLet = block.body[1];
    if (firstLet?.kind !== 'Let' || firstLet.value.kind !== 'Chain') throw new Error('expected a chain');
    // The chain continues on the line that starts with `->`.
    expect(firstLet.value.steps).toHaveLength(5);
    expect(withoutSpans(model.body[3])).toMatchObject({
      kind: 'Flow',
      value: { kind: 'Repeat', label: { name: 'layer1' }, count: { kind: 'Number', value: 3 } },
    });
  });
});
