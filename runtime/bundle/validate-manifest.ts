// Validation of an untrusted manifest, before anything touches the GPU. Every
// index is checked against what it indexes, every size is bounded, so a
// hostile bundle yields a BundleError instead of a crash, a huge allocation
// or an out-of-bounds dispatch. These bounds are the format's own; what the
// bundle asks of a particular device (its limits, and the runtime's caps on
// memory and work) is checked once the device is known, in run-limits.ts.
import { TrainDataError } from '../train/data-fields.ts';
import { OPTIMIZER_FORMAT_VERSION, validateOptimizerData } from '../train/optimizer-format.ts';
import { validateScheduleData } from '../train/schedule-format.ts';
import { BUNDLE_FORMAT, READABLE_BUNDLE_VERSIONS, type AffineSize, type BufferSpec, type StateAssign, type TrainSpec, type DispatchVariant, type Manifest, type ShaderFeature, type ShaderSpec, type TensorPort } from './manifest.ts';

export class BundleError extends Error {
  override readonly name: string = 'BundleError';
}

/** Generous bounds; a real model stays far below them. */
export const MANIFEST_LIMITS = {
  maxBuffers: 100_000,
  maxDispatches: 100_000,
  maxShaders: 10_000,
  maxRank: 8,
  /** f32 elements per buffer at maxBatch (4 GiB). */
  maxBufferElements: 2 ** 30,
  maxBatch: 1 << 20,
  /**
   * Storage bindings per shader. The device's maxStorageBuffersPerShaderStage
   * (8 unless a device asks for more) is checked at load (run-limits.ts).
   */
  maxBindings: 32,
  maxWorkgroupSize: 1024,
  /** Dims values per dispatch: with the batch size, at most 64 u32s, the 256 bytes of one uniform block. */
  maxParams: 63,
  /** Characters of one shader's text in the manifest (`code`), and bytes of a shader file. */
  maxShaderCode: 1 << 20,
  /** Bytes of manifest.json (16 MiB). */
  maxManifestBytes: 16 << 20,
};

type Json = unknown;

function fail(path: string, message: string): never {
  throw new BundleError(`manifest.json: ${path}: ${message}`);
}

function obj(v: Json, path: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  return v as Record<string, Json>;
}

function arr(v: Json, path: string, max: number): Json[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  if (v.length > max) fail(path, `has ${v.length} entries, more than the limit ${max}`);
  return v;
}

function str(v: Json, path: string, max = 4096): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) fail(path, `expected a non-empty string of at most ${max} characters`);
  return v;
}

function int(v: Json, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function affine(v: Json, path: string): { perN: number; fixed: number } {
  const o = obj(v, path);
  return { perN: int(o.perN, `${path}.perN`, 0, 2 ** 31), fixed: int(o.fixed, `${path}.fixed`, 0, 2 ** 31) };
}

/** A safe relative path inside the bundle: no absolute paths, no `..`, no odd characters. */
function bundlePath(v: Json, path: string): string {
  const p = str(v, path);
  if (!/^[A-Za-z0-9_.\-/]+$/.test(p) || p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '')) {
    fail(path, `unsafe file path ${JSON.stringify(p)}`);
  }
  return p;
}

/**
 * The buffers a dispatch (or a variant with its own) binds: one per storage
 * binding of its shader, no weight written, and nothing written that is also
 * bound elsewhere in it (WebGPU forbids writable aliasing).
 */
function boundBuffers(v: Json, path: string, shader: ShaderSpec, buffers: readonly BufferSpec[]): number[] {
  const bound = arr(v, path, MANIFEST_LIMITS.maxBindings).map((b, k) => int(b, `${path}[${k}]`, 0, buffers.length - 1));
  if (bound.length !== shader.bindings.length) {
    fail(path, `shader ${shader.id} has ${shader.bindings.length} storage bindings, ${bound.length} given`);
  }
  bound.forEach((b, k) => {
    if (buffers[b]!.kind === 'weight' && shader.bindings[k] === 'read_write') fail(`${path}[${k}]`, 'writes a weight buffer');
  });
  bound.forEach((b, k) => {
    if (shader.bindings[k] === 'read_write' && bound.indexOf(b) !== k) fail(path, `buffer ${b} is bound twice and written`);
    if (shader.bindings[k] === 'read' && bound.some((o, j) => o === b && shader.bindings[j] === 'read_write')) {
      fail(path, `buffer ${b} is both read and written`);
    }
  });
  return bound;
}

/**
 * A variant binds exactly what its dispatch's shader binds (the runtime
 * swaps one for the other on one bind group) unless it gives its own
 * `buffers` (version 3), and only a `subgroups` variant may need device
 * features.
 */
function dispatchVariant(
  v: Json,
  path: string,
  main: ShaderSpec,
  mainBuffers: readonly number[],
  shaderById: ReadonlyMap<string, ShaderSpec>,
  buffers: readonly BufferSpec[],
  mayNeedFeatures: boolean,
): DispatchVariant {
  const o = obj(v, path);
  const shader = shaderById.get(str(o.shader, `${path}.shader`));
  if (!shader) fail(`${path}.shader`, `unknown shader ${JSON.stringify(o.shader)}`);
  if (shader.usesBatch !== main.usesBatch) fail(`${path}.shader`, `shader ${shader.id} does not bind the Dims uniform as ${main.id} does`);
  const own = o.buffers === undefined ? undefined : boundBuffers(o.buffers, `${path}.buffers`, shader, buffers);
  if (!own && shader.bindings.join() !== main.bindings.join()) {
    fail(`${path}.shader`, `shader ${shader.id} does not bind what ${main.id} binds, and the variant gives no buffers of its own`);
  }
  // The same computation writes the same buffers, whichever shader does it.
  const written = (bound: readonly number[], s: ShaderSpec) => bound.filter((_, k) => s.bindings[k] === 'read_write').sort((a, b) => a - b).join();
  if (own && written(own, shader) !== written(mainBuffers, main)) fail(`${path}.buffers`, `the variant writes other buffers than its dispatch`);
  if (!mayNeedFeatures && shader.features) fail(`${path}.shader`, `shader ${shader.id} needs ${shader.features.join(', ')}`);
  return {
    shader: shader.id,
    groups: affine(o.groups, `${path}.groups`),
    groupsDivisor: int(o.groupsDivisor, `${path}.groupsDivisor`, 1, 2 ** 31),
    ...(own ? { buffers: own } : {}),
  };
}

/** A dispatch's Dims values: u32s, only where its shaders bind the Dims uniform. */
function dispatchParams(v: Json, path: string, main: ShaderSpec): number[] {
  if (!main.usesBatch) fail(path, `shader ${main.id} binds no Dims uniform to hold them`);
  return arr(v, path, MANIFEST_LIMITS.maxParams).map((x, k) => int(x, `${path}[${k}]`, 0, 2 ** 32 - 1));
}

function shaderParams(v: Json, path: string, usesBatch: boolean): number {
  if (!usesBatch) fail(path, 'a shader without the Dims uniform has no params');
  return int(v, path, 1, MANIFEST_LIMITS.maxParams);
}

/** Every shader a dispatch may run reads exactly the params it gives: a short uniform would fail only at dispatch. */
function checkParamCounts(path: string, given: readonly number[] | undefined, shaders: readonly (ShaderSpec | undefined)[]): void {
  for (const s of shaders) {
    if (s?.params !== undefined && s.params !== (given?.length ?? 0)) {
      fail(`${path}.params`, `shader ${s.id} reads ${s.params} params, the dispatch gives ${given?.length ?? 0}`);
    }
  }
}

/**
 * Ports are looked up by name (a run's inputs and outputs are keyed by it),
 * so a name appears once among the inputs and once among the outputs. Two
 * inputs on one buffer would overwrite each other; two outputs may share one
 * (a model's output and a reshaped view of it).
 */
function distinctPorts(list: TensorPort[], path: string, buffersToo: boolean): TensorPort[] {
  const names = new Map<string, number>();
  const buffers = new Map<number, number>();
  list.forEach((port, i) => {
    const sameName = names.get(port.name);
    if (sameName !== undefined) fail(`${path}[${i}].name`, `${JSON.stringify(port.name)} is the name of ${path}[${sameName}] too`);
    names.set(port.name, i);
    const sameBuffer = buffers.get(port.buffer);
    if (buffersToo && sameBuffer !== undefined) fail(`${path}[${i}].buffer`, `buffer ${port.buffer} holds ${path}[${sameBuffer}] too`);
    buffers.set(port.buffer, i);
  });
  return list;
}

/**
 * A dispatch launches at most one workgroup per element its shader writes:
 * every compiled kernel writes at least that much per workgroup (the example
 * specs at most one workgroup per 8), and a grid past it is a bundle whose
 * groups disagree with its buffers, which could otherwise keep a device
 * busy for minutes well inside the work cap (2^31 groups over 512 at batch 1
 * are 2^28 invocations). Both sides are affine in the batch size, so holding
 * at 1 and at maxBatch it holds at every batch between.
 */
function checkGrid(path: string, grid: { readonly groups: AffineSize; readonly groupsDivisor: number }, shader: ShaderSpec, bound: readonly number[], buffers: readonly BufferSpec[], maxBatch: number): void {
  for (const n of maxBatch === 1 ? [1] : [1, maxBatch]) {
    let written = 0;
    bound.forEach((b, k) => {
      const spec = buffers[b]!;
      if (shader.bindings[k] === 'read_write' && spec.kind === 'activation') written += spec.elements.perN * n + spec.elements.fixed;
    });
    const workgroups = Math.ceil((grid.groups.perN * n + grid.groups.fixed) / grid.groupsDivisor);
    if (workgroups > written) {
      fail(
        `${path}.groups`,
        `${workgroups} workgroups at batch ${n} (groups ${grid.groups.perN} * N + ${grid.groups.fixed}, over groupsDivisor ${grid.groupsDivisor}) for the ${written} elements shader ${shader.id} writes; a dispatch launches at most one workgroup per element it writes: the bundle is inconsistent, compile it again`,
      );
    }
  }
}

export function validateManifest(raw: Json): Manifest {
  const m = obj(raw, '$');
  if (m.format !== BUNDLE_FORMAT) fail('format', `expected "${BUNDLE_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (typeof m.version !== 'number' || !READABLE_BUNDLE_VERSIONS.includes(m.version)) {
    fail('version', `this runtime reads versions ${READABLE_BUNDLE_VERSIONS.join(', ')}, the bundle is version ${JSON.stringify(m.version)}`);
  }
  const version = m.version as 1 | 2 | 3 | 4;
  const L = MANIFEST_LIMITS;
  const maxBatch = int(m.maxBatch, 'maxBatch', 1, L.maxBatch);
  const buffers = arr(m.buffers, 'buffers', L.maxBuffers).map((b, i) => {
    const path = `buffers[${i}]`;
    const o = obj(b, path);
    int(o.id, `${path}.id`, i, i);
    if (o.kind === 'activation') {
      const elements = affine(o.elements, `${path}.elements`);
      if (elements.perN * maxBatch + elements.fixed > L.maxBufferElements) fail(path, 'is larger than the limit at maxBatch');
      if (elements.perN === 0 && elements.fixed === 0) fail(path, 'has size 0');
      return { id: i, kind: 'activation' as const, elements };
    }
    if (o.kind === 'weight') {
      return { id: i, kind: 'weight' as const, tensor: str(o.tensor, `${path}.tensor`), elements: int(o.elements, `${path}.elements`, 1, L.maxBufferElements) };
    }
    return fail(`${path}.kind`, `expected "activation" or "weight", got ${JSON.stringify(o.kind)}`);
  });
  const bufferId = (v: Json, path: string) => int(v, path, 0, buffers.length - 1);
  const ports = (v: Json, path: string) =>
    arr(v, path, 1024).map((p, i) => {
      const at = `${path}[${i}]`;
      const o = obj(p, at);
      if (o.dtype !== 'f32' && !(o.dtype === 'u32' && path === 'inputs')) fail(`${at}.dtype`, `expected "f32"${path === 'inputs' ? ' or "u32"' : ''}, got ${JSON.stringify(o.dtype)}`);
      const shape = arr(o.shape, `${at}.shape`, L.maxRank).map((d, k) =>
        d === 'N' ? ('N' as const) : int(d, `${at}.shape[${k}]`, 1, L.maxBufferElements),
      );
      const buffer = bufferId(o.buffer, `${at}.buffer`);
      const spec = buffers[buffer]!;
      if (spec.kind !== 'activation') fail(`${at}.buffer`, 'must be an activation buffer');
      const perN = shape.includes('N') ? shape.reduce<number>((q, d) => q * (d === 'N' ? 1 : d), 1) : 0;
      const fixed = perN ? 0 : shape.reduce<number>((q, d) => q * (d as number), 1);
      if (spec.elements.perN < perN || spec.elements.fixed < fixed) fail(at, 'its buffer is smaller than its shape');
      return { name: str(o.name, `${at}.name`), dtype: o.dtype as 'f32' | 'u32', shape, buffer };
    });
  const inputs = distinctPorts(ports(m.inputs, 'inputs'), 'inputs', true);
  const outputs = distinctPorts(ports(m.outputs, 'outputs'), 'outputs', false);
  const shaderIds = new Set<string>();
  const shaders = arr(m.shaders, 'shaders', L.maxShaders).map((s, i) => {
    const path = `shaders[${i}]`;
    const o = obj(s, path);
    const id = str(o.id, `${path}.id`);
    if (shaderIds.has(id)) fail(`${path}.id`, `duplicate shader id ${JSON.stringify(id)}`);
    shaderIds.add(id);
    if (typeof o.usesBatch !== 'boolean') fail(`${path}.usesBatch`, 'expected a boolean');
    return {
      id,
      file: bundlePath(o.file, `${path}.file`),
      entryPoint: str(o.entryPoint, `${path}.entryPoint`),
      workgroupSize: int(o.workgroupSize, `${path}.workgroupSize`, 1, L.maxWorkgroupSize),
      bindings: arr(o.bindings, `${path}.bindings`, L.maxBindings).map((a, k) => {
        if (a !== 'read' && a !== 'read_write') fail(`${path}.bindings[${k}]`, 'expected "read" or "read_write"');
        return a as 'read' | 'read_write';
      }),
      usesBatch: o.usesBatch as boolean,
      ...(o.code === undefined ? {} : { code: str(o.code, `${path}.code`, L.maxShaderCode) }),
      ...(o.params === undefined ? {} : { params: shaderParams(o.params, `${path}.params`, o.usesBatch as boolean) }),
      ...(o.features === undefined
        ? {}
        : {
            features: arr(o.features, `${path}.features`, 4).map((f, k) => {
              if (f !== 'subgroups') fail(`${path}.features[${k}]`, `unknown feature ${JSON.stringify(f)}`);
              return f as ShaderFeature;
            }),
          }),
    };
  });
  const shaderById = new Map(shaders.map((s) => [s.id, s]));
  const dispatches = arr(m.dispatches, 'dispatches', L.maxDispatches).map((d, i) => {
    const path = `dispatches[${i}]`;
    const o = obj(d, path);
    const shader = shaderById.get(str(o.shader, `${path}.shader`));
    if (!shader) fail(`${path}.shader`, `unknown shader ${JSON.stringify(o.shader)}`);
    if (shader.features) fail(`${path}.shader`, `shader ${shader.id} needs ${shader.features.join(', ')}; only a subgroups variant may`);
    const bound = boundBuffers(o.buffers, `${path}.buffers`, shader, buffers);
    const params = o.params === undefined ? undefined : dispatchParams(o.params, `${path}.params`, shader);
    const quick = o.quick === undefined ? undefined : dispatchVariant(o.quick, `${path}.quick`, shader, bound, shaderById, buffers, false);
    const subgroups = o.subgroups === undefined ? undefined : dispatchVariant(o.subgroups, `${path}.subgroups`, shader, bound, shaderById, buffers, true);
    checkParamCounts(path, params, [shader, ...[quick, subgroups].map((v) => v && shaderById.get(v.shader))]);
    const groups = affine(o.groups, `${path}.groups`);
    const groupsDivisor = int(o.groupsDivisor, `${path}.groupsDivisor`, 1, 2 ** 31);
    checkGrid(path, { groups, groupsDivisor }, shader, bound, buffers, maxBatch);
    if (quick) checkGrid(`${path}.quick`, quick, shaderById.get(quick.shader)!, quick.buffers ?? bound, buffers, maxBatch);
    if (subgroups) checkGrid(`${path}.subgroups`, subgroups, shaderById.get(subgroups.shader)!, subgroups.buffers ?? bound, buffers, maxBatch);
    return {
      shader: shader.id,
      buffers: bound,
      groups,
      groupsDivisor,
      label: typeof o.label === 'string' ? o.label : `dispatch ${i}`,
      ...(params ? { params } : {}),
      ...(quick ? { quick } : {}),
      ...(subgroups ? { subgroups } : {}),
    };
  });
  if (version === 1 && (shaders.some((s) => s.params !== undefined) || dispatches.some((d) => d.params !== undefined))) {
    fail('version', 'params need bundle version 2');
  }
  if (version < 3 && dispatches.some((d) => d.quick?.buffers || d.subgroups?.buffers)) {
    fail('version', "a variant's own buffers need bundle version 3");
  }
  const train = m.train === undefined ? undefined : trainSpec(m.train, buffers);
  if (version < 4 && (train || inputs.some((p) => p.dtype === 'u32'))) fail('version', 'a train section and u32 inputs need bundle version 4');
  return {
    format: BUNDLE_FORMAT,
    version,
    model: str(m.model, 'model'),
    generator: typeof m.generator === 'string' ? m.generator : 'unknown',
    inputs,
    outputs,
    maxBatch,
    weightsFile: bundlePath(m.weightsFile, 'weightsFile'),
    buffers,
    shaders,
    dispatches,
    ...(train ? { train } : {}),
  };
}

/**
 * The state a train bundle updates: each assign copies an activation buffer
 * holding at least the tensor's elements into that tensor's weight buffer,
 * each weight buffer written by one assign at most.
 */
function trainSpec(v: Json, buffers: readonly BufferSpec[]): TrainSpec {
  const o = obj(v, 'train');
  const extra = Object.keys(o).filter((k) => k !== 'assigns' && k !== 'optimizer' && k !== 'schedule');
  if (extra.length > 0) fail(`train.${extra[0]}`, 'unknown field (train has assigns, optimizer, schedule)');
  if ((o.optimizer === undefined) !== (o.schedule === undefined)) fail('train', 'an optimizer needs a schedule and a schedule an optimizer');
  const data = <T>(read: () => T): T => {
    try {
      return read();
    } catch (e) {
      if (e instanceof TrainDataError) fail(`train.${e.path}`, e.problem);
      throw e;
    }
  };
  const optimizer = o.optimizer === undefined ? undefined : data(() => ({ ...validateOptimizerData(o.optimizer), version: OPTIMIZER_FORMAT_VERSION }));
  const schedule = o.schedule === undefined ? undefined : data(() => validateScheduleData(o.schedule));
  const written = new Map<number, number>();
  const assigns = arr(o.assigns, 'train.assigns', MANIFEST_LIMITS.maxBuffers).map((a, i): StateAssign => {
    const at = `train.assigns[${i}]`;
    const e = obj(a, at);
    const tensor = str(e.tensor, `${at}.tensor`);
    const from = int(e.from, `${at}.from`, 0, buffers.length - 1);
    const to = int(e.to, `${at}.to`, 0, buffers.length - 1);
    const source = buffers[from]!;
    const target = buffers[to]!;
    if (target.kind !== 'weight') fail(`${at}.to`, `buffer ${to} is not a weight buffer`);
    if (target.tensor !== tensor) fail(`${at}.to`, `buffer ${to} holds ${JSON.stringify(target.tensor)}, not ${JSON.stringify(tensor)}`);
    if (source.kind !== 'activation') fail(`${at}.from`, `buffer ${from} is not an activation buffer`);
    // At batch 1, the smallest a run may have (a buffer shared over the step may grow with N).
    if (source.elements.perN + source.elements.fixed < target.elements) {
      fail(`${at}.from`, `buffer ${from} (${source.elements.perN} * N + ${source.elements.fixed} elements) does not hold the ${target.elements} elements of ${JSON.stringify(tensor)}`);
    }
    const before = written.get(to);
    if (before !== undefined) fail(`${at}.to`, `buffer ${to} is written by train.assigns[${before}] too`);
    written.set(to, i);
    return { tensor, from, to };
  });
  return { assigns, ...(optimizer ? { optimizer } : {}), ...(schedule ? { schedule } : {}) };
}
