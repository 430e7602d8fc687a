// Tensors in host memory as the tensor-file readers return them and the
// writers take them. `dtype` is how the file stores the elements; `data` is
// what the runtime computes with: every floating type decodes to
// Float32Array (WGSL has no f64, and f16 is optional), integers keep their
// width, I64 stays exact as BigInt64Array, BOOL is a Uint8Array of 0/1.
import {
  bfloat16BitsToFloat32Bits,
  float16BitsToFloat32Bits,
  float32BitsToBfloat16Bits,
  float32BitsToFloat16Bits,
} from './half-float.ts';

export type TensorDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type TensorData = Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface HostTensor {
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

interface DTypeInfo {
  readonly bytes: number;
  readonly dataType: string;
}

export const DTYPES: Readonly<Record<TensorDType, DTypeInfo>> = {
  F64: { bytes: 8, dataType: 'Float32Array' },
  F32: { bytes: 4, dataType: 'Float32Array' },
  F16: { bytes: 2, dataType: 'Float32Array' },
  BF16: { bytes: 2, dataType: 'Float32Array' },
  I64: { bytes: 8, dataType: 'BigInt64Array' },
  I32: { bytes: 4, dataType: 'Int32Array' },
  I16: { bytes: 2, dataType: 'Int16Array' },
  I8: { bytes: 1, dataType: 'Int8Array' },
  U8: { bytes: 1, dataType: 'Uint8Array' },
  BOOL: { bytes: 1, dataType: 'Uint8Array' },
};

export function isTensorDType(name: unknown): name is TensorDType {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

/** Product of the dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

// Typed arrays use the platform's byte order and both formats are
// little-endian; every platform a WebGPU runtime runs on is little-endian too.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error('tensor files can only be read and written on little-endian platforms');
}

/** Copies `bytes` into a fresh, aligned buffer of `count` elements of `size` bytes. */
function alignedCopy(bytes: Uint8Array, count: number, size: number): ArrayBuffer {
  const buffer = new ArrayBuffer(count * size);
  new Uint8Array(buffer).set(bytes.subarray(0, count * size));
  return buffer;
}

/**
 * Decodes `count` elements stored as `dtype`. The caller has checked that
 * `bytes` holds exactly count * size bytes. Returns an error text for values
 * the dtype forbids (a BOOL byte other than 0 or 1), else the data.
 */
export function decodeElements(dtype: TensorDType, bytes: Uint8Array, count: number): TensorData | string {
  assertLittleEndian();
  const size = DTYPES[dtype].bytes;
  switch (dtype) {
    case 'F32':
      return new Float32Array(alignedCopy(bytes, count, size));
    case 'F64':
      return Float32Array.from(new Float64Array(alignedCopy(bytes, count, size)));
    case 'F16':
      return widenHalves(new Uint16Array(alignedCopy(bytes, count, size)), float16BitsToFloat32Bits);
    case 'BF16':
      return widenHalves(new Uint16Array(alignedCopy(bytes, count, size)), bfloat16BitsToFloat32Bits);
    case 'I64':
      return new BigInt64Array(alignedCopy(bytes, count, size));
    case 'I32':
      return new Int32Array(alignedCopy(bytes, count, size));
    case 'I16':
      return new Int16Array(alignedCopy(bytes, count, size));
    case 'I8':
      return new Int8Array(alignedCopy(bytes, count, size));
    case 'U8':
      return new Uint8Array(alignedCopy(bytes, count, size));
    case 'BOOL': {
      const values = new Uint8Array(alignedCopy(bytes, count, size));
      const bad = values.findIndex((v) => v > 1);
      if (bad >= 0) return `BOOL element ${bad} has byte value ${values[bad]} (only 0 and 1 are booleans)`;
      return values;
    }
  }
}

function widenHalves(halves: Uint16Array, widen: (half: number) => number): Float32Array {
  const out = new Float32Array(halves.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < halves.length; i++) outBits[i] = widen(halves[i]!);
  return out;
}

/**
 * Encodes data as `dtype`, little-endian. Returns an error text when the data
 * is not the array type the dtype decodes to (so a write followed by a read
 * gives back the same tensor), or a BOOL value is not 0/1.
 */
export function encodeElements(dtype: TensorDType, data: TensorData): Uint8Array | string {
  assertLittleEndian();
  const expected = DTYPES[dtype].dataType;
  const actual = typedArrayName(data);
  if (actual !== expected) return `dtype ${dtype} is written from a ${expected}, got a ${actual}`;
  switch (dtype) {
    case 'F64':
      return bytesOf(Float64Array.from(data as Float32Array));
    case 'F16':
      return bytesOf(narrowToHalves(data as Float32Array, float32BitsToFloat16Bits));
    case 'BF16':
      return bytesOf(narrowToHalves(data as Float32Array, float32BitsToBfloat16Bits));
    case 'BOOL': {
      const bad = (data as Uint8Array).findIndex((v) => v > 1);
      if (bad >= 0) return `BOOL element ${bad} is ${data[bad]} (only 0 and 1 are booleans)`;
      return bytesOf(data);
    }
    default:
      return bytesOf(data);
  }
}

/** 'Float32Array' etc.; also right for subclasses such as Node's Buffer, and across realms. */
function typedArrayName(data: unknown): string {
  return Object.prototype.toString.call(data).slice('[object '.length, -1);
}

function narrowToHalves(values: Float32Array, narrow: (bits: number) => number): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = narrow(bits[i]!);
  return out;
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
