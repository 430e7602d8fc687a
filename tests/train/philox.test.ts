// Philox-4x32-10 in WGSL and its TypeScript reference, against Random123's
// known answers (kat_vectors, the three philox4x32 10 lines) and each other.
import { describe, expect, it } from 'vitest';
import { mulhilo32, PHILOX_WGSL, philox4x32_10, type Philox4, type PhiloxKey } from '../../compiler/codegen/kernels/philox.ts';
import { getTestDevice, runCompute } from '../support/gpu.ts';

interface Kat {
  readonly counter: Philox4;
  readonly key: PhiloxKey;
  readonly want: Philox4;
}

// Random123 kat_vectors: "philox4x32 10 CTR[4] KEY[2] EXPECTED[4]".
const KATS: readonly Kat[] = [
  { counter: [0, 0, 0, 0], key: [0, 0], want: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    want: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    want: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

const hex = (words: readonly number[]): string => words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join(' ');

/** A small xorshift so the spot checks are the same every run. */
function words(count: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(s);
  }
  return out;
}

const PHILOX_KERNEL = `
@group(0) @binding(0) var<storage, read> inputs: array<u32>;
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4<u32>>;
${PHILOX_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= arrayLength(&outputs)) { return; }
  let c = vec4<u32>(inputs[6u * i], inputs[6u * i + 1u], inputs[6u * i + 2u], inputs[6u * i + 3u]);
  outputs[i] = philox4x32_10(c, vec2<u32>(inputs[6u * i + 4u], inputs[6u * i + 5u]));
}`;

/** Philox of each (counter, key) on the device. */
async function philoxOnDevice(cases: readonly { counter: Philox4; key: PhiloxKey }[]): Promise<number[][]> {
  const device = await getTestDevice();
  const inputs = Uint32Array.from(cases.flatMap((c) => [...c.counter, ...c.key]));
  const [, out] = await runCompute(device, {
    code: PHILOX_KERNEL,
    bindings: [{ data: inputs, kind: 'read-only-storage' }, { data: cases.length * 16 }],
    workgroups: [Math.ceil(cases.length / 64)],
  });
  const got = new Uint32Array(out!);
  return cases.map((_, i) => [...got.subarray(4 * i, 4 * i + 4)]);
}

describe('Philox-4x32-10 reference (TypeScript)', () => {
  it.each(KATS.map((k) => [hex(k.counter), k] as const))('gives the known answer for counter %s', (_, kat) => {
    expect(hex(philox4x32_10(kat.counter, kat.key))).toBe(hex(kat.want));
  });

  it('multiplies 32x32 -> 64 bits exactly', () => {
    const edges = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    const spot = words(400, 7);
    const pairs = [...edges.flatMap((a) => edges.map((b) => [a, b])), ...spot.map((a, i) => [a, spot[(i * 7 + 3) % spot.length]!])];
    for (const [a, b] of pairs) {
      const product = BigInt(a!) * BigInt(b!);
      expect(mulhilo32(a!, b!), `${a} * ${b}`).toEqual([Number(product >> 32n), Number(product & 0xffffffffn)]);
    }
  });
});

describe('Philox-4x32-10 in WGSL (on the device)', () => {
  it('gives the known answers', async () => {
    const got = await philoxOnDevice(KATS);
    expect(got.map(hex)).toEqual(KATS.map((k) => hex(k.want)));
  });

  it('equals the reference on counters and keys that exercise every word', async () => {
    const w = words(6 * 512, 12345);
    const cases = Array.from({ length: 512 }, (_, i) => ({
      counter: [w[6 * i]!, w[6 * i + 1]!, w[6 * i + 2]!, w[6 * i + 3]!] as Philox4,
      key: [w[6 * i + 4]!, w[6 * i + 5]!] as PhiloxKey,
    }));
    // Counters near the carries the 16-bit halves produce.
    for (const edge of [0xffff, 0x10000, 0xffffffff, 0x80000000]) cases.push({ counter: [edge, 1, edge, 2], key: [edge, edge] });
    const got = await philoxOnDevice(cases);
    const mismatches = cases.filter((c, i) => hex(got[i]!) !== hex(philox4x32_10(c.counter, c.key)));
    expect(mismatches).toEqual([]);
  });
});
