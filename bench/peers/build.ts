// Bundles what the child processes and the page run, with esbuild: regc's
// TypeScript becomes plain JavaScript, as an application would ship it, so a
// cold start measures the system and not a TypeScript loader.
//   Node: node-child.mjs and compile-child.mjs under bench/.cache/peers/node/,
//     packages left as imports (they resolve from the repository's
//     node_modules, and their native and WASM files stay where they expect).
//   Chromium: one page module with every system in its own lazily loaded
//     chunk, held in memory for the bench server.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/** The page's modules by URL path under /page/ (entry: /page/browser-page.js). */
export async function buildPage(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    entryPoints: { 'browser-page': here('./browser/browser-page.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/page',
    logLevel: 'warning',
  });
  return new Map(result.outputFiles.map((f) => [f.path, f.contents]));
}
