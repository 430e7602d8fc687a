// What the benchmark asks of each system (regc and its peers): load a model
// from the shared files, then run the benchmark batch, returning the output
// in host memory. The same interface runs in Node and in Chromium.
import type { F32Tensor, ModelInfo } from './models.ts';

export const SYSTEM_IDS = ['regc', 'tfjs-webgpu', 'ort-web-webgpu', 'ort-node-cpu'] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];

/** The systems that can also run in a page (ORT's Node binding cannot). */
export const BROWSER_SYSTEM_IDS: readonly SystemId[] = ['regc', 'tfjs-webgpu', 'ort-web-webgpu'];

export function isSystemId(id: string): id is SystemId {
  return (SYSTEM_IDS as readonly string[]).includes(id);
}

/** Reads files by path relative to the repository root: the disk in Node, the page's server in Chromium. */
export interface FileReader {
  readBytes(path: string): Promise<Uint8Array>;
}

export interface LoadContext {
  readonly files: FileReader;
  /** The compiled regc bundle of this model, as a folder path (Node) or URL path (Chromium). */
  readonly regcBundle: string;
}

export interface LoadedModel {
  /**
   * The input in the layout this system is fed in (TF.js convolutions take
   * NHWC), converted on the host once and outside the timed runs.
   */
  feed(input: F32Tensor): unknown;
  /** One inference: upload the fed input, compute, read the output back; NCHW order where it matters. */
  run(fed: unknown): Promise<Float32Array>;
  /**
   * Waits for work the system goes on with after its first result (regc
   * compiles its fast pipelines in the background), so the timed runs see it
   * at full speed. Absent when there is none.
   */
  settle?(): Promise<void>;
  /** Where load() spent its time, in ms by phase, for systems that report it. */
  readonly loadPhases?: Readonly<Record<string, number>>;
  dispose(): Promise<void> | void;
}

export interface BenchSystem {
  readonly id: SystemId;
  /** Whether the system runs on the WebGPU adapter (so its GPU buffers are counted). */
  readonly usesGpu: boolean;
  load(model: ModelInfo, context: LoadContext): Promise<LoadedModel>;
}
