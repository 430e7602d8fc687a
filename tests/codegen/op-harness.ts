// The shared harness for op golden tests: a case folder under tests/golden/ops
// (case.json + tensors.safetensors, written by scripts/golden/*.py from torch)
// becomes a one-node IR graph, its kernels are generated and run on the real
// Dawn device, and the result is compared with torch's.
//
// How a case becomes a graph: every tensor named in `inputs` becomes a graph
// `input` node, in node-input order (weights included: the kernels do not care
// where a buffer comes from, and it keeps the runner to one code path). Inputs
// listed in `batched` (default: the first input only) get the symbolic batch
// size N at `batchAxis`; with `batchAxis: null` every shape is fixed. The
// result must then have N at axis 0, which is what lets `runOpCase` rerun a
// case at a smaller batch by slicing every batched tensor and the expectation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../../compiler/ir/builder.ts';
import type { OpAttrs, OpName } from '../../compiler/ir/ops.ts';
import type { Dim, Graph, Node, TensorType } from '../../compiler/ir/types.ts';
import { evalAffine, foldWorkgroups, type Kernel } from '../../compiler/codegen/kernel.ts';
import type { Tiling } from '../../compiler/codegen/kernels/tiling.ts';
import { generateKernels } from '../../compiler/codegen/kernels/index.ts';
import { quadsAreConsecutive } from '../../runtime/bundle/quad-probe.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { formatWgslReport, getTestDevice, type WgslReport } from '../support/gpu.ts';

export const OPS_GOLDEN_DIR = fileURLToPath(new URL('../golden/ops/', import.meta.url));

export interface HostF32 {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface OpCase {
  readonly name: string;
  readonly op: OpName;
  readonly attrs: OpAttrs[OpName];
  readonly inputs: readonly string[];
  readonly batchAxis: number | null;
  readonly batched: readonly string[];
  readonly expected: string;
  readonly tolerance: number;
  readonly tensors: ReadonlyMap<string, HostF32>;
}

/** Case folder names under tests/golden/ops starting with one of `prefixes`, sorted. */
export function listOpCases(prefixes: readonly string[], root = OPS_GOLDEN_DIR): string[] {
  return readdirSync(root)
    .filter((name) => prefixes.some((p) => name.startsWith(p)) && statSync(join(root, name)).isDirectory())
    .sort();
}

export function loadOpCase(name: string, root = OPS_GOLDEN_DIR): OpCase {
  const folder = join(root, name);
  const spec = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as {
    op: OpName;
    attrs: OpAttrs[OpName];
    inputs: string[];
    batchAxis: number | null;
    batched?: string[];
    expected: string;
    tolerance: number;
  };
  const tensors = readCaseTensors(readFileSync(join(folder, 'tensors.safetensors')));
  for (const t of [...spec.inputs, spec.expected]) {
    if (!tensors.has(t)) throw new Error(`case ${name}: tensors.safetensors has no tensor '${t}'`);
  }
  return {
    name,
    op: spec.op,
    attrs: spec.attrs,
    inputs: spec.inputs,
    batchAxis: spec.batchAxis,
    batched: spec.batchAxis === null ? [] : (spec.batched ?? spec.inputs.slice(0, 1)),
    expected: spec.expected,
    tolerance: spec.tolerance,
    tensors,
  };
}

/** The F32 tensors of a safetensors file, which is all op cases hold. */
export function readCaseTensors(bytes: Uint8Array): Map<string, HostF32> {
  const tensors = new Map<string, HostF32>();
  for (const [name, t] of readSafetensors(bytes).tensors) {
    if (!(t.data instanceof Float32Array) || t.dtype !== 'F32') throw new Error(`tensor '${name}' is ${t.dtype}; op cases hold F32 only`);
    tensors.set(name, { shape: t.shape, data: t.data });
  }
  return tensors;
}

/** The one-node graph of a case; its op node is the graph's only output. */
export function buildOpGraph(c: OpCase): { readonly graph: Graph; readonly node: Node } {
  const b = new GraphBuilder('eval');
  const ids = c.inputs.map((name) => {
    const shape: Dim[] = [...c.tensors.get(name)!.shape];
    if (c.batched.includes(name)) shape[c.batchAxis!] = 'N';
    return b.input(name, { dtype: 'f32', shape });
  });
  const id = b.add(c.op, ids, c.attrs as never);
  b.output(c.expected, id);
  const graph = b.finish();
  const node = graph.nodes[id]!;
  if (c.batched.length > 0 && node.type.shape[0] !== 'N') {
    throw new Error(`case ${c.name}: the result ${JSON.stringify(node.type.shape)} must have N at axis 0`);
  }
  return { graph, node };
}

export function inputTypes(graph: Graph, node: Node): TensorType[] {
  return node.inputs.map((i) => graph.nodes[i]!.type);
}

/** The first `batch` entries of `t` along axis 0. */
export function sliceBatch(t: HostF32, batch: number): HostF32 {
  const per = t.shape.slice(1).reduce((p, d) => p * d, 1);
  return { shape: [batch, ...t.shape.slice(1)], data: t.data.slice(0, batch * per) };
}

export interface OpRun {
  readonly kernels: readonly Kernel[];
  readonly got: Float32Array;
  readonly want: HostF32;
  readonly batch: number | null;
}

/** Generates the case's kernels and runs them, at the stored batch or `batch` sliced from it. */
export async function runOpCase(c: OpCase, batch?: number, tiling: Tiling = 'fast'): Promise<OpRun> {
  const { graph, node } = buildOpGraph(c);
  const kernels = generateKernels(node, inputTypes(graph, node), tiling);
  let n: number | null = null;
  if (c.batched.length > 0) n = batch ?? c.tensors.get(c.batched[0]!)!.shape[c.batchAxis!]!;
  const pick = (name: string): HostF32 => {
    const t = c.tensors.get(name)!;
    return batch !== undefined && (c.batched.includes(name) || name === c.expected) ? sliceBatch(t, batch) : t;
  };
  const want = pick(c.expected);
  const got = await runKernels(
    kernels,
    c.inputs.map((name) => pick(name).data),
    want.data.length,
    n ?? 0,
  );
  return { kernels, got, want, batch: n };
}

/**
 * The first element (in index order) where |got - want| > tolerance * max(1, |want|),
 * i.e. an absolute bound for small values and a relative one for large, or
 * undefined when all agree. NaN matches only NaN.
 */
export function firstMismatch(got: Float32Array, want: Float32Array, tolerance: number): string | undefined {
  if (got.length !== want.length) return `got ${got.length} elements, want ${want.length}`;
  let worst = 0;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= tolerance * Math.max(1, Math.abs(w));
    if (!ok) {
      bad++;
      if (first < 0) first = i;
      worst = Math.max(worst, Math.abs(g - w));
    }
  }
  if (bad === 0) return undefined;
  return `${bad} of ${want.length} elements differ (worst |diff| ${worst}); first at ${first}: got ${got[first]}, want ${want[first]}`;
}

// ---------------------------------------------------------------------------
// Running kernels on Dawn. A deliberately small runner: one dispatch sequence,
// fresh buffers per run, result read back. It follows the Kernel contract the
// runtime implements (bindings in order, dims uniform last, folded 1-D grid),
// so op tests do not depend on bundles or memory planning.

/** The shared test device (Dawn; SwiftShader on machines without a GPU). */
export function getHarnessDevice(): Promise<GPUDevice> {
  return getTestDevice();
}

/**
 * The runs of a case under each other tiling (kernels/tiling.ts) whose WGSL
 * differs from the fast run's: the quad-shared one only where the device's
 * quads pass the runtime's probe.
 */
export async function* differingTwins(full: OpRun, run: (tiling: Tiling) => Promise<OpRun>): AsyncGenerator<readonly [Tiling, OpRun]> {
  for (const tiling of ['quick', 'quick-generic', 'fast-subgroups'] as const) {
    if (tiling === 'fast-subgroups' && !(await quadsAreConsecutive(await getTestDevice()))) continue;
    const twin = await run(tiling);
    if (!twin.kernels.every((k, i) => k.wgsl === full.kernels[i]?.wgsl)) yield [tiling, twin];
  }
}

/**
 * Compiler messages (errors, warnings, info) and validation errors of each
 * kernel's WGSL module. Pipelines are not built here: SwiftShader compiles
 * every pipeline anew (about a second for a large kernel), and `runKernels`
 * builds each one once, inside an error scope that fails the run.
 */
export async function shaderMessages(kernels: readonly Kernel[]): Promise<string[]> {
  const device = await getHarnessDevice();
  const messages: string[] = [];
  for (const k of kernels) {
    device.pushErrorScope('validation');
    const info = await device.createShaderModule({ code: k.wgsl }).getCompilationInfo();
    const error = await device.popErrorScope();
    const report: WgslReport = {
      ok: !error && info.messages.length === 0,
      messages: info.messages.map((m) => ({ type: m.type, line: m.lineNum, column: m.linePos, message: m.message })),
      errors: error ? [error.message] : [],
    };
    if (!report.ok) messages.push(`${k.name}: ${formatWgslReport(k.wgsl, report)}`);
  }
  return messages;
}

const pipelineCache = new Map<string, GPUComputePipeline>();

async function pipelineFor(device: GPUDevice, k: Kernel): Promise<GPUComputePipeline> {
  const key = `${k.entryPoint}\n${k.wgsl}`;
  let pipeline = pipelineCache.get(key);
  if (!pipeline) {
    device.pushErrorScope('validation');
    pipeline = await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint },
    });
    const error = await device.popErrorScope();
    if (error) throw new Error(`kernel ${k.name}: ${error.message}`);
    pipelineCache.set(key, pipeline);
  }
  return pipeline;
}

/** Runs a kernel sequence on `inputs` (node-input order) and returns the output's first `outputElements` floats. */
export async function runKernels(
  kernels: readonly Kernel[],
  inputs: readonly Float32Array[],
  outputElements: number,
  n: number,
): Promise<Float32Array> {
  const device = await getHarnessDevice();
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const created: GPUBuffer[] = [];
  const makeBuffer = (bytes: number, flags = usage): GPUBuffer => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: flags });
    created.push(b);
    return b;
  };
  try {
    const inputBuffers = inputs.map((data) => {
      const b = makeBuffer(data.byteLength);
      device.queue.writeBuffer(b, 0, data);
      return b;
    });
    const output = makeBuffer(outputElements * 4);
    const scratch = new Map<string, GPUBuffer>();
    const dimsOf = (k: Kernel): GPUBuffer => {
      const params = k.params?.map((p) => p.value) ?? [];
      const words = new Uint32Array(Math.ceil((1 + params.length) / 4) * 4);
      words.set([n, ...params]);
      const dims = makeBuffer(words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(dims, 0, words);
      return dims;
    };

    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder();
    for (const k of kernels) {
      const pipeline = await pipelineFor(device, k);
      const entries: GPUBindGroupEntry[] = k.bindings.map((binding, i) => {
        const s = binding.source;
        let buffer: GPUBuffer;
        if (s.kind === 'input') buffer = inputBuffers[s.index]!;
        else if (s.kind === 'output') buffer = output;
        else {
          if (!scratch.has(s.id)) scratch.set(s.id, makeBuffer(evalAffine(s.elements, n) * 4));
          buffer = scratch.get(s.id)!;
        }
        return { binding: i, resource: { buffer } };
      });
      if (k.usesBatch) entries.push({ binding: k.bindings.length, resource: { buffer: dimsOf(k) } });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const groups = Math.ceil(evalAffine(k.groups, n) / k.groupsDivisor);
      if (groups === 0) continue;
      const [x, y] = foldWorkgroups(groups);
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    }
    const readback = makeBuffer(outputElements * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    encoder.copyBufferToBuffer(output, 0, readback, 0, readback.size);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new Error(`running ${kernels.map((k) => k.name).join(', ')}: ${error.message}`);
    await readback.mapAsync(GPUMapMode.READ);
    const result = new Float32Array(readback.getMappedRange().slice(0, outputElements * 4));
    readback.unmap();
    return result;
  } finally {
    for (const b of created) b.destroy();
  }
}
