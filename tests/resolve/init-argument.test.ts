// `init=` in the checker: the layers whose weights torch's initialisers fill
// take it, with its six words; every other name refuses it as a parameter it
// does not have.
import { describe, expect, it } from 'vitest';
import { ALL_OPS, paramOf } from '../../compiler/registry/index.ts';
import { WEIGHT_INITS } from '../../compiler/registry/shared-params.ts';
import { expectClean, lines, model, only } from './helpers.ts';

describe('init=', () => {
  it('is taken by linear, conv1d, conv2d and multihead_attention, and by nothing else', () => {
    const takers = ALL_OPS.filter((op) => paramOf(op, 'init') !== undefined);
    expect(takers.map((op) => op.name).sort()).toEqual(['conv1d', 'conv2d', 'linear', 'multihead_attention']);
    for (const op of takers) {
      expect(op.hasWeights, op.name).toBe(true);
      expect(paramOf(op, 'init'), op.name).toMatchObject({ type: { kind: 'enum', values: [...WEIGHT_INITS] }, default: null });
      // Last, so that no positional argument written before it moves.
      expect(op.params.at(-1)!.name, op.name).toBe('init');
    }
  });

  it('accepts each of its words, by name or as a string, also through a block parameter and with attachments', () => {
    for (const choice of WEIGHT_INITS) {
      expectClean(model(`  c: conv2d(4, 3, init=${choice})\n  flatten\n  fc: linear(2, init="${choice}") with weightnorm`));
      expectClean(model(`  a: multihead_attention(heads=2, init=${choice})`, 'f32[N, 5, 8]'));
      expectClean(model(`  c: conv1d(4, 3, groups=2, init=${choice}) with spectralnorm`, 'f32[N, 2, 8]'));
    }
    expectClean(`block B(i: string = "orthogonal") {\n  input x\n  linear(4, init=i)\n}\n\n${model('  B()\n  B("zeros")', 'f32[N, 3]')}`);
  });

  it('refuses a word it does not have, suggesting the closest', () => {
    const d = only(model('  linear(4, init=orthognal)', 'f32[N, 3]'));
    expect(d).toMatchObject({ code: 'E0307', help: 'there is a value with a similar name: `orthogonal`' });
    expect(d.message).toBe(
      '`init` of `linear` expects kaiming_uniform | kaiming_normal | xavier_uniform | xavier_normal | orthogonal | zeros, got orthognal',
    );
    expect(lines(model('  linear(4, init=1.5)', 'f32[N, 3]'))).toEqual([expect.stringMatching(/^E0307 4:18 `init` of `linear` expects kaiming_uniform \| /)]);
  });

  it('is refused where there are no such weights: layers without weights, normalisers, attachments', () => {
    expect(lines(model('  relu(init=zeros)'))).toEqual(['E0301 4:8 `relu` has no parameter `init`']);
    expect(lines(model('  batchnorm(init=zeros)'))).toEqual(['E0301 4:13 `batchnorm` has no parameter `init`']);
    expect(lines(model('  linear(4) with weightnorm(init=zeros)', 'f32[N, 3]'))).toEqual(['E0301 4:29 `weightnorm` has no parameter `init`']);
  });
});
