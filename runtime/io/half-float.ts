// IEEE binary16 and bfloat16 <-> float32, bit-exact, round-to-nearest-even.
// Reference behaviour: numpy's float32 -> float16 cast and PyTorch's
// float32 -> bfloat16 cast (checked against files written by both in tests).

const scratch = new DataView(new ArrayBuffer(4));

export function float32ToBits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

export function bitsToFloat32(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** float32 bits -> float16 bits; NaN keeps its top payload bits and stays NaN. */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    if (mantissa === 0) return sign | 0x7c00;
    return sign | 0x7c00 | (mantissa >>> 13 || 1);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-25 everything rounds to zero; above, to a subnormal half
    // (or, by carry, to the smallest normal one).
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    return sign | roundShiftRightEven(significand, 14 - halfExponent);
  }
  // A carry out of the mantissa correctly bumps the exponent, up to infinity.
  return sign | roundShiftRightEven((halfExponent << 23) | mantissa, 13);
}

function roundShiftRightEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const dropped = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return dropped > halfway || (dropped === halfway && (kept & 1) === 1) ? kept + 1 : kept;
}

/** float16 bits -> float32 bits (exact; NaN payloads kept). */
export function float16BitsToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: normalise into float32's wider exponent range.
  let shifted = mantissa;
  let e = -14;
  while ((shifted & 0x400) === 0) {
    shifted <<= 1;
    e -= 1;
  }
  return (sign | ((e + 127) << 23) | ((shifted & 0x3ff) << 13)) >>> 0;
}

/**
 * float32 bits -> bfloat16 bits, rounding to nearest even as PyTorch does.
 * PyTorch's own NaN results differ between its scalar (0x7fc0) and vector
 * (0xffff) paths; we keep the NaN's sign and top payload bits, so decoding
 * and re-encoding a file gives back its exact bytes.
 */
export function float32BitsToBfloat16Bits(bits: number): number {
  const exponent = (bits >>> 23) & 0xff;
  if (exponent === 0xff && (bits & 0x7fffff) !== 0) {
    const truncated = bits >>> 16;
    return (truncated & 0x7f) === 0 ? truncated | 0x40 : truncated;
  }
  return roundShiftRightEven(bits >>> 0, 16) & 0xffff;
}

export function bfloat16BitsToFloat32Bits(half: number): number {
  return (half << 16) >>> 0;
}
