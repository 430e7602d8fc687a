// Reads the files named on the command line; `-` is standard input.
//
// A file is read as bytes and must be UTF-8 text: a UTF-16 file, a binary
// file (NUL bytes) or bytes that are not UTF-8 get one message saying so,
// rather than text with replacement characters that then fails to parse in
// puzzling ways. Messages never quote the file's content. Only regular
// files are read (a FIFO would block), up to MAX_SOURCE_BYTES.
import { isUtf8 } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { SourceFile } from '../grammar/source.ts';
import type { CliIo } from './command.ts';

export const STDIN_PATH = '<stdin>';

/** The largest file read as a spec: far above any real one, small enough to read at once. */
export const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

export type ReadResult = { readonly ok: true; readonly source: SourceFile } | { readonly ok: false; readonly message: string };

/** The path is kept as written so diagnostics point where the user looks. */
export async function readSource(path: string, io: CliIo): Promise<ReadResult> {
  if (path === '-') return { ok: true, source: new SourceFile(STDIN_PATH, await io.readStdin()) };
  const fail = (reason: string): ReadResult => ({ ok: false, message: `cannot read \`${path}\`: ${reason}` });
  let bytes: Buffer;
  try {
    // stat before opening: opening a FIFO would wait for a writer.
    const info = await stat(path);
    if (info.isDirectory()) return fail('it is a directory');
    if (!info.isFile()) return fail(`it is ${describeFileKind(info)}, not a regular file`);
    if (info.size > MAX_SOURCE_BYTES) return fail(tooLarge(info.size));
    bytes = await readFile(path);
  } catch (error) {
    return fail(describeFsError(error));
  }
  // The file may have grown since stat().
  if (bytes.length > MAX_SOURCE_BYTES) return fail(tooLarge(bytes.length));
  const decoded = decodeSource(bytes);
  return decoded.ok ? { ok: true, source: new SourceFile(path, decoded.text) } : fail(decoded.reason);
}

function tooLarge(size: number): string {
  return `the file is ${size} bytes, more than the ${MAX_SOURCE_BYTES / (1024 * 1024)} MiB a spec may have`;
}

function describeFileKind(info: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'a special file';
}

export type DecodeResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/** A spec's bytes as text: UTF-8, a leading byte order mark dropped; or why they are not a spec. */
export function decodeSource(bytes: Uint8Array): DecodeResult {
  const utf16 = utf16Kind(bytes);
  if (utf16 !== undefined) return { ok: false, reason: `the file is UTF-16 (${utf16}); save it as UTF-8` };
  // Editors on some systems write a byte order mark; it is not part of the spec.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const nul = body.indexOf(0);
  if (nul >= 0) {
    const { line, column } = positionOf(body, nul);
    return { ok: false, reason: `the file holds NUL bytes at line ${line} col ${column}; it looks like a binary file, not a .reg spec` };
  }
  if (!isUtf8(body)) {
    const offset = start + firstInvalidUtf8(body);
    const { line } = positionOf(body, offset - start);
    return { ok: false, reason: `the file is not valid UTF-8 at byte offset ${offset} (line ${line}); save it as UTF-8` };
  }
  return { ok: true, text: Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8') };
}

/** 'little-endian' or 'big-endian' for UTF-16 text, by its byte order mark or, without one, its NUL bytes. */
function utf16Kind(bytes: Uint8Array): 'little-endian' | 'big-endian' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'little-endian';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'big-endian';
  // Without a mark: mostly-ASCII UTF-16 has a NUL in every other byte,
  // at odd offsets when little-endian, at even ones when big-endian.
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 2) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= pairs * 0.4 && even <= pairs * 0.05) return 'little-endian';
  if (even >= pairs * 0.4 && odd <= pairs * 0.05) return 'big-endian';
  return undefined;
}

/** 1-based line and column (in bytes) of a byte offset. */
function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    const second = bytes[i + 1];
    if (second === undefined || second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** A file-system error as a user reads it: `no such file` rather than a raw ENOENT string. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
