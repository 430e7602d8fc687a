// `regc compile -o` and `regc run -o` delete or overwrite nothing regc did not
// write: symbolic links are refused, not followed; folders and files that are
// not regc's own output are refused; a failed compile creates nothing.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESM_MODULE_MARKER } from '../../compiler/bundle/output-path.ts';
import { writeNpyFile } from '../../runtime/io/tensor-files-node.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'regc-output-'));
const spec = join(dir, 'tiny.reg');
writeFileSync(spec, 'model Tiny {\n  input x: f32[N, 4]\n  output y\n  fc: linear(3) -> relu\n}\n');
const broken = join(dir, 'broken.reg');
writeFileSync(broken, 'model Broken {\n  input x: f32[N, 4]\n  output y\n  fc: no_such_layer(3)\n}\n');

function canaryDir(name: string): { path: string; canary: string } {
  const path = join(dir, name);
  mkdirSync(path);
  const canary = join(path, 'canary.txt');
  writeFileSync(canary, 'keep me');
  return { path, canary };
}

/** No temporary or backup siblings are left in `dir`. */
function noLeftovers(): void {
  expect(readdirSync(dir).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
}

describe('regc compile -o', () => {
  it('refuses a folder that is not a bundle, and leaves it alone', async () => {
    const { path, canary } = canaryDir('not-a-bundle');
    const r = await runCli(['compile', spec, '-o', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`refusing to write to \`${path}\``);
    expect(r.stderr).toMatch(/not a regc bundle/);
    expect(r.stderr).toMatch(/help: give `-o` a path that does not exist yet/);
    expect(r.stderr).not.toMatch(/compiled/); // refused before compiling
    expect(readFileSync(canary, 'utf8')).toBe('keep me');
    noLeftovers();
  });

  it('refuses a folder whose manifest.json is some other program\'s', async () => {
    const { path, canary } = canaryDir('other-manifest');
    writeFileSync(join(path, 'manifest.json'), '{"format": "something-else"}');
    const r = await runCli(['compile', spec, '-o', path, '--force']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"format": "regc-bundle"/);
    expect(readFileSync(canary, 'utf8')).toBe('keep me');
  });

  it('refuses a regular file, and leaves it alone', async () => {
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'keep me');
    const r = await runCli(['compile', spec, '-o', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/it is a file, not a regc bundle folder/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a symbolic link to a folder, and follows it nowhere', async () => {
    const { path: target, canary } = canaryDir('link-target');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    const r = await runCli(['compile', spec, '-o', link]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readdirSync(target)).toEqual(['canary.txt']);
    expect(readFileSync(canary, 'utf8')).toBe('keep me');
  });

  it('writes into an empty folder', async () => {
    const out = join(dir, 'empty');
    mkdirSync(out);
    const r = await runCli(['compile', spec, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });

  it('replaces its own earlier bundle', async () => {
    const out = join(dir, 'bundle');
    expect((await runCli(['compile', spec, '-o', out, '--seed', '1'])).status).toBe(0);
    const first = readFileSync(join(out, 'weights.safetensors'));
    const again = await runCli(['compile', spec, '-o', out, '--seed', '2']);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'weights.safetensors')).equals(first)).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).format).toBe('regc-bundle');
    noLeftovers();
  });

  it('replaces a bundle holding other files only with --force', async () => {
    const out = join(dir, 'bundle-extra');
    expect((await runCli(['compile', spec, '-o', out])).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const refused = await runCli(['compile', spec, '-o', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/also holds files regc did not write: `notes\.txt`/);
    expect(refused.stderr).toMatch(/--force/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    const forced = await runCli(['compile', spec, '-o', out, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(join(out, 'notes.txt'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    noLeftovers();
  });

  it('creates nothing when the compile fails', async () => {
    const out = join(dir, 'nested', 'failed');
    const r = await runCli(['compile', broken, '-o', out]);
    expect(r.status).toBe(1);
    expect(existsSync(join(dir, 'nested'))).toBe(false);
    noLeftovers();
  });
});

describe('regc compile --format esm -o', () => {
  it('refuses a symbolic link, and writes nothing through it', async () => {
    const target = join(dir, 'esm-target.js');
    writeFileSync(target, ESM_MODULE_MARKER + 'export {};\n');
    const link = join(dir, 'esm-link.js');
    symlinkSync(target, link);
    const r = await runCli(['compile', spec, '--format', 'esm', '-o', link]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(ESM_MODULE_MARKER + 'export {};\n');
  });

  it('refuses a file regc did not write', async () => {
    const file = join(dir, 'app.js');
    writeFileSync(file, 'console.log("mine");\n');
    const r = await runCli(['compile', spec, '--format', 'esm', '-o', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/a file regc did not write/);
    expect(readFileSync(file, 'utf8')).toBe('console.log("mine");\n');
  });

  it('replaces its own earlier module', async () => {
    const file = join(dir, 'web', 'model.js');
    const first = await runCli(['compile', spec, '--format', 'esm', '-o', file, '--seed', '1']);
    expect(first.status, first.stderr).toBe(0);
    const before = readFileSync(file, 'utf8');
    expect(before.startsWith(ESM_MODULE_MARKER)).toBe(true);
    const second = await runCli(['compile', spec, '--format', 'esm', '-o', file, '--seed', '2']);
    expect(second.status, second.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe(before);
    expect(readdirSync(join(dir, 'web'))).toEqual(['model.js']);
  });
});

describe('tensor files and regc run -o', () => {
  it('writeNpyFile refuses a folder or a symbolic link with a TensorFileError', async () => {
    const tensor = { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) };
    const { path } = canaryDir('npy-dir');
    await expect(writeNpyFile(path, tensor)).rejects.toThrow(TensorFileError);
    await expect(writeNpyFile(path, tensor)).rejects.toThrow(/is a directory/);
    const target = join(dir, 'target.npy');
    writeFileSync(target, 'keep me');
    const link = join(dir, 'link.npy');
    symlinkSync(target, link);
    await expect(writeNpyFile(link, tensor)).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    const file = join(dir, 'fresh.npy');
    await writeNpyFile(file, tensor);
    await writeNpyFile(file, tensor);
    expect(readFileSync(file).subarray(1, 6).toString()).toBe('NUMPY');
    noLeftovers();
  });

  it('regc run -o onto a folder exits 1 with a clear message', async () => {
    const out = join(dir, 'run-bundle');
    expect((await runCli(['compile', spec, '-o', out])).status).toBe(0);
    const { path, canary } = canaryDir('run-out');
    const r = await runCli(['run', out, '--random', '-o', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is a directory/);
    expect(r.stderr).not.toMatch(/EISDIR|\n\s+at /);
    expect(readFileSync(canary, 'utf8')).toBe('keep me');
  });
});
