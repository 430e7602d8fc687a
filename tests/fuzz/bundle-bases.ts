// The good bundles that bundle cases start from, compiled by the real
// compiler from tiny specs: one linear layer; a conv net with batchnorm,
// pooling and softmax; two inputs and two outputs; and specs/mlp.reg, whose
// bundle has version-3 fields (params, variants with their own buffers,
// subgroups variants). Each is small enough to run on SwiftShader in
// milliseconds.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import type { Manifest } from '../../runtime/bundle/manifest.ts';

export interface BaseBundle {
  readonly name: string;
  /** Every file of the bundle, by its path inside it. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly manifest: Manifest;
}

const BASE_SPECS: Readonly<Record<string, string>> = {
  linear: 'model Lin {\n  input x: f32[N, 4]\n  output y\n  fc: linear(3) -> relu\n}\n',
  conv:
    'model Conv {\n  input x: f32[N, 2, 6, 6]\n  output y\n' +
    '  c: conv2d(3, 3, padding=1) -> bn: batchnorm -> relu -> maxpool(2)\n  flatten\n  fc: linear(4)\n  softmax\n}\n',
  two:
    'model Two {\n  input a: f32[N, 4]\n  input b: f32[N, 4]\n  output y\n  output z\n' +
    '  let h = a + b\n  let z = h -> relu\n  concat(h, z, axis=1) -> fc: linear(8) -> ln: layernorm\n}\n',
  mlp: readFileSync(fileURLToPath(new URL('../../specs/mlp.reg', import.meta.url)), 'utf8'),
};

let bases: readonly BaseBundle[] | undefined;

/** The base bundles, compiled once per process, in a fixed order. */
export function baseBundles(): readonly BaseBundle[] {
  bases ??= Object.entries(BASE_SPECS).map(([name, text]) => {
    const compiled = compileSource(text, `${name}.reg`);
    if (!compiled.bundle) throw new Error(`the base spec ${name} does not compile: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
    const encoder = new TextEncoder();
    const files = new Map<string, Uint8Array>();
    for (const [path, content] of bundleFiles(compiled.bundle)) files.set(path, typeof content === 'string' ? encoder.encode(content) : content);
    return { name, files, manifest: JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Manifest };
  });
  return bases;
}

export function baseBundle(name: string): BaseBundle {
  const found = baseBundles().find((b) => b.name === name);
  if (!found) throw new Error(`no base bundle named ${name}`);
  return found;
}
