// A generated bundle as files: manifest.json, shaders/*.wgsl and
// weights.safetensors. Kept as a path -> bytes map so the same value can be
// written to a folder, served, or loaded from memory in tests.
import type { GeneratedBundle } from '../codegen/generate.ts';
import { writeSafetensors } from '../../runtime/io/safetensors.ts';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';

export type BundleFiles = ReadonlyMap<string, string | Uint8Array>;

export function bundleFiles(bundle: GeneratedBundle): BundleFiles {
  const files = new Map<string, string | Uint8Array>();
  files.set('manifest.json', JSON.stringify(bundle.manifest, null, 2) + '\n');
  for (const [path, text] of bundle.shaders) files.set(path, text);
  const tensors = new Map<string, HostTensor>();
  for (const [name, w] of bundle.weights) tensors.set(name, { dtype: 'F32', shape: w.shape, data: w.data });
  files.set(bundle.manifest.weightsFile, writeSafetensors(tensors, { generator: bundle.manifest.generator, model: bundle.manifest.model }));
  return files;
}
