// Bundles train-child.ts with esbuild for the training-step runs. Unlike
// the inference children (build.ts), TF.js is bundled in, from its ES module
// build: training needs its gradients, which only that build has as a module
// of their own (dist/register_all_gradients.js, with imports Node's own ES
// module loader does not resolve), and they must register with the same
// copy of tfjs-core the backend uses. The `webgpu` package (Dawn, a native
// addon) stays an import.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CACHE_DIR } from './build.ts';

export const TRAIN_BUILD_DIR = `${CACHE_DIR}/train`;

export async function buildTrainChild(): Promise<string> {
  rmSync(TRAIN_BUILD_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { 'train-child': fileURLToPath(new URL('./train-child.ts', import.meta.url)) },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['webgpu'],
    // Bundled CommonJS dependencies of TF.js call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    outdir: TRAIN_BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  return `${TRAIN_BUILD_DIR}/train-child.mjs`;
}
