// Loads the fixtures written by fixtures/make_tensor_files.py and compares
// decoded tensors with what PyTorch/numpy say they hold.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';

export interface ExpectedTensor {
  readonly dtype: string;
  readonly shape: number[];
  /** float tensors: the float32 bit patterns of the values (NaN-safe, exact) */
  readonly f32Bits?: number[];
  /** integer tensors; I64 values as decimal strings */
  readonly values?: (number | string)[];
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export function expectTensorMatches(actual: HostTensor | undefined, expected: ExpectedTensor): void {
  expect(actual).toBeDefined();
  const tensor = actual!;
  expect(tensor.dtype).toBe(expected.dtype);
  expect([...tensor.shape]).toEqual(expected.shape);
  if (expected.f32Bits) {
    expect(tensor.data).toBeInstanceOf(Float32Array);
    const data = tensor.data as Float32Array;
    expect([...new Uint32Array(data.buffer, data.byteOffset, data.length)]).toEqual(expected.f32Bits);
  } else if (expected.dtype === 'I64') {
    expect(tensor.data).toBeInstanceOf(BigInt64Array);
    expect([...(tensor.data as BigInt64Array)].map(String)).toEqual(expected.values);
  } else {
    expect([...(tensor.data as Int32Array)]).toEqual(expected.values);
  }
}

/** A safetensors file with the given header (an object, or JSON text) and data bytes; `headerLength` overrides the length field. */
export function craftSafetensors(header: unknown, data: Uint8Array = new Uint8Array(), headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

/** The TensorFileError that reading `bytes` as safetensors must throw. */
export function safetensorsRefusal(bytes: Uint8Array): TensorFileError {
  try {
    readSafetensors(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(TensorFileError);
    return error as TensorFileError;
  }
  throw new Error('expected the file to be rejected');
}
