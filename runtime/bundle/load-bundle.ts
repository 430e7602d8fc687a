// Loads a validated bundle onto a GPUDevice: weights uploaded once, the
// pipelines the first run needs started compiling at load, and the rest after
// it (pipeline-tiers.ts). The first run does not wait for all of them: it
// submits the dispatches whose pipelines exist and waits at the first one
// that is still compiling, so the GPU works while the compiler does.
// Activation buffers and bind groups are made per batch size on first use
// and cached. Before any GPU object is made, the bundle is checked against the
// device's limits and the runtime's caps on memory and work (run-limits.ts);
// a run with a timeout or a signal submits its work in chunks so that it can
// stop (run-stop.ts).
import { MAX_HEADER_BYTES, readSafetensors } from '../io/safetensors.ts';
import type { BundleSource } from './bundle-source.ts';
import { USUAL_WEIGHTS_FILE, type DispatchSpec, type Manifest, type ShaderSpec, type TensorPort } from './manifest.ts';
import { currentVariant, firstCompileOf, preparePipeline, shaderTiers, type DispatchVariantNow, type PipelineChoice, type PipelineTable } from './pipeline-tiers.ts';
import { checkedGpuWork } from './error-scopes.ts';
import { quadsAreConsecutive } from './quad-probe.ts';
import { BundleError, MANIFEST_LIMITS, validateManifest } from './validate-manifest.ts';
import { checkInputShapes, type RunInput } from './input-shapes.ts';
import { describeNonFinite, nonFiniteIn, type NonFiniteReport } from '../io/non-finite.ts';
import { listProblems } from '../io/problem-list.ts';
import { batchLimitProblems, fixedLimitProblems, foldWorkgroups, largestFittingBatch, runCapsFrom, runFigures, type RunCaps } from './run-limits.ts';
import { checkTimeout, RunStop, type RunProgressNote } from './run-stop.ts';
import { shaderInterfaceProblems, shaderUses, type ShaderUse } from './shader-interface.ts';
import { workgroupSizeProblems } from './workgroup-size.ts';

export type { PipelineChoice } from './pipeline-tiers.ts';
export type { RunInput, ShapedInput } from './input-shapes.ts';

export interface RunOptions {
  /** The batch size; inferred from the inputs' lengths when omitted. */
  readonly batch?: number;
  /**
   * Seconds the run may take (from the call), over the load's `timeout`.
   * Past it the run submits nothing more and rejects with a RunTimeoutError;
   * work already submitted cannot be cancelled, so where the run had
   * submitted some, the bundle runs no more (later runs fail).
   */
  readonly timeout?: number;
  /** Aborting it stops the run as its timeout would, with a RunAbortedError. */
  readonly signal?: AbortSignal;
}

export interface OutputTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface LoadedBundle {
  readonly manifest: Manifest;
  /**
   * The largest batch a run may ask for on this device: the manifest's
   * maxBatch, or less where the device's limits or the memory and work caps
   * allow less (see BundleLoadOptions).
   */
  readonly largestBatch: number;
  /**
   * Each input is a Float32Array of the declared shape's values, or
   * `{ data, shape }`, whose shape must match the declared one (with N the
   * same across all inputs).
   */
  run(inputs: Readonly<Record<string, RunInput>>, options?: RunOptions): Promise<Record<string, OutputTensor>>;
  /**
   * Resolves once every pipeline the bundle will run with is compiled: with
   * 'tiered' when the background compiles are done and every dispatch runs
   * its fast pipeline; with 'fast' and 'quick' when the first run's are.
   * Rejects if a pipeline failed to compile; where that was a fast one, runs
   * go on with the quick ones.
   */
  ready(): Promise<void>;
  /**
   * The current values of stored tensors by name (every weight buffer's
   * when `names` is omitted), flat: a train bundle's weights, running
   * statistics and optimizer state after the runs so far. Waits for the runs
   * queued before it.
   */
  readTensors(names?: readonly string[]): Promise<Map<string, OutputTensor>>;
  /** Frees every GPU buffer the bundle made. */
  destroy(): void;
}

/**
 * Invocations in the first command buffer of a run that may be stopped. A
 * stop leaves up to two chunks behind on the device, and SwiftShader on two
 * cores runs 2^18 to 2^20 invocations of a model's kernels a second, so this
 * is a fraction of a second there; a GPU runs it in microseconds, and waiting
 * for chunks that small would leave it idle, so after two chunks in a row
 * that finished within QUICK_CHUNK_MS each next budget doubles. (Two, since
 * one cheap kernel says little about the next: fashion's first chunk, an
 * elementwise kernel, is quick even on SwiftShader, its second a convolution.)
 */
const FIRST_CHUNK_INVOCATIONS = 2 ** 16;
const QUICK_CHUNK_MS = 50;

function elementsOf(size: { perN: number; fixed: number }, n: number): number {
  return size.perN * n + size.fixed;
}

function shapeAt(port: TensorPort, n: number): number[] {
  return port.shape.map((d) => (d === 'N' ? n : d));
}

function portElements(port: TensorPort, n: number): number {
  return shapeAt(port, n).reduce((p, d) => p * d, 1);
}

/**
 * The cap on the usual weights file, asked for before the manifest can bound
 * it: 2^31 - 1 bytes, the most one read takes in Node and an ArrayBuffer
 * holds in every browser.
 */
const EARLY_WEIGHTS_MAX_BYTES = 2 ** 31 - 1;

/**
 * The most bytes the manifest's weights file can need: the length field, the
 * largest header, and every weight buffer's elements at the widest dtype (F64).
 */
function weightsFileBound(manifest: Manifest): number {
  let elements = 0;
  for (const b of manifest.buffers) if (b.kind === 'weight') elements += b.elements;
  return 8 + MAX_HEADER_BYTES + elements * 8;
}

/** Where a JSON.parse error happened, as line and column, without the text it quotes. */
function jsonErrorPlace(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end of JSON input/.test(message)) return ': it ends too early';
  const at = /at position (\d+)/.exec(message);
  if (!at) return '';
  const position = Math.min(Number(at[1]), text.length);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

export interface BundleLoadOptions {
  /** Default 'tiered'. */
  readonly pipelines?: PipelineChoice;
  /**
   * Load weights that hold NaN or Inf. By default such a bundle is refused
   * (a BundleError naming every such tensor): its every output would be NaN.
   */
  readonly allowNonFinite?: boolean;
  /** Every run's timeout in seconds, unless the run gives its own (RunOptions.timeout); none by default. */
  readonly timeout?: number;
  /**
   * The work cap: invocations one run may launch (default 2^34; see
   * run-limits.ts). A bundle over it at batch 1 is refused at load; a run
   * whose batch would take it over is refused before it allocates anything.
   */
  readonly maxInvocations?: number;
  /**
   * Bytes of GPU buffers the bundle may hold (default 8 GiB), checked the
   * same way for one batch size; the buffers of other batch sizes are freed
   * when keeping them would pass it.
   */
  readonly maxMemoryBytes?: number;
}

/**
 * The largest batch `manifest` runs at on `device`; throws a BundleError
 * listing every problem if it runs at none. Reads the device's limits only.
 */
function checkDeviceFit(manifest: Manifest, limits: GPUSupportedLimits, caps: RunCaps): number {
  const problems = [...fixedLimitProblems(manifest, limits), ...batchLimitProblems(manifest, limits, caps, 1)];
  if (problems.length > 0) {
    throw new BundleError(`${manifest.model} cannot run on this device (${problems.length === 1 ? 'one problem' : `${problems.length} problems`}, found before anything was made on it):\n${listProblems(problems)}`);
  }
  return largestFittingBatch(manifest, limits, caps);
}

/**
 * Every shader's text against its manifest entry, the buffers its
 * dispatches bind and the device: its workgroup size (workgroup-size.ts) and
 * its bindings (shader-interface.ts); before its module is made.
 */
function checkShaderTexts(manifest: Manifest, shaders: readonly ShaderSpec[], texts: ReadonlyMap<string, string>, uses: ReadonlyMap<string, readonly ShaderUse[]>, limits: GPUSupportedLimits): void {
  const problems = shaders.flatMap((s) => {
    const code = texts.get(s.id)!;
    return [...workgroupSizeProblems(s, code, limits), ...shaderInterfaceProblems(s, code, manifest, uses.get(s.id) ?? [])];
  });
  if (problems.length > 0) {
    throw new BundleError(
      `${manifest.model}: ${problems.length === 1 ? 'a shader does not fit its manifest entry or the device' : `${problems.length} problems with its shaders`} (found before the shader was compiled):\n${listProblems(problems)}`,
    );
  }
}

/**
 * `device` may still be on its way: the manifest and the first run's shaders
 * are read while it is requested (in a page each is a round trip, and so is
 * the device), and it is awaited only when the first pipeline is made.
 */
export async function loadBundleFrom(
  source: BundleSource,
  deviceOrPending: GPUDevice | PromiseLike<GPUDevice>,
  options: BundleLoadOptions = {},
): Promise<LoadedBundle> {
  const caps = runCapsFrom(options);
  const defaultTimeout = checkTimeout(options.timeout);
  const pendingDevice = Promise.resolve(deviceOrPending);
  pendingDevice.catch(() => undefined); // a bad manifest is reported first; the device's error is awaited below
  const manifestText = source.readText('manifest.json', MANIFEST_LIMITS.maxManifestBytes);
  // Asked for with the manifest, under the name the compiler gives it (see
  // USUAL_WEIGHTS_FILE), before the manifest can say how large it may be: so
  // under a generous absolute cap, and its length checked against the
  // manifest's bound once that is known (weightsFileBound). Not from a local
  // source, where asking later costs nothing and the manifest's bound
  // refuses a file too large before it is read.
  const usualWeights = source.local ? undefined : source.readBytes(USUAL_WEIGHTS_FILE, EARLY_WEIGHTS_MAX_BYTES);
  usualWeights?.catch(() => undefined); // a bundle with other weights, or a bad manifest, never awaits it
  let raw: unknown;
  let text = '';
  try {
    text = await manifestText;
    raw = JSON.parse(text);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    // The parser's message quotes the text; only where it failed is said.
    throw new BundleError(`${source.description}: manifest.json is not valid JSON${jsonErrorPlace(e, text)}`);
  }
  const manifest = validateManifest(raw);
  // Checked as soon as the device is known, before the quad probe or any of the bundle's objects.
  const onDevice = pendingDevice.then((device) => ({ device, largestBatch: checkDeviceFit(manifest, device.limits, caps) }));
  onDevice.catch(() => undefined); // awaited below
  const weightsBound = weightsFileBound(manifest);
  const checkWeights = (bytes: Uint8Array): Uint8Array => {
    if (bytes.length > weightsBound) {
      throw new BundleError(`${source.description}: ${manifest.weightsFile} is ${bytes.length} bytes, more than the ${weightsBound} bytes the manifest's weights can take`);
    }
    return bytes;
  };
  const choice = options.pipelines ?? 'tiered';

  // Quad-shared kernels only after the device has shown it runs them: at load
  // for 'fast', in the background (before the later compiles) for 'tiered'.
  const hasSubgroupVariants = manifest.dispatches.some((d) => d.subgroups);
  // Without the probe's answer the first shaders are unknown; 'fast' waits for
  // the device before reading them.
  const probeFirst = choice === 'fast' && hasSubgroupVariants;
  const subgroupsNow = probeFirst && (await quadsAreConsecutive((await onDevice).device));
  const firstShaders = shaderTiers(manifest, choice, subgroupsNow).first;
  // The first run's shaders and the weights are requested at once (most
  // often the shaders are in the manifest already), and the first compiles
  // start as soon as the shaders are in, so over a network the weights arrive
  // while they compile. The later shaders are read when their compiles are
  // due (see compileBackground): until the first run is done their requests
  // would only compete with it, for the network and, on SwiftShader, for the
  // processor.
  // A shader's text is in the manifest (`code`) where the compiler put it there for the first run.
  const readShaders = (shaders: readonly ShaderSpec[]) => Promise.all(shaders.map((s) => s.code ?? source.readText(s.file, MANIFEST_LIMITS.maxShaderCode)));
  const firstTexts = readShaders(firstShaders);
  const weightBytes = (manifest.weightsFile === USUAL_WEIGHTS_FILE && usualWeights ? usualWeights : source.readBytes(manifest.weightsFile, weightsBound)).then(checkWeights);
  weightBytes.catch(() => undefined); // awaited below
  const shaderTexts = new Map<string, string>();
  (await firstTexts).forEach((text, i) => shaderTexts.set(firstShaders[i]!.id, text));
  const { device, largestBatch } = await onDevice;
  const uses = shaderUses(manifest);
  checkShaderTexts(manifest, firstShaders, shaderTexts, uses, device.limits);

  const what = `loading ${source.description}`;
  const table: PipelineTable = { layouts: new Map(), pipelines: new Map(), firstCompiles: new Map() };
  const prepare = (shader: ShaderSpec) => preparePipeline(device, shader, shaderTexts.get(shader.id)!, table);
  // The compiles the first run needs start before anything else, so they
  // overlap reading and uploading the weights, and the first run waits for
  // each only when it gets to it (Runner.runNow). They run one after another
  // in dispatch order: Chromium's SwiftShader takes as long for several at
  // once as for the same one by one, and finishes the first dispatch's
  // pipeline last, so the device sat idle until all were done; in order, it
  // runs each dispatch while the next compiles.
  // A first-run shader module that does not validate is refused here.
  await checkedGpuWork(device, what, () => {
    let previous: Promise<unknown> = Promise.resolve();
    for (const s of firstShaders) {
      const start = prepare(s);
      const compile = previous.then(start, start);
      previous = compile;
      compile.catch(() => undefined); // the run that needs it, or ready(), reports the failure
      table.firstCompiles.set(s.id, compile);
    }
  });
  // The later shaders' modules, too, are made only when their compiles
  // start: in Chromium each module is parsed and validated in the GPU
  // process, which would otherwise do it while it compiles the first run's
  // pipelines (cnn cold starts, medians of eight alternating launches: 1213
  // against 1270 ms). One that cannot be read or does not validate fails
  // ready(); runs go on with the quick pipelines.
  const compileBackground = async (useSubgroups: () => void, destroyed: () => boolean): Promise<void> => {
    const subgroups = choice === 'tiered' && hasSubgroupVariants && (await quadsAreConsecutive(device));
    const later = shaderTiers(manifest, choice, subgroups).later;
    (await readShaders(later)).forEach((text, i) => shaderTexts.set(later[i]!.id, text));
    if (destroyed()) throw new BundleError(`${manifest.model}: the bundle was destroyed before its later pipelines compiled`);
    checkShaderTexts(manifest, later, shaderTexts, uses, device.limits);
    const compiles = await checkedGpuWork(device, `compiling ${manifest.model}`, () => later.map((s) => prepare(s)));
    if (subgroups) useSubgroups(); // each dispatch switches as its variant finishes compiling
    await Promise.all(compiles.map((compile) => compile()));
  };

  const weightBuffers = new Map<number, GPUBuffer>();
  try {
    const weights = readSafetensors(await weightBytes);
    await checkedGpuWork(device, what, () => uploadWeights(device, manifest, weights, weightBuffers, options.allowNonFinite ?? false));
  } catch (e) {
    for (const buffer of weightBuffers.values()) buffer.destroy();
    throw e;
  }
  return new Runner(device, manifest, weightBuffers, table, subgroupsNow, compileBackground, { largestBatch, caps, defaultTimeout });
}

/** One buffer per weight tensor, each checked against the manifest before it is made. */
function uploadWeights(
  device: GPUDevice,
  manifest: Manifest,
  weights: ReturnType<typeof readSafetensors>,
  weightBuffers: Map<number, GPUBuffer>,
  allowNonFinite: boolean,
): void {
  // Every tensor is checked before any buffer is made, so the error lists them all.
  const nonFinite: NonFiniteReport[] = [];
  for (const spec of manifest.buffers) {
    if (spec.kind !== 'weight' || allowNonFinite) continue;
    const tensor = weights.tensors.get(spec.tensor);
    if (!(tensor?.data instanceof Float32Array)) continue; // reported below
    const report = nonFiniteIn(spec.tensor, tensor.data);
    if (report) nonFinite.push(report);
  }
  if (nonFinite.length > 0) {
    throw new BundleError(
      `${manifest.weightsFile}: ${nonFinite.length} weight tensor${nonFinite.length === 1 ? ' holds' : 's hold'} NaN or Inf, which would make every output NaN:\n  ${nonFinite.map(describeNonFinite).join('\n  ')}\n(load with allowNonFinite: true, or \`regc run --allow-non-finite\`, to run it anyway)`,
    );
  }
  const mismatches: string[] = [];
  for (const spec of manifest.buffers) {
    if (spec.kind !== 'weight') continue;
    const tensor = weights.tensors.get(spec.tensor);
    if (!tensor) mismatches.push(`missing tensor ${spec.tensor}`);
    else if (!(tensor.data instanceof Float32Array)) mismatches.push(`tensor ${spec.tensor} is ${tensor.dtype}, expected a float type`);
    else if (tensor.data.length !== spec.elements) mismatches.push(`tensor ${spec.tensor} has ${tensor.data.length} elements, the manifest expects ${spec.elements}`);
  }
  if (mismatches.length === 1) throw new BundleError(`${manifest.weightsFile}: ${mismatches[0]}`);
  if (mismatches.length > 1) throw new BundleError(`${manifest.weightsFile} does not hold the weights the manifest names (${mismatches.length} problems):\n${listProblems(mismatches)}`);
  for (const spec of manifest.buffers) {
    if (spec.kind !== 'weight') continue;
    const tensor = weights.tensors.get(spec.tensor)!;
    // COPY_SRC: a train bundle's state is read back (readTensors); COPY_DST: and written by its assigns.
    const buffer = device.createBuffer({ label: spec.tensor, size: Math.max(4, spec.elements * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    device.queue.writeBuffer(buffer, 0, tensor.data as Float32Array<ArrayBuffer>);
    weightBuffers.set(spec.id, buffer);
  }
}

interface BatchState {
  readonly buffers: Map<number, GPUBuffer>;
  /** Each dispatch's Dims uniform: its own where it has params, else one they share. */
  readonly dims: readonly GPUBuffer[];
  /**
   * Each dispatch's bind groups, made when first used: under '' the one for
   * the buffers its shader binds (which every variant without buffers of its
   * own shares), under 'quick' or 'subgroups' that variant's own.
   */
  readonly bindGroups: readonly Map<string, GPUBindGroup>[];
  /** One per output, in the manifest's order. */
  readonly readback: readonly GPUBuffer[];
  /** Bytes of its own buffers (all but the weights). */
  readonly bytes: number;
}

/** What a run has got to, for the error that stops it. */
interface RunProgress {
  /** Dispatches submitted so far. */
  submitted: number;
  /** The dispatch waiting for its pipeline, if it is. */
  waitingFor: number | undefined;
  /** All submitted, the outputs being read back. */
  readingBack: boolean;
}

/** The run's own bounds, fixed at load. */
interface RunnerBounds {
  readonly largestBatch: number;
  readonly caps: RunCaps;
  readonly defaultTimeout: number | undefined;
}

class Runner implements LoadedBundle {
  private readonly batches = new Map<number, BatchState>();
  private readonly shaderById: Map<string, Manifest['shaders'][number]>;
  private queue: Promise<unknown> = Promise.resolve();
  readonly largestBatch: number;
  /**
   * Why the bundle runs no more: a run was stopped after it had submitted
   * work, which may still be running and cannot be cancelled.
   */
  private stoppedBy: string | undefined;

  constructor(
    private readonly device: GPUDevice,
    readonly manifest: Manifest,
    private readonly weightBuffers: Map<number, GPUBuffer>,
    private readonly table: PipelineTable,
    /** Whether dispatches run their subgroups variants (once compiled). */
    private subgroups: boolean,
    private readonly compileBackground: (useSubgroups: () => void, destroyed: () => boolean) => Promise<void>,
    private readonly bounds: RunnerBounds,
  ) {
    this.shaderById = new Map(manifest.shaders.map((s) => [s.id, s]));
    this.largestBatch = bounds.largestBatch;
  }

  private background: Promise<void> | undefined;
  /** Set by destroy(): a run waiting for a pipeline then fails instead of touching freed buffers. */
  private destroyed = false;

  /**
   * The background compiles start after the first run, or when ready() is
   * asked, whichever comes first: on a device whose compiler shares the CPU
   * with its queue (SwiftShader) they would otherwise slow the first run down
   * by about half.
   */
  private startBackground(): Promise<void> {
    if (!this.background && this.destroyed) return Promise.reject(new BundleError(`${this.manifest.model}: the bundle was destroyed`));
    if (!this.background) {
      this.background = this.compileBackground(
        () => {
          this.subgroups = true;
        },
        () => this.destroyed,
      );
      // Nobody need ask for ready(): a failed background compile must not become an unhandled rejection.
      this.background.catch(() => undefined);
    }
    return this.background;
  }

  ready(): Promise<void> {
    return Promise.all([...this.table.firstCompiles.values(), this.startBackground()]).then(() => undefined);
  }

  run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<Record<string, OutputTensor>> {
    let stop: RunStop | undefined;
    try {
      stop = RunStop.start(this.manifest.model, { timeout: options.timeout ?? this.bounds.defaultTimeout, signal: options.signal });
    } catch (e) {
      return Promise.reject(e);
    }
    // Runs share per-batch buffers: serialise them. A run's timeout counts
    // from the call, so it may pass while an earlier run still has its turn;
    // the next run then waits for both.
    const turn = this.queue;
    if (stop) stop.describeProgress = () => ({ detail: 'it was still waiting for an earlier run of this bundle to finish', workLeft: false });
    const next = (stop ? stop.race(turn) : turn).then(() => this.runNow(this.plainInputs(inputs, options), options, stop));
    if (stop) void next.then(() => stop.dispose(), () => stop.dispose());
    this.queue = Promise.allSettled([turn, next]);
    // The background starts in a later task, not in a reaction to this run's
    // promise: reactions run before the caller's `await` resumes, and in a
    // Chromium trace the first result reached the page only as the quad
    // probe's pipeline finished, about 50 ms after the run.
    // Not after a run that was stopped with work left: the bundle runs no more, and the compiles would only compete with that work.
    const startLater = () => void setTimeout(() => void (this.stoppedBy ? undefined : this.startBackground().catch(() => undefined)), 0);
    next.then(startLater, startLater);
    return next;
  }

  /**
   * The inputs' data by name, after checking the shapes of those given with
   * one (see input-shapes.ts). A Map from here on: a port may be named
   * `__proto__` or `constructor`, which a plain object would look up on its
   * prototype.
   */
  private plainInputs(inputs: Readonly<Record<string, RunInput>>, options: RunOptions): Map<string, Float32Array> {
    const plain = new Map<string, Float32Array>();
    const shapes = new Map<string, readonly number[]>();
    for (const [name, input] of Object.entries(inputs)) {
      // A u32 port's words (a train bundle's RNG state) travel as the bits of a Float32Array.
      if (input instanceof Uint32Array) {
        plain.set(name, new Float32Array(input.buffer, input.byteOffset, input.length));
        continue;
      }
      if (input instanceof Float32Array || input === undefined || input === null || typeof input !== 'object' || !('data' in input)) {
        plain.set(name, input as Float32Array);
        continue;
      }
      const { data, shape } = input;
      if (!(data instanceof Float32Array)) throw new BundleError(`input ${name}: data must be a Float32Array`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new BundleError(`input ${name}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
      }
      const count = shape.reduce((p, d) => p * d, 1);
      if (count !== data.length) throw new BundleError(`input ${name}: shape [${shape.join(', ')}] has ${count} values, the data ${data.length}`);
      plain.set(name, data);
      shapes.set(name, shape);
    }
    const checked = checkInputShapes(this.manifest.inputs, shapes, options.batch);
    if (checked.problems.length > 0) throw new BundleError(checked.problems.join('\n'));
    return plain;
  }

  private batchOf(inputs: ReadonlyMap<string, Float32Array>, options: RunOptions): number {
    for (const name of inputs.keys()) {
      if (!this.manifest.inputs.some((p) => p.name === name)) {
        throw new BundleError(`unknown input ${JSON.stringify(name)}; the model takes ${this.manifest.inputs.map((p) => p.name).join(', ')}`);
      }
    }
    let n = options.batch;
    for (const port of this.manifest.inputs) {
      const data = inputs.get(port.name);
      if (!data) throw new BundleError(`missing input ${JSON.stringify(port.name)}`);
      if (!(data instanceof Float32Array)) throw new BundleError(`input ${port.name} must be a Float32Array`);
      const perSample = portElements(port, 1);
      const hasN = port.shape.includes('N');
      if (hasN && n === undefined) {
        if (data.length % perSample !== 0) throw new BundleError(`input ${port.name} has ${data.length} values, not a multiple of ${perSample} per sample`);
        n = data.length / perSample;
      }
    }
    n ??= 1;
    if (!Number.isInteger(n) || n < 1 || n > this.manifest.maxBatch) {
      throw new BundleError(`batch size ${n} is outside 1..${this.manifest.maxBatch}`);
    }
    for (const port of this.manifest.inputs) {
      const expected = portElements(port, n);
      const given = inputs.get(port.name)!.length;
      if (given !== expected) {
        throw new BundleError(`input ${port.name} has ${given} values; shape [${shapeAt(port, n).join(', ')}] needs ${expected}`);
      }
    }
    return n;
  }

  private stateFor(n: number): BatchState {
    const cached = this.batches.get(n);
    if (cached) return cached;
    // The memory cap holds for everything the bundle keeps, so the buffers of
    // other batch sizes go when keeping them would pass it (runs are
    // serialised: none is using them).
    const figures = runFigures(this.manifest, n);
    const bytes = figures.memoryBytes - figures.weightBytes;
    let held = figures.memoryBytes;
    for (const state of this.batches.values()) held += state.bytes;
    if (held > this.bounds.caps.maxMemoryBytes) {
      for (const state of this.batches.values()) this.freeBatch(state);
      this.batches.clear();
    }
    const device = this.device;
    const buffers = new Map<number, GPUBuffer>(this.weightBuffers);
    for (const spec of this.manifest.buffers) {
      if (spec.kind !== 'activation') continue;
      const bytes = Math.max(4, elementsOf(spec.elements, n) * 4);
      buffers.set(spec.id, device.createBuffer({ label: `activation ${spec.id}`, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }));
    }
    let shared: GPUBuffer | undefined;
    const dims = this.manifest.dispatches.map((d) => (d.params ? this.dimsBuffer(n, d.params) : (shared ??= this.dimsBuffer(n, []))));
    const bindGroups = this.manifest.dispatches.map(() => new Map<string, GPUBindGroup>());
    // One readback buffer per output, even where two outputs share a buffer: each is mapped once.
    const readback = this.manifest.outputs.map((port) =>
      device.createBuffer({ label: `read ${port.name}`, size: Math.max(4, portElements(port, n) * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    );
    const state = { buffers, dims, bindGroups, readback, bytes };
    this.batches.set(n, state);
    return state;
  }

  private freeBatch(state: BatchState): void {
    for (const [id, b] of state.buffers) if (!this.weightBuffers.has(id)) b.destroy();
    for (const b of [...state.readback, ...new Set(state.dims)]) b.destroy();
  }

  /** A Dims uniform: the batch size, then a dispatch's params, in whole 16-byte rows. */
  private dimsBuffer(n: number, params: readonly number[]): GPUBuffer {
    const words = new Uint32Array(Math.ceil((1 + params.length) / 4) * 4);
    words[0] = n;
    words.set(params, 1);
    const buffer = this.device.createBuffer({ label: 'dims', size: words.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, words);
    return buffer;
  }

  /** The bind group dispatch `i` runs `variant` with (see BatchState.bindGroups). */
  private bindGroupFor(i: number, variant: DispatchVariantNow, state: BatchState): GPUBindGroup {
    const d = this.manifest.dispatches[i]!;
    const key = variant.ownBuffers ? variant.kind : '';
    const made = state.bindGroups[i]!.get(key);
    if (made) return made;
    const bound = variant.ownBuffers ?? d.buffers;
    const entries: GPUBindGroupEntry[] = bound.map((b, binding) => ({ binding, resource: { buffer: state.buffers.get(b)! } }));
    if (this.shaderById.get(d.shader)!.usesBatch) entries.push({ binding: bound.length, resource: { buffer: state.dims[i]! } });
    // The running variant's layout exists (its pipeline does); the other shaders that bind
    // these buffers have group-equivalent layouts, so the group serves them too.
    const group = this.device.createBindGroup({ label: d.label, layout: this.table.layouts.get(variant.shader)!, entries });
    state.bindGroups[i]!.set(key, group);
    return group;
  }

  /** A batch over largestBatch is refused before anything is allocated for it, with every reason. */
  private checkBatchFits(n: number): void {
    if (n <= this.largestBatch) return;
    const problems = batchLimitProblems(this.manifest, this.device.limits, this.bounds.caps, n);
    throw new BundleError(
      `${this.manifest.model}: batch ${n} is more than this device runs the bundle at (at most ${this.largestBatch}, of the manifest's maxBatch ${this.manifest.maxBatch}); run smaller batches:\n${listProblems(problems)}`,
    );
  }

  private describeProgress(progress: RunProgress): RunProgressNote {
    const total = this.manifest.dispatches.length;
    const workLeft = progress.submitted > 0;
    if (progress.readingBack) return { detail: `the bundle's kernels did not finish (all ${total} dispatches submitted, the outputs not yet back)`, workLeft };
    if (progress.waitingFor !== undefined) {
      const d = this.manifest.dispatches[progress.waitingFor]!;
      return { detail: `it was waiting for the pipeline of dispatch ${progress.waitingFor} (${JSON.stringify(d.label)}) to compile, with ${progress.submitted} of ${total} dispatches submitted`, workLeft };
    }
    return { detail: `the bundle's kernels did not finish (${progress.submitted} of ${total} dispatches submitted)`, workLeft };
  }

  private async runNow(inputs: ReadonlyMap<string, Float32Array>, options: RunOptions, stop: RunStop | undefined): Promise<Record<string, OutputTensor>> {
    const what = `running ${this.manifest.model}`;
    if (this.destroyed) throw new BundleError(`${what}: the bundle was destroyed`);
    if (this.stoppedBy) throw new BundleError(`${what}: an earlier run was stopped while its work was on the device (${this.stoppedBy}); this bundle runs no more: load it again`);
    const n = this.batchOf(inputs, options);
    this.checkBatchFits(n);
    const progress: RunProgress = { submitted: 0, waitingFor: undefined, readingBack: false };
    if (stop) stop.describeProgress = () => this.describeProgress(progress);
    const race = <T>(work: Promise<T>): Promise<T> => (stop ? stop.race(work) : work);
    try {
      return await this.dispatchRun(inputs, n, what, progress, stop, race);
    } catch (e) {
      if (stop?.isStopped && progress.submitted > 0) this.stoppedBy = (e as Error).message;
      throw e;
    }
  }

  private async dispatchRun(
    inputs: ReadonlyMap<string, Float32Array>,
    n: number,
    what: string,
    progress: RunProgress,
    stop: RunStop | undefined,
    race: <T>(work: Promise<T>) => Promise<T>,
  ): Promise<Record<string, OutputTensor>> {
    const device = this.device;
    const dispatches = this.manifest.dispatches;
    stop?.throwIfStopped();
    const state = await race(
      checkedGpuWork(device, what, () => {
        const state = this.stateFor(n);
        for (const port of this.manifest.inputs) {
          device.queue.writeBuffer(state.buffers.get(port.buffer)!, 0, inputs.get(port.name)! as Float32Array<ArrayBuffer>);
        }
        return state;
      }),
    );
    // One command buffer, unless the run gets to a dispatch whose pipeline
    // is still compiling (early in a first run): what is encoded is then
    // submitted and runs while the run waits for that pipeline. A run that
    // may be stopped submits chunks (see FIRST_CHUNK_INVOCATIONS) and waits
    // for each once the next is submitted, so the device always has the next
    // chunk and a stop leaves at most two behind.
    let budget = stop ? FIRST_CHUNK_INVOCATIONS : Infinity;
    let quickChunks = 0;
    let next = 0;
    let previousChunk: Promise<number> | undefined;
    for (;;) {
      stop?.throwIfStopped();
      next = await race(
        checkedGpuWork(device, what, () => {
          const end = this.encodeFrom(next, n, state, budget);
          progress.submitted = end;
          return end;
        }),
      );
      if (stop) {
        const submittedAt = performance.now();
        const done = device.queue.onSubmittedWorkDone().then(() => performance.now() - submittedAt);
        if (previousChunk) {
          quickChunks = (await stop.race(previousChunk)) < QUICK_CHUNK_MS ? quickChunks + 1 : 0;
          if (quickChunks >= 2) budget *= 2;
        }
        previousChunk = done;
      }
      if (next === dispatches.length) break;
      const d = dispatches[next]!;
      if (!currentVariant(d, this.table, this.subgroups)) {
        progress.waitingFor = next;
        await race(firstCompileOf(d, this.table));
        progress.waitingFor = undefined;
      }
      if (this.destroyed) throw new BundleError(`${what}: the bundle was destroyed during the run`);
    }
    progress.readingBack = true;
    const tensors = await race(
      Promise.all(
        this.manifest.outputs.map(async (port, k) => {
          const rb = state.readback[k]!;
          await rb.mapAsync(GPUMapMode.READ);
          const data = new Float32Array(rb.getMappedRange().slice(0, portElements(port, n) * 4));
          rb.unmap();
          return { data, shape: shapeAt(port, n) };
        }),
      ),
    );
    const out: Record<string, OutputTensor> = {};
    // Defined, not assigned: an output named `__proto__` would otherwise set the record's prototype.
    this.manifest.outputs.forEach((port, k) => Object.defineProperty(out, port.name, { value: tensors[k], enumerable: true, writable: true, configurable: true }));
    return out;
  }

  /**
   * Encodes and submits the dispatches from `first` up to the first one
   * without a compiled pipeline, or until they launch `budget` invocations,
   * and returns the index it stopped at; after the last dispatch, the copies
   * to the readback buffers too.
   */
  private encodeFrom(first: number, n: number, state: BatchState, budget: number): number {
    const dispatches = this.manifest.dispatches;
    const encoder = this.device.createCommandEncoder({ label: this.manifest.model });
    const pass = encoder.beginComputePass();
    const perDimension = this.device.limits.maxComputeWorkgroupsPerDimension;
    let invocations = 0;
    let i = first;
    for (; i < dispatches.length && invocations < budget; i++) {
      const d = dispatches[i]!;
      const variant = currentVariant(d, this.table, this.subgroups);
      if (!variant) break;
      const groups = Math.ceil(elementsOf(variant.groups, n) / variant.groupsDivisor);
      if (groups === 0) continue;
      // checkBatchFits made sure that every variant's grid fits at this batch size.
      const [x, y] = foldWorkgroups(groups, perDimension)!;
      pass.setPipeline(variant.pipeline);
      pass.setBindGroup(0, this.bindGroupFor(i, variant, state));
      pass.dispatchWorkgroups(x, y);
      invocations += groups * this.shaderById.get(variant.shader)!.workgroupSize;
    }
    pass.end();
    if (i === dispatches.length) {
      // A train bundle's updates land after every kernel of the step has read the old values.
      for (const a of this.manifest.train?.assigns ?? []) {
        const target = this.weightBuffers.get(a.to)!;
        encoder.copyBufferToBuffer(state.buffers.get(a.from)!, 0, target, 0, target.size);
      }
      this.manifest.outputs.forEach((port, k) => {
        const rb = state.readback[k]!;
        encoder.copyBufferToBuffer(state.buffers.get(port.buffer)!, 0, rb, 0, rb.size);
      });
    }
    this.device.queue.submit([encoder.finish()]);
    return i;
  }

  async readTensors(names?: readonly string[]): Promise<Map<string, OutputTensor>> {
    await this.queue;
    if (this.destroyed) throw new BundleError(`${this.manifest.model} was destroyed; its tensors are gone`);
    const specs = this.manifest.buffers.filter((b): b is Extract<typeof b, { kind: 'weight' }> => b.kind === 'weight' && (names === undefined || names.includes(b.tensor)));
    const missing = (names ?? []).filter((n) => !specs.some((b) => b.tensor === n));
    if (missing.length > 0) throw new BundleError(`${this.manifest.model} has no stored tensor ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
    const encoder = this.device.createCommandEncoder({ label: `${this.manifest.model} read tensors` });
    const staging = specs.map((spec) => {
      const source = this.weightBuffers.get(spec.id)!;
      const buffer = this.device.createBuffer({ label: `read ${spec.tensor}`, size: source.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(source, 0, buffer, 0, source.size);
      return buffer;
    });
    this.device.queue.submit([encoder.finish()]);
    const out = new Map<string, OutputTensor>();
    try {
      await Promise.all(staging.map((b) => b.mapAsync(GPUMapMode.READ)));
      specs.forEach((spec, i) => {
        const data = new Float32Array(staging[i]!.getMappedRange().slice(0, spec.elements * 4));
        out.set(spec.tensor, { data, shape: [spec.elements] });
      });
    } finally {
      for (const b of staging) b.destroy();
    }
    return out;
  }

  destroy(): void {
    this.destroyed = true;
    for (const state of this.batches.values()) this.freeBatch(state);
    for (const b of this.weightBuffers.values()) b.destroy();
    this.batches.clear();
  }
}
