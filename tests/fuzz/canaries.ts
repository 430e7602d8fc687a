// Files outside every bundle that bundles link to, to prove the runtime
// never reads outside the bundle it was given:
//   - each holds a unique token, which no error message may ever contain;
//   - some are good bundle files (a valid manifest, weights and shader of the
//     same base bundle) with the token inside, so following a link would not
//     even fail: only the campaign's checks would notice;
//   - a FIFO, which the campaign checks for a reader after every case (a
//     process that opened it to read is seen by a non-blocking open to write);
//   - their inodes, against which every file the runtime opens is compared.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, cpSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../runtime/io/safetensors.ts';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import type { BaseBundle } from './bundle-bases.ts';

export type CanaryName = 'secret' | 'manifest' | 'weights' | 'shader' | 'fifo' | 'folder';

export const CANARY_NAMES: readonly CanaryName[] = ['secret', 'manifest', 'weights', 'shader', 'fifo', 'folder'];

export interface Canaries {
  readonly token: string;
  path(name: CanaryName): string;
  /** `dev:ino` of every canary file, to compare with what the runtime opened. */
  readonly inodes: ReadonlySet<string>;
  /** Whether some process has the FIFO open for reading now. */
  fifoHasReader(): boolean;
  /** What changed in the canaries since they were made (nothing may). */
  tampering(): string[];
}

export function inodeKey(stats: { dev: number | bigint; ino: number | bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Canaries for one base bundle, under `folder` (outside every case's bundle folder). */
export function makeCanaries(folder: string, base: BaseBundle, token: string): Canaries {
  mkdirSync(folder, { recursive: true });
  const paths: Record<CanaryName, string> = {
    secret: join(folder, 'secret.txt'),
    manifest: join(folder, 'manifest.json'),
    weights: join(folder, 'weights.safetensors'),
    shader: join(folder, 'shader.wgsl'),
    fifo: join(folder, 'fifo'),
    // The shaders folder of a whole bundle, for a link that replaces `shaders/`.
    folder: join(folder, 'bundle', 'shaders'),
  };
  const bundle = join(folder, 'bundle');
  writeFileSync(paths.secret, `${token}\n`);
  writeFileSync(paths.manifest, JSON.stringify({ ...base.manifest, model: token }, null, 2));
  const weights = readSafetensors(base.files.get(base.manifest.weightsFile)!);
  writeFileSync(paths.weights, writeSafetensors(weights.tensors as ReadonlyMap<string, HostTensor>, { canary: token }));
  const firstShader = base.manifest.shaders[0]!;
  writeFileSync(paths.shader, `${new TextDecoder().decode(base.files.get(firstShader.file))}\n// ${token}\n`);
  execFileSync('mkfifo', [paths.fifo]);
  for (const [path, content] of base.files) {
    mkdirSync(join(bundle, path, '..'), { recursive: true });
    writeFileSync(join(bundle, path), path === 'manifest.json' ? JSON.stringify({ ...base.manifest, model: token }) : content);
  }
  cpSync(paths.secret, join(paths.folder, 'secret.txt'));

  const files = [paths.secret, paths.manifest, paths.weights, paths.shader, paths.fifo, join(paths.folder, 'secret.txt'), ...[...base.files.keys()].map((p) => join(bundle, p))];
  const inodes = new Set(files.map((f) => inodeKey(statSync(f))));
  const snapshot = new Map(files.filter((f) => f !== paths.fifo).map((f) => [f, readFileSync(f).toString('base64')]));
  return {
    token,
    path: (name) => paths[name],
    inodes,
    fifoHasReader: () => {
      try {
        closeSync(openSync(paths.fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        return true;
      } catch {
        return false; // ENXIO: nobody reads it
      }
    },
    tampering: () => {
      const changed: string[] = [];
      for (const [file, content] of snapshot) {
        try {
          if (readFileSync(file).toString('base64') !== content) changed.push(`${file} changed`);
        } catch {
          changed.push(`${file} is gone`);
        }
      }
      return changed;
    },
  };
}
