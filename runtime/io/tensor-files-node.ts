// Reading and writing tensor files on disk in Node; the formats themselves
// live in safetensors.ts and npy.ts and work on bytes, so browsers share them.
//
// Writes never go through a symbolic link and never replace a directory: the
// bytes go to a temporary sibling, are flushed, and the sibling is renamed
// over the target, so a reader sees the old file or the new one, never half.
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HostTensor } from './host-tensor.ts';
import { readNpy, readNpyFloat64, writeNpy, writeNpyFloat64, type Float64Tensor } from './npy.ts';
import { readSafetensors, writeSafetensors, type SafetensorsContents } from './safetensors.ts';
import { MAX_READ_BYTES, readWholeFile } from './read-whole-file-node.ts';
import { TensorFileError, type TensorFileFormat } from './tensor-file-error.ts';

/**
 * The file's bytes. readFile refuses files of 2 GiB and more
 * (ERR_FS_FILE_TOO_LARGE), and an F64 weights file of a model at the
 * compiler's cap on stored values (2^28) is just past that; such a file is
 * read in chunks, up to what one buffer holds.
 */
async function readBytes(format: TensorFileFormat, path: string): Promise<Uint8Array> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_FS_FILE_TOO_LARGE') throw e;
    buffer = await readLargeFile(format, path);
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

async function readLargeFile(format: TensorFileFormat, path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_READ_BYTES) throw new TensorFileError(format, `${path} is ${size} bytes, more than the ${MAX_READ_BYTES} bytes this process can hold in one buffer`);
    return await readWholeFile(handle, size);
  } finally {
    await handle.close();
  }
}

/** A temporary sibling of `path`: `.NAME.tmp-<pid>-<random>` in the same folder. */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `contents` to `path` atomically: to a fresh temporary sibling
 * (created exclusively, so nothing there is followed or overwritten), flushed
 * to disk, then renamed into place. The temporary file is removed on failure.
 * The caller checks what is at `path` first.
 */
export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  const temp = temporarySibling(path);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Why `path` must not be written as a file, or undefined when it may: it does
 * not exist yet, or it is a regular file (which is replaced).
 */
export async function fileTargetProblem(path: string, exampleName = 'out.npy'): Promise<string | undefined> {
  let stat;
  try {
    stat = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (stat.isSymbolicLink()) return `${path} is a symbolic link; refusing to write through it (give the link's target, or another path)`;
  if (stat.isDirectory()) return `${path} is a directory; give a file path, such as ${join(path, exampleName)}`;
  if (!stat.isFile()) return `${path} is not a regular file; refusing to replace it`;
  return undefined;
}

async function writeTensorFile(format: TensorFileFormat, path: string, bytes: Uint8Array): Promise<void> {
  const problem = await fileTargetProblem(path, `out.${format}`);
  if (problem !== undefined) throw new TensorFileError(format, problem);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw new TensorFileError(format, `cannot write ${path}: ${(e as Error).message}`);
  }
}

export async function readSafetensorsFile(path: string): Promise<SafetensorsContents> {
  return readSafetensors(await readBytes('safetensors', path));
}

export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Promise<void> {
  await writeTensorFile('safetensors', path, writeSafetensors(tensors, metadata));
}

export async function readNpyFile(path: string): Promise<HostTensor> {
  return readNpy(await readBytes('npy', path));
}

export async function writeNpyFile(path: string, tensor: HostTensor): Promise<void> {
  await writeTensorFile('npy', path, writeNpy(tensor));
}

/** An .npy file's floating-point values as doubles, F64 exactly (readNpyFile rounds them to float32). */
export async function readNpyFloat64File(path: string): Promise<Float64Tensor> {
  return readNpyFloat64(await readBytes('npy', path));
}

/** Writes doubles as an F64 .npy file, atomically as writeNpyFile does. */
export async function writeNpyFloat64File(path: string, tensor: Float64Tensor): Promise<void> {
  await writeTensorFile('npy', path, writeNpyFloat64(tensor));
}
