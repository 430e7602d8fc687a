// One system on one model in a freshly launched headless Chromium (its own
// processes and a new profile, so nothing is cached from an earlier run),
// with WebGPU on the flags the browser tests use.
//
// Where the page starts matters here: a Chromium that has just launched goes
// on working for about a second after it is up (about 1.5 s of processor
// time, on an empty page too), and on two cores that work competes
// with whatever the page does. A user opens a page in a browser that is
// already running, so by default the browser is left to settle on its blank
// page (its processes idle) before the bench page is opened; 'at-launch'
// opens it at once, the worst case, which the report gives beside it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_FLAGS } from '../../../tests/browser/chromium.ts';
import type { RunRecord } from '../measure.ts';
import type { ModelName } from '../models.ts';
import type { SystemId } from '../system.ts';
import { chromiumCpuMs, chromiumPeakRss } from './process-tree.ts';

export interface ChromiumJob {
  readonly system: SystemId;
  readonly model: ModelName;
  readonly warmup: number;
  readonly runs: number;
  /** URL path of the compiled regc bundle's folder, without the leading slash. */
  readonly regcBundle: string;
  readonly timeoutMs: number;
  /** Open the page once the browser has settled (the default), or right after launch. */
  readonly start?: 'settled' | 'at-launch';
}

// Settled: two windows in a row in which all the browser's processes
// together used under a tenth of one core. A launch here settles 1.5-2 s
// after it is up; past the cap the page opens anyway (browserSettleMs says
// how long it waited).
const SETTLE_WINDOW_MS = 250;
const SETTLE_QUIET_MS = 25;
const SETTLE_WINDOWS = 2;
const SETTLE_CAP_MS = 20_000;

/** Waits until the browser's processes are idle; the ms waited, or null where /proc cannot tell. */
async function waitUntilSettled(userDataDir: string): Promise<number | null> {
  const start = performance.now();
  let last = chromiumCpuMs(userDataDir);
  if (last === null) return null;
  let quiet = 0;
  while (quiet < SETTLE_WINDOWS && performance.now() - start < SETTLE_CAP_MS) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_WINDOW_MS));
    const now = chromiumCpuMs(userDataDir);
    if (now === null) return null;
    quiet = now - last < SETTLE_QUIET_MS ? quiet + 1 : 0;
    last = now;
  }
  return performance.now() - start;
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
      const settleMs = job.start === 'at-launch' ? undefined : await waitUntilSettled(userDataDir);
      const query = new URLSearchParams({ system: job.system, model: job.model, warmup: String(job.warmup), runs: String(job.runs), bundle: job.regcBundle });
      await page.goto(`${origin}/?${query}`);
      await page.waitForFunction(() => (globalThis as PageGlobal).__benchResult !== undefined, undefined, { timeout: job.timeoutMs, polling: 250 });
      const record = (await page.evaluate(() => (globalThis as PageGlobal).__benchResult)) as RunRecord;
      if (!record.ok) return { ...record, error: `${record.error}\n${log.join('\n')}` };
      return { ...record, peakRssBytes: chromiumPeakRss(userDataDir), ...(settleMs === undefined ? {} : { browserSettleMs: settleMs }) };
    } finally {
      await context.close();
    }
  } catch (error) {
    return { ...identity, ok: false, error: `${(error as Error).message}\n${log.join('\n')}` };
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
