// The contract between kernel generators and the rest of codegen: a kernel
// is WGSL plus the data the runtime needs to bind and dispatch it. Sizes that
// depend on the batch size are affine in N.

/** `perN * N + fixed`. */
export interface AffineInN {
  readonly perN: number;
  readonly fixed: number;
}

/** Where a kernel's storage binding points. */
export type BindingSource =
  /** The kernel's i-th input value (node.inputs[i]). */
  | { readonly kind: 'input'; readonly index: number }
  /** The value the kernel produces. */
  | { readonly kind: 'output' }
  /** A scratch buffer private to this dispatch sequence (e.g. partial sums), sized in f32s. */
  | { readonly kind: 'scratch'; readonly id: string; readonly elements: AffineInN };

export interface KernelBinding {
  /** The WGSL variable name (already through the namer). */
  readonly name: string;
  readonly access: 'read' | 'read_write';
  readonly source: BindingSource;
  /**
   * The WGSL array element type; 'f32' when absent. A kernel may view an f32
   * tensor as `array<vec4<f32>>` when every access is 4-aligned: on
   * SwiftShader that halves a matmul's time (one bounds clamp per 4 floats).
   * Buffers are f32 either way; the runtime binds them the same. 'u32'
   * views a buffer of u32 words (the RNG state of compiler/autodiff/randomness.ts).
   */
  readonly elementType?: 'f32' | 'vec4<f32>' | 'u32';
}

/**
 * A size a shape-generic kernel reads from its Dims uniform (`dims.<name>`)
 * instead of having it written into its text, so layers that differ only in
 * such sizes share one shader, and one pipeline.
 */
export interface KernelParam {
  readonly name: string;
  readonly value: number;
}

/**
 * One compute dispatch. Storage bindings are `@group(0) @binding(i)` in
 * `bindings` order; when `usesBatch` is true the last binding (index
 * bindings.length) is `var<uniform> dims: Dims` whose first member `n: u32`
 * is the run's batch size, followed by the kernel's `params` in order. The
 * grid is one-dimensional: the runtime launches
 * `ceil((groups.perN * N + groups.fixed) / groupsDivisor)` workgroups, folded
 * into (x, y) with x <= 65535, and the kernel recovers its linear workgroup
 * index as `wid.y * nwg.x + wid.x` (see wgsl.ts `linearWorkgroupIndex`).
 */
export interface Kernel {
  /** Unique within a bundle; also the WGSL file's stem. */
  readonly name: string;
  readonly wgsl: string;
  readonly entryPoint: string;
  readonly workgroupSize: number;
  readonly bindings: readonly KernelBinding[];
  readonly usesBatch: boolean;
  /** u32 values after `n` in the Dims uniform (usesBatch is then true). */
  readonly params?: readonly KernelParam[];
  readonly groups: AffineInN;
  readonly groupsDivisor: number;
  /** Device features the shader needs ('subgroups'); absent for portable kernels. */
  readonly features?: readonly KernelFeature[];
  /**
   * For a kernel that only rearranges stored tensors into a scratch buffer:
   * the same computation on the host. Where every input it names is a stored
   * tensor, codegen runs it at compile time and binds the result as a weight
   * in place of the scratch buffer, and the kernel is not dispatched.
   */
  readonly onHost?: HostComputation;
}

export type KernelFeature = 'subgroups';

export interface HostComputation {
  /** Indices into the node's inputs, in the order `compute` takes them. */
  readonly inputs: readonly number[];
  /** The scratch id the kernel writes. */
  readonly scratch: string;
  compute(inputs: readonly Float32Array[]): Float32Array;
}

/** Several dispatches make one op when it needs passes (e.g. a two-stage reduction). */
export type KernelSequence = readonly Kernel[];

export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** The runtime's fold of a linear workgroup count into (x, y). */
export function foldWorkgroups(count: number): [number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIMENSION) return [Math.max(count, 1), 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(count / y), y];
}

export function evalAffine(a: AffineInN, n: number): number {
  return a.perN * n + a.fixed;
}
