import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { namesFor } from '../../compiler/registry/index.ts';
import { editDistance, suggest, suggestionThreshold } from '../../compiler/registry/suggest.ts';

/** The optimal-string-alignment distance straight from its recursive definition, for small inputs. */
function referenceDistance(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let best: number;
    if (i === 0) best = j;
    else if (j === 0) best = i;
    else {
      best = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d(i - 2, j - 2) + 1);
    }
    memo.set(key, best);
    return best;
  };
  return d(a.length, b.length);
}

const shortWord = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 7 });

describe('editDistance', () => {
  it('counts the classic examples', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('batchnrom', 'batchnorm')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('conv2d', 'conv1d')).toBe(1);
  });

  it('edits no substring twice (optimal string alignment, not full Damerau-Levenshtein)', () => {
    // Unrestricted Damerau-Levenshtein gives 2 (swap, then insert between).
    expect(editDistance('ca', 'abc')).toBe(3);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(editDistance('a😀', 'a')).toBe(1);
    expect(editDistance('😀😁', '😁😀')).toBe(1);
  });

  it('agrees with the recursive definition', () => {
    fc.assert(fc.property(shortWord, shortWord, (a, b) => editDistance(a, b) === referenceDistance(a, b)));
  });

  it('is symmetric, zero exactly on equal strings, and bounded by the lengths', () => {
    fc.assert(
      fc.property(shortWord, shortWord, (a, b) => {
        const d = editDistance(a, b);
        return (
          d === editDistance(b, a) &&
          (d === 0) === (a === b) &&
          d >= Math.abs(a.length - b.length) &&
          d <= Math.max(a.length, b.length)
        );
      }),
    );
  });
});

describe('suggest', () => {
  const layers = namesFor('layer');

  it('finds the intended layer for common typos', () => {
    expect(suggest('batchnrom', layers)[0]).toBe('batchnorm');
    expect(suggest('lienar', layers)[0]).toBe('linear');
    expect(suggest('conv2', layers)[0]).toBe('conv2d');
    expect(suggest('maxpol', layers)[0]).toBe('maxpool');
    expect(suggest('dropuot', layers)[0]).toBe('dropout');
  });

  it('puts a case-only difference first', () => {
    expect(suggest('Conv2D', ['conv1d', 'conv2d', 'Conv2d'])).toEqual(['conv2d', 'Conv2d', 'conv1d']);
    expect(suggest('RELU', ['relu', 'gelu', 'selu'])[0]).toBe('relu');
  });

  it('ranks by distance, ties in candidate order', () => {
    expect(suggest('conv3d', ['linear', 'conv2d', 'conv1d'])).toEqual(['conv2d', 'conv1d']);
    expect(suggest('abcdef', ['abcxyz', 'abcdex', 'abcdxy'])).toEqual(['abcdex', 'abcdxy']);
  });

  it('suggests nothing beyond a third of the name length, and always allows one edit', () => {
    expect(suggestionThreshold('ab')).toBe(1);
    expect(suggestionThreshold('batchnrom')).toBe(3);
    expect(suggest('xyz', layers)).toEqual([]);
    expect(suggest('ab', ['abc', 'a', 'xy'])).toEqual(['abc', 'a']);
    expect(suggest('relu', ['gelu', 'selu', 'tanh'])).toEqual(['gelu', 'selu']);
    expect(suggest('sigmoid', ['softmax'])).toEqual([]);
  });

  it('returns at most max distinct candidates', () => {
    expect(suggest('aaa', ['aab', 'aac', 'aad', 'aae'])).toHaveLength(3);
    expect(suggest('aaa', ['aab', 'aac', 'aad', 'aae'], 2)).toEqual(['aab', 'aac']);
    expect(suggest('aaa', ['aab', 'aab', 'aac'])).toEqual(['aab', 'aac']);
    expect(suggest('aaa', ['aab'], 0)).toEqual([]);
  });

  it('only returns candidates within the threshold', () => {
    fc.assert(
      fc.property(shortWord, fc.array(shortWord, { maxLength: 8 }), (name, candidates) =>
        suggest(name, candidates).every(
          (c) => candidates.includes(c) && editDistance(name.toLowerCase(), c.toLowerCase()) <= suggestionThreshold(name),
        ),
      ),
    );
  });
});
