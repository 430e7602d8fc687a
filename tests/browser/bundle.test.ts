// A compiled bundle in headless Chromium, loaded with the public runtime API
// from a URL, must match the same PyTorch goldens as in Node.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import { agreement, loadModelCase } from '../e2e/model-cases.ts';
import { CHROMIUM_PATH } from './chromium.ts';
import { withBrowserPage } from './with-browser-page.ts';

const haveChromium = existsSync(CHROMIUM_PATH);

describe.skipIf(!haveChromium)('bundles in headless Chromium', () => {
  it('lenet-fashion and resnet-blocks match their torch goldens', async () => {
    const cases = ['lenet-fashion', 'resnet-blocks'].map((name) => loadModelCase(name));
    const files: Record<string, string | Uint8Array> = {};
    for (const c of cases) {
      const compiled = compileSource(c.spec, c.specPath, { weights: c.weights });
      expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const [path, contents] of bundleFiles(compiled.bundle!)) files[`/bundles/${c.name}/${path}`] = contents;
    }
    await withBrowserPage(
      new URL('./entries/bundle-entry.ts', import.meta.url),
      async ({ call }) => {
        for (const c of cases) {
          const out = await call<Record<string, { shape: number[]; data: number[] }>>('runBundle', `/bundles/${c.name}/`, {
            [c.inputName]: Array.from(c.input.data),
          });
          const got = out[c.outputName]!;
          expect(got.shape).toEqual([...c.expected.shape]);
          const result = agreement({ shape: got.shape, data: Float32Array.from(got.data) }, c.expected, c.tolerance);
          expect(result.failures, `${c.name}: ${result.firstFailure}`).toBe(0);
          console.info(`chromium ${c.name}: max abs error ${result.maxAbs.toExponential(2)}`);
        }
      },
      { files },
    );
  });
});
