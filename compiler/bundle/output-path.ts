// What `regc compile -o PATH` may write over: nothing regc did not write.
// See docs/output-paths.md.
//
//   - a symbolic link at PATH is refused, never followed (lstat throughout);
//   - folder output: a missing PATH or an empty folder is written; an existing directory is
//     replaced only when it is a regc bundle (manifest.json with
//     "format": "regc-bundle") holding only what regc writes (manifest.json,
//     the weights file, shaders/*.wgsl); `force` also replaces a regc bundle
//     that holds other files; anything else is refused;
//   - ESM output: a missing PATH is created; an existing regular file is
//     replaced only when it starts with the marker line regc writes.
//
// The checks run before compiling, so a refused path fails fast and a failed
// compile creates nothing, and again just before replacing.
import { lstat, open, readdir, readFile, rename, rm, rmdir, mkdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BUNDLE_FORMAT } from '../../runtime/bundle/manifest.ts';
import { temporarySibling, writeFileAtomic } from '../../runtime/io/tensor-files-node.ts';
import type { BundleFiles } from './bundle-files.ts';

/** The first line of every module `--format esm` writes; what marks it as regc's. */
export const ESM_MODULE_MARKER = '// regc bundle module\n';

/** The largest manifest.json read when deciding whether a folder is a bundle. */
export const MANIFEST_SIZE_CAP = 16 * 1024 * 1024;

/** An output path regc refuses to write over; `help` suggests what to do. */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly help: string,
  ) {
    super(`refusing to write to \`${path}\`: ${problem}`);
  }
}

/** The subfolder of a bundle that `regc compile --train` writes the train bundle to. */
export const TRAIN_BUNDLE_FOLDER = 'train';

/** What a folder regc writes holds: a bundle, or the results of `regc grad` / `regc step`. */
export type FolderKind = 'bundle' | 'results';

/** The file that marks a folder of results as regc's (`{"format": "regc-results", ...}`). */
export const RESULTS_MARKER = 'regc-results.json';
export const RESULTS_FORMAT = 'regc-results';

export interface FolderPlan {
  readonly kind: 'folder';
  readonly contents?: FolderKind;
  readonly path: string;
  /** Whether PATH holds a regc bundle that the write replaces. */
  readonly replaces: boolean;
  readonly force: boolean;
}

export interface ModulePlan {
  readonly kind: 'module';
  readonly path: string;
  readonly replaces: boolean;
}

const ANOTHER_PATH = 'give `-o` a path that does not exist yet, or remove it yourself';

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The files of a regc bundle folder, and the entries it holds besides them. */
interface BundleContents {
  readonly files: readonly string[];
  readonly extra: readonly string[];
}

/** Reads `folder` as a regc bundle; a string says why it is not one. */
async function bundleContents(folder: string, nested = false): Promise<BundleContents | string> {
  const manifestPath = join(folder, 'manifest.json');
  const stat = await lstatOrUndefined(manifestPath);
  if (!stat) return 'it is a folder that is not a regc bundle (it has no manifest.json)';
  if (!stat.isFile()) return 'it is a folder that is not a regc bundle (its manifest.json is not a regular file)';
  if (stat.size > MANIFEST_SIZE_CAP) return 'it is a folder that is not a regc bundle (its manifest.json is too large)';
  let manifest: unknown;
  try {
    const handle = await open(manifestPath, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(stat.size, MANIFEST_SIZE_CAP) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MANIFEST_SIZE_CAP) return 'it is a folder that is not a regc bundle (its manifest.json is too large)';
      manifest = JSON.parse(buffer.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    return 'it is a folder that is not a regc bundle (its manifest.json is not valid JSON)';
  }
  const m = manifest as { format?: unknown; weightsFile?: unknown } | null;
  if (typeof m !== 'object' || m === null || m.format !== BUNDLE_FORMAT) {
    return `it is a folder that is not a regc bundle (its manifest.json has no "format": "${BUNDLE_FORMAT}")`;
  }
  const weightsFile = typeof m.weightsFile === 'string' && /^[^/\\]+$/.test(m.weightsFile) && m.weightsFile !== '.' && m.weightsFile !== '..' ? m.weightsFile : undefined;
  const files: string[] = ['manifest.json'];
  const extra: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name === 'manifest.json') continue;
    if (entry.name === weightsFile && entry.isFile()) files.push(entry.name);
    else if (entry.name === 'shaders' && entry.isDirectory()) {
      for (const shader of await readdir(join(folder, 'shaders'), { withFileTypes: true })) {
        if (shader.isFile() && shader.name.endsWith('.wgsl')) files.push(join('shaders', shader.name));
        else extra.push(join('shaders', shader.name));
      }
    } else if (entry.name === TRAIN_BUNDLE_FOLDER && entry.isDirectory() && !nested) {
      // The train bundle beside the eval one: a bundle of its own, by the same rules.
      const inner = await bundleContents(join(folder, entry.name), true);
      if (typeof inner === 'string') extra.push(entry.name);
      else {
        files.push(...inner.files.map((f) => join(entry.name, f)));
        extra.push(...inner.extra.map((f) => join(entry.name, f)));
      }
    } else extra.push(entry.name);
  }
  return { files, extra };
}

/** Reads `folder` as regc's results (the marker, then .npy and .safetensors files); a string says why it is not. */
async function resultsContents(folder: string): Promise<BundleContents | string> {
  const markerPath = join(folder, RESULTS_MARKER);
  const stat = await lstatOrUndefined(markerPath);
  const not = `it is a folder that regc did not write (it has no ${RESULTS_MARKER} marking regc's results)`;
  if (!stat || !stat.isFile() || stat.size > MANIFEST_SIZE_CAP) return not;
  try {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as { format?: unknown } | null;
    if (typeof marker !== 'object' || marker === null || marker.format !== RESULTS_FORMAT) return not;
  } catch {
    return not;
  }
  const files: string[] = [RESULTS_MARKER];
  const extra: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name === RESULTS_MARKER) continue;
    if (entry.isFile() && /\.(npy|safetensors)$/.test(entry.name)) files.push(entry.name);
    else extra.push(entry.name);
  }
  return { files, extra };
}

function describeExtra(extra: readonly string[]): string {
  const shown = extra.slice(0, 3).map((e) => `\`${e}\``).join(', ');
  return extra.length > 3 ? `${shown} and ${extra.length - 3} more` : shown;
}

/**
 * Checks that a folder of `contents` (a bundle by default) may be written at
 * `path`; throws OutputPathError if not. Only a folder of the same kind that
 * regc wrote is replaced.
 */
export async function planFolderOutput(path: string, options: { force?: boolean; contents?: FolderKind } = {}): Promise<FolderPlan> {
  const force = options.force ?? false;
  const kind = options.contents ?? 'bundle';
  const what = kind === 'bundle' ? 'a regc bundle' : "regc's results";
  const plan = (replaces: boolean): FolderPlan => ({ kind: 'folder', ...(kind === 'bundle' ? {} : { contents: kind }), path, replaces, force });
  const stat = await lstatOrUndefined(path);
  if (!stat) return plan(false);
  if (stat.isSymbolicLink()) throw new OutputPathError(path, 'it is a symbolic link, which regc never follows', `${ANOTHER_PATH}; or give the link's target`);
  if (!stat.isDirectory()) throw new OutputPathError(path, kind === 'bundle' ? 'it is a file, not a regc bundle folder' : 'it is a file, not a folder', ANOTHER_PATH);
  // An empty folder holds nothing to lose: the new folder is renamed onto it
  // (which fails, harmlessly, should anything appear there meanwhile).
  if ((await readdir(path)).length === 0) return plan(false);
  const contents = kind === 'bundle' ? await bundleContents(path) : await resultsContents(path);
  if (typeof contents === 'string') throw new OutputPathError(path, contents, ANOTHER_PATH);
  if (contents.extra.length > 0 && !force) {
    throw new OutputPathError(path, `it is ${what} that also holds files regc did not write: ${describeExtra(contents.extra)}`, `${ANOTHER_PATH}; \`--force\` replaces it and those files`);
  }
  return plan(true);
}

/** Checks that an ESM module may be written at `path`; throws OutputPathError if not. */
export async function planModuleOutput(path: string): Promise<ModulePlan> {
  const stat = await lstatOrUndefined(path);
  if (!stat) return { kind: 'module', path, replaces: false };
  if (stat.isSymbolicLink()) throw new OutputPathError(path, 'it is a symbolic link, which regc never follows', `${ANOTHER_PATH}; or give the link's target`);
  if (stat.isDirectory()) throw new OutputPathError(path, 'it is a folder; `--format esm` writes one file', `give a file path, such as \`${join(path, 'model.js')}\``);
  if (!stat.isFile()) throw new OutputPathError(path, 'it is not a regular file', ANOTHER_PATH);
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(ESM_MODULE_MARKER.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (head !== ESM_MODULE_MARKER) throw new OutputPathError(path, 'it is a file regc did not write (it does not start with the line regc writes first)', ANOTHER_PATH);
  return { kind: 'module', path, replaces: true };
}

/** Writes the ESM module `text` at the checked path, atomically. */
export async function writeModuleOutput(plan: ModulePlan, text: string): Promise<void> {
  await planModuleOutput(plan.path); // again: the path may have changed while compiling
  await mkdir(dirname(plan.path), { recursive: true });
  await writeFileAtomic(plan.path, text);
}

/**
 * Writes the bundle folder at the checked path: into a temporary sibling
 * (files flushed), which is renamed into place. An old bundle is first renamed
 * to a backup sibling, and the backup removed once the new one is in place.
 */
export async function writeFolderOutput(plan: FolderPlan, files: BundleFiles): Promise<void> {
  const again = await planFolderOutput(plan.path, { force: plan.force, ...(plan.contents ? { contents: plan.contents } : {}) });
  await mkdir(dirname(plan.path), { recursive: true });
  const staging = temporarySibling(plan.path);
  let placed = false;
  try {
    await mkdir(staging);
    for (const [path, contents] of files) {
      const target = join(staging, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFileAtomic(target, contents);
    }
    await syncFolder(staging);
    if (!again.replaces) {
      await rename(staging, plan.path);
      placed = true;
      return;
    }
    const backup = join(dirname(plan.path), `.${basename(plan.path)}.old-${staging.slice(staging.lastIndexOf('.tmp-') + '.tmp-'.length)}`);
    await rename(plan.path, backup);
    try {
      await rename(staging, plan.path);
    } catch (e) {
      await rename(backup, plan.path).catch(() => undefined);
      throw e;
    }
    placed = true;
    await removeBackup(backup, plan.force, plan.contents ?? 'bundle');
  } finally {
    if (!placed) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can open or flush a folder; the files are flushed.
  }
}

/** Removes the renamed-away old bundle: after a fresh check that it is one. */
async function removeBackup(backup: string, force: boolean, kind: FolderKind): Promise<void> {
  const contents = kind === 'bundle' ? await bundleContents(backup) : await resultsContents(backup);
  if (typeof contents === 'string' || (contents.extra.length > 0 && !force)) {
    throw new OutputPathError(backup, 'the old folder, renamed here, changed while regc wrote the new one; it was kept', 'look at it and remove it yourself');
  }
  if (force) {
    await rm(backup, { recursive: true });
    return;
  }
  for (const file of contents.files) await unlink(join(backup, file));
  // The folders the files were in (shaders/, train/shaders/, train/), deepest first.
  const folders = [...new Set(contents.files.map((f) => dirname(f)).filter((d) => d !== '.'))].sort((a, b) => b.split(/[\\/]/).length - a.split(/[\\/]/).length);
  for (const folder of [...folders, 'shaders']) {
    await rmdir(join(backup, folder)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  await rmdir(backup);
}
