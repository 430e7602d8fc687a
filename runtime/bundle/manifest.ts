// The bundle format: manifest.json, WGSL files and weights.safetensors. The
// runtime owns this schema (a deployed page ships the runtime alone); the
// compiler writes it. Sizes that depend on the batch size are `perN * N + fixed`.

import type { OptimizerData } from '../train/optimizer-format.ts';
import type { ScheduleData } from '../train/schedule-format.ts';

export const BUNDLE_FORMAT = 'regc-bundle';
/**
 * The newest version the compiler writes (see bundleVersionFor). 2 added
 * `params` (shape-generic shaders, whose Dims uniform holds sizes after the
 * batch size): a runtime that reads only version 1 would refuse such a
 * bundle by its version, instead of running those shaders with sizes of
 * zero. 3 added a variant's own `buffers`: a version-2 runtime would bind the
 * dispatch's buffers to a shader that binds others. 4 added `train` (the
 * stored tensors a run updates) and u32 ports: a version-3 runtime would run
 * a training step and lose its update.
 */
export const BUNDLE_VERSION = 4;

/**
 * The version the compiler writes for a bundle: 4 for a train bundle (or u32 inputs), 3 only
 * where a variant has buffers of its own, so that older runtimes still run
 * the rest.
 */
export function bundleVersionFor(dispatches: readonly DispatchSpec[], train?: TrainSpec, inputs: readonly TensorPort[] = []): 2 | 3 | 4 {
  if (train || inputs.some((p) => p.dtype === 'u32')) return 4;
  return dispatches.some((d) => d.quick?.buffers || d.subgroups?.buffers) ? 3 : 2;
}
/** Versions this runtime reads: each is the next without what that added (see BUNDLE_VERSION). */
export const READABLE_BUNDLE_VERSIONS: readonly number[] = [1, 2, 3, 4];

/**
 * The weights file the compiler writes (`weightsFile`). The runtime asks for
 * it together with the manifest, so the weights' download need not wait a
 * round trip for the manifest to name it; a bundle that names another file
 * gets that one once the manifest is read.
 */
export const USUAL_WEIGHTS_FILE = 'weights.safetensors';

export interface AffineSize {
  readonly perN: number;
  readonly fixed: number;
}

export type ShapeDim = number | 'N';

export interface TensorPort {
  readonly name: string;
  /** 'u32' (version 4) only for an input of raw words, such as a train bundle's RNG state. */
  readonly dtype: 'f32' | 'u32';
  readonly shape: readonly ShapeDim[];
  /** The buffer holding it, read from offset 0. */
  readonly buffer: number;
}

export type BufferSpec =
  /** Activations and scratch: sized per run from the batch size, in f32 elements. */
  | { readonly id: number; readonly kind: 'activation'; readonly elements: AffineSize }
  /** One stored tensor from weights.safetensors, uploaded once at load. */
  | { readonly id: number; readonly kind: 'weight'; readonly tensor: string; readonly elements: number };

export interface ShaderSpec {
  readonly id: string;
  /** Path inside the bundle, e.g. `shaders/conv2d_c1.wgsl`. */
  readonly file: string;
  /**
   * The file's text, repeated in the manifest for the shaders a first run
   * compiles, so that a page can start compiling them with the manifest
   * instead of one round trip later. Where present, the runtime uses it and
   * does not read `file`.
   */
  readonly code?: string;
  readonly entryPoint: string;
  readonly workgroupSize: number;
  /** Access of each storage binding @binding(0..k-1); when usesBatch, @binding(k) is the Dims uniform. */
  readonly bindings: readonly ('read' | 'read_write')[];
  readonly usesBatch: boolean;
  /**
   * How many u32s follow the batch size in the Dims uniform it declares (a
   * shape-generic shader's sizes); every dispatch running it gives exactly
   * that many `params`.
   */
  readonly params?: number;
  /** Device features the shader needs; such a shader is only ever a dispatch's `subgroups` variant. */
  readonly features?: readonly ShaderFeature[];
}

export type ShaderFeature = 'subgroups';

export interface DispatchSpec {
  readonly shader: string;
  /** Buffer ids bound to @binding(0..k-1), in order. */
  readonly buffers: readonly number[];
  /** Workgroups: ceil((perN * N + fixed) / divisor), folded into (x, y) by the runtime. */
  readonly groups: AffineSize;
  readonly groupsDivisor: number;
  /** The layer it computes, for profiling and error messages. */
  readonly label: string;
  /**
   * u32 values following the batch size in this dispatch's Dims uniform:
   * the sizes (and epilogue flags) a shape-generic shader reads there
   * instead of having them in its text, so layers of different sizes share
   * one shader. Every variant of the dispatch sees the same values.
   */
  readonly params?: readonly number[];
  /**
   * The same computation by a shader that compiles much faster and runs
   * slower (smaller register blocks), on the dispatch's buffers (its shader
   * then binds what `shader` binds) or on its own `buffers`. A runtime may
   * run it until `shader`'s pipeline is ready, so the first results need not
   * wait for the slow compiles.
   */
  readonly quick?: DispatchVariant;
  /**
   * The fast computation again, with loads shared between the four
   * invocations of a subgroup quad (its shader needs the 'subgroups' feature
   * and assumes quads of consecutive invocations). A runtime uses it in place
   * of `shader` on devices where it has checked both.
   */
  readonly subgroups?: DispatchVariant;
}

export interface DispatchVariant {
  readonly shader: string;
  readonly groups: AffineSize;
  readonly groupsDivisor: number;
  /**
   * The buffers the variant binds, where its shader binds other than the
   * dispatch's (a shape-generic quick twin that binds a residual it does not
   * read, say); absent, it binds the dispatch's `buffers`. Version 3.
   */
  readonly buffers?: readonly number[];
}

/**
 * A train bundle's persistent state (version 4). The stored tensors a step
 * updates (weights, running statistics, optimizer state, ...) are weight
 * buffers that live as long as the loaded bundle; the step computes each new
 * value into an activation buffer, and after the run's last dispatch the
 * runtime copies `from` into `to`, so every kernel of the step read the old
 * values. Buffers not named here are never written.
 */
export interface TrainSpec {
  readonly assigns: readonly StateAssign[];
  /**
   * The optimizer (runtime/train/optimizer-format.ts), from which the
   * runtime computes the scalars each step reads (`train.<name>` inputs);
   * absent where the bundle only computes gradients.
   */
  readonly optimizer?: OptimizerData & { readonly version: number };
  /** The learning-rate schedule (runtime/train/schedule-format.ts); with the optimizer. */
  readonly schedule?: ScheduleData;
}

export interface StateAssign {
  /** The stored tensor, as the weight buffer `to` names it. */
  readonly tensor: string;
  /** An activation buffer holding at least the tensor's elements at batch 1 (its first elements are copied). */
  readonly from: number;
  /** The tensor's weight buffer. */
  readonly to: number;
}

export interface Manifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: 1 | 2 | 3 | 4;
  readonly model: string;
  readonly generator: string;
  readonly inputs: readonly TensorPort[];
  readonly outputs: readonly TensorPort[];
  /** Largest batch size a run may ask for; bounds the memory a bundle can make us allocate. */
  readonly maxBatch: number;
  readonly weightsFile: string;
  readonly buffers: readonly BufferSpec[];
  readonly shaders: readonly ShaderSpec[];
  readonly dispatches: readonly DispatchSpec[];
  /** Present in a train bundle (version 4). */
  readonly train?: TrainSpec;
}
