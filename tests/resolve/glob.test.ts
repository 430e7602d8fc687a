// The parameter-name glob matcher against Python's fnmatch.fnmatchcase,
// whose results for these cases were recorded with python3 (fnmatch is the
// convention the PyTorch world uses for parameter names).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, isLiteralGlob } from '../../compiler/resolve/glob.ts';

// [pattern, name, fnmatch.fnmatchcase(name, pattern)]
const FNMATCH: readonly [string, string, boolean][] = [
  ['c*.weight', 'c1.weight', true],
  ['c*.weight', 'conv.x.weight', true],
  ['c*.weight', 'layer1.c1.weight', false],
  ['*', 'a.b', true],
  ['', '', true],
  ['layer1.*.bn?.bias', 'layer1.0.bn1.bias', true],
  ['layer1.*.bn?.bias', 'layer1.0.bn12.bias', false],
  ['[abc]1', 'b1', true],
  ['[!abc]1', 'b1', false],
  ['[!abc]1', 'd1', true],
  ['[a-c]x', 'bx', true],
  ['[]]', 'a', false],
  ['[]]', ']', true],
  ['[!]]', 'a', true],
  ['fc[12].weight', 'fc2.weight', true],
  ['a.b', 'axb', false],
  ['**.bias', 'x.bias', true],
  ['[^a]', 'b', false],
  ['[a-]', '-', true],
  ['(x)', '(x)', true],
  ['x+', 'x+', true],
  ['x+', 'xx', false],
  ['[\\]', '\\', true],
];

describe('compileGlob', () => {
  it.each(FNMATCH)('%s on %s is %s, as fnmatchcase says', (pattern, name, expected) => {
    const glob = compileGlob(pattern);
    if (!glob.ok) throw new Error(glob.problem);
    expect(glob.matches(name)).toBe(expected);
  });

  it('matches whole names, case-sensitively', () => {
    const glob = compileGlob('fc.weight');
    if (!glob.ok) throw new Error(glob.problem);
    expect(glob.matches('fc.weight')).toBe(true);
    expect(glob.matches('fc.weight_v')).toBe(false);
    expect(glob.matches('xfc.weight')).toBe(false);
    expect(glob.matches('FC.weight')).toBe(false);
  });

  it('rejects an unclosed class and a backwards range, saying where', () => {
    expect(compileGlob('fc[1.weight')).toMatchObject({ ok: false, at: 2 });
    expect(compileGlob('[]')).toMatchObject({ ok: false, at: 0 });
    expect(compileGlob('x[z-a]')).toMatchObject({ ok: false, at: 2, problem: 'the range `z-a` is backwards' });
  });

  it('stays linear on many stars', () => {
    const glob = compileGlob(`${'*a'.repeat(30)}b`);
    if (!glob.ok) throw new Error(glob.problem);
    const start = performance.now();
    expect(glob.matches('a'.repeat(5000))).toBe(false);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('tells literal patterns from wildcard ones', () => {
    expect(isLiteralGlob('fc.weight')).toBe(true);
    expect(isLiteralGlob('fc*.weight')).toBe(false);
    expect(isLiteralGlob('fc?')).toBe(false);
    expect(isLiteralGlob('fc[12]')).toBe(false);
  });
});

describe('compileGlob against a RegExp reference', () => {
  // For short inputs a RegExp translation is an obviously correct reference.
  const piece = fc.constantFrom('a', 'b', '.', '*', '?', '[ab]', '[!a]', '[a-b]');
  const reference = (pattern: string): RegExp => {
    const source = pattern
      .replace(/\[!/g, '[^')
      .split(/(\[[^\]]*\])/)
      .map((part, i) => (i % 2 === 1 ? part : part.replace(/\./g, '\\.').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')))
      .join('');
    return new RegExp(`^${source}$`);
  };

  it('agrees on random patterns and names', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.stringMatching(/^[ab.]{0,8}$/), (pieces, name) => {
        const pattern = pieces.join('');
        const glob = compileGlob(pattern);
        if (!glob.ok) throw new Error(glob.problem);
        expect(glob.matches(name)).toBe(reference(pattern).test(name));
      }),
      { numRuns: 500 },
    );
  });
});
