// The safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON header, then the tensors' bytes packed
// back to back. The header maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// end of the header), plus an optional "__metadata__" map of strings.
//
// The reader trusts nothing: a bundle's weights may come from anywhere, so
// every length and offset is checked against the bytes actually present
// before anything is allocated, and every problem is a TensorFileError. Past
// the header's framing, the reader goes on after a problem and the error
// lists every one it found (the first 20, then how many more).
import {
  DTYPES,
  decodeElements,
  elementCount,
  encodeElements,
  isTensorDType,
  type HostTensor,
  type TensorDType,
} from './host-tensor.ts';
import { TensorFileError, type TensorFileProblem } from './tensor-file-error.ts';

/** Same limit as the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  /** Where the tensor's bytes start, counted from the start of the file. */
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsHeader {
  readonly metadata: ReadonlyMap<string, string>;
  /** In file order. */
  readonly entries: readonly SafetensorsEntry[];
  /** Where the data section starts in the file (8 + header length). */
  readonly dataOffset: number;
}

export interface SafetensorsContents {
  readonly metadata: ReadonlyMap<string, string>;
  readonly tensors: ReadonlyMap<string, HostTensor>;
}

function fail(problem: string, tensor?: string): never {
  throw new TensorFileError('safetensors', problem, tensor);
}

/**
 * The problems found so far. Past the header's framing (its length, UTF-8,
 * JSON), one bad entry does not hide the next: every entry, the metadata and
 * the layout are checked, and the error lists them all.
 */
class Problems {
  readonly list: TensorFileProblem[] = [];

  add(problem: string, tensor?: string): void {
    this.list.push(tensor === undefined ? { problem } : { problem, tensor });
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw TensorFileError.listing('safetensors', this.list);
  }
}

/** Parses and validates the header; reads no tensor data. */
export function readSafetensorsHeader(file: Uint8Array): SafetensorsHeader {
  if (file.length < 8) fail(`the file is ${file.length} bytes, too short to hold the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (high !== 0 || headerLength > MAX_HEADER_BYTES) {
    fail(`the header length ${high === 0 ? headerLength : 'field'} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + headerLength > file.length) {
    fail(`the header length ${headerLength} runs past the end of the file (${file.length} bytes)`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('the header does not start with "{"');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the header; only where it failed is said.
    const at = error instanceof Error ? /at position (\d+)/.exec(error.message) : null;
    fail(`the header is not valid JSON${at ? ` (at character ${at[1]} of the header)` : ''}`);
  }
  if (!isPlainObject(json)) fail('the header is not a JSON object');

  const dataOffset = 8 + headerLength;
  const dataLength = file.length - dataOffset;
  const problems = new Problems();
  let metadata = new Map<string, string>();
  const entries: SafetensorsEntry[] = [];
  const ranges: ByteRange[] = [];
  let everyRangeKnown = true;
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, problems);
      continue;
    }
    const parsed = parseEntry(name, value, dataLength, problems);
    if (parsed.range) ranges.push(parsed.range);
    else everyRangeKnown = false;
    if (parsed.entry) entries.push({ ...parsed.entry, byteOffset: dataOffset + parsed.entry.byteOffset });
  }
  checkLayout(ranges, dataLength, everyRangeKnown, problems);
  problems.throwIfAny();
  return { metadata, entries: sortByOffset(entries), dataOffset };
}

function parseMetadata(value: unknown, problems: Problems): Map<string, string> {
  const metadata = new Map<string, string>();
  if (!isPlainObject(value)) {
    problems.add('"__metadata__" is not a JSON object of strings');
    return metadata;
  }
  for (const [key, text] of Object.entries(value)) {
    if (typeof text !== 'string') problems.add(`"__metadata__" entry ${JSON.stringify(key)} is not a string`);
    else metadata.set(key, text);
  }
  return metadata;
}

/** A tensor's bytes, relative to the data section. */
interface ByteRange {
  readonly name: string;
  readonly begin: number;
  readonly end: number;
}

/**
 * One header entry, each of its fields checked on its own so that all their
 * problems are reported. `range` where its offsets are usable (for the layout
 * check, even if its dtype or shape is not), `entry` where it is wholly good.
 */
function parseEntry(
  name: string,
  value: unknown,
  dataLength: number,
  problems: Problems,
): { readonly range?: ByteRange; readonly entry?: SafetensorsEntry } {
  if (!isPlainObject(value)) {
    problems.add('the header entry is not a JSON object', name);
    return {};
  }
  const before = problems.list.length;
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') problems.add('"dtype" is missing or not a string', name);
  else if (!isTensorDType(dtype)) problems.add(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`, name);
  const shapeOk = Array.isArray(shape) && shape.every(isCount);
  if (!shapeOk) problems.add('"shape" is not a list of non-negative integers', name);
  let range: ByteRange | undefined;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    problems.add('"data_offsets" is not a pair of non-negative integers', name);
  } else {
    const [begin, end] = offsets as [number, number];
    if (end < begin) problems.add(`"data_offsets" [${begin}, ${end}] end before they begin`, name);
    else if (end > dataLength) problems.add(`"data_offsets" [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`, name);
    else range = { name, begin, end };
  }
  if (problems.list.length > before || !range) return range ? { range } : {};

  // Stop multiplying once the size is past any real file, before it loses precision.
  const dims = shape as number[];
  const type = dtype as TensorDType;
  let bytesNeeded = dims.includes(0) ? 0 : DTYPES[type].bytes;
  for (const dim of dims) {
    if (bytesNeeded > Number.MAX_SAFE_INTEGER) break;
    bytesNeeded *= dim;
  }
  const { begin, end } = range;
  if (bytesNeeded !== end - begin) {
    const needs = bytesNeeded > Number.MAX_SAFE_INTEGER ? `more than 2^53` : `${bytesNeeded}`;
    problems.add(`shape [${dims.join(', ')}] of ${type} needs ${needs} bytes, but "data_offsets" [${begin}, ${end}] hold ${end - begin}`, name);
    return { range };
  }
  return { range, entry: { name, dtype: type, shape: dims, byteOffset: begin, byteLength: end - begin } };
}

/**
 * Tensors must tile the data section exactly: no overlaps, no gaps, nothing
 * after. Overlaps are checked between every tensor whose offsets could be
 * read; gaps and the total only when all could, since a tensor whose offsets
 * are broken would otherwise leave a hole that is not the file's fault.
 */
function checkLayout(ranges: ByteRange[], dataLength: number, everyRangeKnown: boolean, problems: Problems): void {
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: ByteRange | undefined;
  for (const range of ranges) {
    if (range.begin < cursor) {
      problems.add(`its bytes [${range.begin}, ${range.end}) overlap tensor ${JSON.stringify(previous!.name)}`, range.name);
    } else if (range.begin > cursor && everyRangeKnown) {
      problems.add(`bytes [${cursor}, ${range.begin}) of the data section before it belong to no tensor`, range.name);
    }
    if (range.end > cursor) {
      cursor = range.end;
      previous = range;
    }
  }
  if (everyRangeKnown && cursor !== dataLength) {
    problems.add(`the tensors cover ${cursor} bytes but the data section has ${dataLength}`);
  }
}

function sortByOffset(entries: SafetensorsEntry[]): SafetensorsEntry[] {
  return entries.sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
}

export function readSafetensors(file: Uint8Array): SafetensorsContents {
  const header = readSafetensorsHeader(file);
  const problems = new Problems();
  const tensors = new Map<string, HostTensor>();
  for (const entry of header.entries) {
    const count = entry.byteLength / DTYPES[entry.dtype].bytes;
    const data = decodeElements(entry.dtype, file.subarray(entry.byteOffset, entry.byteOffset + entry.byteLength), count);
    if (typeof data === 'string') problems.add(data, entry.name);
    else tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  problems.throwIfAny();
  return { metadata: header.metadata, tensors };
}

// The reference writer's order: descending dtype rank (keeps wide elements
// aligned), then name. Ours matches it so files are byte-identical.
const DTYPE_RANK: Readonly<Record<TensorDType, number>> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 5,
  F16: 7,
  BF16: 8,
  I32: 9,
  F32: 11,
  F64: 12,
  I64: 13,
};

export function writeSafetensors(
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Uint8Array {
  const encoded = entriesOf<HostTensor>(tensors).map(([name, tensor]) => ({ name, tensor, bytes: encodeTensor(name, tensor) }));
  encoded.sort((a, b) => DTYPE_RANK[b.tensor.dtype] - DTYPE_RANK[a.tensor.dtype] || compareCodePoints(a.name, b.name));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const record: Record<string, string> = {};
    for (const [key, value] of entriesOf<string>(metadata).sort(([a], [b]) => compareCodePoints(a, b))) {
      if (typeof value !== 'string') fail(`metadata entry ${JSON.stringify(key)} is not a string`);
      defineEntry(record, key, value);
    }
    header.__metadata__ = record;
  }
  let offset = 0;
  for (const { name, tensor, bytes } of encoded) {
    defineEntry(header, name, { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes.length] });
    offset += bytes.length;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const file = new Uint8Array(8 + headerLength + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerLength), true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.length, 8 + headerLength);
  let cursor = 8 + headerLength;
  for (const { bytes } of encoded) {
    file.set(bytes, cursor);
    cursor += bytes.length;
  }
  return file;
}

function encodeTensor(name: string, tensor: HostTensor): Uint8Array {
  if (name === '__metadata__') fail('"__metadata__" is reserved and cannot name a tensor');
  // Callers may be plain JavaScript: check what the types promise.
  const dtype: unknown = tensor.dtype;
  if (!isTensorDType(dtype)) fail(`unsupported dtype ${JSON.stringify(dtype)}`, name);
  const shape: readonly unknown[] = tensor.shape;
  if (!shape.every((d) => isCount(d))) fail(`shape [${shape.join(', ')}] is not a list of non-negative integers`, name);
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) {
    fail(`shape [${tensor.shape.join(', ')}] has ${count} elements but the data has ${tensor.data.length}`, name);
  }
  const bytes = encodeElements(tensor.dtype, tensor.data);
  if (typeof bytes === 'string') fail(bytes, name);
  return bytes;
}

function entriesOf<T>(items: ReadonlyMap<string, T> | Readonly<Record<string, T>>): [string, T][] {
  return items instanceof Map ? [...(items as ReadonlyMap<string, T>).entries()] : Object.entries(items as Record<string, T>);
}

/** Plain assignment would treat a tensor named "__proto__" as the prototype. */
function defineEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Code-point order, which is the UTF-8 byte order the reference writer sorts by. */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
