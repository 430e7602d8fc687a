// Runs a browser entry module in headless Chromium and lets a test call into
// it: bundle (esbuild) -> serve (127.0.0.1) -> launch Chromium -> open page.
//
//   await withBrowserPage(entryUrl, async ({ call }) => {
//     expect(await call('runKernel', [1, 2, 3])).toEqual(...);
//   });
import type { Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { bundleEntry } from './bundle-entry.ts';
import { launchChromium } from './chromium.ts';
import { serveStatic } from './static-server.ts';

export interface BrowserPage {
  readonly page: Page;
  readonly baseUrl: string;
  /** Calls a function the entry registered with exposeToHarness; arguments and result must be JSON-able. */
  call<T = unknown>(name: string, ...args: unknown[]): Promise<T>;
  /** Console lines and uncaught errors from the page so far. */
  readonly log: readonly string[];
}

export interface BrowserPageOptions {
  /** Extra URL prefix -> directory mappings to serve (e.g. a compiled bundle). */
  readonly directories?: Readonly<Record<string, string>>;
  /** Extra in-memory files by URL path. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>regc test page</title></head>
<body><script type="module" src="/entry.js"></script></body></html>
`;

export async function withBrowserPage<T>(
  entryFile: string | URL,
  fn: (page: BrowserPage) => Promise<T>,
  options: BrowserPageOptions = {},
): Promise<T> {
  const entryPath = entryFile instanceof URL ? fileURLToPath(entryFile) : entryFile;
  const script = await bundleEntry(entryPath);
  const server = await serveStatic({
    files: new Map<string, string | Uint8Array>([
      ['/index.html', PAGE],
      ['/entry.js', script],
      ...Object.entries(options.files ?? {}),
    ]),
    directories: options.directories ?? {},
  });
  try {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const log: string[] = [];
      page.on('console', (message) => log.push(`console.${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => log.push(`uncaught: ${error.message}`));

      await page.goto(`${server.baseUrl}/`);
      await page
        .waitForFunction(() => (globalThis as { __regcHarness?: unknown }).__regcHarness !== undefined, undefined, { timeout: 30_000 })
        .catch((error: Error) => {
          throw new Error(`the entry ${entryPath} never called exposeToHarness (${error.message})\n${log.join('\n')}`);
        });

      const call = async <R>(name: string, ...args: unknown[]): Promise<R> => {
        try {
          return (await page.evaluate(
            async ([fnName, fnArgs]) => {
              const functions = (globalThis as unknown as { __regcHarness: Record<string, (...a: unknown[]) => unknown> }).__regcHarness;
              const target = functions[fnName];
              if (!target) throw new Error(`the page exposes no function "${fnName}" (it has: ${Object.keys(functions).join(', ')})`);
              return target(...fnArgs);
            },
            [name, args] as const,
          )) as R;
        } catch (error) {
          throw new Error(`${name}() failed in the browser: ${(error as Error).message}\n${log.join('\n')}`);
        }
      };
      return await fn({ page, baseUrl: server.baseUrl, call, log });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
