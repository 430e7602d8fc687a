// One system on one model in a freshly launched headless Chromium (its own
// processes and a new profile, so nothing is cached from an earlier run),
// with WebGPU on the flags the browser tests use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_FLAGS } from '../../../tests/browser/chromium.ts';
import type { RunRecord } from '../measure.ts';
import type { ModelName } from '../models.ts';
import type { SystemId } from '../system.ts';
import { chromiumPeakRss } from './process-tree.ts';

export interface ChromiumJob {
  readonly system: SystemId;
  readonly model: ModelName;
  readonly warmup: number;
  readonly runs: number;
  /** URL path of the compiled regc bundle's folder, without the leading slash. */
  readonly regcBundle: string;
  readonly timeoutMs: number;
}

interface PageGlobal {
  __benchResult?: RunRecord;
}

export async function runInChromium(origin: string, job: ChromiumJob): Promise<RunRecord> {
  const identity = { system: job.system, model: job.model, environment: 'chromium' } as const;
  const userDataDir = mkdtempSync(join(tmpdir(), 'regc-bench-chromium-'));
  const log: string[] = [];
  try {
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_WEBGPU_FLAGS] });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (message) => log.push(`console.${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => log.push(`uncaught: ${error.message}`));
      const query = new URLSearchParams({ system: job.system, model: job.model, warmup: String(job.warmup), runs: String(job.runs), bundle: job.regcBundle });
      await page.goto(`${origin}/?${query}`);
      await page.waitForFunction(() => (globalThis as PageGlobal).__benchResult !== undefined, undefined, { timeout: job.timeoutMs, polling: 250 });
      const record = (await page.evaluate(() => (globalThis as PageGlobal).__benchResult)) as RunRecord;
      if (!record.ok) return { ...record, error: `${record.error}\n${log.join('\n')}` };
      return { ...record, peakRssBytes: chromiumPeakRss(userDataDir) };
    } finally {
      await context.close();
    }
  } catch (error) {
    return { ...identity, ok: false, error: `${(error as Error).message}\n${log.join('\n')}` };
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
