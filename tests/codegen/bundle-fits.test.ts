// A bundle that compiles is one the runtime accepts: its maxBatch is
// lowered to what its buffers and the runtime's caps allow (the fuzz
// campaign compiled `f32[N, 28, 65536]` inputs into bundles validate-manifest
// refused at the default maxBatch of 4096), and kernels shared between alike
// nodes stay right for each.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { DEFAULT_MAX_BATCH } from '../../compiler/codegen/generate.ts';
import { DEFAULT_RUN_CAPS, runFigures } from '../../runtime/bundle/run-limits.ts';
import { MANIFEST_LIMITS, validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import type { Manifest } from '../../runtime/bundle/manifest.ts';

const model = (input: string, body: string) => `model M {\n  input x: f32[${input}]\n  output y\n${body}\n}\n`;

function bundleOf(text: string, maxBatch?: number): Manifest {
  const result = compileSource(text, 'm.reg', maxBatch === undefined ? {} : { maxBatch });
  expect(result.diagnostics).toEqual([]);
  return result.bundle!.manifest;
}

/** Whether the runtime could run the bundle at batch `n` (the checks fittingMaxBatch makes). */
function runsAt(manifest: Manifest, n: number): boolean {
  const buffersFit = manifest.buffers.every((b) => b.kind !== 'activation' || b.elements.perN * n + b.elements.fixed <= MANIFEST_LIMITS.maxBufferElements);
  const figures = runFigures(manifest, n);
  return buffersFit && figures.memoryBytes <= DEFAULT_RUN_CAPS.maxMemoryBytes && figures.invocations <= DEFAULT_RUN_CAPS.maxInvocations;
}

describe('the maxBatch a bundle gets', () => {
  it('is the default for a small model', () => {
    expect(bundleOf(model('N, 4', '  linear(2)')).maxBatch).toBe(DEFAULT_MAX_BATCH);
  });

  it('is the largest batch that fits when the default does not, and the runtime accepts the bundle', () => {
    for (const [input, layer] of [['N, 28, 65536', 'relu'], ['N, 28, 65536', 'linear(4)'], ['N, 4096, 64', 'multihead_attention(heads=1)']]) {
      const manifest = bundleOf(model(input!, `  ${layer}`));
      expect(manifest.maxBatch, layer).toBeLessThan(DEFAULT_MAX_BATCH);
      expect(runsAt(manifest, manifest.maxBatch), layer).toBe(true);
      expect(runsAt(manifest, manifest.maxBatch + 1), layer).toBe(false);
      expect(() => validateManifest(JSON.parse(JSON.stringify(manifest))), layer).not.toThrow();
    }
  });

  it('never passes what the compile asks for', () => {
    expect(bundleOf(model('N, 4', '  linear(2)'), 16).maxBatch).toBe(16);
    expect(bundleOf(model('N, 28, 65536', '  relu'), 16).maxBatch).toBe(16);
  });
});

describe('kernels shared by alike nodes', () => {
  it('tell `h + h` (one buffer read twice) from `h + g` of the same shapes', () => {
    const manifest = bundleOf(model('N, 4', '  let h = x -> relu\n  let g = x -> sigmoid\n  let a = h + h\n  let b = h + g\n  let y = concat(a, b)'));
    const adds = manifest.dispatches.filter((d) => d.label === 'add');
    expect(adds.map((d) => d.buffers.length).sort()).toEqual([2, 3]);
    expect(new Set(adds.map((d) => d.shader)).size).toBe(2);
  });

  it('give repeated blocks one shader per kernel', () => {
    const text = `block B() {\n  input x\n  fc: linear(8)\n  relu\n}\n${model('N, 8', '  repeat 20 B')}`;
    const manifest = bundleOf(text);
    const linears = manifest.dispatches.filter((d) => d.label.endsWith('.fc'));
    expect(linears).toHaveLength(20);
    expect(new Set(linears.map((d) => d.shader)).size).toBe(1);
  });
});
