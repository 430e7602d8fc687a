// Reading a whole open file in Node, for files of any size a buffer holds.
// One `FileHandle.read` takes at most 2^31 - 1 bytes: Node asserts its length
// is an int32 and aborts the process past it (not an exception), so a
// weights file of 2 GiB read in one call brought down the runtime. Reads here
// go in chunks well under that.
import { constants } from 'node:buffer';

/** Bytes one read asks for at most. */
export const READ_CHUNK_BYTES = 2 ** 30;

/** The largest file this process can hold in one buffer (Node's Buffer limit: 4 GiB in Node 20, more in later ones). */
export const MAX_READ_BYTES = constants.MAX_LENGTH;

/** What `read` needs of a file handle (node:fs/promises' FileHandle has it). */
export interface ReadableHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ readonly bytesRead: number }>;
}

/**
 * The first `size` bytes of the file, read in chunks of at most
 * READ_CHUNK_BYTES; fewer if the file ends sooner (it shrank since its size
 * was taken). The caller checks `size` against MAX_READ_BYTES.
 */
export async function readWholeFile(handle: ReadableHandle, size: number): Promise<Buffer> {
  // Every byte returned is read from the file, so the buffer need not be
  // zeroed first; and it is its own ArrayBuffer (not a slice of Node's pool),
  // since readers view `bytes.buffer`.
  const bytes = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(bytes, filled, Math.min(READ_CHUNK_BYTES, size - filled), filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? bytes : bytes.subarray(0, filled);
}
