// The whole compiler as one pipeline: each line a stage returning a value
// plus diagnostics; the first stage with errors stops the rest.
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { parse } from '../grammar/parse.ts';
import type { ModelDecl, Program } from '../grammar/ast.ts';
import { SourceFile } from '../grammar/source.ts';
import { generateBundle, type GeneratedBundle } from './codegen/generate.ts';
import type { Graph } from './ir/types.ts';
import { verifyGraph } from './ir/verify.ts';
import { lowerModel } from './lower/lower-model.ts';
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
  const checked = checkProgram(parsed.program, source);
  let diagnostics = sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]);
  if (hasErrors(diagnostics)) return { source, diagnostics, program: parsed.program };

  const sink = new DiagnosticSink(path);
  const model = pickModel(parsed.program, options.model);
  const weights = new WeightSource(options.weights, options.seed ?? 0, { allowNonFinite: options.allowNonFinite ?? false });
  const trainGraph = lowerModel(model, { program: parsed.program, source, sink, weights });
  if (trainGraph) weights.check(options.weightsPath ?? 'the weight file');
  diagnostics = sortDiagnostics([...diagnostics, ...sink.diagnostics]);
  if (!trainGraph || hasErrors(diagnostics)) return { source, diagnostics, program: parsed.program };

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
  return { source, diagnostics, program: parsed.program, trainGraph, evalGraph, bundle };
}

/** A request the file cannot satisfy: no model, several without --model, or an unknown name. */
export class ModelChoiceError extends Error {}

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
 * What `regc check` reports: syntax, names and arguments, and then, for a
 * file without such errors, the shapes of every model (lowering to IR).
 */
export function analyseSource(source: SourceFile): Diagnostic[] {
  const parsed = parse(source);
  const checked = checkProgram(parsed.program, source);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  if (!hasErrors(diagnostics)) {
    const sink = new DiagnosticSink(source.path);
    for (const item of parsed.program.items) {
      if (item.kind !== 'Model') continue;
      lowerModel(item, { program: parsed.program, source, sink, weights: new WeightSource(undefined, 0) });
    }
    diagnostics.push(...sink.diagnostics);
  }
  return sortDiagnostics(diagnostics);
}
