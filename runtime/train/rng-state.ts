// The RNG state a train bundle's random ops read (compiler/autodiff/randomness.ts):
// four u32 words, the seed's low and high halves and the step's, fed before
// each step so that step k of a run with seed s draws the same numbers
// wherever and however often it runs.

/** The input the words are fed under. */
export const RNG_INPUT = 'rng';

/** The words for `seed` (a safe integer >= 0) and 0-based step `step`. */
export function rngWords(seed: number, step: number): Uint32Array {
  return new Uint32Array([seed % 2 ** 32, Math.floor(seed / 2 ** 32), step % 2 ** 32, Math.floor(step / 2 ** 32)]);
}
