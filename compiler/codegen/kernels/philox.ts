// Philox-4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as 1, 2,
// 3", SC 2011; Random123's philox4x32 with 10 rounds): a counter-based RNG.
// Each call maps a 128-bit counter and a 64-bit key to 128 random bits with
// no state in between, so any element of a random tensor can be computed on
// its own by whichever thread holds it: the values never depend on how the
// work is split. The WGSL text and the TypeScript reference below compute
// the same function; tests check both against Random123's known answers.
//
// WGSL has no 64-bit integers, so the 32x32 -> 64-bit products are built
// from 16-bit halves; the reference multiplies in doubles instead, a
// different route to the same bits.

export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;
export const PHILOX_ROUNDS = 10;

const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}u`;

/**
 * WGSL helpers: `philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32>`
 * (and `philox_mulhilo`, the high and low words of a 64-bit product).
 */
export const PHILOX_WGSL = `
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < ${PHILOX_ROUNDS}u; round++) {
    if (round > 0u) {
      k = k + vec2<u32>(${hex(PHILOX_W0)}, ${hex(PHILOX_W1)});
    }
    let p0 = philox_mulhilo(${hex(PHILOX_M0)}, c.x);
    let p1 = philox_mulhilo(${hex(PHILOX_M1)}, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}
`;

export type Philox4 = readonly [number, number, number, number];
export type PhiloxKey = readonly [number, number];

const TWO_16 = 0x10000;
const TWO_32 = 0x100000000;

/** [high word, low word] of the 64-bit product of two u32s. */
export function mulhilo32(a: number, b: number): [number, number] {
  // a * b = a * bHigh * 2^16 + a * bLow, each partial product below 2^48 and so exact in a double.
  const low = a * (b % TWO_16);
  const high = a * Math.floor(b / TWO_16);
  const highLow = high % TWO_16;
  const lowWord = (highLow * TWO_16 + low) % TWO_32;
  const hiWord = (Math.floor(high / TWO_16) + Math.floor((highLow * TWO_16 + low) / TWO_32)) % TWO_32;
  return [hiWord, lowWord];
}

/** Philox-4x32-10 of `counter` under `key`: four u32 words, as the WGSL computes them. */
export function philox4x32_10(counter: Philox4, key: PhiloxKey): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((w) => w >>> 0) as [number, number];
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo32(PHILOX_M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}
