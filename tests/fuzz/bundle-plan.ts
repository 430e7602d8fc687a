// A mutated bundle as data: the base bundle it starts from and the changes
// made to it, in order. Plain JSON, so a failing case is stored and replayed
// exactly, and readable, so a report can say what the bundle was.
import { execFileSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { PipelineChoice } from '../../runtime/bundle/pipeline-tiers.ts';
import type { BaseBundle } from './bundle-bases.ts';
import type { Canaries, CanaryName } from './canaries.ts';

export type LinkTarget =
  /** Another file of the bundle, by a relative link. */
  | { readonly to: 'inside'; readonly path: string }
  /** One of the canary files outside the bundle. */
  | { readonly to: 'canary'; readonly file: CanaryName; readonly absolute: boolean }
  /** A system file: /dev/zero, /etc/passwd, ... */
  | { readonly to: 'system'; readonly path: string }
  | { readonly to: 'dangling' }
  /** A link to itself. */
  | { readonly to: 'loop' };

export type Entry =
  | { readonly kind: 'text'; readonly path: string; readonly text: string }
  | { readonly kind: 'bytes'; readonly path: string; readonly base64: string }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: LinkTarget }
  | { readonly kind: 'fifo'; readonly path: string }
  | { readonly kind: 'dir'; readonly path: string }
  /** The file cut or extended to `size` bytes; extended with a hole, so a huge file costs no disk. */
  | { readonly kind: 'sparse'; readonly path: string; readonly size: number };

export interface BundlePlan {
  readonly base: string;
  /** The kind of mutation: decides whether a GPU error is a finding (see bundle-oracle.ts). */
  readonly family: string;
  readonly mutations: readonly string[];
  readonly entries: readonly Entry[];
  /** Loaded from a folder, or from memory (`loadBundle({ files })`). */
  readonly source: 'folder' | 'memory';
  readonly pipelines: PipelineChoice;
  readonly batch: number;
  /** Tokens planted in refused content: no message may quote them. */
  readonly secrets: readonly string[];
  /** Whether the WGSL text some shader gets was changed (edited, cut, or another file named): only the device can refuse that. */
  readonly shaderTextChanged: boolean;
}

/** Entries only a folder can hold. */
export function needsFolder(entries: readonly Entry[]): boolean {
  return entries.some((e) => e.kind !== 'text' && e.kind !== 'bytes' && e.kind !== 'delete');
}

function contentOf(entry: Entry): Uint8Array {
  if (entry.kind === 'text') return new TextEncoder().encode(entry.text);
  if (entry.kind === 'bytes') return new Uint8Array(Buffer.from(entry.base64, 'base64'));
  throw new Error(`entry ${entry.kind} has no content`);
}

/** The bundle's files in memory, for `loadBundle({ files })`. */
export function planFiles(plan: BundlePlan, base: BaseBundle): Map<string, Uint8Array> {
  const files = new Map(base.files);
  for (const entry of plan.entries) {
    if (entry.kind === 'delete') files.delete(entry.path);
    else files.set(entry.path, contentOf(entry));
  }
  return files;
}

function linkTarget(target: LinkTarget, linkPath: string, folder: string, canaries: Canaries): string {
  switch (target.to) {
    case 'inside':
      return relative(dirname(linkPath), join(folder, target.path)) || '.';
    case 'canary': {
      const file = canaries.path(target.file);
      return target.absolute ? file : relative(dirname(linkPath), file);
    }
    case 'system':
      return target.path;
    case 'dangling':
      return join(folder, 'no-such-file');
    case 'loop':
      return linkPath;
  }
}

/**
 * Refuses to write through a link an earlier entry made (`shaders` linked
 * to the canary folder, then `shaders/x.wgsl` rewritten): that would change
 * the canaries, or worse, files outside the campaign's folder.
 */
function assertNoLinkOnTheWay(folder: string, path: string, includingLast: boolean): void {
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new Error(`plan entry ${JSON.stringify(path)} is not a plain path inside the bundle`);
  for (let i = 1; i < segments.length + (includingLast ? 1 : 0); i++) {
    try {
      if (lstatSync(join(folder, ...segments.slice(0, i))).isSymbolicLink()) throw new Error(`plan entry ${path} would be written through a link`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** Writes the plan's bundle into `folder`, which must not exist yet. */
export function writePlanFolder(plan: BundlePlan, base: BaseBundle, folder: string, canaries: Canaries): void {
  const write = (path: string, bytes: Uint8Array) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  };
  for (const [path, content] of base.files) write(join(folder, path), content);
  for (const entry of plan.entries) {
    // Truncation follows a link; every other entry replaces it.
    assertNoLinkOnTheWay(folder, entry.path, entry.kind === 'sparse');
    const path = join(folder, entry.path);
    if (entry.kind !== 'sparse') rmSync(path, { recursive: true, force: true });
    switch (entry.kind) {
      case 'text':
      case 'bytes':
        write(path, contentOf(entry));
        break;
      case 'delete':
        break;
      case 'symlink':
        mkdirSync(dirname(path), { recursive: true });
        symlinkSync(linkTarget(entry.target, path, folder, canaries), path);
        break;
      case 'fifo':
        mkdirSync(dirname(path), { recursive: true });
        execFileSync('mkfifo', [path]);
        break;
      case 'dir':
        mkdirSync(path, { recursive: true });
        break;
      case 'sparse':
        mkdirSync(dirname(path), { recursive: true });
        closeSync(openSync(path, 'a'));
        truncateSync(path, entry.size);
        break;
    }
  }
}
