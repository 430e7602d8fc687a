import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32Bits,
  bitsToFloat32,
  float16BitsToFloat32Bits,
  float32BitsToBfloat16Bits,
  float32BitsToFloat16Bits,
} from '../../runtime/io/half-float.ts';
import { fixtureJson } from './tensor-fixtures.ts';

const conversions = fixtureJson<{ float32Bits: number[]; float16Bits: number[]; bfloat16Bits: number[] }>('conversions.json');

const isNaNHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isNaNBfloat = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

describe('float16', () => {
  it('rounds float32 to float16 exactly as numpy does', () => {
    const mismatches = conversions.float32Bits
      .map((bits, i) => ({ input: bitsToFloat32(bits), got: float32BitsToFloat16Bits(bits), want: conversions.float16Bits[i]! }))
      .filter(({ got, want }) => got !== want);
    expect(mismatches).toEqual([]);
  });

  it('decodes every float16 value and encodes it back to the same bits', () => {
    for (let h = 0; h < 0x10000; h++) {
      const widened = float16BitsToFloat32Bits(h);
      if (isNaNHalf(h)) expect(Number.isNaN(bitsToFloat32(widened))).toBe(true);
      expect(float32BitsToFloat16Bits(widened)).toBe(h);
    }
  });

  it('decodes known values', () => {
    const decode = (h: number) => bitsToFloat32(float16BitsToFloat32Bits(h));
    expect(decode(0x3c00)).toBe(1);
    expect(decode(0xc000)).toBe(-2);
    expect(decode(0x7bff)).toBe(65504);
    expect(decode(0x0001)).toBe(2 ** -24);
    expect(decode(0x03ff)).toBe(1023 * 2 ** -24);
    expect(decode(0x0400)).toBe(2 ** -14);
    expect(decode(0x7c00)).toBe(Infinity);
    expect(Object.is(decode(0x8000), -0)).toBe(true);
  });
});

describe('bfloat16', () => {
  it('rounds float32 to bfloat16 as PyTorch does (any NaN for NaN)', () => {
    const mismatches = conversions.float32Bits
      .map((bits, i) => ({ input: bitsToFloat32(bits), got: float32BitsToBfloat16Bits(bits), want: conversions.bfloat16Bits[i]! }))
      .filter(({ got, want }) => (isNaNBfloat(want) ? !isNaNBfloat(got) : got !== want));
    expect(mismatches).toEqual([]);
  });

  it('encodes every bfloat16 value back to the same bits', () => {
    for (let h = 0; h < 0x10000; h++) expect(float32BitsToBfloat16Bits(bfloat16BitsToFloat32Bits(h))).toBe(h);
  });
});
