// A safetensors file with several things wrong at once is refused with one
// error that lists them all, each in the words it has on its own, so that
// one run shows everything to fix; a hostile file with thousands of bad
// entries gets a list of 20 and a count of the rest. And loading a bundle
// lists every weight that does not match the manifest at once.
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { writeSafetensors } from '../../runtime/io/safetensors.ts';
import { getTestDevice } from '../support/gpu.ts';
import { craftSafetensors, safetensorsRefusal } from './tensor-fixtures.ts';

describe('one error for every problem in a safetensors file', () => {
  it('lists problems of several entries, several in one entry, the metadata and the layout', () => {
    const error = safetensorsRefusal(
      craftSafetensors(
        {
          __metadata__: { ok: 'yes', n: 1, m: [] },
          'bad.dtype': { dtype: 'F8_E4M3', shape: [-1], data_offsets: [0, 4] },
          'bad.shape': { dtype: 'F32', shape: [3], data_offsets: [4, 8] },
          'past.end': { dtype: 'F32', shape: [4], data_offsets: [8, 100] },
          overlap: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          good: { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
        },
        new Uint8Array(16),
      ),
    );
    expect(error.message).toBe(
      [
        'safetensors: 7 problems:',
        '  "__metadata__" entry "n" is not a string',
        '  "__metadata__" entry "m" is not a string',
        '  tensor "bad.dtype": unsupported dtype "F8_E4M3" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)',
        '  tensor "bad.dtype": "shape" is not a list of non-negative integers',
        '  tensor "bad.shape": shape [3] of F32 needs 12 bytes, but "data_offsets" [4, 8] hold 4',
        '  tensor "past.end": "data_offsets" [8, 100] run past the end of the data section (16 bytes)',
        '  tensor "overlap": its bytes [4, 8) overlap tensor "bad.shape"',
      ].join('\n'),
    );
    expect(error.problems.map((p) => p.tensor)).toEqual([undefined, undefined, 'bad.dtype', 'bad.dtype', 'bad.shape', 'past.end', 'overlap']);
    // The first problem stays where callers of one problem look for it.
    expect(error.problem).toBe('"__metadata__" entry "n" is not a string');
  });

  it('reports gaps and trailing bytes when every offset could be read, and decodes past a bad tensor', () => {
    const error = safetensorsRefusal(
      craftSafetensors(
        {
          a: { dtype: 'BOOL', shape: [2], data_offsets: [4, 6] },
          b: { dtype: 'BOOL', shape: [2], data_offsets: [6, 8] },
        },
        new Uint8Array([0, 0, 0, 0, 1, 7, 9, 0, 0, 0]),
      ),
    );
    expect(error.message).toBe(
      ['safetensors: 2 problems:', '  tensor "a": bytes [0, 4) of the data section before it belong to no tensor', '  the tensors cover 8 bytes but the data section has 10'].join('\n'),
    );
    // With the layout right, decoding goes on past the first bad tensor too.
    const decoding = safetensorsRefusal(craftSafetensors({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'BOOL', shape: [2], data_offsets: [2, 4] } }, new Uint8Array([1, 7, 9, 0])));
    expect(decoding.problems.map((p) => p.tensor)).toEqual(['a', 'b']);
    expect(decoding.message).toMatch(/^safetensors: 2 problems:\n {2}tensor "a": BOOL element 1 has byte value 7.*\n {2}tensor "b": BOOL element 0 has byte value 9/);
  });

  it('lists the first 20 of thousands, then how many more', () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) header[`w${i}`] = { dtype: 'Q4', shape: [1], data_offsets: [0, 0] };
    const error = safetensorsRefusal(craftSafetensors(header));
    expect(error.problems).toHaveLength(5000);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('safetensors: 5000 problems:');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[20]).toBe('  tensor "w19": unsupported dtype "Q4" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)');
    expect(lines[21]).toBe('  and 4980 more');
  });

  it('keeps the one-problem message as it was', () => {
    expect(safetensorsRefusal(craftSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))).message).toBe(
      'safetensors: tensor "w": shape [3] of F32 needs 12 bytes, but "data_offsets" [0, 8] hold 8',
    );
  });
});

describe('loading a bundle whose weights do not match its manifest', () => {
  it('names every missing or misshapen tensor at once', async () => {
    const b = new GraphBuilder('eval');
    const x = b.input('input', { dtype: 'f32', shape: ['N', 3] });
    const w = b.tensor({ name: 'filter.weight', role: 'trainable', type: { dtype: 'f32', shape: [2, 3] } }, new Float32Array(6));
    const bias = b.tensor({ name: 'filter.bias', role: 'trainable', type: { dtype: 'f32', shape: [2] } }, new Float32Array(2));
    b.output('output', b.add('linear', [x, w, bias], { epilogue: [] }));
    const files = new Map(bundleFiles(generateBundle(b.finish(), { model: 'Tiny', generator: 'test' })));
    files.set('weights.safetensors', writeSafetensors({ 'filter.weight': { dtype: 'F32', shape: [5], data: new Float32Array(5) } }));
    const error = await loadBundleFrom(memorySource({ files }), await getTestDevice()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      'weights.safetensors does not hold the weights the manifest names (2 problems):\n  tensor filter.weight has 5 elements, the manifest expects 6\n  missing tensor filter.bias',
    );
  });
});
