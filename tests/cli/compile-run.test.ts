// The main job as a user runs it: compile with torch weights, run on .npy,
// record and check golden outputs; and a weight file that does not fit.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../runtime/io/npy.ts';
import { agreement, loadModelCase, MODELS_GOLDEN_DIR } from '../e2e/model-cases.ts';
import { spawnCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'regc-compile-'));
const c = loadModelCase('lenet-fashion');
const specFile = join(MODELS_GOLDEN_DIR, 'lenet-fashion', 'model.reg');
const weights = join(MODELS_GOLDEN_DIR, 'lenet-fashion', 'weights.safetensors');

describe('regc compile, run and golden', () => {
  it('compiles with torch weights and runs to torch\'s numbers', async () => {
    const bundle = join(dir, 'bundle');
    const compiled = await spawnCli(['compile', specFile, '--weights', weights, '-o', bundle]);
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stderr).toMatch(/compiled .*dispatches/);
    writeFileSync(join(dir, 'x.npy'), writeNpy({ dtype: 'F32', shape: c.input.shape, data: c.input.data }));
    const ran = await spawnCli(['run', bundle, '-i', join(dir, 'x.npy'), '-o', join(dir, 'y.npy')]);
    expect(ran.status, ran.stderr).toBe(0);
    const y = readNpy(new Uint8Array(readFileSync(join(dir, 'y.npy'))));
    expect(y.shape).toEqual([...c.expected.shape]);
    expect(agreement({ shape: y.shape, data: y.data as Float32Array }, c.expected, c.tolerance).failures).toBe(0);

    const golden = join(dir, 'golden');
    expect((await spawnCli(['golden', 'record', bundle, golden, '--input', join(dir, 'x.npy')])).status).toBe(0);
    const checked = await spawnCli(['golden', 'check', bundle, golden]);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/ok \(max abs error/);
    // A drifted output fails the check.
    const index = JSON.parse(readFileSync(join(golden, 'golden.json'), 'utf8')) as { outputs: Record<string, string> };
    const outFile = join(golden, Object.values(index.outputs)[0]!);
    const expected = readNpy(new Uint8Array(readFileSync(outFile)));
    (expected.data as Float32Array)[0]! += 0.5;
    writeFileSync(outFile, writeNpy(expected));
    const drifted = await spawnCli(['golden', 'check', bundle, golden]);
    expect(drifted.status).toBe(1);
    expect(drifted.stderr).toMatch(/1 values outside atol/);
  });

  it('lists every mismatch of a weight file that belongs to another model', async () => {
    const other = join(MODELS_GOLDEN_DIR, 'mlp', 'weights.safetensors');
    const r = await spawnCli(['compile', specFile, '--weights', other, '-o', join(dir, 'wrong')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/do not match the spec/);
    expect(r.stderr).toMatch(/missing tensor `c1\.weight`/);
    expect(r.stderr).toMatch(/extra tensor/);
  });

  it('refuses a bundle whose manifest was tampered with', async () => {
    const bundle = join(dir, 'tampered');
    expect((await spawnCli(['compile', specFile, '-o', bundle])).status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    manifest.dispatches[0].buffers[0] = 10_000;
    writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(manifest));
    const r = await spawnCli(['run', bundle, '--random']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/manifest\.json: dispatches\[0\]\.buffers\[0\]/);
  });
});
