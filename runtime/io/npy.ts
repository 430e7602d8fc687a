// NumPy's .npy format, versions 1.0-3.0: "\x93NUMPY", a version, a header
// length, a Python dict literal {'descr', 'fortran_order', 'shape'}, then the
// elements. We read and write the little-endian numeric and boolean dtypes
// in C order, and write headers exactly as numpy 1.24's np.save does, so our
// files are byte-identical to numpy's.
import {
  DTYPES,
  decodeElements,
  elementCount,
  encodeElements,
  type HostTensor,
  type TensorDType,
} from './host-tensor.ts';
import { parsePythonLiteral, type PythonValue } from './python-literal.ts';
import { TensorFileError } from './tensor-file-error.ts';

/** numpy itself refuses headers over 10000 bytes unless told to trust the file. */
export const MAX_NPY_HEADER_BYTES = 10_000;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGNMENT = 64;
// np.save leaves room to grow the first axis in place.
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR_TO_DTYPE: Readonly<Record<string, TensorDType>> = {
  '<f8': 'F64',
  '<f4': 'F32',
  '<f2': 'F16',
  '<i8': 'I64',
  '<i4': 'I32',
  '<i2': 'I16',
  '|i1': 'I8',
  '|u1': 'U8',
  '|b1': 'BOOL',
};

const DTYPE_TO_DESCR: Readonly<Partial<Record<TensorDType, string>>> = Object.fromEntries(
  Object.entries(DESCR_TO_DTYPE).map(([descr, dtype]) => [dtype, descr]),
);

function fail(problem: string): never {
  throw new TensorFileError('npy', problem);
}

export function readNpy(file: Uint8Array): HostTensor {
  const { dtype, shape, count, body } = parseNpy(file);
  const data = decodeElements(dtype, body, count);
  if (typeof data === 'string') fail(data);
  return { dtype, shape, data };
}

/**
 * Floating-point elements as doubles, exactly: HostTensor keeps floats as
 * Float32Array, which would round an F64 file's values. For the few arrays
 * that need doubles (learning rates, per-epoch metrics).
 */
export interface Float64Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Reads an F64 file as stored, and F32, F16 or BF16 widened; other dtypes are refused. */
export function readNpyFloat64(file: Uint8Array): Float64Tensor {
  const { dtype, shape, count, body } = parseNpy(file);
  if (dtype === 'F64') {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
    return { shape, data };
  }
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') fail(`dtype ${dtype} holds no floating-point values; save the array as float64 or float32`);
  const data = decodeElements(dtype, body, count);
  if (typeof data === 'string') fail(data);
  return { shape, data: Float64Array.from(data as Float32Array) };
}

/** An F64 .npy file of `tensor`, byte-identical to np.save of a float64 array. */
export function writeNpyFloat64(tensor: Float64Tensor): Uint8Array {
  if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape [${tensor.shape.join(', ')}] is not a list of non-negative integers`);
  }
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) fail(`shape [${tensor.shape.join(', ')}] has ${count} elements but the data has ${tensor.data.length}`);
  const header = headerBytes('<f8', tensor.shape);
  const file = new Uint8Array(header.length + 8 * count);
  file.set(header);
  const view = new DataView(file.buffer, header.length);
  for (let i = 0; i < count; i++) view.setFloat64(8 * i, tensor.data[i]!, true);
  return file;
}

/** The header checked, and the data's bytes, exactly as many as the shape needs. */
function parseNpy(file: Uint8Array): { dtype: TensorDType; shape: number[]; count: number; body: Uint8Array } {
  if (file.length < 10 || MAGIC.some((byte, i) => file[i] !== byte)) fail('the file does not start with the .npy magic "\\x93NUMPY"');
  const major = file[6]!;
  const minor = file[7]!;
  if (major < 1 || major > 3 || minor !== 0) fail(`unsupported format version ${major}.${minor} (1.0, 2.0 and 3.0 are known)`);

  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const lengthFieldBytes = major === 1 ? 2 : 4;
  if (file.length < 8 + lengthFieldBytes) fail('the file ends inside the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthFieldBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) fail(`the header is ${headerLength} bytes, over the ${MAX_NPY_HEADER_BYTES}-byte limit`);
  if (headerStart + headerLength > file.length) fail(`the header length ${headerLength} runs past the end of the file (${file.length} bytes)`);

  const headerBytes = file.subarray(headerStart, headerStart + headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    fail('the header is not valid UTF-8');
  }
  const { dtype, shape } = interpretHeader(text);

  const count = elementCount(shape);
  const dataStart = headerStart + headerLength;
  const available = file.length - dataStart;
  const needed = count * DTYPES[dtype].bytes;
  if (needed !== available) {
    fail(`shape (${shape.join(', ')}) of ${dtype} needs ${needed} bytes of data, but the file has ${available}`);
  }
  return { dtype, shape, count, body: file.subarray(dataStart) };
}

function interpretHeader(text: string): { dtype: TensorDType; shape: number[] } {
  const result = parsePythonLiteral(text);
  if (!result.ok) fail(`the header is not a Python dict literal (${result.error})`);
  const parsed = result.value;
  if (!(parsed instanceof Map)) fail('the header is not a Python dict literal');
  const fields = parsed as ReadonlyMap<string, PythonValue>;
  const keys = [...fields.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') fail(`the header has keys (${keys}), expected (descr, fortran_order, shape)`);

  const descr = fields.get('descr');
  if (typeof descr !== 'string') fail(`descr ${describe(descr)} is a structured dtype; only plain numeric arrays are supported`);
  // Own properties only: a descr of 'constructor' must not find Object's.
  const dtype = Object.hasOwn(DESCR_TO_DTYPE, descr) ? DESCR_TO_DTYPE[descr] : undefined;
  if (dtype === undefined) {
    const hint = descr.startsWith('>') ? ' (big-endian; convert with a.astype(a.dtype.newbyteorder("<")))' : '';
    fail(`unsupported dtype descr '${descr}'${hint}; supported: ${Object.keys(DESCR_TO_DTYPE).join(', ')}`);
  }
  const fortranOrder = fields.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') fail(`fortran_order ${describe(fortranOrder)} is not True or False`);
  if (fortranOrder) fail('the array is stored in Fortran (column-major) order; save np.ascontiguousarray(a) instead');

  const shape = fields.get('shape');
  if (!isTuple(shape) || !shape.items.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape ${describe(shape)} is not a tuple of non-negative integers`);
  }
  return { dtype, shape: shape.items as number[] };
}

function isTuple(value: PythonValue | undefined): value is { kind: 'tuple'; items: PythonValue[] } {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tuple';
}

function describe(value: PythonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'None';
  if (typeof value === 'object') return 'kind' in value ? `a ${value.kind}` : 'a dict';
  return JSON.stringify(value);
}

export function writeNpy(tensor: HostTensor): Uint8Array {
  const descr = Object.hasOwn(DTYPE_TO_DESCR, tensor.dtype) ? DTYPE_TO_DESCR[tensor.dtype] : undefined;
  if (descr === undefined) fail(`dtype ${tensor.dtype} has no .npy equivalent`);
  if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape [${tensor.shape.join(', ')}] is not a list of non-negative integers`);
  }
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) fail(`shape [${tensor.shape.join(', ')}] has ${count} elements but the data has ${tensor.data.length}`);
  const data = encodeElements(tensor.dtype, tensor.data);
  if (typeof data === 'string') fail(data);

  const header = headerBytes(descr, tensor.shape);
  const file = new Uint8Array(header.length + data.length);
  file.set(header);
  file.set(data, header.length);
  return file;
}

/** Magic, version, length and padded dict, laid out as numpy's _write_array_header. */
function headerBytes(descr: string, shape: readonly number[]): Uint8Array {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);

  const textLength = dict.length + 1; // the final newline
  let lengthFieldBytes = 2;
  let padding = ALIGNMENT - ((MAGIC.length + 2 + lengthFieldBytes + textLength) % ALIGNMENT);
  if (textLength + padding > 0xffff) {
    lengthFieldBytes = 4;
    padding = ALIGNMENT - ((MAGIC.length + 2 + lengthFieldBytes + textLength) % ALIGNMENT);
  }
  const total = MAGIC.length + 2 + lengthFieldBytes + textLength + padding;
  const bytes = new Uint8Array(total);
  bytes.set(MAGIC);
  bytes[6] = lengthFieldBytes === 2 ? 1 : 2;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  if (lengthFieldBytes === 2) view.setUint16(8, textLength + padding, true);
  else view.setUint32(8, textLength + padding, true);
  const start = MAGIC.length + 2 + lengthFieldBytes;
  for (let i = 0; i < dict.length; i++) bytes[start + i] = dict.charCodeAt(i);
  bytes.fill(0x20, start + dict.length, total - 1);
  bytes[total - 1] = 0x0a;
  return bytes;
}
