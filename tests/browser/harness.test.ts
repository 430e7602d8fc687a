// The harness pieces that need no browser: bundling and serving.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleEntry } from './bundle-entry.ts';
import { serveStatic } from './static-server.ts';

const runtimeFile = (path: string) => fileURLToPath(new URL(`../../runtime/${path}`, import.meta.url));

describe('bundleEntry', () => {
  it.each(['device/browser.ts', 'io/safetensors.ts', 'io/npy.ts'])('bundles browser-facing runtime module %s', async (path) => {
    const code = await bundleEntry(runtimeFile(path));
    expect(code).not.toMatch(/from\s*["']node:/);
  });

  it('refuses Node-only modules, so the runtime cannot ship them by mistake', async () => {
    await expect(bundleEntry(runtimeFile('io/tensor-files-node.ts'))).rejects.toThrow(/node:fs/);
  });
});

describe('serveStatic', () => {
  const root = mkdtempSync(join(tmpdir(), 'regc-serve-'));
  mkdirSync(join(root, 'bundle'));
  writeFileSync(join(root, 'bundle', 'manifest.json'), '{"ok":true}');
  writeFileSync(join(root, 'secret.txt'), 'outside the served folder');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves in-memory files and directories, and nothing outside them', async () => {
    const server = await serveStatic({
      files: new Map([['/index.html', '<p>hi</p>']]),
      directories: { '/bundle/': join(root, 'bundle') },
    });
    try {
      expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const index = await fetch(`${server.baseUrl}/`);
      expect(index.headers.get('content-type')).toMatch(/text\/html/);
      expect(await index.text()).toBe('<p>hi</p>');
      expect(await (await fetch(`${server.baseUrl}/bundle/manifest.json`)).json()).toEqual({ ok: true });
      expect((await fetch(`${server.baseUrl}/bundle/..%2fsecret.txt`)).status).toBe(404);
      expect((await fetch(`${server.baseUrl}/missing.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
