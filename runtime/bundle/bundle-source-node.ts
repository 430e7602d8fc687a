// Bundles in a folder on disk (Node only).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleSource } from './bundle-source.ts';
import { BundleError } from './validate-manifest.ts';

export function folderSource(folder: string): BundleSource {
  const read = async (path: string) => {
    try {
      return await readFile(join(folder, path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new BundleError(`${folder}: cannot read ${path}${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}`);
    }
  };
  return {
    description: folder,
    readText: async (path) => (await read(path)).toString('utf-8'),
    readBytes: async (path) => new Uint8Array(await read(path)),
  };
}
