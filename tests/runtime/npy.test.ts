import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../runtime/io/npy.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { expectTensorMatches, fixtureBytes, fixtureJson, type ExpectedTensor } from './tensor-fixtures.ts';

const expected = fixtureJson<Record<string, ExpectedTensor>>('npy.expected.json');
const npy = (name: string) => fixtureBytes(`npy/${name}.npy`);

function problemOf(bytes: Uint8Array): string {
  try {
    readNpy(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(TensorFileError);
    return (error as TensorFileError).message;
  }
  throw new Error('expected the file to be rejected');
}

/** A .npy file (version 1.0) with the given header text and data. */
function craft(header: string, data: Uint8Array = new Uint8Array()): Uint8Array {
  const text = new TextEncoder().encode(header);
  const bytes = new Uint8Array(10 + text.length + data.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(bytes.buffer).setUint16(8, text.length, true);
  bytes.set(text, 10);
  bytes.set(data, 10 + text.length);
  return bytes;
}

describe('reading .npy files written by numpy', () => {
  it.each(Object.keys(expected))('%s', (name) => {
    expectTensorMatches(readNpy(npy(name)), expected[name]!);
  });

  it("reads '<f8' as float32, rounding like numpy's astype", () => {
    const tensor = readNpy(npy('f8_3'));
    expect(tensor.dtype).toBe('F64');
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect([...tensor.data]).toEqual([Math.fround(0.1), -2.5, Infinity]);
  });
});

describe('writing .npy files', () => {
  // Every fixture whose values survive the trip through float32 unchanged.
  const exact = Object.keys(expected).filter((name) => name !== 'f8_3' && name !== 'v2_f4_4');
  it.each(exact)('writes %s byte for byte as np.save does', (name) => {
    const file = npy(name);
    expect(writeNpy(readNpy(file))).toEqual(file);
  });

  it('refuses a dtype numpy cannot store', () => {
    expect(() => writeNpy({ dtype: 'BF16', shape: [1], data: new Float32Array(1) })).toThrow(/BF16 has no .npy equivalent/);
  });
});

describe('unreadable .npy files get a clear error', () => {
  it('explains Fortran order', () => {
    expect(problemOf(npy('fortran_2x3'))).toMatch(/Fortran \(column-major\) order; save np.ascontiguousarray\(a\)/);
  });

  it('explains big-endian data', () => {
    expect(problemOf(npy('bigendian_f4_2'))).toMatch(/unsupported dtype descr '>f4' \(big-endian/);
  });

  it('names unsupported dtypes', () => {
    expect(problemOf(npy('complex_2'))).toMatch(/unsupported dtype descr '<c8'/);
  });

  it.each([
    ['no magic', new TextEncoder().encode('PK\x03\x04 not an npy file'), /does not start with the .npy magic/],
    ['an unknown version', craft('{}').map((b, i) => (i === 6 ? 9 : b)), /unsupported format version 9.0/],
    ['a header past the end', craft('{}').map((b, i) => (i === 8 ? 200 : b)), /header length 200 runs past the end/],
    ['code instead of a literal', craft("{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,), }"), /not a Python dict literal/],
    ['missing keys', craft("{'descr': '<f4', 'shape': (1,), }"), /keys \(descr, shape\), expected \(descr, fortran_order, shape\)/],
    ['a structured dtype', craft("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), /structured dtype/],
    ['a negative dimension', craft("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), /shape a tuple is not a tuple of non-negative integers/],
    ['too little data', craft("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(8)), /needs 12 bytes of data, but the file has 8/],
    ['a huge shape', craft("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 100000000), }"), /needs 40000000000000000 bytes of data, but the file has 0/],
    ['deep nesting', craft('('.repeat(5000)), /nesting too deep/],
  ])('%s', (_what, bytes, message) => {
    expect(problemOf(bytes)).toMatch(message);
  });
});
