// Which shaders a bundle compiles before its first run and which after, for
// each pipeline choice, and which variant a dispatch runs as its compiles
// finish (pure: no device).
import { describe, expect, it } from 'vitest';
import type { DispatchSpec, Manifest, ShaderSpec } from '../../runtime/bundle/manifest.ts';
import { currentVariant, firstCompileOf, shaderTiers, type PipelineTable } from '../../runtime/bundle/pipeline-tiers.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';

const shader = (id: string): ShaderSpec => ({ id, file: `shaders/${id}.wgsl`, entryPoint: 'main', workgroupSize: 64, bindings: ['read', 'read_write'], usesBatch: true });
const variant = (shader: string) => ({ shader, groups: { perN: 4, fixed: 0 }, groupsDivisor: 1 });
const dispatch = (id: string, quick?: string, subgroups?: string): DispatchSpec => ({
  shader: id,
  buffers: [0, 1],
  groups: { perN: 1, fixed: 0 },
  groupsDivisor: 1,
  label: id,
  ...(quick ? { quick: variant(quick) } : {}),
  ...(subgroups ? { subgroups: variant(subgroups) } : {}),
});

function manifest(dispatches: DispatchSpec[], ids: string[]): Manifest {
  return {
    format: 'regc-bundle',
    version: 1,
    model: 'M',
    generator: 'test',
    inputs: [],
    outputs: [],
    maxBatch: 8,
    weightsFile: 'weights.safetensors',
    buffers: [],
    shaders: ids.map(shader),
    dispatches,
  };
}

const ids = (shaders: readonly ShaderSpec[]) => shaders.map((s) => s.id);

describe('shader tiers', () => {
  // gemm has a quick twin and runs twice; pool has none.
  const m = manifest([dispatch('gemm', 'gemm.quick'), dispatch('pool'), dispatch('gemm', 'gemm.quick')], ['gemm', 'gemm.quick', 'pool']);

  it('tiered: quick twins and twinless shaders first, fast twins after, each once', () => {
    const tiers = shaderTiers(m, 'tiered', false);
    expect(ids(tiers.first)).toEqual(['gemm.quick', 'pool']);
    expect(ids(tiers.later)).toEqual(['gemm']);
  });

  it('fast: every fast shader first, no quick one', () => {
    expect(ids(shaderTiers(m, 'fast', false).first)).toEqual(['gemm', 'pool']);
    expect(shaderTiers(m, 'fast', false).later).toEqual([]);
  });

  it('quick: quick twins and twinless shaders, nothing later', () => {
    expect(ids(shaderTiers(m, 'quick', false).first)).toEqual(['gemm.quick', 'pool']);
    expect(shaderTiers(m, 'quick', false).later).toEqual([]);
  });

  describe('on a device that runs quad-shared kernels', () => {
    const withShared = manifest(
      [dispatch('gemm', 'gemm.quick', 'gemm.shared'), dispatch('pool'), dispatch('small', undefined, 'small.shared')],
      ['gemm', 'gemm.quick', 'gemm.shared', 'pool', 'small', 'small.shared'],
    );
    it('tiered: the shared variants replace the fast shaders after the first run', () => {
      const tiers = shaderTiers(withShared, 'tiered', true);
      expect(ids(tiers.first)).toEqual(['gemm.quick', 'pool', 'small']);
      expect(ids(tiers.later)).toEqual(['gemm.shared', 'small.shared']);
      expect(ids(shaderTiers(withShared, 'tiered', false).later)).toEqual(['gemm']);
    });
    it('fast: the shared variants at load, their portable shaders never', () => {
      expect(ids(shaderTiers(withShared, 'fast', true).first)).toEqual(['gemm.shared', 'pool', 'small.shared']);
    });
  });

  it('a fast shader another dispatch runs without a twin is compiled first, not later', () => {
    const shared = manifest([dispatch('gemm', 'gemm.quick'), dispatch('gemm')], ['gemm', 'gemm.quick']);
    const tiers = shaderTiers(shared, 'tiered', false);
    expect(ids(tiers.first), 'in the order the dispatches use them').toEqual(['gemm.quick', 'gemm']);
    expect(tiers.later).toEqual([]);
  });

  it('the first tier comes in the order the dispatches first use its shaders, whatever the manifest order', () => {
    const m = manifest([dispatch('conv', 'conv.quick'), dispatch('pool'), dispatch('gemm', 'gemm.quick'), dispatch('conv', 'conv.quick')], ['gemm', 'gemm.quick', 'pool', 'conv', 'conv.quick']);
    expect(ids(shaderTiers(m, 'tiered', false).first)).toEqual(['conv.quick', 'pool', 'gemm.quick']);
    expect(ids(shaderTiers(m, 'fast', false).first)).toEqual(['conv', 'pool', 'gemm']);
  });
});

describe('variants during a first run', () => {
  const pipeline = (label: string) => ({ label }) as unknown as GPUComputePipeline;
  const d = dispatch('gemm', 'gemm.quick', 'gemm.shared');
  const table = (compiled: string[], first: string[]): PipelineTable => ({
    layouts: new Map(),
    pipelines: new Map(compiled.map((id) => [id, pipeline(id)])),
    firstCompiles: new Map(first.map((id) => [id, Promise.resolve()])),
  });

  it('has no variant before any of its pipelines exists, and waits for the one its first tier compiles', () => {
    const early = table([], ['gemm.quick']);
    expect(currentVariant(d, early, false)).toBeUndefined();
    expect(firstCompileOf(d, early)).toBe(early.firstCompiles.get('gemm.quick'));
    expect(() => firstCompileOf(d, table([], []))).toThrow(BundleError);
  });

  it('prefers the shared variant, then the fast shader, then the quick twin, each with its own grid', () => {
    expect(currentVariant(d, table(['gemm.quick'], []), true)!.groups).toEqual({ perN: 4, fixed: 0 });
    expect((currentVariant(d, table(['gemm.quick', 'gemm'], []), true)!.pipeline as unknown as { label: string }).label).toBe('gemm');
    expect((currentVariant(d, table(['gemm', 'gemm.shared'], []), true)!.pipeline as unknown as { label: string }).label).toBe('gemm.shared');
    expect((currentVariant(d, table(['gemm', 'gemm.shared'], []), false)!.pipeline as unknown as { label: string }).label).toBe('gemm');
  });

  it("carries a variant's own buffers while that variant runs, and the dispatch's once the fast shader does", () => {
    const rebinding: DispatchSpec = { ...d, quick: { ...variant('gemm.generic'), buffers: [0, 0, 1] } };
    const quick = currentVariant(rebinding, table(['gemm.generic'], []), false)!;
    expect([quick.kind, quick.shader, quick.ownBuffers]).toEqual(['quick', 'gemm.generic', [0, 0, 1]]);
    const fast = currentVariant(rebinding, table(['gemm.generic', 'gemm'], []), false)!;
    expect([fast.kind, fast.ownBuffers]).toEqual(['fast', undefined]);
  });
});
