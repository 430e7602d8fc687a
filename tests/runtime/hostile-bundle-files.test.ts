// A bundle folder is hostile input: symbolic links, FIFOs, devices, folders
// where files should be and files too large are refused before they are
// read, and no error message quotes a file's content.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memorySource, urlSource } from '../../runtime/bundle/bundle-source.ts';
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { getTestDevice } from '../support/gpu.ts';
import { tinyLinearBundle } from '../support/tiny-bundle.ts';

const FAST_SHADER = 'shaders/linear_3.wgsl';

let root: string;
let good: string;
let files: Map<string, string | Uint8Array>;
let count = 0;

/** A fresh copy of the good bundle, changed by `edit`. */
function variant(edit: (folder: string) => void): string {
  const folder = join(root, `v${count++}`);
  cpSync(good, folder, { recursive: true });
  edit(folder);
  return folder;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BundleError);
  return (error as Error).message;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'regc-hostile-'));
  good = join(root, 'good');
  files = tinyLinearBundle();
  expect([...files.keys()]).toContain(FAST_SHADER);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(good, path)), { recursive: true });
    writeFileSync(join(good, path), content);
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('folderSource', () => {
  test('reads a good bundle file, and refuses one over the cap given', async () => {
    const source = folderSource(good);
    const manifest = await source.readText('manifest.json');
    expect(manifest).toBe(files.get('manifest.json'));
    const weights = await source.readBytes('weights.safetensors', 1000);
    expect(readSafetensors(weights).tensors.get('filter.bias')!.data).toEqual(new Float32Array([0.25, -1]));
    const message = await refusal(source.readBytes('weights.safetensors', 100));
    expect(message).toBe(`${good}: weights.safetensors is ${(files.get('weights.safetensors') as Uint8Array).length} bytes, more than the 100 bytes allowed for it`);
  });

  test.each(['../good/manifest.json', '/etc/passwd', 'shaders//linear_3.wgsl', './manifest.json', 'shaders\\linear_3.wgsl', '', 'shaders/'])(
    'refuses the name %j',
    async (name) => {
      const message = await refusal(folderSource(good).readText(name));
      expect(message).toContain('is not a plain relative path inside the bundle');
      expect(message).not.toContain('root:');
    },
  );

  test('refuses a weights file linked to /dev/zero at once', async () => {
    const folder = variant((f) => {
      rmSync(join(f, 'weights.safetensors'));
      symlinkSync('/dev/zero', join(f, 'weights.safetensors'));
    });
    const started = performance.now();
    const message = await refusal(folderSource(folder).readBytes('weights.safetensors'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(message).toBe(`${folder}: weights.safetensors is a symbolic link; a bundle's files must be regular files inside it`);
  });

  test('refuses a shader linked to /etc/passwd without quoting it', async () => {
    const folder = variant((f) => {
      rmSync(join(f, FAST_SHADER));
      symlinkSync('/etc/passwd', join(f, FAST_SHADER));
    });
    const message = await refusal(folderSource(folder).readText(FAST_SHADER));
    expect(message).toBe(`${folder}: ${FAST_SHADER} is a symbolic link; a bundle's files must be regular files inside it`);
    expect(message).not.toContain('root:');
  });

  test('refuses a link even to a file inside the bundle', async () => {
    const folder = variant((f) => {
      rmSync(join(f, 'manifest.json'));
      writeFileSync(join(f, 'real.json'), files.get('manifest.json')!);
      symlinkSync('real.json', join(f, 'manifest.json'));
    });
    expect(await refusal(folderSource(folder).readText('manifest.json'))).toContain('manifest.json is a symbolic link');
  });

  test('refuses a folder on the path that is a symbolic link', async () => {
    const folder = variant((f) => {
      cpSync(join(f, 'shaders'), join(root, `elsewhere${count}`), { recursive: true });
      rmSync(join(f, 'shaders'), { recursive: true });
      symlinkSync(join(root, `elsewhere${count}`), join(f, 'shaders'));
    });
    const message = await refusal(folderSource(folder).readText(FAST_SHADER));
    expect(message).toBe(`${folder}: ${FAST_SHADER}: shaders is a symbolic link; a bundle's files must be regular files inside it`);
  });

  test('refuses FIFOs without opening them (no hang)', async () => {
    const folder = variant((f) => {
      rmSync(join(f, FAST_SHADER));
      rmSync(join(f, 'weights.safetensors'));
      execFileSync('mkfifo', [join(f, FAST_SHADER), join(f, 'weights.safetensors')]);
    });
    const source = folderSource(folder);
    expect(await refusal(source.readText(FAST_SHADER))).toBe(`${folder}: ${FAST_SHADER} is a FIFO (named pipe); a bundle's files must be regular files inside it`);
    expect(await refusal(source.readBytes('weights.safetensors'))).toContain('weights.safetensors is a FIFO (named pipe)');
  });

  test('refuses a directory where a file should be, and a file where a folder should be', async () => {
    const folder = variant((f) => {
      rmSync(join(f, 'weights.safetensors'));
      mkdirSync(join(f, 'weights.safetensors'));
    });
    expect(await refusal(folderSource(folder).readBytes('weights.safetensors'))).toContain('weights.safetensors is a directory');
    expect(await refusal(folderSource(good).readText('manifest.json/x'))).toContain('manifest.json/x: manifest.json is a regular file, not a folder');
  });

  test('refuses a large sparse file from its size, without reading it', async () => {
    const folder = variant((f) => truncateSync(join(f, 'weights.safetensors'), 5 * 2 ** 30));
    const started = performance.now();
    const message = await refusal(folderSource(folder).readBytes('weights.safetensors'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(message).toBe(`${folder}: weights.safetensors is ${5 * 2 ** 30} bytes, more than the ${2 ** 31 - 1} bytes allowed for it`);
  });

  test('a missing file is said to be missing', async () => {
    expect(await refusal(folderSource(good).readText('shaders/none.wgsl'))).toBe(`${good}: cannot read shaders/none.wgsl: no such file`);
  });
});

describe('the other sources honour the cap', () => {
  test('memorySource', async () => {
    const source = memorySource({ files: { 'a.txt': 'x'.repeat(10), 'b.bin': new Uint8Array(10), 'c.txt': 'é'.repeat(6) } });
    expect(await source.readText('a.txt', 10)).toBe('x'.repeat(10));
    expect(await refusal(source.readText('a.txt', 9))).toContain('a.txt is 10 bytes, more than the 9 bytes');
    expect(await refusal(source.readBytes('b.bin', 9))).toContain('b.bin is 10 bytes');
    expect(await refusal(source.readText('c.txt', 11))).toContain('c.txt is 12 bytes');
  });

  test('urlSource: Content-Length, and a body that runs past the cap', async () => {
    const fetchImpl = (async (url: URL) => {
      const body = new Uint8Array(100);
      if (url.pathname.endsWith('/declared')) return new Response(body, { headers: { 'content-length': '100' } });
      // Streams without a length, in chunks.
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 100) return controller.close();
          controller.enqueue(new Uint8Array(10));
          sent += 10;
        },
      });
      return new Response(stream);
    }) as unknown as typeof fetch;
    const source = urlSource('http://bundle.test/b/', fetchImpl);
    expect((await source.readBytes('declared', 100)).length).toBe(100);
    expect((await source.readBytes('streamed', 100)).length).toBe(100);
    expect(await refusal(source.readBytes('declared', 99))).toContain('is 100 bytes (Content-Length), more than the 99 bytes');
    expect(await refusal(source.readBytes('streamed', 55))).toContain('more than the 55 bytes allowed');
    expect((await source.readBytes('streamed')).length).toBe(100);
  });
});

describe('loadBundleFrom a folder', () => {
  test('a good bundle loads and runs', async () => {
    const device = await getTestDevice();
    const loaded = await loadBundleFrom(folderSource(good), device, { pipelines: 'fast' });
    try {
      const out = await loaded.run({ input: new Float32Array([1, 2, 3, -1, -2, -3]) });
      // relu(W x + b): W = [[1,-1,0],[.5,.5,.5]], b = [.25,-1]
      expect(Array.from(out.output!.data)).toEqual([0, 2, 1.25, 0]);
      await loaded.ready();
    } finally {
      loaded.destroy();
    }
  });

  test('manifest.json that is not JSON: the message does not quote it', async () => {
    for (const text of ['{"model": SECRET-TOKEN-1234}', 'SECRET-TOKEN-1234', '{\n  "a": 1,\n  SECRET-TOKEN-1234: 2\n}', '{"SECRET-TOKEN-1234": ']) {
      const folder = variant((f) => writeFileSync(join(f, 'manifest.json'), text));
      const message = await refusal(loadBundleFrom(folderSource(folder), new Promise<GPUDevice>(() => undefined)));
      expect(message).toContain(`${folder}: manifest.json is not valid JSON`);
      expect(message).not.toContain('SECRET');
    }
    const folder = variant((f) => writeFileSync(join(f, 'manifest.json'), '{\n  "a": 1,\n  SECRET: 2\n}'));
    expect(await refusal(loadBundleFrom(folderSource(folder), new Promise<GPUDevice>(() => undefined)))).toMatch(/\(line 3, column 3\)$/);
  });

  test('a manifest linked elsewhere is refused before the device is needed', async () => {
    const folder = variant((f) => {
      rmSync(join(f, 'manifest.json'));
      symlinkSync('/etc/passwd', join(f, 'manifest.json'));
    });
    const message = await refusal(loadBundleFrom(folderSource(folder), new Promise<GPUDevice>(() => undefined)));
    expect(message).toBe(`${folder}: manifest.json is a symbolic link; a bundle's files must be regular files inside it`);
  });

  test('a manifest over 16 MiB is refused from its size', async () => {
    const folder = variant((f) => truncateSync(join(f, 'manifest.json'), 17 * 2 ** 20));
    const message = await refusal(loadBundleFrom(folderSource(folder), new Promise<GPUDevice>(() => undefined)));
    expect(message).toContain(`manifest.json is ${17 * 2 ** 20} bytes, more than the ${16 * 2 ** 20} bytes allowed for it`);
  });

  test('weights linked to /dev/zero, a FIFO or a folder: refused, fast, with no hang', async () => {
    const device = await getTestDevice();
    const edits: [string, (f: string) => void][] = [
      ['is a symbolic link', (f) => symlinkSync('/dev/zero', join(f, 'weights.safetensors'))],
      ['is a FIFO (named pipe)', (f) => execFileSync('mkfifo', [join(f, 'weights.safetensors')])],
      ['is a directory', (f) => mkdirSync(join(f, 'weights.safetensors'))],
    ];
    for (const [reason, edit] of edits) {
      const folder = variant((f) => {
        rmSync(join(f, 'weights.safetensors'));
        edit(f);
      });
      const message = await refusal(loadBundleFrom(folderSource(folder), device));
      expect(message).toBe(`${folder}: weights.safetensors ${reason}; a bundle's files must be regular files inside it`);
    }
  });

  // A folder's weights are read once the manifest has bounded them (8 bytes + the 100 MB header limit + 8 elements * 8 bytes), so a file over that is refused from its size.
  const WEIGHTS_BOUND = 8 + 100_000_000 + 8 * 8;

  test("a weights file larger than the manifest's weights can take", async () => {
    const device = await getTestDevice();
    const size = WEIGHTS_BOUND + 1;
    const folder = variant((f) => truncateSync(join(f, 'weights.safetensors'), size));
    const message = await refusal(loadBundleFrom(folderSource(folder), device));
    expect(message).toBe(`${folder}: weights.safetensors is ${size} bytes, more than the ${WEIGHTS_BOUND} bytes allowed for it`);
  });

  test('a weights file far too large is refused from its size, without reading it', async () => {
    const device = await getTestDevice();
    const folder = variant((f) => truncateSync(join(f, 'weights.safetensors'), 5 * 2 ** 30));
    const started = performance.now();
    const message = await refusal(loadBundleFrom(folderSource(folder), device));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(message).toBe(`${folder}: weights.safetensors is ${5 * 2 ** 30} bytes, more than the ${WEIGHTS_BOUND} bytes allowed for it`);
  });

  test('a fast shader that is a FIFO or a link to /etc/passwd is refused at load', async () => {
    const device = await getTestDevice();
    const edits: [string, (f: string) => void][] = [
      ['is a symbolic link', (f) => symlinkSync('/etc/passwd', join(f, FAST_SHADER))],
      ['is a FIFO (named pipe)', (f) => execFileSync('mkfifo', [join(f, FAST_SHADER)])],
    ];
    for (const [reason, edit] of edits) {
      const folder = variant((f) => {
        rmSync(join(f, FAST_SHADER));
        edit(f);
      });
      const message = await refusal(loadBundleFrom(folderSource(folder), device, { pipelines: 'fast' }));
      expect(message).toBe(`${folder}: ${FAST_SHADER} ${reason}; a bundle's files must be regular files inside it`);
      expect(message).not.toContain('root:');
    }
  });

  test('a later shader that is a link fails ready(), and runs go on with the quick pipelines', async () => {
    const device = await getTestDevice();
    const folder = variant((f) => {
      rmSync(join(f, FAST_SHADER));
      symlinkSync('/etc/passwd', join(f, FAST_SHADER));
    });
    const loaded = await loadBundleFrom(folderSource(folder), device);
    try {
      const out = await loaded.run({ input: new Float32Array([1, 2, 3]) });
      expect(Array.from(out.output!.data)).toEqual([0, 2]);
      const message = await refusal(loaded.ready());
      expect(message).toContain('is a symbolic link');
      expect(message).not.toContain('root:');
    } finally {
      loaded.destroy();
    }
  });
});
