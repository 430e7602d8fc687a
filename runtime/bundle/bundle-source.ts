// Where a bundle's files come from: a folder (Node), a URL (fetch), or memory.
// The loader sees only this interface.
import { BundleError } from './validate-manifest.ts';

export interface BundleSource {
  /** Describes the source in error messages. */
  readonly description: string;
  readText(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
}

/** A bundle held in memory: file path -> contents. */
export interface InMemoryBundle {
  readonly files: ReadonlyMap<string, string | Uint8Array> | Readonly<Record<string, string | Uint8Array>>;
}

export function memorySource(bundle: InMemoryBundle, description = 'in-memory bundle'): BundleSource {
  const files = bundle.files instanceof Map ? bundle.files : new Map(Object.entries(bundle.files));
  const get = (path: string) => {
    const f = files.get(path);
    if (f === undefined) throw new BundleError(`${description}: missing file ${path}`);
    return f;
  };
  return {
    description,
    readText: async (path) => {
      const f = get(path);
      return typeof f === 'string' ? f : new TextDecoder('utf-8', { fatal: true }).decode(f);
    },
    readBytes: async (path) => {
      const f = get(path);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
  };
}

export function urlSource(base: string | URL, fetchImpl: typeof fetch = fetch): BundleSource {
  const root = new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`, globalThis.location?.href);
  const get = async (path: string) => {
    const url = new URL(path, root);
    const response = await fetchImpl(url);
    if (!response.ok) throw new BundleError(`cannot fetch ${url.href}: HTTP ${response.status}`);
    return response;
  };
  return {
    description: root.href,
    readText: async (path) => (await get(path)).text(),
    readBytes: async (path) => new Uint8Array(await (await get(path)).arrayBuffer()),
  };
}
