// The example specs under specs/, shared by the spec tests.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const specsDir = join(repoRoot, 'specs');

export interface SpecFile {
  /** File name without `.reg`, e.g. `fashion`. */
  readonly name: string;
  /** Path relative to the repository root, as diagnostics show it. */
  readonly path: string;
  readonly text: string;
}

export function specFiles(): SpecFile[] {
  return readdirSync(specsDir)
    .filter((file) => file.endsWith('.reg'))
    .sort()
    .map((file) => ({
      name: basename(file, '.reg'),
      path: `specs/${file}`,
      text: readFileSync(join(specsDir, file), 'utf8'),
    }));
}
