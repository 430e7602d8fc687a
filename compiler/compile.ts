// The whole compiler as one pipeline: each line a stage returning a value
// plus diagnostics. Every stage that can still run soundly runs, so one pass
// reports all of a file's errors (up to MAX_ERRORS_PER_FILE): parse errors
// (the parser recovers), checker errors, and the shape errors of every model
// with no error in it or in a block it uses. Nothing after lowering runs on
// a file with errors.
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { capErrors } from '../diagnostics/error-cap.ts';
import { parse } from '../grammar/parse.ts';
import type { ModelDecl, Program } from '../grammar/ast.ts';
import { SourceFile } from '../grammar/source.ts';
import { generateBundle, type GeneratedBundle } from './codegen/generate.ts';
import type { Graph } from './ir/types.ts';
import { verifyGraph } from './ir/verify.ts';
import { lowerModel } from './lower/lower-model.ts';
import { modelsFreeOfErrors } from './lower/models-to-lower.ts';
import { WeightSource, type GivenTensor } from './lower/weight-source.ts';
import { EVAL_PIPELINE, EVAL_SEMANTICS, runPipeline, type Pass } from './passes/index.ts';
import { checkProgram } from './resolve/index.ts';
import { DiagnosticSink } from './resolve/diagnostic-sink.ts';
import { suggest } from './registry/index.ts';

export const COMPILER_NAME = 'regc 0.1.0';

export interface CompileOptions {
  /** Which model to compile; the only one when omitted. */
  readonly model?: string;
  /** Stored tensors from a weight file, by name; initialised when omitted. */
  readonly weights?: ReadonlyMap<string, GivenTensor>;
  readonly weightsPath?: string;
  /** Accept weight-file tensors holding NaN or Inf (refused by default: every output would be NaN). */
  readonly allowNonFinite?: boolean;
  readonly seed?: number;
  /** Run only the passes eval semantics need (no folding or fusion). */
  readonly noOpt?: boolean;
  readonly disabledPasses?: ReadonlySet<string>;
  /** Called after lowering ('lower') and after each pass, for --dump-ir. */
  readonly onGraph?: (stage: string, graph: Graph) => void;
  /** Check the IR invariants after every stage (tests and --verify-ir). */
  readonly verify?: boolean;
  readonly maxBatch?: number;
  /** Give blocked kernels quick-compiling twins (default true; see codegen/kernels/tiling.ts). */
  readonly quickKernels?: boolean;
  /** Give GEMMs and direct convolutions twins with quad-shared loads for devices with subgroups (default true). */
  readonly subgroupKernels?: boolean;
}

export interface CompileResult {
  readonly source: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
  readonly program?: Program;
  readonly trainGraph?: Graph;
  readonly evalGraph?: Graph;
  readonly bundle?: GeneratedBundle;
}

export class InternalCompilerError extends Error {}

export function compileSource(text: string, path: string, options: CompileOptions = {}): CompileResult {
  const source = new SourceFile(path, text);
  const parsed = parse(source);
  const front = frontDiagnostics(parsed.diagnostics, checkProgram(parsed.program, source).diagnostics);
  const program = parsed.program;

  if (hasErrors(front)) {
    // No bundle, so no weights: the chosen model is lowered for its shapes alone.
    const model = tryPickModel(program, options.model);
    const sink = new DiagnosticSink(path);
    if (model && modelsFreeOfErrors(program, front).includes(model)) lowerModel(model, { program, source, sink });
    return { source, diagnostics: capErrors(sortDiagnostics([...front, ...sink.diagnostics])), program };
  }

  const sink = new DiagnosticSink(path);
  const model = pickModel(program, options.model);
  const weights = new WeightSource(options.weights, options.seed ?? 0, { allowNonFinite: options.allowNonFinite ?? false });
  const trainGraph = lowerModel(model, { program, source, sink, weights });
  if (trainGraph) weights.check(options.weightsPath ?? 'the weight file');
  const diagnostics = capErrors(sortDiagnostics([...front, ...sink.diagnostics]));
  if (!trainGraph || hasErrors(diagnostics)) return { source, diagnostics, program };

  const verify = (stage: string, graph: Graph, evalLowered = false) => {
    options.onGraph?.(stage, graph);
    if (!options.verify) return;
    const problems = verifyGraph(graph, { evalLowered });
    if (problems.length > 0) throw new InternalCompilerError(`IR invalid after ${stage}:\n  ${problems.join('\n  ')}`);
  };
  verify('lower', trainGraph);
  const passes: readonly Pass[] = options.noOpt ? EVAL_SEMANTICS : EVAL_PIPELINE;
  const evalGraph = runPipeline(trainGraph, passes, {
    ...(options.disabledPasses ? { disabled: options.disabledPasses } : {}),
    after: (pass, graph) => verify(pass.name, graph),
  });
  verify('eval', evalGraph, true);
  const bundle = generateBundle(evalGraph, {
    model: model.name.name,
    generator: COMPILER_NAME,
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    ...(options.quickKernels === false ? { quickVariants: false } : {}),
    ...(options.subgroupKernels === false ? { subgroupVariants: false } : {}),
  });
  return { source, diagnostics, program, trainGraph, evalGraph, bundle };
}

/** A request the file cannot satisfy: no model, several without --model, or an unknown name. */
export class ModelChoiceError extends Error {}

/** The model pickModel would choose, or undefined where it would refuse. */
function tryPickModel(program: Program, wanted: string | undefined): ModelDecl | undefined {
  try {
    return pickModel(program, wanted);
  } catch (e) {
    if (e instanceof ModelChoiceError) return undefined;
    throw e;
  }
}

function pickModel(program: Program, wanted: string | undefined): ModelDecl {
  const models = program.items.filter((i): i is ModelDecl => i.kind === 'Model');
  const names = models.map((m) => m.name.name);
  if (wanted === undefined) {
    if (models.length === 1) return models[0]!;
    throw new ModelChoiceError(models.length === 0 ? 'the file defines no model' : `the file defines ${models.length} models (${names.join(', ')}); choose one with --model`);
  }
  const found = models.find((m) => m.name.name === wanted);
  if (found) return found;
  const close = suggest(wanted, names);
  throw new ModelChoiceError(`no model named \`${wanted}\`${close.length > 0 ? `; there is a model with a similar name: \`${close[0]}\`` : `; models: ${names.join(', ') || 'none'}`}`);
}

/**
 * What `regc check` reports: syntax, names and arguments, and the shapes and
 * sizes of every model without such errors (lowered to IR on shapes alone,
 * no weight allocated), up to MAX_ERRORS_PER_FILE errors.
 */
export function analyseSource(source: SourceFile): Diagnostic[] {
  const parsed = parse(source);
  const diagnostics = frontDiagnostics(parsed.diagnostics, checkProgram(parsed.program, source).diagnostics);
  const sink = new DiagnosticSink(source.path);
  for (const model of modelsFreeOfErrors(parsed.program, diagnostics)) {
    lowerModel(model, { program: parsed.program, source, sink });
  }
  return capErrors(sortDiagnostics([...diagnostics, ...sink.diagnostics]));
}

/**
 * The parser's and checker's diagnostics, less checker errors that start
 * where a syntax error does: those are about what recovery made of the
 * broken text (`linear(2 3)` read as a statement `3`), not a second mistake.
 */
function frontDiagnostics(parsed: readonly Diagnostic[], checked: readonly Diagnostic[]): Diagnostic[] {
  const syntaxErrorsAt = new Set(parsed.filter((d) => d.severity === 'error').map((d) => d.span.start.offset));
  return [...parsed, ...checked.filter((d) => !syntaxErrorsAt.has(d.span.start.offset))];
}
