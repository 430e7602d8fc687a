import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../../runtime/io/safetensors.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { craftSafetensors, expectTensorMatches, fixtureBytes, fixtureJson, safetensorsRefusal, type ExpectedTensor } from './tensor-fixtures.ts';

const file = fixtureBytes('tensors.safetensors');
const expected = fixtureJson<{ metadata: Record<string, string>; tensors: Record<string, ExpectedTensor> }>(
  'tensors.expected.json',
);

function bytesOf(data: HostTensor['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

describe('reading a safetensors file written from PyTorch', () => {
  const contents = readSafetensors(file);

  it('finds every tensor with its dtype, shape and values', () => {
    expect([...contents.tensors.keys()].sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, tensor] of Object.entries(expected.tensors)) {
      expectTensorMatches(contents.tensors.get(name), tensor);
    }
  });

  it('reads the metadata, including non-ASCII text', () => {
    expect(Object.fromEntries(contents.metadata)).toEqual(expected.metadata);
  });

  it('decodes F16 and BF16 to Float32Array', () => {
    expect(contents.tensors.get('half.edge')!.data).toBeInstanceOf(Float32Array);
    const half = contents.tensors.get('half.edge')!.data as Float32Array;
    expect(half[6]).toBe(65504);
    expect(half[8]).toBe(2 ** -24);
    expect(Number.isNaN(half[13])).toBe(true);
  });

  it('reports absolute byte ranges in the header', () => {
    const header = readSafetensorsHeader(file);
    const weight = header.entries.find((e) => e.name === 'fc1.weight')!;
    expect(weight.byteLength).toBe(3 * 4 * 4);
    const view = new Float32Array(file.slice(weight.byteOffset, weight.byteOffset + weight.byteLength).buffer);
    expect([...view]).toEqual([...(contents.tensors.get('fc1.weight')!.data as Float32Array)]);
  });
});

describe('writing safetensors', () => {
  it('writes the same bytes as the reference layout', () => {
    const { tensors, metadata } = readSafetensors(file);
    expect(writeSafetensors(tensors, metadata)).toEqual(file);
  });

  it('matches the reference implementation byte for byte on its own example', () => {
    // safetensors/src/tensor.rs test_serialization: "attn.0", F32 [1, 2, 3], values 0..5.
    const out = writeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(new DataView(out.buffer).getUint32(0, true)).toBe(64);
    expect(new TextDecoder().decode(out.subarray(8, 8 + header.length))).toBe(header);
    expect([...out.subarray(8 + header.length, 8 + 64)]).toEqual(new Array(64 - header.length).fill(0x20));
    expect(out.length).toBe(8 + 64 + 24);
  });

  it('round-trips random tensors of every dtype', () => {
    const dtypeData: Record<string, (n: number) => fc.Arbitrary<HostTensor['data']>> = {
      F32: (n) => fc.float32Array({ minLength: n, maxLength: n, noDefaultInfinity: false }),
      I32: (n) => fc.int32Array({ minLength: n, maxLength: n }),
      I64: (n) => fc.bigInt64Array({ minLength: n, maxLength: n }),
      U8: (n) => fc.uint8Array({ minLength: n, maxLength: n }),
      BOOL: (n) => fc.uint8Array({ minLength: n, maxLength: n, max: 1 }),
      I8: (n) => fc.int8Array({ minLength: n, maxLength: n }),
      I16: (n) => fc.int16Array({ minLength: n, maxLength: n }),
    };
    const tensor = fc
      .tuple(fc.constantFrom(...Object.keys(dtypeData)), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
      .chain(([dtype, shape]) =>
        dtypeData[dtype]!(shape.reduce((a, b) => a * b, 1)).map((data) => ({ dtype, shape, data }) as HostTensor),
      );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((s) => s !== '__metadata__'), tensor, { maxKeys: 5 }), (tensors) => {
        const back = readSafetensors(writeSafetensors(tensors));
        expect(back.tensors.size).toBe(Object.keys(tensors).length);
        for (const [name, t] of Object.entries(tensors)) {
          const got = back.tensors.get(name)!;
          expect(got.dtype).toBe(t.dtype);
          expect(got.shape).toEqual(t.shape);
          expect(bytesOf(got.data)).toEqual(bytesOf(t.data));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps a tensor named __proto__ as a tensor', () => {
    const tensors = new Map<string, HostTensor>([['__proto__', { dtype: 'F32', shape: [1], data: new Float32Array([4]) }]]);
    const back = readSafetensors(writeSafetensors(tensors));
    expect([...(back.tensors.get('__proto__')!.data as Float32Array)]).toEqual([4]);
  });

  it('refuses data of the wrong length or array type', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /tensor "w": shape \[2, 2\] has 4 elements but the data has 3/,
    );
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Int32Array(2) } })).toThrow(
      /written from a Float32Array, got a Int32Array/,
    );
    expect(() => writeSafetensors({ m: { dtype: 'BOOL', shape: [2], data: new Uint8Array([0, 2]) } })).toThrow(/only 0 and 1/);
  });
});

describe('hostile or broken safetensors files are rejected with a clear error', () => {
  const f32x2 = new Uint8Array(new Float32Array([1, 2]).buffer);

  it.each([
    ['a file shorter than the length field', new Uint8Array(5), /too short to hold the 8-byte header length/],
    ['a header length of 2^63', craftSafetensors({}, new Uint8Array(), 2n ** 63n), /exceeds the 100000000-byte limit/],
    ['a header length past the end', craftSafetensors({}, new Uint8Array(), 1000n), /header length 1000 runs past the end of the file/],
    ['invalid UTF-8', craftSafetensors('{"ab":{}}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/],
    ['a header that is not JSON', craftSafetensors('{not json'), /not valid JSON/],
    ['a header that is not an object', craftSafetensors('[1, 2]'), /does not start with "\{"/],
    ['null entries', craftSafetensors({ w: null }), /tensor "w": the header entry is not a JSON object/],
    ['an unknown dtype', craftSafetensors({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor "w": unsupported dtype "F8_E4M3"/],
    ['a negative dimension', craftSafetensors({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32x2), /tensor "w": "shape" is not a list of non-negative integers/],
    ['a fractional dimension', craftSafetensors({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32x2), /"shape" is not a list/],
    ['offsets past the data', craftSafetensors({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32x2), /tensor "w": "data_offsets" \[0, 16\] run past the end of the data section \(8 bytes\)/],
    ['reversed offsets', craftSafetensors({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32x2), /end before they begin/],
    ['a shape that does not match the bytes', craftSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32x2), /tensor "w": shape \[3\] of F32 needs 12 bytes, but "data_offsets" \[0, 8\] hold 8/],
    ['a shape whose size overflows', craftSafetensors({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, f32x2), /needs more than 2\^53 bytes/],
    ['overlapping tensors', craftSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2), /tensor "b": its bytes \[4, 8\) overlap tensor "a"/],
    ['a gap between tensors', craftSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2), /tensor "a": bytes \[0, 4\) of the data section before it belong to no tensor/],
    ['trailing bytes', craftSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32x2), /the tensors cover 4 bytes but the data section has 8/],
    ['non-string metadata', craftSafetensors({ __metadata__: { n: 1 } }), /"__metadata__" entry "n" is not a string/],
    ['a BOOL byte other than 0/1', craftSafetensors({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])), /tensor "m": BOOL element 1 has byte value 7/],
  ])('%s', (_what, bytes, message) => {
    expect(safetensorsRefusal(bytes).message).toMatch(message);
  });

  it('never throws anything but TensorFileError on corrupted bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(file.length), (edits, cut) => {
        const bytes = file.slice(0, cut);
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        try {
          readSafetensors(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TensorFileError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
