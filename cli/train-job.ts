// What `regc grad` and `regc step` share: reading the spec, its weights, the
// input, labels or cotangent files; building the step graph (compiler/train/)
// and its bundle; loading it on the local device; and checking every file
// against what the model declares, all problems at once, before anything runs.
import { bundleFiles } from '../compiler/bundle/bundle-files.ts';
import { OutputPathError } from '../compiler/bundle/output-path.ts';
import { NoGradientRuleError } from '../compiler/autodiff/vjp.ts';
import { generateBundle, CodegenError } from '../compiler/codegen/generate.ts';
import { COMPILER_NAME, compileSource, ModelChoiceError } from '../compiler/compile.ts';
import type { Program } from '../grammar/ast.ts';
import { WeightFileError } from '../compiler/lower/weight-source.ts';
import { pickTrainSection, TrainSectionChoiceError } from '../compiler/train/bound-values.ts';
import { ClipGraphError } from '../compiler/train/clip-graph.ts';
import { LABELS_INPUT, LossShapeError } from '../compiler/train/loss-graph.ts';
import { GRAD_OUTPUT_INPUT, stepGraph, StepGraphError, type StepGraph, type StepGraphOptions } from '../compiler/train/step-graph.ts';
import { trainSectionData, type TrainSectionData } from '../compiler/train/train-section.ts';
import { trainSchedule } from '../compiler/train/schedule-data.ts';
import { OPTIMIZER_FORMAT_VERSION } from '../runtime/train/optimizer-format.ts';
import { hasErrors } from '../diagnostics/diagnostic.ts';
import { suggest } from '../compiler/registry/suggest.ts';
import { renderDiagnostics, renderSummary } from '../diagnostics/render.ts';
import { memorySource } from '../runtime/bundle/bundle-source.ts';
import { checkInputDtype, checkInputShapes, numpyDtypeName, type RunInput } from '../runtime/bundle/input-shapes.ts';
import { BundleError } from '../runtime/bundle/validate-manifest.ts';
import { loadBundleFrom, type LoadedBundle } from '../runtime/bundle/load-bundle.ts';
import { requestNodeDevice } from '../runtime/device/webgpu-node.ts';
import type { HostTensor } from '../runtime/io/host-tensor.ts';
import { readNpyFile } from '../runtime/io/tensor-files-node.ts';
import { TensorFileError } from '../runtime/io/tensor-file-error.ts';
import { analyse } from './analyse.ts';
import type { CliIo } from './command.ts';
import { UsageError } from './command.ts';
import { COLOR_OPTION } from './color.ts';
import { describeFsError, readSource } from './read-source.ts';
import { renderError } from './report.ts';
import { readWeightsFile } from './weights-file.ts';

/** The options `regc grad` and `regc step` share: what the job reads, first in their help... */
export const TRAIN_JOB_INPUT_OPTIONS = {
  weights: { type: 'string', short: 'w', valueName: 'file', description: 'the weights, a safetensors state_dict (default: the spec\'s initialisation from --seed)' },
  input: { type: 'string', short: 'i', valueName: 'file', multiple: true, description: '.npy input; NAME=FILE for each input of a model with several, the option repeated or the pairs comma-separated' },
  labels: { type: 'string', valueName: 'file', description: '.npy labels for the train section\'s loss' },
} as const;

/** ...and which model, and where the results go, last. */
export const TRAIN_JOB_OUTPUT_OPTIONS = {
  model: { type: 'string', valueName: 'name', description: 'the model to use, when the file has several' },
  output: { type: 'string', short: 'o', valueName: 'dir', description: 'the folder for the results (required)' },
  force: { type: 'boolean', description: 'replace an earlier results folder that also holds other files' },
  color: COLOR_OPTION,
} as const;

export interface TrainJobRequest {
  readonly command: 'grad' | 'step';
  readonly spec: string;
  readonly weights?: string;
  /** `x.npy`, or `NAME=FILE,...` (the option may be given once per input). */
  readonly inputs: readonly string[];
  readonly labels?: string;
  readonly gradOutput?: string;
  readonly mode: 'train' | 'eval';
  readonly seed: number;
  readonly model?: string;
}

export interface TrainJob {
  readonly bundle: LoadedBundle;
  readonly graph: StepGraph;
  /** The train section's data, where the job uses one. */
  readonly section?: TrainSectionData;
  /** Model inputs, labels or grad_output, by input name. */
  readonly feed: Record<string, RunInput>;
  /** The checked spec. */
  readonly program: Program;
  /** The stored tensors before the job, under their names (torch's state_dict). */
  readonly initial: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
}

/** Something the user must fix, reported as one error with notes; exit status 1. */
export class TrainJobProblem extends Error {
  constructor(
    message: string,
    readonly notes: readonly string[] = [],
    readonly help?: string,
  ) {
    super(message);
  }
}

/** Prepares the job, or writes the spec's diagnostics and returns undefined. */
export async function prepareTrainJob(request: TrainJobRequest, io: CliIo, color: boolean): Promise<TrainJob | undefined> {
  if (request.labels !== undefined && request.gradOutput !== undefined) {
    throw new UsageError('give either --labels or --grad-output, not both', 'labels give the spec\'s loss; a cotangent seeds the backward pass instead', request.command);
  }
  if (request.command === 'grad' && request.labels === undefined && request.gradOutput === undefined) {
    throw new UsageError('give --labels FILE.npy (for the spec\'s loss) or --grad-output FILE.npy (a cotangent of the output)', undefined, 'grad');
  }
  if (request.command === 'step' && request.labels === undefined && request.gradOutput === undefined) {
    throw new UsageError('give --labels FILE.npy, or --grad-output FILE.npy to step on the loss sum(output * g)', undefined, 'step');
  }
  if (request.inputs.length === 0) throw new UsageError('give the model\'s input with --input FILE.npy (NAME=FILE for each of several inputs)', undefined, request.command);

  const read = await readSource(request.spec, io);
  if (!read.ok) throw new TrainJobProblem(read.message);
  const diagnostics = analyse(read.source);
  if (diagnostics.length > 0) {
    io.stderr.write(renderDiagnostics(diagnostics, new Map([[read.source.path, read.source]]), { color }));
    const summary = renderSummary(diagnostics, { color });
    if (summary !== undefined) io.stderr.write(`\n${summary}\n`);
  }
  if (hasErrors(diagnostics)) return undefined;

  let weights;
  if (request.weights !== undefined) {
    const got = await readWeightsFile(request.weights);
    if (!(got instanceof Map)) throw new TrainJobProblem(got.problem);
    weights = got;
  }
  let compiled;
  try {
    compiled = compileSource(read.source.text, read.source.path, {
      ...(request.model ? { model: request.model } : {}),
      ...(weights ? { weights, weightsPath: request.weights } : {}),
      seed: request.seed,
      noOpt: true,
    });
  } catch (e) {
    if (e instanceof WeightFileError) throw new TrainJobProblem(`weights in ${e.path} do not match the spec`, e.problems, 'tensor names follow the spec\'s layer names, as PyTorch state_dict names do');
    if (e instanceof ModelChoiceError) throw new TrainJobProblem(e.message);
    throw e;
  }
  if (!compiled.trainGraph || !compiled.program) throw new TrainJobProblem('the spec does not compile');
  const lowered = compiled.trainGraph;
  const trainable = [...lowered.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);

  let section: TrainSectionData | undefined;
  if (request.labels !== undefined || request.command === 'step') {
    try {
      section = trainSectionData(pickTrainSection(compiled.program, request.model), trainable);
    } catch (e) {
      if (e instanceof TrainSectionChoiceError) {
        const help =
          request.command === 'step'
            ? '`regc step` takes the loss, optimizer and schedule from the spec\'s train section'
            : '`regc grad` takes the loss for --labels from the spec\'s train section (only its `loss` is used); --grad-output needs none';
        throw new TrainJobProblem(e.message, [], help);
      }
      throw e;
    }
  }
  const options: StepGraphOptions = {
    mode: request.mode,
    ...(request.labels !== undefined && section ? { loss: section.loss } : {}),
    // regc grad differentiates the loss with its penalties, or the cotangent alone; regc step
    // also clips and updates, as the training loop would.
    ...(section && (request.labels !== undefined || request.command === 'step') ? { penalties: section.penalties } : {}),
    ...(section && request.command === 'step' ? { optimizer: section.optimizer, noise: section.noise, ...(section.clip ? { clip: section.clip } : {}) } : {}),
  };
  let graph: StepGraph;
  let files;
  try {
    graph = stepGraph(lowered, options);
    const training = options.optimizer
      ? { optimizer: { version: OPTIMIZER_FORMAT_VERSION, ...options.optimizer }, schedule: trainSchedule(compiled.program, request.model).data }
      : undefined;
    files = bundleFiles(generateBundle(graph.graph, { model: modelName(compiled.program, request.model), generator: COMPILER_NAME, ...(training ? { training } : {}) }));
  } catch (e) {
    if (e instanceof NoGradientRuleError) throw new TrainJobProblem(`cannot differentiate the model: ${e.message}`, [], 'docs/training.md lists what trains today');
    if (e instanceof LossShapeError || e instanceof StepGraphError || e instanceof ClipGraphError || e instanceof CodegenError) throw new TrainJobProblem(e.message);
    throw e;
  }

  // A usage mistake in --input is told before the device is asked for anything.
  const inputs = inputFiles(request.inputs, graph.inputs, request.command);
  const { device } = await requestNodeDevice();
  const bundle = await loadBundleFrom(memorySource({ files }), device, { pipelines: 'fast' });
  try {
    const feed = await readFeed(request, inputs, graph, bundle, section);
    const initial = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [name, data] of lowered.data) initial.set(name, { shape: lowered.tensors.get(name)!.type.shape as number[], data });
    return { bundle, graph, ...(section ? { section } : {}), feed, program: compiled.program, initial };
  } catch (e) {
    bundle.destroy();
    throw e;
  }
}

function modelName(program: Program, wanted: string | undefined): string {
  return wanted ?? program.items.find((i) => i.kind === 'Model')?.name.name ?? 'model';
}

/**
 * The file of each model input, from every --input given: `NAME=FILE` pairs,
 * each option holding one or several separated by commas, or one bare FILE
 * for a model with one input.
 */
function inputFiles(values: readonly string[], names: readonly string[], command: string): Map<string, string> {
  const inputs = names.map((n) => `\`${n}\``).join(', ');
  const parts = values.flatMap((v) => v.split(',')).filter(Boolean);
  if (parts.length === 1 && !parts[0]!.includes('=')) {
    if (names.length !== 1) throw new UsageError(`the model has ${names.length} inputs (${inputs}); give --input NAME=FILE for each`, undefined, command);
    return new Map([[names[0]!, parts[0]!]]);
  }
  const files = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new UsageError(`\`--input ${part}\` does not say which input the file is for; give NAME=FILE for each of ${inputs}`, undefined, command);
    const name = part.slice(0, eq);
    if (!names.includes(name)) {
      const [close] = suggest(name, names);
      throw new UsageError(`\`--input ${part}\`: the model has no input \`${name}\`; its inputs are ${inputs}`, close !== undefined ? `there is an input with a similar name: \`${close}\`` : undefined, command);
    }
    if (files.has(name)) throw new UsageError(`input \`${name}\` is given two files, \`${files.get(name)}\` and \`${part.slice(eq + 1)}\``, undefined, command);
    files.set(name, part.slice(eq + 1));
  }
  const missing = names.filter((n) => !files.has(n));
  if (missing.length > 0) throw new UsageError(`no file for input${missing.length === 1 ? '' : 's'} ${missing.map((n) => `\`${n}\``).join(', ')}; give --input NAME=FILE for each of ${inputs}`, undefined, command);
  return files;
}

async function readTensor(path: string, what: string): Promise<HostTensor> {
  try {
    return await readNpyFile(path);
  } catch (e) {
    if (e instanceof TensorFileError) throw new TrainJobProblem(`\`${path}\` (${what}) is not a .npy file regc can read: ${e.message}`);
    throw new TrainJobProblem(`cannot read \`${path}\` (${what}): ${describeFsError(e)}`);
  }
}

/** Reads and checks every file the job feeds, listing all problems in one error. */
async function readFeed(
  request: TrainJobRequest,
  files: ReadonlyMap<string, string>,
  graph: StepGraph,
  bundle: LoadedBundle,
  section: TrainSectionData | undefined,
): Promise<Record<string, RunInput>> {
  const modelPorts = bundle.manifest.inputs.filter((p) => graph.inputs.includes(p.name));
  const problems: string[] = [];
  // Null-prototype: an input may be named `__proto__`.
  const feed: Record<string, RunInput> = Object.create(null) as Record<string, RunInput>;
  const shapes = new Map<string, readonly number[]>();
  for (const [name, path] of files) {
    const t = await readTensor(path, `input \`${name}\``);
    shapes.set(name, t.shape);
    const dtype = checkInputDtype(name, t.dtype);
    if (dtype || !(t.data instanceof Float32Array)) problems.push(`${path}: ${dtype}`);
    else feed[name] = { data: t.data, shape: t.shape };
  }
  const checked = checkInputShapes(modelPorts, shapes);
  problems.push(...checked.problems);
  const batch = checked.batch;
  const outputPort = bundle.manifest.outputs.find((o) => o.name === graph.output)!;
  // -1 where N is unknown (the inputs' shapes did not fit); then N is not checked.
  const outputShape = outputPort.shape.map((d) => (d === 'N' ? batch ?? -1 : d));

  if (request.gradOutput !== undefined) {
    const t = await readTensor(request.gradOutput, 'the cotangent (--grad-output)');
    if (t.dtype !== 'F32' || !(t.data instanceof Float32Array)) problems.push(`${request.gradOutput}: the cotangent holds ${numpyDtypeName(t.dtype)}; it must be float32 like the output: convert it with \`g.astype(np.float32)\``);
    else if (!fitsShape(t.shape, outputShape)) problems.push(`${request.gradOutput}: the cotangent has shape [${t.shape.join(', ')}]; the output \`${graph.output}\` has shape ${formatOutputShape(outputShape)} for this batch`);
    else feed[GRAD_OUTPUT_INPUT] = { data: t.data, shape: t.shape };
  }
  if (request.labels !== undefined && section) {
    const t = await readTensor(request.labels, 'the labels (--labels)');
    const labels = labelValues(t, section, outputShape, request.labels, problems);
    if (labels) feed[LABELS_INPUT] = labels;
  }
  if (problems.length > 0) {
    const declared = modelPorts.map((p) => `${p.name}: f32[${p.shape.join(', ')}]`).join(', ');
    throw new TrainJobProblem(`the files given do not fit the model`, problems, `the model takes ${declared} and gives ${graph.output}: f32[${outputPort.shape.join(', ')}]; N is the batch size, the same for every file`);
  }
  return feed;
}

function fitsShape(shape: readonly number[], want: readonly number[]): boolean {
  return shape.length === want.length && want.every((d, i) => d < 0 || shape[i] === d);
}

function formatOutputShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? 'N' : d)).join(', ')}]`;
}

const INTEGER_DTYPES = new Set(['I64', 'I32', 'I16', 'I8', 'U8']);

/**
 * Class indices for cross_entropy and nll: integers (torch's int64, or any
 * integer dtype, or floats holding whole numbers) in [0, classes), one per
 * sample; targets for bce_with_logits and mse: float32 of the output's shape.
 */
function labelValues(t: HostTensor, section: TrainSectionData, outputShape: readonly number[], path: string, problems: string[]): RunInput | undefined {
  const kind = section.loss.kind;
  if (kind === 'cross_entropy' || kind === 'nll') {
    const [n, classes] = outputShape as [number, number];
    if (t.shape.length !== 1 || (n >= 0 && t.shape[0] !== n)) {
      problems.push(`${path}: ${kind} takes one class index per sample, shape [${n >= 0 ? n : 'N'}]; the labels have shape [${t.shape.join(', ')}]`);
      return undefined;
    }
    if (!INTEGER_DTYPES.has(t.dtype) && t.dtype !== 'F32' && t.dtype !== 'F64') {
      problems.push(`${path}: class indices must be integers (int64 as torch uses); the labels hold ${numpyDtypeName(t.dtype)}`);
      return undefined;
    }
    const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
    if (bad >= 0) {
      problems.push(`${path}: label ${values[bad]} at index ${bad} is not a class index in [0, ${classes}) (the output has ${classes} classes)`);
      return undefined;
    }
    return { data: Float32Array.from(values), shape: t.shape };
  }
  if (t.dtype !== 'F32' || !(t.data instanceof Float32Array)) {
    problems.push(`${path}: ${kind} targets must be float32 like the output; the labels hold ${numpyDtypeName(t.dtype)}: convert them with \`y.astype(np.float32)\``);
    return undefined;
  }
  if (!fitsShape(t.shape, outputShape)) {
    problems.push(`${path}: ${kind} targets must have the output's shape ${formatOutputShape(outputShape)}; the labels have shape [${t.shape.join(', ')}]`);
    return undefined;
  }
  return { data: t.data, shape: t.shape };
}

/** An option's value as a whole number in [min, max], or a usage error. */
export function wholeNumberOption(value: string, option: string, min: number, max: number, command: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${option} must be a whole number in [${min}, ${max}], got \`${value}\``, undefined, command);
  return n;
}

/** Writes a TrainJobProblem as regc writes errors. */
export function reportTrainJobProblem(e: TrainJobProblem, io: CliIo, color: boolean): void {
  io.stderr.write(renderError(e.message, { notes: e.notes, ...(e.help ? { help: e.help } : {}) }, color));
}

/**
 * Writes an error a train command reports as a problem with its input (exit
 * status 1): the job's own problems, a refused output folder, a refused
 * bundle or tensor file. False for anything else, which the caller rethrows.
 */
export function reportTrainJobError(e: unknown, io: CliIo, color: boolean): boolean {
  if (e instanceof TrainJobProblem) reportTrainJobProblem(e, io, color);
  else if (e instanceof OutputPathError) io.stderr.write(renderError(e.message, { help: e.help }, color));
  else if (e instanceof BundleError || e instanceof TensorFileError) io.stderr.write(renderError(e.message, {}, color));
  else return false;
  return true;
}
