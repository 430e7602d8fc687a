// `--format esm`: one JavaScript module holding the runtime, the manifest,
// the WGSL and the weights, which a web page imports with no other files:
//   const { load } = await import('./model.js'); const model = await load(device);
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { BundleFiles } from './bundle-files.ts';
import { ESM_MODULE_MARKER } from './output-path.ts';

const RUNTIME_DIR = fileURLToPath(new URL('../../runtime/bundle/', import.meta.url));
// The runtime is bundled from the files beside this module's own: the .ts
// sources in a clone, the built .js in the installed package (dist/).
const RUNTIME_EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export async function esmModule(files: BundleFiles): Promise<string> {
  const text: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [path, contents] of files) {
    if (typeof contents === 'string') text[path] = contents;
    else binary[path] = base64(contents);
  }
  const entry = `
import { loadBundleFrom } from './load-bundle${RUNTIME_EXT}';
import { memorySource } from './bundle-source${RUNTIME_EXT}';
const text = ${JSON.stringify(text)};
const binary = ${JSON.stringify(binary)};
function decode(b64) {
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
const files = { ...text };
for (const [path, b64] of Object.entries(binary)) files[path] = decode(b64);
export const manifest = JSON.parse(text['manifest.json']);
/** Loads the model on \`device\`, or on the browser's default WebGPU device. */
export async function load(device) {
  if (!device) {
    if (!globalThis.navigator?.gpu) throw new Error('WebGPU is not available here; pass a GPUDevice to load()');
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter found');
    device = await adapter.requestDevice();
  }
  return loadBundleFrom(memorySource({ files }, manifest.model), device);
}
`;
  const result = await build({
    stdin: { contents: entry, resolveDir: RUNTIME_DIR, sourcefile: 'regc-bundle.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'none',
  });
  // The marker line lets a later compile recognise the file as its own output.
  return ESM_MODULE_MARKER + result.outputFiles[0]!.text;
}
