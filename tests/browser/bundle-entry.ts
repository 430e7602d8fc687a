// Bundles a browser entry module into one ES module with esbuild, in memory.
// platform 'browser' makes any node: import a build error, which is the check
// that the runtime stays deployable.
import { build } from 'esbuild';

export async function bundleEntry(entryFile: string): Promise<string> {
  const result = await build({
    entryPoints: [entryFile],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entryFile}`);
  return output.text;
}
