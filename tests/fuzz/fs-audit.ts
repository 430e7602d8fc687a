// Records every file-system call the runtime makes while a bundle case
// loads, with the inode of every file it opens, so the campaign can check
// that nothing outside the bundle was looked at or read. The functions of
// `node:fs` and `node:fs/promises` are wrapped in place and the modules'
// ES exports re-synced (node:module's syncBuiltinESMExports), so the
// runtime's own `import { open } from 'node:fs/promises'` goes through them.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { inodeKey } from './canaries.ts';

const require = createRequire(import.meta.url);
const fsPromises = require('node:fs/promises') as Record<string, unknown>;
const fs = require('node:fs') as Record<string, unknown>;

export interface FsCall {
  readonly call: string;
  readonly path: string;
  /** `dev:ino` of what an open gave (absent for calls that open nothing). */
  inode?: string;
}

const PROMISE_CALLS = ['open', 'lstat', 'stat', 'readFile', 'readdir', 'opendir', 'realpath', 'access', 'readlink'];
const SYNC_AND_CALLBACK_CALLS = [
  'open', 'openSync', 'readFile', 'readFileSync', 'stat', 'statSync', 'lstat', 'lstatSync', 'readdir', 'readdirSync',
  'createReadStream', 'existsSync', 'realpath', 'realpathSync', 'access', 'accessSync', 'readlink', 'readlinkSync', 'opendir', 'opendirSync',
];

let installed = false;
let recording: { calls: FsCall[]; pending: Promise<unknown>[] } | undefined;

function pathText(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p instanceof URL) return p.pathname;
  if (Buffer.isBuffer(p)) return p.toString();
  return String(p);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const name of PROMISE_CALLS) {
    const original = fsPromises[name] as (...args: unknown[]) => Promise<unknown>;
    fsPromises[name] = function (this: unknown, ...args: unknown[]) {
      const call: FsCall | undefined = recording ? { call: `fs/promises.${name}`, path: pathText(args[0]) } : undefined;
      const active = recording;
      active?.calls.push(call!);
      const result = original.apply(this, args);
      if (name === 'open' && active) {
        // The handle's inode, asked for before the caller can close it.
        const inode = result.then((handle) => (handle as { stat(): Promise<{ dev: number; ino: number }> }).stat().then((s) => (call!.inode = inodeKey(s))));
        active.pending.push(inode.catch(() => undefined));
      }
      return result;
    };
  }
  for (const name of SYNC_AND_CALLBACK_CALLS) {
    const original = fs[name] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') continue;
    fs[name] = function (this: unknown, ...args: unknown[]) {
      recording?.calls.push({ call: `fs.${name}`, path: pathText(args[0]) });
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
}

/** Starts recording (installing the wrappers the first time). */
export function startFsAudit(): void {
  install();
  recording = { calls: [], pending: [] };
}

/** Stops recording and returns the calls, inodes filled in. */
export async function stopFsAudit(): Promise<FsCall[]> {
  const done = recording;
  recording = undefined;
  if (!done) return [];
  await Promise.all(done.pending);
  return done.calls;
}
