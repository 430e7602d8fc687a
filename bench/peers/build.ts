// Bundles what the child processes and the page run, with esbuild: regc's
// TypeScript becomes plain JavaScript, as an application would ship it, so a
// cold start measures the system and not a TypeScript loader.
//   Node: node-child.mjs and compile-child.mjs under bench/.cache/peers/node/,
//     packages left as imports (they resolve from the repository's
//     node_modules, and their native and WASM files stay where they expect).
//   Chromium: one self-contained page module per system, held in memory
//     for the bench server.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BROWSER_SYSTEM_IDS } from './system.ts';

export const CACHE_DIR = 'bench/.cache/peers';
export const NODE_BUILD_DIR = `${CACHE_DIR}/node`;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export async function buildNodeChildren(): Promise<{ nodeChild: string; compileChild: string }> {
  rmSync(NODE_BUILD_DIR, { recursive: true, force: true }); // no stale chunks from an earlier build
  await build({
    entryPoints: { 'node-child': here('./node-child.ts'), 'compile-child': here('./compile-child.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: NODE_BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return { nodeChild: `${NODE_BUILD_DIR}/node-child.mjs`, compileChild: `${NODE_BUILD_DIR}/compile-child.mjs` };
}

/** The page modules by URL path: /page/<system id>.js, each self-contained. */
export async function buildPage(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    entryPoints: Object.fromEntries(BROWSER_SYSTEM_IDS.map((id) => [id, here(`./browser/pages/${id}.ts`)])),
    bundle: true,
    // No shared chunks: each page is one request, as an application ships one
    // bundle, rather than a chain of imports each waiting for the last.
    splitting: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/page',
    logLevel: 'warning',
  });
  return new Map(result.outputFiles.map((f) => [f.path, f.contents]));
}

/**
 * The bench's one HTML page: it imports the module of the system its query
 * names (?system=..), from the start of the page.
 */
export const BENCH_PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>regc bench</title>' +
  '<script type="module">import(`/page/${new URLSearchParams(location.search).get("system")}.js`);</script>' +
  '</head><body></body></html>\n';
