// A tensor file that cannot be read or written. Always names the format, and
// the tensor when one is at fault, so "which weight is broken" is answered by
// the message alone.

export type TensorFileFormat = 'safetensors' | 'npy';

export class TensorFileError extends Error {
  override readonly name = 'TensorFileError';

  constructor(
    readonly format: TensorFileFormat,
    readonly problem: string,
    readonly tensor?: string,
  ) {
    super(`${format}: ${tensor === undefined ? '' : `tensor ${JSON.stringify(tensor)}: `}${problem}`);
  }
}
