// How large a block of the output each invocation of a blocked kernel (GEMM,
// direct convolution) computes.
//
// Larger register blocks run faster but take longer to compile, and not by a
// little: on SwiftShader (LLVM underneath) a GEMM with an 8 x 8 block takes
// 250-400 ms to become a pipeline and one with 4 x 4 takes 20-40 ms; a conv
// with 16 channels x 8 pixels takes 400-900 ms and 4 x 4 takes 25-35 ms. So a
// bundle carries both where they differ: 'quick' pipelines are created first
// and run the first batches, 'fast' ones compile in the background and take
// over when ready (runtime/bundle/load-bundle.ts).
export type Tiling = 'fast' | 'quick';

export const TILINGS: readonly Tiling[] = ['fast', 'quick'];
