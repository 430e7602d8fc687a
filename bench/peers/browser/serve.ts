// The bench page's server on 127.0.0.1 (a secure context, so WebGPU is on):
// the page's modules from memory, and read-only folders of the repository
// (the models, the compiled bundles, ORT's WASM) with the MIME types a page
// needs (WebAssembly streaming compilation insists on application/wasm).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
};

export interface BenchSite {
  /** URL path -> contents. */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  /** URL prefix ('/bench/models/') -> folder on disk. */
  readonly folders: Readonly<Record<string, string>>;
}

export interface BenchServer {
  readonly origin: string;
  close(): Promise<void>;
}

async function lookup(site: BenchSite, path: string): Promise<string | Uint8Array | undefined> {
  const inMemory = site.files.get(path);
  if (inMemory !== undefined) return inMemory;
  for (const [prefix, folder] of Object.entries(site.folders)) {
    if (!path.startsWith(prefix)) continue;
    const root = resolve(folder);
    const file = resolve(root, decodeURIComponent(path.slice(prefix.length)));
    if (!file.startsWith(root + sep)) return undefined; // no escaping the folder with ../
    return readFile(file).catch(() => undefined);
  }
  return undefined;
}

export async function serveBench(site: BenchSite): Promise<BenchServer> {
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const path = pathname.endsWith('/') ? `${pathname}index.html` : pathname;
    void lookup(site, path).then((body) => {
      if (body === undefined) response.writeHead(404).end('not found');
      else response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
