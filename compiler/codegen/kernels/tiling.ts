// How large a block of the output each invocation of a blocked kernel (GEMM,
// direct convolution) computes.
//
// Larger register blocks run faster but take longer to compile, and not by a
// little: on SwiftShader (LLVM underneath) a GEMM with an 8 x 8 block takes
// 250-400 ms to become a pipeline, 4 x 4 about half that and 2 x 4 a quarter
// or less; a conv with 16 channels x 4 pixels 250 ms and 4 x 4 30-80 ms
// (Chromium's SwiftShader takes about twice as long for each). So a bundle
// carries both where they differ: 'quick' pipelines are created first and
// run the first batches, 'fast' ones compile in the background and take over
// when ready (runtime/bundle/load-bundle.ts).
//
// 'fast-subgroups' is 'fast' where the four invocations of a subgroup quad
// share the loads they have in common (quadBroadcast): a GEMM's rows of A, a
// convolution's weights. On SwiftShader, where every load is a per-lane
// gather, that makes an 8 x 8 GEMM about 1.4x and a 16 x 4 conv about 1.5x
// faster. It needs the 'subgroups' feature and quads made of
// consecutive invocations, which the runtime checks on the device before it
// uses such a kernel.
//
// 'quick-generic' is 'quick' where a kernel can read its sizes from the Dims
// uniform (see KernelParam; GEMMs so far) instead of having them in its text,
// so that layers of different sizes share one shader. Such a shader takes
// 1.5-1.7x as long to compile as one with the sizes written in (a quick GEMM
// in Chromium, medians of five: 112 against 76 ms, 204 against 107-127 ms in
// a busier run), so codegen uses it only where it merges two or more shaders
// that would differ (generate.ts). Its GEMMs, and its direct convolutions
// (whose sizes stay written in), take the common epilogues as flags too
// (epilogueFlags).
//
// Attention's scores kernel has a quick twin too: one query per invocation
// instead of up to four, which halves its compile time (83 against 152 ms).
export type Tiling = 'fast' | 'quick' | 'quick-generic' | 'fast-subgroups';

export const TILINGS: readonly Tiling[] = ['fast', 'quick', 'quick-generic', 'fast-subgroups'];

/** Both quick tilings use the same (small) register blocks. */
export function isQuick(tiling: Tiling | undefined): boolean {
  return tiling === 'quick' || tiling === 'quick-generic';
}
