// The package as a user gets it: `npm pack` (which builds dist/ through
// prepack), installed from the tarball into an empty project, and used there
// from plain Node with no tsx: the three exports, their types, and the `regc`
// command through npx.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const typescriptDir = dirname(require.resolve('typescript/package.json'));
const tsc = join(typescriptDir, (require('typescript/package.json') as { bin: { tsc: string } }).bin.tsc);

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

const node = (script: string, cwd: string) => run(process.execPath, [script], cwd);
// `--no`: never fetch regc from the registry; `--`: the rest is regc's, not npx's (`--help`).
const regc = (args: readonly string[], cwd: string) => run('npx', ['--no', '--', 'regc', ...args], cwd);

const TINY_SPEC = `model Tiny {
  input x: f32[N, 4]
  output y

  fc: linear(2)
}
`;

describe('the packed package, installed into an empty project', () => {
  let work: string;
  let project: string;
  let tarballFiles: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regc-pack-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], repo);
    const [entry] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarballFiles = entry!.files.map((f) => f.path);
    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, entry!.filename)], project);
    writeFileSync(join(project, 'tiny.reg'), TINY_SPEC);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the build, the README and the docs, and no sources or tests', () => {
    expect(tarballFiles).toContain('dist/cli/bin.js');
    expect(tarballFiles).toContain('README.md');
    expect(tarballFiles).toContain('docs/language.md');
    const strays = tarballFiles.filter((path) => path.startsWith('tests/') || (path.endsWith('.ts') && !path.endsWith('.d.ts')));
    expect(strays).toEqual([]);
    const { exports } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    for (const subpath of ['.', './runtime', './golden']) {
      const target = exports[subpath]!;
      expect(tarballFiles, subpath).toContain(target.types.replace(/^\.\//, ''));
      expect(tarballFiles, subpath).toContain(target.default.replace(/^\.\//, ''));
    }
  });

  it('does not install tsx: it is only for working from the sources', () => {
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
  });

  it('imports the compiler, the runtime and the golden checks from plain Node', async () => {
    writeFileSync(
      join(project, 'imports.mjs'),
      `import { readFileSync } from 'node:fs';
import { compileSource } from 'regc';
import { loadBundle } from 'regc/runtime';
import { checkGolden } from 'regc/golden';
const compiled = compileSource(readFileSync('tiny.reg', 'utf8'), 'tiny.reg');
console.log(JSON.stringify({
  exports: [typeof compileSource, typeof loadBundle, typeof checkGolden],
  diagnostics: compiled.diagnostics.length,
  model: compiled.bundle?.manifest.model,
}));
`,
    );
    const { stdout } = await node('imports.mjs', project);
    expect(JSON.parse(stdout)).toEqual({ exports: ['function', 'function', 'function'], diagnostics: 0, model: 'Tiny' });
  });

  it('runs `npx regc --help`', async () => {
    const { stdout } = await regc(['--help'], project);
    expect(stdout).toMatch(/^Usage: regc <command>/m);
    expect(stdout).toContain('compile');
  });

  it('compiles and runs a spec with `npx regc`, and loads the bundle and an ESM module with the runtime', async () => {
    await regc(['compile', 'tiny.reg', '-o', 'out'], project);
    const ran = await regc(['run', 'out', '--random', '--batch', '1'], project);
    expect(ran.stdout).toMatch(/^y: f32\[1, 2\]/m);
    await regc(['compile', 'tiny.reg', '--format', 'esm', '-o', 'tiny.js'], project);
    // loadBundle on a folder and the default Dawn device go through the
    // runtime's lazy Node-only imports, which must resolve in dist/ too.
    writeFileSync(
      join(project, 'load.mjs'),
      `import { loadBundle } from 'regc/runtime';
const esm = await import('./tiny.js');
const model = await loadBundle('out');
const { y } = await model.run({ x: new Float32Array(2 * 4) });
console.log(JSON.stringify({ esm: [esm.manifest.model, typeof esm.load], shape: y.shape }));
`,
    );
    const { stdout } = await node('load.mjs', project);
    expect(JSON.parse(stdout)).toEqual({ esm: ['Tiny', 'function'], shape: [2, 2] });
  });

  it('bundles the runtime for the browser with no Node-only code', async () => {
    writeFileSync(join(project, 'page.mjs'), `import { loadBundle } from 'regc/runtime';\nexport { loadBundle };\n`);
    writeFileSync(
      join(project, 'bundle-page.mjs'),
      `import { build } from 'esbuild';
await build({ entryPoints: ['page.mjs'], bundle: true, platform: 'browser', format: 'esm', outfile: 'page.js', logLevel: 'error' });
`,
    );
    // platform 'browser' fails the build on any node: import it would bundle.
    await node('bundle-page.mjs', project);
    const page = readFileSync(join(project, 'page.js'), 'utf8');
    expect(page).toContain('function loadBundle(');
    expect(page).not.toMatch(/function (folderSource|requestNodeDevice)\(/);
  });

  it('type-checks a TypeScript consumer against the installed declarations', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { compileSource, type CompileResult } from 'regc';
import { loadBundle, type LoadedBundle } from 'regc/runtime';
import { checkGolden, type GoldenResult } from 'regc/golden';

export const compiled: CompileResult = compileSource('model M {}', 'm.reg');
export const errors: number = compiled.diagnostics.length;
export const loaded: Promise<LoadedBundle> = loadBundle('out');
export const golden: (bundle: LoadedBundle, folder: string) => Promise<GoldenResult> = checkGolden;
// @ts-expect-error: the declarations give real types, so a wrong one is an error, not any
export const wrong: string = compileSource;
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['consumer.ts'],
      }),
    );
    await run(process.execPath, [tsc, '-p', '.'], project);
  });
});
