// The language sketch's two example files check without a diagnostic.
import { describe, expect, it } from 'vitest';
import { expectClean, fixture } from './helpers.ts';

describe('the language sketch examples', () => {
  it('check the Fashion classifier and its train section clean', () => {
    const result = expectClean(fixture('sketch-fashion.reg'));
    expect([...result.models.keys()]).toEqual(['Fashion']);
  });

  it('check the residual block and the Tiny model clean', () => {
    const result = expectClean(fixture('sketch-resnet.reg'));
    expect([...result.models.keys()]).toEqual(['Tiny']);
  });
});
