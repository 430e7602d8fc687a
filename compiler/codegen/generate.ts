// Eval graph -> kernels, buffers and the dispatch order: everything a bundle
// holds except the file layout (compiler/bundle writes that).
import { elementCount } from '../ir/ops.ts';
import type { Graph, Node, ValueId } from '../ir/types.ts';
import type { AffineInN, Kernel } from './kernel.ts';
import { KERNELS, type KernelGenerator } from './kernels/index.ts';
import type { Tiling } from './kernels/tiling.ts';
import { planMemory, type PlannedValue } from './memory-plan.ts';
import type { BufferSpec, DispatchSpec, Manifest, ShaderSpec, TensorPort, TrainSpec } from '../../runtime/bundle/manifest.ts';
import { BUNDLE_FORMAT, bundleVersionFor, USUAL_WEIGHTS_FILE } from '../../runtime/bundle/manifest.ts';
import { shaderTiers } from '../../runtime/bundle/pipeline-tiers.ts';
import { DEFAULT_RUN_CAPS, runFigures } from '../../runtime/bundle/run-limits.ts';
import { MANIFEST_LIMITS } from '../../runtime/bundle/validate-manifest.ts';

export class CodegenError extends Error {}

export interface GeneratedBundle {
  readonly manifest: Manifest;
  /** Bundle-relative path -> WGSL text. */
  readonly shaders: ReadonlyMap<string, string>;
  /** Stored tensors to write to weights.safetensors, in buffer order. */
  readonly weights: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  /**
   * Activation memory: the size of every value that needs a buffer (graph
   * inputs, kernel outputs, scratch) and of the slots the plan shares among
   * them; bench/ reports the ratio of the two.
   */
  readonly memory: { readonly values: readonly PlannedValue[]; readonly slots: readonly AffineInN[] };
}

export interface GenerateOptions {
  readonly model: string;
  readonly generator: string;
  readonly maxBatch?: number;
  /** Add quick-compiling twins of the blocked kernels (default true; see kernels/tiling.ts). */
  readonly quickVariants?: boolean;
  /** Add twins with quad-shared loads for devices with subgroups (default true). */
  readonly subgroupVariants?: boolean;
  /** A train bundle's optimizer and schedule, for its manifest (the runtime computes each step's scalars from them). */
  readonly training?: Pick<TrainSpec, 'optimizer' | 'schedule'>;
}

interface Step {
  readonly node: Node;
  readonly kernels: readonly Kernel[];
  /** Per kernel, its quick-tiling twin where that differs (see kernels/tiling.ts). */
  readonly quick: readonly (Kernel | undefined)[];
  /** Per kernel, its shape-generic quick twin where there is one ('quick-generic'). */
  readonly quickGeneric: readonly (Kernel | undefined)[];
  /** Per kernel, its twin with quad-shared loads where there is one. */
  readonly subgroups: readonly (Kernel | undefined)[];
  /** Scratch buffers computed at compile time (kernels' onHost), by scratch id: the weight holding each. */
  readonly hosted: ReadonlyMap<string, string>;
}

export function kernelsFor(node: Node, graph: Graph, tiling: Tiling = 'fast'): readonly Kernel[] {
  const generate = KERNELS[node.op] as KernelGenerator | undefined;
  if (!generate) throw new CodegenError(`no WGSL kernel for op ${node.op}${node.origin ? ` (layer ${node.origin.layer})` : ''}`);
  return generate(node, node.inputs.map((i) => graph.nodes[i]!.type), tiling);
}

/** One Dims uniform serves every twin: their params (names and values) must agree where both have any. */
const paramValues = (k: Kernel): number[] | undefined => k.params?.map((p) => p.value);
const paramsAgree = (a: Kernel, b: Kernel): boolean => !a.params || !b.params || JSON.stringify(a.params) === JSON.stringify(b.params);

const sameBindings = (a: Kernel, b: Kernel): boolean =>
  paramsAgree(a, b) &&
  a.usesBatch === b.usesBatch &&
  a.bindings.length === b.bindings.length &&
  a.bindings.every((x, i) => x.access === b.bindings[i]!.access && JSON.stringify(x.source) === JSON.stringify(b.bindings[i]!.source));

/**
 * A twin that binds otherwise than its kernel but only the node's inputs and
 * output, or what the kernel binds too, so its dispatch can give it buffers
 * of its own (a shape-generic GEMM's unread residual).
 */
const rebindable = (a: Kernel, b: Kernel): boolean =>
  paramsAgree(a, b) &&
  a.usesBatch === b.usesBatch &&
  b.bindings.every((x) => x.source.kind !== 'scratch' || a.bindings.some((y) => JSON.stringify(y.source) === JSON.stringify(x.source)));

/**
 * Each kernel's twin from another tiling, where its WGSL differs. The runtime
 * swaps a twin in on the same bind group, so a sequence whose twins bind
 * anything differently (another scratch size, say) keeps its fast kernels
 * alone; with `ownBuffers`, twins may bind otherwise where they are
 * rebindable.
 */
function twinsOf(fast: readonly Kernel[], other: readonly Kernel[], ownBuffers = false): (Kernel | undefined)[] {
  const fits = (k: Kernel, twin: Kernel) => sameBindings(k, twin) || (ownBuffers && rebindable(k, twin));
  if (other.length !== fast.length || !fast.every((k, i) => fits(k, other[i]!))) return fast.map(() => undefined);
  return fast.map((k, i) => (other[i]!.wgsl === k.wgsl ? undefined : other[i]));
}

type WeightTable = Map<string, { shape: readonly number[]; data: Float32Array }>;

interface Variants {
  readonly quick: boolean;
  readonly subgroups: boolean;
}

/**
 * kernelsFor, remembered for one bundle. A kernel's WGSL, bindings and
 * grid follow from the node's op, attributes and types, the types of its
 * inputs and which of them are the same value (elementwise.ts binds one
 * buffer for `x + x`), so nodes alike in those share kernels: a model of
 * 2000 repeated blocks generates each kernel once, not 2000 times (WGSL is
 * most of compile time). The shared kernel keeps the first node's name,
 * which only seeds a shader id, and shaders with equal text are one
 * shader anyway.
 */
class KernelCache {
  private readonly byKey = new Map<string, NodeKernels>();

  /** The node's kernels and their twins, as planStep uses them. */
  kernels(node: Node, graph: Graph, variants: Variants): NodeKernels {
    const inputTypes = node.inputs.map((i) => graph.nodes[i]!.type);
    const sameAs = node.inputs.map((v) => node.inputs.indexOf(v));
    const key = JSON.stringify([node.op, node.attrs, node.type, inputTypes, sameAs, variants.quick, variants.subgroups]);
    let kernels = this.byKey.get(key);
    if (kernels === undefined) {
      kernels = nodeKernels(node, graph, variants);
      this.byKey.set(key, kernels);
    }
    return kernels;
  }
}

interface NodeKernels {
  readonly all: readonly Kernel[];
  readonly quick: readonly (Kernel | undefined)[];
  readonly quickGeneric: readonly (Kernel | undefined)[];
  readonly subgroups: readonly (Kernel | undefined)[];
}

function nodeKernels(node: Node, graph: Graph, variants: Variants): NodeKernels {
  const all = kernelsFor(node, graph);
  const none = all.map(() => undefined);
  return {
    all,
    quick: variants.quick ? twinsOf(all, kernelsFor(node, graph, 'quick')) : none,
    quickGeneric: variants.quick ? twinsOf(all, kernelsFor(node, graph, 'quick-generic'), true).map((k) => (k?.params ? k : undefined)) : none,
    subgroups: variants.subgroups ? twinsOf(all, kernelsFor(node, graph, 'fast-subgroups')) : none,
  };
}

/**
 * A node's kernels and their quick and subgroup twins, less the kernels whose work can be
 * done at compile time: those that only rearrange stored tensors (onHost)
 * have their result added to `weights` (under the tensor's name and the
 * scratch id) and are not dispatched.
 */
function planStep(node: Node, graph: Graph, weightOf: ReadonlyMap<ValueId, string>, weights: WeightTable, variants: Variants, cache: KernelCache): Step {
  const { all, quick, quickGeneric, subgroups } = cache.kernels(node, graph, variants);
  const hosted = new Map<string, string>();
  const kept: number[] = [];
  all.forEach((kernel, i) => {
    const host = kernel.onHost;
    const sources = host?.inputs.map((input) => weightOf.get(node.inputs[input]!));
    // A tensor a train step updates changes from run to run: its rearranged copy is computed every step.
    const updated = (name: string | undefined) => name !== undefined && graph.assigns.some((a) => a.target === name);
    if (!host || !sources || sources.some((name) => name === undefined || updated(name))) {
      kept.push(i);
      return;
    }
    const data = host.compute(sources.map((name) => weights.get(name!)!.data));
    // Two nodes may rearrange one tensor differently: same name only for the same data.
    let name = `${sources[0]}.${host.scratch}`;
    for (let n = 2; weights.has(name) && !sameData(weights.get(name)!.data, data); n++) name = `${sources[0]}.${host.scratch}_${n}`;
    weights.set(name, { shape: [data.length], data });
    hosted.set(host.scratch, name);
  });
  return {
    node,
    kernels: kept.map((i) => all[i]!),
    quick: kept.map((i) => quick[i]),
    quickGeneric: kept.map((i) => quickGeneric[i]),
    subgroups: kept.map((i) => subgroups[i]),
    hosted,
  };
}

function sameData(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** Stored tensors some dispatch binds: a tensor only ever rearranged at compile time is not shipped. */
function usedWeights(steps: readonly Step[], weightOf: ReadonlyMap<ValueId, string>): Set<string> {
  const used = new Set<string>();
  for (const step of steps) {
    for (const name of step.hosted.values()) used.add(name);
    for (const kernel of [...step.kernels, ...step.quick, ...step.quickGeneric, ...step.subgroups]) {
      for (const b of kernel?.bindings ?? []) {
        const name = b.source.kind === 'input' ? weightOf.get(step.node.inputs[b.source.index]!) : undefined;
        if (name !== undefined) used.add(name);
      }
    }
  }
  return used;
}

/**
 * Ops whose kernels compute their eval meaning (running statistics, no
 * randomness): a train-mode graph must have them rewritten into what
 * training means first (compiler/autodiff/), or its bundle would silently
 * compute eval numbers.
 */
const EVAL_MEANING_KERNELS: ReadonlySet<string> = new Set([
  'batchnorm', 'batch_renorm', 'instancenorm', 'batch_instance_norm', 'switchable_norm',
  'dropout', 'drop_path', 'gaussian_noise', 'dropconnect', 'weight_norm', 'spectral_norm', 'multihead_attention',
]);

export function generateBundle(graph: Graph, options: GenerateOptions): GeneratedBundle {
  if (graph.mode !== 'eval') {
    const node = graph.nodes.find((n) => EVAL_MEANING_KERNELS.has(n.op));
    if (node) throw new CodegenError(`a train-mode graph still holds ${node.op}${node.origin ? ` (layer ${node.origin.layer})` : ''}, whose kernel computes its eval meaning; rewrite it for training first`);
  }
  const alias = new Map<ValueId, ValueId>(); // view -> the value owning its buffer
  const root = (id: ValueId): ValueId => alias.get(id) ?? id;
  const weightOf = new Map<ValueId, string>();
  const weights: WeightTable = new Map();
  const steps: Step[] = [];
  const kernelCache = new KernelCache();
  const stepOf = new Map<ValueId, number>();

  for (const node of graph.nodes) {
    switch (node.op) {
      case 'input':
        break;
      case 'param': {
        const name = (node as Node<'param'>).attrs.name;
        const data = graph.data.get(name);
        if (!data) throw new CodegenError(`tensor ${name} has no data at code generation`);
        weightOf.set(node.id, name);
        weights.set(name, { shape: node.type.shape as number[], data });
        break;
      }
      case 'constant': {
        const name = `constant.${node.id}`;
        weightOf.set(node.id, name);
        weights.set(name, { shape: node.type.shape as number[], data: Float32Array.from((node as Node<'constant'>).attrs.values) });
        break;
      }
      case 'reshape': {
        const source = node.inputs[0]!;
        if (weightOf.has(source)) {
          weightOf.set(node.id, weightOf.get(source)!);
        } else alias.set(node.id, root(source));
        break;
      }
      default:
        stepOf.set(node.id, steps.length);
        steps.push(planStep(node, graph, weightOf, weights, { quick: options.quickVariants !== false, subgroups: options.subgroupVariants !== false }, kernelCache));
    }
  }
  const used = usedWeights(steps, weightOf);
  // A stored tensor a train step updates is shipped even where no kernel reads it.
  for (const a of graph.assigns) {
    used.add(a.target);
    if (!weights.has(a.target)) {
      const data = graph.data.get(a.target);
      if (!data) throw new CodegenError(`tensor ${a.target} has no data at code generation`);
      weights.set(a.target, { shape: graph.tensors.get(a.target)!.type.shape as number[], data });
    }
  }
  for (const name of [...weights.keys()]) if (!used.has(name)) weights.delete(name);

  // Liveness of each activation root.
  const planned = new Map<ValueId, { producedAt: number; lastUse: number; elements: { perN: number; fixed: number } }>();
  for (const id of graph.inputs) planned.set(id, { producedAt: -1, lastUse: -1, elements: elementCount(graph.nodes[id]!.type.shape) });
  for (const [id, step] of stepOf) planned.set(id, { producedAt: step, lastUse: step, elements: elementCount(graph.nodes[id]!.type.shape) });
  steps.forEach((step, index) => {
    for (const input of step.node.inputs) {
      const p = planned.get(root(input));
      if (p) p.lastUse = Math.max(p.lastUse, index);
    }
  });
  for (const o of graph.outputs) {
    const p = planned.get(root(o.value));
    if (!p) throw new CodegenError(`output ${o.name} is a stored tensor, not a computed value`);
    p.lastUse = Infinity;
  }
  // A new value of a stored tensor is copied into place after the last dispatch.
  for (const a of graph.assigns) {
    const p = planned.get(root(a.value));
    if (!p) throw new CodegenError(`the new value of ${a.target} is not a computed value`);
    if (p.elements.perN !== 0) throw new CodegenError(`the new value of ${a.target} grows with the batch size`);
    p.lastUse = Infinity;
  }
  // Scratch buffers live within their step; key them after the value ids.
  const scratchKey = new Map<string, number>();
  let nextKey = graph.nodes.length;
  steps.forEach((step, index) => {
    for (const k of step.kernels)
      for (const b of k.bindings)
        if (b.source.kind === 'scratch' && !step.hosted.has(b.source.id)) {
          const key = `${index}:${b.source.id}`;
          if (!scratchKey.has(key)) {
            scratchKey.set(key, nextKey);
            planned.set(nextKey++, { producedAt: index, lastUse: index, elements: b.source.elements });
          }
        }
  });
  const plan = planMemory(planned as ReadonlyMap<number, PlannedValue>);

  const buffers: BufferSpec[] = plan.slotSizes.map((elements, id) => ({
    id,
    kind: 'activation' as const,
    elements: elements.perN === 0 && elements.fixed === 0 ? { perN: 0, fixed: 1 } : elements,
  }));
  const weightBuffer = new Map<string, number>();
  for (const [name, w] of weights) {
    weightBuffer.set(name, buffers.length);
    buffers.push({ id: buffers.length, kind: 'weight', tensor: name, elements: Math.max(1, w.data.length) });
  }
  const bufferOf = (id: ValueId): number => {
    const w = weightOf.get(id);
    if (w !== undefined) return weightBuffer.get(w)!;
    const slot = plan.slotOf.get(root(id));
    if (slot === undefined) throw new CodegenError(`value %${id} has no buffer`);
    return slot;
  };

  const shaders: ShaderSpec[] = [];
  const shaderFiles = new Map<string, string>();
  const shaderIdByText = new Map<string, string>();
  const dispatches: DispatchSpec[] = [];
  // Kernels shared by alike nodes (KernelCache) come back as the same object: no text to compare.
  const shaderOfKernel = new Map<Kernel, string>();
  const shaderFor = (kernel: Kernel, name: string): string => {
    const known = shaderOfKernel.get(kernel);
    if (known !== undefined) return known;
    const id = shaderForText(kernel, name);
    shaderOfKernel.set(kernel, id);
    return id;
  };
  const shaderForText = (kernel: Kernel, name: string): string => {
    let id = shaderIdByText.get(kernel.wgsl + '\0' + kernel.entryPoint);
    if (id === undefined) {
      id = uniqueId(name, shaderFiles);
      const file = `shaders/${id}.wgsl`;
      shaderFiles.set(file, kernel.wgsl);
      shaderIdByText.set(kernel.wgsl + '\0' + kernel.entryPoint, id);
      shaders.push({
        id,
        file,
        entryPoint: kernel.entryPoint,
        workgroupSize: kernel.workgroupSize,
        bindings: kernel.bindings.map((b) => b.access),
        usesBatch: kernel.usesBatch,
        ...(kernel.params ? { params: kernel.params.length } : {}),
        ...(kernel.features ? { features: [...kernel.features] } : {}),
      });
    }
    return id;
  };
  const quickTwin = chooseQuickTwins(steps);
  steps.forEach((step, index) => {
    step.kernels.forEach((kernel, k) => {
      const id = shaderFor(kernel, kernel.name);
      const twin = quickTwin(step, k);
      const shared = step.subgroups[k];
      const bound = (of: Kernel) =>
        of.bindings.map((b) => {
          const s = b.source;
          if (s.kind === 'input') return bufferOf(step.node.inputs[s.index]!);
          if (s.kind === 'output') return bufferOf(step.node.id);
          const hosted = step.hosted.get(s.id);
          if (hosted !== undefined) return weightBuffer.get(hosted)!;
          return plan.slotOf.get(scratchKey.get(`${index}:${s.id}`)!)!;
        });
      const buffers = bound(kernel);
      // A shape-generic twin may bind more than its dispatch's shader (a residual it does not read): then it says what.
      const twinBuffers = twin && bound(twin);
      const ownBuffers = twinBuffers && (twinBuffers.join() !== buffers.join() || twin.bindings.some((b, i) => b.access !== kernel.bindings[i]?.access));
      dispatches.push({
        shader: id,
        buffers,
        groups: kernel.groups,
        groupsDivisor: kernel.groupsDivisor,
        label: step.node.origin?.layer ?? `${step.node.op} %${step.node.id}`,
        ...paramsOf([kernel, twin, shared]),
        ...(twin
          ? { quick: { shader: shaderFor(twin, `${twin.name}.quick`), groups: twin.groups, groupsDivisor: twin.groupsDivisor, ...(ownBuffers ? { buffers: twinBuffers } : {}) } }
          : {}),
        ...(shared ? { subgroups: { shader: shaderFor(shared, `${shared.name}.subgroups`), groups: shared.groups, groupsDivisor: shared.groupsDivisor } } : {}),
      });
    });
  });

  const port = (name: string, id: ValueId): TensorPort => ({
    name,
    dtype: graph.nodes[id]!.type.dtype === 'u32' ? 'u32' : 'f32',
    shape: graph.nodes[id]!.type.shape,
    buffer: bufferOf(id),
  });
  const inputs = graph.inputs.map((id) => port((graph.nodes[id] as Node<'input'>).attrs.name, id));
  const train: TrainSpec | undefined =
    graph.assigns.length === 0
      ? undefined
      : {
          assigns: graph.assigns.map((a) => ({ tensor: a.target, from: bufferOf(a.value), to: weightBuffer.get(a.target)! })),
          ...(options.training?.optimizer ? { optimizer: options.training.optimizer } : {}),
          ...(options.training?.schedule ? { schedule: options.training.schedule } : {}),
        };
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: bundleVersionFor(dispatches, train, inputs),
    model: options.model,
    generator: options.generator,
    inputs,
    outputs: graph.outputs.map((o) => port(o.name, o.value)),
    maxBatch: 1,
    weightsFile: USUAL_WEIGHTS_FILE,
    buffers,
    shaders,
    dispatches,
    ...(train ? { train } : {}),
  };
  const fitted: Manifest = { ...manifest, maxBatch: fittingMaxBatch(manifest, options.maxBatch ?? DEFAULT_MAX_BATCH) };
  return { manifest: withFirstRunCode(fitted, shaderFiles), shaders: shaderFiles, weights, memory: { values: [...planned.values()], slots: plan.slotSizes } };
}

/** The largest batch a bundle accepts when the compile does not say. */
export const DEFAULT_MAX_BATCH = 4096;

/**
 * The largest batch size up to `wanted` that the runtime can run the
 * bundle at: every activation buffer within the format's limit
 * (validate-manifest.ts) and the run within the runtime's default caps on
 * memory and work (run-limits.ts). Every figure grows with the batch size,
 * so a binary search finds it. A model whose values are large (an input of
 * f32[N, 28, 65536] is 2^20.8 values a sample) gets a smaller maxBatch than
 * asked for rather than a bundle the runtime refuses; at least 1, which
 * lowering's size caps (compiler/lower/size-limits.ts) keep within those limits.
 */
function fittingMaxBatch(manifest: Manifest, wanted: number): number {
  const fits = (n: number) => {
    for (const b of manifest.buffers) {
      if (b.kind === 'activation' && b.elements.perN * n + b.elements.fixed > MANIFEST_LIMITS.maxBufferElements) return false;
    }
    const figures = runFigures(manifest, n);
    return figures.memoryBytes <= DEFAULT_RUN_CAPS.maxMemoryBytes && figures.invocations <= DEFAULT_RUN_CAPS.maxInvocations;
  };
  const most = Math.max(1, Math.min(wanted, MANIFEST_LIMITS.maxBatch));
  if (fits(most)) return most;
  let low = 1;
  let high = most - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Each dispatch's quick twin: the shape-generic one where it lets dispatches
 * whose quick shaders differ share one shader (it compiles 1.5-1.7x slower
 * than one with sizes written in, so two shaders merged already pay), the
 * one with sizes written in otherwise.
 */
function chooseQuickTwins(steps: readonly Step[]): (step: Step, k: number) => Kernel | undefined {
  const merged = new Map<string, Set<string>>(); // generic text -> the quick texts it would replace
  for (const step of steps) {
    step.quickGeneric.forEach((generic, k) => {
      if (!generic) return;
      const texts = merged.get(generic.wgsl) ?? new Set<string>();
      texts.add((step.quick[k] ?? step.kernels[k]!).wgsl);
      merged.set(generic.wgsl, texts);
    });
  }
  return (step, k) => {
    const generic = step.quickGeneric[k];
    return generic && merged.get(generic.wgsl)!.size >= 2 ? generic : step.quick[k];
  };
}

/** The dispatch's Dims values: whichever of its kernels has params (twins agree, see paramsAgree). */
function paramsOf(kernels: readonly (Kernel | undefined)[]): { params?: number[] } {
  const withParams = kernels.find((k) => k?.params);
  return withParams ? { params: paramValues(withParams)! } : {};
}

function uniqueId(base: string, taken: ReadonlyMap<string, string>): string {
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, '_') || 'kernel';
  let id = clean;
  for (let i = 2; taken.has(`shaders/${id}.wgsl`); i++) id = `${clean}_${i}`;
  return id;
}

/**
 * The manifest with the text of each shader a first run compiles (the
 * runtime's default 'tiered' choice, before it knows whether the device runs
 * subgroups variants) in its `code`: over a network the manifest and those
 * shaders then arrive in one round trip, which a page's cold start would
 * otherwise wait for before its first compile.
 */
export function withFirstRunCode(manifest: Manifest, shaderFiles: ReadonlyMap<string, string>): Manifest {
  const first = new Set(shaderTiers(manifest, 'tiered', false).first.map((s) => s.id));
  // A text over the manifest's limit stays in its file only, where a runtime still reads it.
  const inline = (s: ShaderSpec) => first.has(s.id) && shaderFiles.get(s.file)!.length <= MANIFEST_LIMITS.maxShaderCode;
  return { ...manifest, shaders: manifest.shaders.map((s) => (inline(s) ? { ...s, code: shaderFiles.get(s.file)! } : s)) };
}
