// `--format esm`: the single-file module imports and runs with no other files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { esmModule } from '../../compiler/bundle/esm-module.ts';
import { compileSource } from '../../compiler/compile.ts';
import { agreement, loadModelCase } from '../e2e/model-cases.ts';
import { getTestDevice } from '../support/gpu.ts';

test('a single-file ESM bundle matches the torch golden', async () => {
  const c = loadModelCase('mlp');
  const compiled = compileSource(c.spec, c.specPath, { weights: c.weights });
  const source = await esmModule(bundleFiles(compiled.bundle!));
  expect(source).not.toMatch(/from ["']node:/);
  const file = join(mkdtempSync(join(tmpdir(), 'regc-esm-')), 'model.mjs');
  writeFileSync(file, source);
  const mod = (await import(pathToFileURL(file).href)) as { load(device: GPUDevice): Promise<{ run(i: Record<string, Float32Array>): Promise<Record<string, { data: Float32Array; shape: number[] }>> }>; manifest: { model: string } };
  expect(mod.manifest.model).toBe(compiled.bundle!.manifest.model);
  const model = await mod.load(await getTestDevice());
  const out = (await model.run({ [c.inputName]: c.input.data }))[c.outputName]!;
  expect(agreement(out, c.expected, c.tolerance).failures).toBe(0);
});
