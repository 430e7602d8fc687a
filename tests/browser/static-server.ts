// A static file server on 127.0.0.1 (a secure context, so WebGPU is allowed),
// on a free port, serving in-memory files and optionally whole directories.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

export interface StaticSite {
  /** Files by URL path, e.g. '/index.html'. */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  /** URL prefix (e.g. '/bundle/') -> directory on disk. */
  readonly directories?: Readonly<Record<string, string>>;
}

export interface RunningServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wgsl': 'text/plain; charset=utf-8',
};

export async function serveStatic(site: StaticSite): Promise<RunningServer> {
  const server = createServer((request, response) => {
    void respond(site, new URL(request.url ?? '/', 'http://127.0.0.1').pathname).then(
      (body) => {
        if (body === undefined) {
          response.writeHead(404).end('not found');
          return;
        }
        response.writeHead(200, { 'content-type': contentType(body.path), 'cache-control': 'no-store' });
        response.end(body.content);
      },
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

async function respond(site: StaticSite, requested: string): Promise<{ path: string; content: string | Uint8Array } | undefined> {
  const path = requested.endsWith('/') ? `${requested}index.html` : requested;
  const inMemory = site.files.get(path);
  if (inMemory !== undefined) return { path, content: inMemory };
  for (const [prefix, directory] of Object.entries(site.directories ?? {})) {
    if (!path.startsWith(prefix)) continue;
    const root = resolve(directory);
    const file = resolve(root, decodeURIComponent(path.slice(prefix.length)));
    // Never serve anything outside the directory ("/bundle/../../etc/passwd").
    if (!file.startsWith(root + sep)) return undefined;
    try {
      return { path, content: await readFile(file) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function contentType(path: string): string {
  return CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done, fail) => server.close((error) => (error ? fail(error) : done())));
}
