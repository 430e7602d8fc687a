// Kernels of the random ops (random_mask, random_normal), and the same
// functions in TypeScript for tests and host-side checks.
//
// Layout (docs/training.md, "Randomness"). The `rng` input is four u32s:
// seed low word, seed high word, step low word, step high word. Element i of
// an op's tensor comes from the Philox-4x32-10 block
//
//   key     = (rng[0], rng[1])                       the seed
//   counter = (i / 4, stream, rng[2], rng[3])        block, op, step
//
// taking word i % 4 of it (a mask) or the word pair it shares with its
// neighbour (a normal: words 0-1 give elements 0 and 1, words 2-3 elements
// 2 and 3, by Box-Muller). Every element is a function of (seed, step,
// stream, i) alone, so the values do not depend on the workgroup size or on
// how many elements a thread writes, and ops with different streams, or
// steps, never share a counter.
//
// The op's constants (stream, size, threshold, scale) are Dims params, so
// every random_mask of a bundle shares one shader, as does every
// random_normal.
import type { Node } from '../../ir/types.ts';
import type { Kernel, KernelBinding, KernelParam } from '../kernel.ts';
import { assembleKernel, ELEMENTWISE_WORKGROUP, inputBinding, kernelName, outputBinding, shapeSize, sizeAffine } from './layout.ts';
import { PHILOX_WGSL, philox4x32_10 } from './philox.ts';

/** Uniforms keep the top 24 bits of a word: exactly representable in f32. */
const UNIFORM_BITS = 24;
const UNIFORM_STEPS = 2 ** UNIFORM_BITS;
/** 2^-24, written out exactly. */
const UNIFORM_STEP_WGSL = '5.9604644775390625e-8';

/** The bits of `x` rounded to f32, as a u32 (a shader constant carried exactly). */
export function f32Bits(x: number): number {
  return new Uint32Array(Float32Array.of(x).buffer)[0]!;
}

/**
 * An element is dropped when its uniform draw is below p: when the word's
 * top 24 bits are below `threshold`, p rounded to a multiple of 2^-24 (kept
 * below 1 so that some element may survive any p < 1).
 */
export function dropThreshold(p: number): number {
  return Math.min(Math.round(p * UNIFORM_STEPS), UNIFORM_STEPS - 1);
}

/** What a kept element holds: 1 / (1 - p) in f32, as torch computes it (`noise.div_(1 - p)`). */
export function keepScale(p: number): number {
  return Math.fround(1 / Math.fround(1 - p));
}

export interface RandomKernelOptions {
  readonly workgroupSize?: number;
  /** Elements each thread writes: 4 (one Philox block, the default) or 1. */
  readonly elementsPerThread?: 1 | 4;
}

const MASK_HELPERS = `
fn random_element(bits: vec4<u32>, j: u32) -> f32 {
  return select(0.0, bitcast<f32>(dims.scale_bits), (bits[j] >> 8u) >= dims.threshold);
}`;

// u1 in (0, 1] keeps the log finite; u2 in [0, 1) sets the angle, taken in
// [-pi, pi), where WGSL bounds the error of cos and sin (the distribution is
// the same as over [0, 2 pi)).
const NORMAL_HELPERS = `
fn random_element(bits: vec4<u32>, j: u32) -> f32 {
  let pair = (j / 2u) * 2u;
  let u1 = (f32(bits[pair] >> 8u) + 1.0) * ${UNIFORM_STEP_WGSL};
  let u2 = f32(bits[pair + 1u] >> 8u) * ${UNIFORM_STEP_WGSL};
  let r = sqrt(-2.0 * log(u1));
  let theta = 3.141592653589793 * (2.0 * u2 - 1.0);
  let z = select(r * sin(theta), r * cos(theta), j % 2u == 0u);
  return bitcast<f32>(dims.std_bits) * z;
}`;

export function randomMaskKernels(node: Node<'random_mask'>): Kernel[] {
  return [randomMaskKernel(node)];
}

export function randomNormalKernels(node: Node<'random_normal'>): Kernel[] {
  return [randomNormalKernel(node)];
}

/** random_mask's kernel, with a chosen split of the work (the values are the same for every split). */
export function randomMaskKernel(node: Node<'random_mask'>, options: RandomKernelOptions = {}): Kernel {
  const { p } = node.attrs;
  const params = [
    { name: 'threshold', value: dropThreshold(p) },
    { name: 'scale_bits', value: f32Bits(keepScale(p)) },
  ];
  return randomKernel(node, MASK_HELPERS, params, options);
}

export function randomNormalKernel(node: Node<'random_normal'>, options: RandomKernelOptions = {}): Kernel {
  return randomKernel(node, NORMAL_HELPERS, [{ name: 'std_bits', value: f32Bits(node.attrs.std) }], options);
}

/** The storage binding of the u32 RNG state. */
const RNG_BINDING: KernelBinding = { ...inputBinding('rng', 0), elementType: 'u32' };

function randomKernel(
  node: Node<'random_mask'> | Node<'random_normal'>,
  helpers: string,
  opParams: readonly KernelParam[],
  options: RandomKernelOptions,
): Kernel {
  const workgroupSize = options.workgroupSize ?? ELEMENTWISE_WORKGROUP;
  const perThread = options.elementsPerThread ?? 4;
  const count = shapeSize(node.type.shape);
  const dst = outputBinding();
  const rng = RNG_BINDING.name;
  const block = (index: string) =>
    `philox4x32_10(vec4<u32>(${index}, dims.stream, ${rng}[2], ${rng}[3]), vec2<u32>(${rng}[0], ${rng}[1]))`;
  const body =
    perThread === 4
      ? [
          'let count = dims.n * dims.per_n + dims.fixed;',
          'let first = gidx * 4u;',
          'if (first >= count) { return; }',
          `let bits = ${block('gidx')};`,
          'for (var j = 0u; j < 4u && first + j < count; j++) {',
          `  ${dst.name}[first + j] = random_element(bits, j);`,
          '}',
        ]
      : [
          'let count = dims.n * dims.per_n + dims.fixed;',
          'if (gidx >= count) { return; }',
          `${dst.name}[gidx] = random_element(${block('gidx / 4u')}, gidx % 4u);`,
        ];
  const affine = sizeAffine(count);
  const kernel = assembleKernel({
    name: kernelName(node),
    bindings: [RNG_BINDING, dst],
    workgroupSize,
    helpers: `${PHILOX_WGSL}${helpers}`,
    body: body.join('\n'),
    groups: affine,
    groupsDivisor: workgroupSize * perThread,
    params: [
      { name: 'stream', value: node.attrs.stream },
      { name: 'per_n', value: affine.perN },
      { name: 'fixed', value: affine.fixed },
      ...opParams,
    ],
  });
  return kernel;
}

// ---------------------------------------------------------------- reference

/** The RNG state words, as the kernels read them. */
export interface RngState {
  readonly seed: bigint | number;
  readonly step: bigint | number;
}

/** The `rng` input's four u32 words for a seed and step (each up to 64 bits). */
export function rngWords(state: RngState): Uint32Array {
  const seed = BigInt(state.seed);
  const step = BigInt(state.step);
  const mask = 0xffffffffn;
  return Uint32Array.of(Number(seed & mask), Number((seed >> 32n) & mask), Number(step & mask), Number((step >> 32n) & mask));
}

function blockWords(rng: Uint32Array, stream: number, block: number): [number, number, number, number] {
  return philox4x32_10([block, stream, rng[2]!, rng[3]!], [rng[0]!, rng[1]!]);
}

/** random_mask's values for `count` elements, computed on the host: equal to the kernel's, bit for bit. */
export function randomMaskValues(attrs: { readonly p: number; readonly stream: number }, rng: Uint32Array, count: number): Float32Array {
  const threshold = dropThreshold(attrs.p);
  const scale = keepScale(attrs.p);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 4) {
    const bits = blockWords(rng, attrs.stream, i / 4);
    for (let j = 0; j < 4 && i + j < count; j++) out[i + j] = bits[j]! >>> 8 >= threshold ? scale : 0;
  }
  return out;
}

/**
 * random_normal's values computed on the host in double precision, then
 * rounded: the kernel's f32 log, sqrt and cos/sin agree to a few ulps, and
 * less where u1 is near 1 (the radius is near 0 there and the log's
 * absolute error dominates).
 */
export function randomNormalValues(attrs: { readonly std: number; readonly stream: number }, rng: Uint32Array, count: number): Float32Array {
  const std = Math.fround(attrs.std);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 4) {
    const bits = blockWords(rng, attrs.stream, i / 4);
    for (let j = 0; j < 4 && i + j < count; j++) {
      const pair = j - (j % 2);
      const u1 = ((bits[pair]! >>> 8) + 1) / UNIFORM_STEPS;
      const u2 = (bits[pair + 1]! >>> 8) / UNIFORM_STEPS;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = Math.PI * (2 * u2 - 1);
      out[i + j] = Math.fround(std * Math.fround(j % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta)));
    }
  }
  return out;
}
