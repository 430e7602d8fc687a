// Writes bundle files to a folder atomically: everything goes to a sibling
// temporary folder first, which then replaces the target, so an interrupted
// compile never leaves half a bundle behind.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BundleFiles } from './bundle-files.ts';

export async function writeBundleFolder(folder: string, files: BundleFiles): Promise<void> {
  const staging = `${folder}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const [path, contents] of files) {
    const target = join(staging, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  await rm(folder, { recursive: true, force: true });
  await mkdir(dirname(folder), { recursive: true });
  await rename(staging, folder);
}
