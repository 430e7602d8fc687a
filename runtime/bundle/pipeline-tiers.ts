// Which pipelines a bundle creates when, and creating them. Dispatches may
// carry a quick variant (see manifest.ts), a shader that compiles much faster
// and runs slower (binding the dispatch's buffers, or its own), and a subgroups variant, the
// fast computation with quad-shared loads for devices that pass the probe in
// quad-probe.ts. The first run waits only for the pipelines it will use, each
// only when it reaches the dispatch that needs it; the rest compile afterwards.
import type { AffineSize, DispatchSpec, DispatchVariant, Manifest, ShaderSpec } from './manifest.ts';
import { BundleError } from './validate-manifest.ts';

/**
 * 'tiered' starts the first run on the quick pipelines (and the fast ones of
 * dispatches without a variant), compiles the rest in the background and
 * switches each dispatch to its fast pipeline once that is ready; 'fast'
 * runs the fast pipelines from the first run on; 'quick' never creates the
 * fast pipelines that have quick variants (for tests and for comparing).
 * Either way the first tier's compiles start at load, and the first run
 * waits for each as it gets to it.
 */
export type PipelineChoice = 'tiered' | 'fast' | 'quick';

export interface ShaderTiers {
  /** Compiled for the first run (started at load). */
  readonly first: readonly ShaderSpec[];
  /** Compiled after it ('tiered'); empty for 'fast' and 'quick'. */
  readonly later: readonly ShaderSpec[];
}

/**
 * Each shader in at most one tier: the first in the order the dispatches
 * first use them (the order they are compiled in), the later in manifest
 * order. `subgroups`: the device
 * runs the dispatches' subgroups variants (see quad-probe.ts), which then take
 * the place of their fast shaders; in 'tiered' they are never in the first
 * tier, since whether the device can run them is checked after the load.
 */
export function shaderTiers(manifest: Manifest, choice: PipelineChoice, subgroups: boolean): ShaderTiers {
  const first = new Set<string>();
  const later = new Set<string>();
  for (const d of manifest.dispatches) {
    const fast = subgroups && d.subgroups ? d.subgroups.shader : d.shader;
    if (choice === 'fast') first.add(fast);
    else if (d.quick) {
      first.add(d.quick.shader);
      if (choice === 'tiered') later.add(fast);
    } else {
      first.add(d.shader);
      if (choice === 'tiered' && fast !== d.shader) later.add(fast);
    }
  }
  const byId = new Map(manifest.shaders.map((s) => [s.id, s]));
  return {
    first: [...first].map((id) => byId.get(id)!),
    later: manifest.shaders.filter((s) => later.has(s.id) && !first.has(s.id)),
  };
}

export interface DispatchVariantNow {
  readonly kind: 'fast' | 'quick' | 'subgroups';
  readonly shader: string;
  readonly pipeline: GPUComputePipeline;
  readonly groups: AffineSize;
  readonly groupsDivisor: number;
  /** The variant's own buffers, where it binds other than the dispatch's. */
  readonly ownBuffers?: readonly number[];
}

/**
 * The pipeline a dispatch runs now: its subgroups variant where the device
 * runs those and it is compiled, else its fast shader, else its quick twin;
 * undefined while none of them is compiled (early in a first run).
 */
export function currentVariant(d: DispatchSpec, table: PipelineTable, subgroups: boolean): DispatchVariantNow | undefined {
  const of = (kind: 'quick' | 'subgroups', v: DispatchVariant, pipeline: GPUComputePipeline): DispatchVariantNow => ({
    kind,
    shader: v.shader,
    pipeline,
    groups: v.groups,
    groupsDivisor: v.groupsDivisor,
    ...(v.buffers ? { ownBuffers: v.buffers } : {}),
  });
  const shared = subgroups && d.subgroups ? table.pipelines.get(d.subgroups.shader) : undefined;
  if (shared) return of('subgroups', d.subgroups!, shared);
  const fast = table.pipelines.get(d.shader);
  if (fast) return { kind: 'fast', shader: d.shader, pipeline: fast, groups: d.groups, groupsDivisor: d.groupsDivisor };
  const quick = d.quick ? table.pipelines.get(d.quick.shader) : undefined;
  return quick ? of('quick', d.quick!, quick) : undefined;
}

/** The compile of the first-tier pipeline `d` runs with, to wait for when currentVariant has none yet. */
export function firstCompileOf(d: DispatchSpec, table: PipelineTable): Promise<void> {
  // A quick twin in the first tier compiles sooner than a fast shader that is there for another dispatch.
  const pending = [d.subgroups?.shader, d.quick?.shader, d.shader].map((id) => (id ? table.firstCompiles.get(id) : undefined)).find((p) => p);
  if (!pending) throw new BundleError(`${d.label}: no pipeline is being compiled for it`);
  return pending;
}

export interface PipelineTable {
  /** By shader id; variants without buffers of their own bind what their dispatch's shader binds, so a bind group made with any of their layouts serves them all. */
  readonly layouts: Map<string, GPUBindGroupLayout>;
  /** By shader id, filled in as compiles finish. */
  readonly pipelines: Map<string, GPUComputePipeline>;
  /** The first tier's compiles by shader id, started at load; each rejects with a BundleError if it fails. */
  readonly firstCompiles: Map<string, Promise<void>>;
}

/**
 * Makes the shader's module and layout now (so errors land in the caller's
 * error scope) and returns the compile, to start when wanted.
 */
export function preparePipeline(device: GPUDevice, shader: ShaderSpec, code: string, table: PipelineTable): () => Promise<void> {
  const entries: GPUBindGroupLayoutEntry[] = shader.bindings.map((access, binding) => ({
    binding,
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: access === 'read' ? 'read-only-storage' : 'storage' },
  }));
  if (shader.usesBatch) entries.push({ binding: shader.bindings.length, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
  const layout = device.createBindGroupLayout({ label: shader.id, entries });
  table.layouts.set(shader.id, layout);
  const descriptor: GPUComputePipelineDescriptor = {
    label: shader.id,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module: device.createShaderModule({ label: shader.file, code }), entryPoint: shader.entryPoint },
  };
  return () =>
    device.createComputePipelineAsync(descriptor).then(
      (pipeline) => void table.pipelines.set(shader.id, pipeline),
      (e: unknown) => {
        throw new BundleError(`shader ${shader.file} does not compile: ${(e as Error).message}`);
      },
    );
}
