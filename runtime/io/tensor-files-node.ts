// Reading and writing tensor files on disk in Node; the formats themselves
// live in safetensors.ts and npy.ts and work on bytes, so browsers share them.
import { readFile, writeFile } from 'node:fs/promises';
import type { HostTensor } from './host-tensor.ts';
import { readNpy, writeNpy } from './npy.ts';
import { readSafetensors, writeSafetensors, type SafetensorsContents } from './safetensors.ts';

async function readBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export async function readSafetensorsFile(path: string): Promise<SafetensorsContents> {
  return readSafetensors(await readBytes(path));
}

export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Promise<void> {
  await writeFile(path, writeSafetensors(tensors, metadata));
}

export async function readNpyFile(path: string): Promise<HostTensor> {
  return readNpy(await readBytes(path));
}

export async function writeNpyFile(path: string, tensor: HostTensor): Promise<void> {
  await writeFile(path, writeNpy(tensor));
}
