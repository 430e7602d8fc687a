// Reading a --weights safetensors file as the compiler's given tensors (a
// torch state_dict: F32 parameters, I64 num_batches_tracked).
import { readFile } from 'node:fs/promises';
import type { GivenTensor } from '../compiler/lower/weight-source.ts';
import { readSafetensors } from '../runtime/io/safetensors.ts';
import { TensorFileError } from '../runtime/io/tensor-file-error.ts';
import { describeFsError } from './read-source.ts';

/** The tensors of the file, or the message saying why it cannot be read. */
export async function readWeightsFile(path: string): Promise<Map<string, GivenTensor> | { readonly problem: string }> {
  try {
    const file = readSafetensors(new Uint8Array(await readFile(path)));
    const weights = new Map<string, GivenTensor>();
    for (const [name, t] of file.tensors) {
      const data = t.data instanceof Float32Array ? t.data : t.data instanceof BigInt64Array ? Float32Array.from(t.data, Number) : Float32Array.from(t.data as ArrayLike<number>);
      weights.set(name, { shape: t.shape, dtype: t.dtype, data: t.dtype === 'BOOL' ? undefined : data });
    }
    return weights;
  } catch (e) {
    return { problem: e instanceof TensorFileError ? e.message : `cannot read weights file \`${path}\`: ${describeFsError(e)}` };
  }
}
