// Writing what `regc grad` and `regc step` compute: .npy and .safetensors
// files in one results folder, marked as regc's (regc-results.json) so a
// later run may replace it and nothing else is ever written over
// (compiler/bundle/output-path.ts), all files placed at once by a rename.
import { planFolderOutput, RESULTS_FORMAT, RESULTS_MARKER, writeFolderOutput, type FolderPlan } from '../compiler/bundle/output-path.ts';
import type { HostTensor } from '../runtime/io/host-tensor.ts';
import { writeNpy, writeNpyFloat64 } from '../runtime/io/npy.ts';
import { writeSafetensors } from '../runtime/io/safetensors.ts';

export type F32 = { readonly shape: readonly number[]; readonly data: Float32Array };

/** torch keeps these as int64; regc holds them as float32 and writes them back as torch has them. */
const INTEGER_STATES = /(^|\.)(num_batches_tracked)$/;

/** A state_dict-like file: float32 tensors, num_batches_tracked as int64. */
export function stateDictFile(tensors: ReadonlyMap<string, F32>): Uint8Array {
  const host = new Map<string, HostTensor>();
  for (const [name, t] of tensors) {
    host.set(name, INTEGER_STATES.test(name) ? { dtype: 'I64', shape: t.shape, data: BigInt64Array.from(t.data, (v) => BigInt(Math.round(v))) } : { dtype: 'F32', shape: t.shape, data: t.data });
  }
  return writeSafetensors(host);
}

export function npyFile(t: F32): Uint8Array {
  return writeNpy({ dtype: 'F32', shape: t.shape, data: t.data });
}

export function npyFloat64File(values: readonly number[]): Uint8Array {
  return writeNpyFloat64({ shape: [values.length], data: Float64Array.from(values) });
}

export class ResultsFolder {
  private readonly files = new Map<string, string | Uint8Array>();

  private constructor(private readonly plan: FolderPlan) {}

  /** Checks the path first, so that a refused folder fails before any work. */
  static async plan(path: string, force: boolean): Promise<ResultsFolder> {
    return new ResultsFolder(await planFolderOutput(path, { force, contents: 'results' }));
  }

  add(name: string, contents: Uint8Array): void {
    this.files.set(name, contents);
  }

  async write(about: Readonly<Record<string, string | number>>): Promise<void> {
    this.files.set(RESULTS_MARKER, `${JSON.stringify({ format: RESULTS_FORMAT, ...about, files: [...this.files.keys()].sort() }, null, 2)}\n`);
    await writeFolderOutput(this.plan, this.files);
  }
}
