// The checker as one pass over a parsed file, in dependency order: the
// top-level names and block signatures, each block body on its own, block
// recursion, each model body with its blocks expanded into parameter names,
// then the train sections, which need those names for their globs.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { sortDiagnostics } from '../../diagnostics/diagnostic.ts';
import type { BlockDecl, Program, TrainDecl } from '../../grammar/ast.ts';
import type { SourceFile, Span } from '../../grammar/source.ts';
import type { Value } from '../registry/types.ts';
import { findBlockCycles, type BlockCall } from './block-cycles.ts';
import { checkBody } from './body-checker.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { InstanceExpander, type ModelSummary } from './model-summary.ts';
import { indexProgram } from './program-index.ts';
import { checkTrain } from './train-checker.ts';
import { forEachName } from './walk-names.ts';

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  /** Every model that has a name, with its parameters, even when it has errors. */
  readonly models: ReadonlyMap<string, ModelSummary>;
}

const NO_CONSTANTS: ReadonlyMap<string, Value> = new Map();

export function checkProgram(program: Program, source: SourceFile): CheckResult {
  const sink = new DiagnosticSink(source.path);
  const index = indexProgram(program, sink);

  const calls = new Map<string, readonly BlockCall[]>();
  for (const block of index.blocks.values()) {
    const result = checkBody(
      { kind: 'block', name: block.decl.name, body: block.decl.body, constants: NO_CONSTANTS, symbols: block.paramTypes },
      index,
      sink,
    );
    calls.set(block.name, result.blockCalls);
    reportUnusedParameters(block.decl, sink);
  }
  // Blocks shadowed by an earlier item of the same name are still checked, for their own mistakes.
  for (const item of program.items) {
    if (item.kind === 'Block' && index.blocks.get(item.name.name)?.decl !== item) {
      const symbols = new Map(item.params.map((p) => [p.name.name, undefined] as const));
      checkBody({ kind: 'block', name: item.name, body: item.body, constants: NO_CONSTANTS, symbols }, index, sink);
    }
  }
  const cyclic = findBlockCycles(calls, sink);

  const expander = new InstanceExpander(index, cyclic, sink);
  const models = new Map<string, ModelSummary>();
  // Models whose check found errors: their parameter lists may lack what the errors hide.
  const incomplete = new Set<string>();
  for (const item of program.items) {
    if (item.kind !== 'Model') continue;
    const errorsBefore = sink.errorCount;
    const result = checkBody({ kind: 'model', name: item.name, body: item.body, constants: NO_CONSTANTS, symbols: undefined }, index, sink);
    if (index.models.get(item.name.name) !== item) continue;
    const parameters = expander.parameters(result.applications);
    if (sink.errorCount > errorsBefore) incomplete.add(item.name.name);
    models.set(item.name.name, { name: item.name.name, inputs: result.inputs, outputs: result.outputs, parameters });
  }

  const trained = new Map<string, Span>();
  for (const item of program.items) {
    if (item.kind !== 'Train') continue;
    reportDuplicateTrain(item, trained, sink);
    checkTrain(item, index, models, incomplete, sink);
  }
  return { diagnostics: sortDiagnostics(sink.diagnostics), models };
}

function reportDuplicateTrain(decl: TrainDecl, trained: Map<string, Span>, sink: DiagnosticSink): void {
  const name = decl.model.name;
  if (name === '') return;
  const previous = trained.get(name);
  if (previous === undefined) {
    trained.set(name, decl.model.span);
    return;
  }
  sink.report({
    code: 'E0402',
    message: `\`${name}\` has two train sections`,
    span: decl.model.span,
    label: 'second train section',
    secondary: [{ span: previous, message: 'first one here' }],
    help: 'merge them into one',
  });
}

/** A parameter no expression mentions is a leftover, or a typo at its use. */
function reportUnusedParameters(block: BlockDecl, sink: DiagnosticSink): void {
  const mentioned = new Set<string>();
  for (const stmt of block.body) {
    // An input reusing a parameter's name is an error of its own (E0213), not also an unused parameter.
    if (stmt.kind === 'Input') mentioned.add(stmt.name.name);
    else forEachName(stmt.value, (name) => mentioned.add(name.name));
  }
  for (const param of block.params) {
    const name = param.name.name;
    if (name === '' || name.startsWith('_') || mentioned.has(name)) continue;
    sink.report({
      code: 'W0202',
      message: `parameter \`${name}\` of block \`${block.name.name}\` is never used`,
      span: param.name.span,
      label: 'declared here',
      help: `remove it, or name it \`_${name}\` if it is kept on purpose`,
    });
  }
}
