// Weights files of 2 GiB and around it. A sparse weights.safetensors of
// exactly 2^31 bytes used to abort the Node process: the early read cap let
// it through and one FileHandle.read of 2^31 bytes fails Node's int32
// assertion. A folder's weights are now refused from their size against the
// manifest's bound, before a byte is read; other sources keep the early cap,
// now 2^31 - 1; and every read goes in chunks well under 2^31.
import { constants } from 'node:buffer';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memorySource, urlSource } from '../../runtime/bundle/bundle-source.ts';
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { READ_CHUNK_BYTES, readWholeFile, type ReadableHandle } from '../../runtime/io/read-whole-file-node.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { readSafetensorsFile } from '../../runtime/io/tensor-files-node.ts';
import { getTestDevice } from '../support/gpu.ts';
import { tinyLinearBundle } from '../support/tiny-bundle.ts';

/** What the tiny bundle's manifest lets its weights be: 8 bytes + the 100 MB header limit + 8 elements of 8 bytes. */
const WEIGHTS_BOUND = 8 + 100_000_000 + 8 * 8;

let root: string;
let count = 0;
const files = tinyLinearBundle();

/** The tiny bundle in a fresh folder, its weights a sparse file of `size` bytes. */
function withSparseWeights(size: number): string {
  const folder = join(root, `b${count++}`);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  truncateSync(join(folder, 'weights.safetensors'), size);
  return folder;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  return error as Error;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'regc-large-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a folder whose weights are 2^31 bytes, or one less', () => {
  test.each([2 ** 31, 2 ** 31 - 1])('%i bytes: refused from the size, without reading it', async (size) => {
    const device = await getTestDevice();
    const folder = withSparseWeights(size);
    const started = performance.now();
    const error = await refusal(loadBundleFrom(folderSource(folder), device));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.message).toBe(`${folder}: weights.safetensors is ${size} bytes, more than the ${WEIGHTS_BOUND} bytes allowed for it`);
  });

  test("folderSource's own default cap is 2^31 - 1", async () => {
    const folder = withSparseWeights(2 ** 31);
    const error = await refusal(folderSource(folder).readBytes('weights.safetensors'));
    expect(error.message).toBe(`${folder}: weights.safetensors is ${2 ** 31} bytes, more than the ${2 ** 31 - 1} bytes allowed for it`);
  });
});

describe('a source that is not local: the early cap', () => {
  test.each([
    [2 ** 31, `weights.safetensors is ${2 ** 31} bytes, more than the ${2 ** 31 - 1} bytes allowed for it`],
    [2 ** 31 - 1, `weights.safetensors is ${2 ** 31 - 1} bytes, more than the ${WEIGHTS_BOUND} bytes the manifest's weights can take`],
  ])('in memory, %i bytes: refused by the early cap or the manifest', async (size, message) => {
    const device = await getTestDevice();
    // Zeroed lazily by the system: no page of it is touched.
    const memory = new Map(files).set('weights.safetensors', new Uint8Array(size));
    const error = await refusal(loadBundleFrom(memorySource({ files: memory }), device));
    expect(error.message).toBe(`in-memory bundle: ${message}`);
  });

  /** A URL bundle whose weights response says it is `length` bytes long (and holds the real weights). */
  const fetchWith = (length: number) =>
    (async (url: URL) => {
      const path = url.pathname.replace(/^\/b\//, '');
      const content = files.get(path);
      if (content === undefined) return new Response(null, { status: 404 });
      const headers = path === 'weights.safetensors' ? { 'content-length': String(length) } : undefined;
      return new Response(content as BodyInit, headers ? { headers } : {});
    }) as unknown as typeof fetch;

  test('2^31 bytes are refused before the body is read', async () => {
    const device = await getTestDevice();
    const error = await refusal(loadBundleFrom(urlSource('http://bundle.test/b/', fetchWith(2 ** 31)), device));
    expect(error.message).toBe(`http://bundle.test/b/weights.safetensors is ${2 ** 31} bytes (Content-Length), more than the ${2 ** 31 - 1} bytes allowed for it`);
  });

  test('2^31 - 1 bytes pass the early cap (the body is then counted as it comes)', async () => {
    const device = await getTestDevice();
    const loaded = await loadBundleFrom(urlSource('http://bundle.test/b/', fetchWith(2 ** 31 - 1)), device, { pipelines: 'fast' });
    try {
      expect(Array.from((await loaded.run({ input: new Float32Array([1, 2, 3]) })).output!.data)).toEqual([0, 2]);
    } finally {
      loaded.destroy();
    }
  });
});

describe('reading a whole file in chunks', () => {
  /** A handle to a file of `size` bytes that records each read and fills nothing in. */
  const fakeHandle = (size: number) => {
    const lengths: number[] = [];
    const handle: ReadableHandle = {
      read: async (buffer, offset, length, position) => {
        // What Node asserts, and aborts the process over.
        if (!Number.isInteger(length) || length > 2 ** 31 - 1 || offset + length > buffer.length) throw new Error(`read of ${length} at ${offset}`);
        lengths.push(length);
        return { bytesRead: Math.max(0, Math.min(length, size - position)) };
      },
    };
    return { handle, lengths };
  };

  test('a file past 2^31 bytes is read in chunks under 2^31', async () => {
    const size = 2 ** 31 + 3;
    const { handle, lengths } = fakeHandle(size);
    // A buffer that large is only reserved: the fake reads write nothing into it.
    const bytes = await readWholeFile(handle, size);
    expect(bytes.length).toBe(size);
    expect(lengths).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES, 3]);
  });

  test('a file that shrank since its size was taken comes back short', async () => {
    const { handle } = fakeHandle(10);
    expect((await readWholeFile(handle, 100)).length).toBe(10);
  });

  test.skipIf(constants.MAX_LENGTH > 2 ** 40)('a weights file larger than one buffer holds is a TensorFileError, not a RangeError', async () => {
    const path = join(root, 'huge.safetensors');
    writeFileSync(path, '');
    truncateSync(path, constants.MAX_LENGTH + 1);
    const error = await readSafetensorsFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TensorFileError);
    expect((error as Error).message).toContain(`${path} is ${constants.MAX_LENGTH + 1} bytes, more than the ${constants.MAX_LENGTH} bytes this process can hold in one buffer`);
  });
});
