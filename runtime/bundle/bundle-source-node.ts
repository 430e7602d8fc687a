// Bundles in a folder on disk (Node only).
//
// A bundle folder is hostile input: a file name is read only when it is a
// plain relative path inside the folder, every component of it is looked at
// (lstat) before anything is opened, and only a regular file, no larger than
// the caller's cap, is read. Symbolic links are refused anywhere under the
// folder (a shader linked to /etc/passwd would otherwise be quoted in an
// error), and so are FIFOs and devices (a weights file that is a named pipe
// would hang the load, one linked to /dev/zero would fill the memory). The
// open itself does not follow a link and does not block, and the opened
// handle is checked again, for a file swapped between the look and the open.
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_READ_BYTES, readWholeFile } from '../io/read-whole-file-node.ts';
import type { BundleSource } from './bundle-source.ts';
import { bundleText } from './bundle-text.ts';
import { BundleError } from './validate-manifest.ts';

/** The read cap when the caller gives none (2 GiB). */
const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** What a file that is not a regular file is, for the error message. */
function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file or folder';
}

const MUST_BE = "a bundle's files must be regular files inside it";

/** Refuses a name that is not a plain relative path (no '..', '.', absolute, empty segment, backslash, NUL). */
function segmentsOf(folder: string, path: string): string[] {
  const segments = path.split('/');
  const plain =
    path.length > 0 &&
    !path.includes('\\') &&
    !path.includes('\0') &&
    !/^[A-Za-z]:/.test(path) &&
    segments.every((s) => s !== '' && s !== '.' && s !== '..');
  if (!plain) throw new BundleError(`${folder}: ${JSON.stringify(path)} is not a plain relative path inside the bundle`);
  return segments;
}

/** Refuses a file larger than the caller allows, or than one buffer of this process holds. */
function checkSize(folder: string, path: string, size: number, maxBytes: number): void {
  if (size > maxBytes) throw new BundleError(`${folder}: ${path} is ${size} bytes, more than the ${maxBytes} bytes allowed for it`);
  if (size > MAX_READ_BYTES) throw new BundleError(`${folder}: ${path} is ${size} bytes, more than the ${MAX_READ_BYTES} bytes this process can hold in one buffer`);
}

export function folderSource(folder: string): BundleSource {
  const read = async (path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> => {
    const segments = segmentsOf(folder, path);
    const failed = (e: unknown): never => {
      if (e instanceof BundleError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BundleError(`${folder}: cannot read ${path}: no such file`);
      if (code === 'ELOOP') throw new BundleError(`${folder}: ${path} is a symbolic link; ${MUST_BE}`);
      throw new BundleError(`${folder}: cannot read ${path}: ${code ?? (e as Error).message}`);
    };
    // Every component, the folders first, before anything is opened.
    try {
      for (let i = 0; i < segments.length; i++) {
        const last = i === segments.length - 1;
        const stats = await lstat(join(folder, ...segments.slice(0, i + 1)));
        if (last) {
          if (!stats.isFile()) throw new BundleError(`${folder}: ${path} is ${kindOf(stats)}; ${MUST_BE}`);
          checkSize(folder, path, stats.size, maxBytes);
        } else if (!stats.isDirectory()) {
          const folderName = segments.slice(0, i + 1).join('/');
          throw new BundleError(`${folder}: ${path}: ${folderName} is ${stats.isSymbolicLink() ? 'a symbolic link' : `${kindOf(stats)}, not a folder`}; ${MUST_BE}`);
        }
      }
    } catch (e) {
      failed(e);
    }
    let handle;
    try {
      handle = await open(join(folder, path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      return failed(e);
    }
    try {
      // The file opened may not be the one looked at.
      const stats = await handle.stat();
      if (!stats.isFile()) throw new BundleError(`${folder}: ${path} is ${kindOf(stats)}; ${MUST_BE}`);
      checkSize(folder, path, stats.size, maxBytes);
      // Reads what fstat gave and no more: a file that grows meanwhile is cut at its size then.
      return await readWholeFile(handle, stats.size);
    } catch (e) {
      return failed(e);
    } finally {
      await handle.close();
    }
  };
  return {
    description: folder,
    local: true,
    readText: async (path, maxBytes) => bundleText(await read(path, maxBytes), folder, path),
    readBytes: async (path, maxBytes) => {
      const b = await read(path, maxBytes);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}
