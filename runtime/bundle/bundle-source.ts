// Where a bundle's files come from: a folder (Node), a URL (fetch), or memory.
// The loader sees only this interface.
import { bundleText } from './bundle-text.ts';
import { BundleError } from './validate-manifest.ts';

export interface BundleSource {
  /** Describes the source in error messages. */
  readonly description: string;
  /**
   * Reading costs no round trip but does cost the reading (a folder on
   * disk). The loader then asks for the weights once the manifest has said
   * how large they may be, instead of together with it under a generous
   * cap: a hostile folder's sparse 2 GiB file is then refused from its
   * size, not read first. (Files in memory are there already: asking early
   * costs nothing.)
   */
  readonly local?: boolean;
  /**
   * Reads one file of the bundle, refusing it (a BundleError) where it has
   * more than `maxBytes` bytes: the loader gives each file the most it can
   * hold, so a hostile bundle cannot make it read without end.
   */
  readText(path: string, maxBytes?: number): Promise<string>;
  readBytes(path: string, maxBytes?: number): Promise<Uint8Array>;
}

/** A bundle held in memory: file path -> contents. */
export interface InMemoryBundle {
  readonly files: ReadonlyMap<string, string | Uint8Array> | Readonly<Record<string, string | Uint8Array>>;
}

function tooLarge(description: string, path: string, size: number, maxBytes: number): never {
  throw new BundleError(`${description}: ${path} is ${size} bytes, more than the ${maxBytes} bytes allowed for it`);
}

export function memorySource(bundle: InMemoryBundle, description = 'in-memory bundle'): BundleSource {
  const files = bundle.files instanceof Map ? bundle.files : new Map(Object.entries(bundle.files));
  const get = (path: string, maxBytes: number | undefined) => {
    const f = files.get(path);
    if (f === undefined) throw new BundleError(`${description}: missing file ${path}`);
    if (maxBytes !== undefined) {
      // A string's UTF-8 length is at most three bytes per UTF-16 unit; encoded only when that could be too many.
      const size = typeof f !== 'string' ? f.length : f.length * 3 <= maxBytes ? 0 : new TextEncoder().encode(f).length;
      if (size > maxBytes) tooLarge(description, path, size, maxBytes);
    }
    return f;
  };
  return {
    description,
    readText: async (path, maxBytes) => {
      const f = get(path, maxBytes);
      return typeof f === 'string' ? f : bundleText(f, description, path);
    },
    readBytes: async (path, maxBytes) => {
      const f = get(path, maxBytes);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
  };
}

export function urlSource(base: string | URL, fetchImpl: typeof fetch = fetch): BundleSource {
  const root = new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`, globalThis.location?.href);
  const get = async (path: string, maxBytes: number | undefined): Promise<Uint8Array> => {
    const url = new URL(path, root);
    const response = await fetchImpl(url);
    if (!response.ok) throw new BundleError(`cannot fetch ${url.href}: HTTP ${response.status}`);
    if (maxBytes === undefined) return new Uint8Array(await response.arrayBuffer());
    // Content-Length, where given, refuses a body too large before it is read;
    // the body is still counted as it comes, for a length that is absent or
    // wrong (or one that counts compressed bytes).
    const declared = Number(response.headers?.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new BundleError(`${url.href} is ${declared} bytes (Content-Length), more than the ${maxBytes} bytes allowed for it`);
    }
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > maxBytes) throw new BundleError(`${url.href} is ${bytes.length} bytes, more than the ${maxBytes} bytes allowed for it`);
      return bytes;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BundleError(`${url.href}: the response has more than the ${maxBytes} bytes allowed for it`);
      }
      chunks.push(value);
    }
    if (chunks.length === 1) return chunks[0]!;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  };
  return {
    description: root.href,
    readText: async (path, maxBytes) => bundleText(await get(path, maxBytes), root.href, path),
    readBytes: (path, maxBytes) => get(path, maxBytes),
  };
}
