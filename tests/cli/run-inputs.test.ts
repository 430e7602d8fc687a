// `regc run` and LoadedBundle.run on inputs that do not fit the bundle:
// misshaped or float64 .npy files, a --batch over maxBatch, and weights
// holding NaN (at compile and at load); and a missing weights file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import { writeNpy } from '../../runtime/io/npy.ts';
import { writeSafetensors } from '../../runtime/io/safetensors.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'regc-run-inputs-'));
const SPEC = 'model M {\n  input x: f32[N, 1, 16, 16]\n  output y\n  flatten\n  fc: linear(3)\n}\n';
const specFile = join(dir, 'm.reg');
const bundle = join(dir, 'bundle');
const nanWeights = join(dir, 'nan.safetensors');

function npy(name: string, shape: number[], dtype: 'F32' | 'F64' = 'F32'): string {
  const path = join(dir, name);
  const count = shape.reduce((p, d) => p * d, 1);
  writeFileSync(path, writeNpy({ dtype, shape, data: Float32Array.from({ length: count }, (_, i) => (i % 7) / 7) }));
  return path;
}

beforeAll(async () => {
  writeFileSync(specFile, SPEC);
  const compiled = await runCli(['compile', specFile, '-o', bundle]);
  expect(compiled.status, compiled.stderr).toBe(0);
  const weight = Float32Array.from({ length: 3 * 256 }, (_, i) => (i % 5) / 50);
  weight[7] = Number.NaN;
  weight[9] = Number.POSITIVE_INFINITY;
  const bias = new Float32Array(3);
  bias[1] = Number.NaN;
  writeFileSync(nanWeights, writeSafetensors({ 'fc.weight': { dtype: 'F32', shape: [3, 256], data: weight }, 'fc.bias': { dtype: 'F32', shape: [3], data: bias } }));
}, 120_000);

describe('regc run inputs', () => {
  it('runs an input of the declared shape', async () => {
    const r = await runCli(['run', bundle, '-i', npy('ok.npy', [2, 1, 16, 16])]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/y: f32\[2, 3\]/);
    expect(r.stdout).toMatch(/argmax \d/);
  });

  it('refuses an array of another shape instead of running it as another batch', async () => {
    const r = await runCli(['run', bundle, '-i', npy('wrong.npy', [4, 1, 8, 16])]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('input `x` has shape [4, 1, 8, 16]');
    expect(r.stderr).toContain('f32[N, 1, 16, 16]');
    expect(r.stderr).toContain('x.reshape(-1, 1, 16, 16)');
  });

  it('refuses float64 and says how to convert', async () => {
    const r = await runCli(['run', bundle, '-i', npy('f64.npy', [2, 1, 16, 16], 'F64')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('holds float64, the model takes float32');
    expect(r.stderr).toContain('x.astype(np.float32)');
  });

  it('checks --batch against maxBatch before allocating', async () => {
    const r = await runCli(['run', bundle, '--random', '--batch', '1000000000']);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/RangeError/);
    expect(r.stderr).toMatch(/maxBatch of 4096/);
    expect(r.stderr).toContain('regc compile --max-batch');
  });
});

describe('LoadedBundle.run with shapes', () => {
  it('takes { data, shape } and checks the shape', async () => {
    const { device } = await requestNodeDevice();
    const loaded = await loadBundleFrom(folderSource(bundle), device);
    try {
      const data = new Float32Array(2 * 256);
      const out = await loaded.run({ x: { data, shape: [2, 1, 16, 16] } });
      expect(out.y!.shape).toEqual([2, 3]);
      expect((await loaded.run({ x: data })).y!.shape).toEqual([2, 3]);
      await expect(loaded.run({ x: { data, shape: [4, 1, 8, 16] } })).rejects.toThrow(/input `x` has shape \[4, 1, 8, 16\].*f32\[N, 1, 16, 16\]/);
      await expect(loaded.run({ x: { data, shape: [2, 1, 16] } })).rejects.toThrow(/has 32 values, the data 512/);
      await expect(loaded.run({ x: { data, shape: [2, 1, 16, 16] } }, { batch: 3 })).rejects.toThrow(/N is 2/);
    } finally {
      loaded.destroy();
    }
  });
});

describe('non-finite weights', () => {
  it('refuses them at compile, naming each tensor, unless --allow-non-finite', async () => {
    const r = await runCli(['compile', specFile, '-w', nanWeights, '-o', join(dir, 'refused')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tensor "fc.weight": 1 NaN, 1 Inf (first at element 7)');
    expect(r.stderr).toContain('tensor "fc.bias": 1 NaN');
    expect(r.stderr).toContain('--allow-non-finite');
  });

  it('refuses them at load unless allowed, and prints no argmax for a NaN row', async () => {
    const nanBundle = join(dir, 'nan-bundle');
    const compiled = await runCli(['compile', specFile, '-w', nanWeights, '--allow-non-finite', '-o', nanBundle]);
    expect(compiled.status, compiled.stderr).toBe(0);
    const refused = await runCli(['run', nanBundle, '--random']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('tensor "fc.weight": 1 NaN, 1 Inf');
    expect(refused.stderr).toContain('tensor "fc.bias": 1 NaN');
    const { device } = await requestNodeDevice();
    await expect(loadBundleFrom(folderSource(nanBundle), device)).rejects.toThrow(/fc\.weight[\s\S]*fc\.bias|fc\.bias[\s\S]*fc\.weight/);
    const ran = await runCli(['run', nanBundle, '--random', '--allow-non-finite']);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('argmax n/a (NaN in output)');
    expect(ran.stdout).not.toContain('argmax -1');
  });
});

describe('regc compile -w', () => {
  it('says plainly that the weights file is missing', async () => {
    const missing = join(dir, 'nope.safetensors');
    const r = await runCli(['compile', specFile, '-w', missing, '-o', join(dir, 'x')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read weights file \`${missing}\`: no such file`);
    expect(r.stderr).not.toContain('ENOENT');
  });
});

describe('regc run -i', () => {
  it('says plainly that an input file is missing', async () => {
    const missing = join(dir, 'nope.npy');
    const r = await runCli(['run', bundle, '-i', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read input file \`${missing}\`: no such file`);
  });

  it('lists a wrong dtype and a wrong shape together', async () => {
    const r = await runCli(['run', bundle, '-i', npy('both.npy', [4, 1, 8, 16], 'F64')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('holds float64, the model takes float32');
    expect(r.stderr).toContain('input `x` has shape [4, 1, 8, 16], the model declares f32[N, 1, 16, 16]');
  });
});
