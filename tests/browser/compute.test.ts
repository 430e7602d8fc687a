import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH } from './chromium.ts';
import { withBrowserPage } from './with-browser-page.ts';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`skipping browser tests: ${CHROMIUM_PATH} is absent (apt-get install chromium)`);

describe.skipIf(!haveChromium)('WebGPU compute in headless Chromium', () => {
  it('runs a kernel through the runtime browser device and returns the right numbers', async () => {
    const started = performance.now();
    const values = Array.from({ length: 300 }, (_, i) => (i - 150) / 7);
    await withBrowserPage(new URL('./entries/compute-entry.ts', import.meta.url), async ({ call }) => {
      const out = await call<{ result: number[]; backend: string; adapter: string; limits: Record<string, number> }>('squarePlus', values);
      console.info(`browser adapter: ${out.adapter} (${out.backend}); requested limits ${JSON.stringify(out.limits)}`);
      expect(out.backend).toBe('swiftshader');
      expect(out.result).toHaveLength(values.length);
      out.result.forEach((got, i) => {
        const v = Math.fround(values[i]!);
        const want = Math.fround(Math.fround(Math.fround(v * v) + Math.fround(0.5 * v)) - 1);
        // WGSL allows a fused multiply-add, so allow an ulp or two.
        expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -22 + 1e-6);
      });

      expect(await call<string>('missingWebGpu')).toMatch(/^DeviceError: WebGPU is unavailable in this browser/);
    });
    console.info(`browser test (bundle, serve, launch, compute) took ${(performance.now() - started).toFixed(0)} ms`);
  });
});
