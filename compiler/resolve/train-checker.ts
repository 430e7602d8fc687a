// A `train Model { ... }` section: the model exists, each function is of
// the kind its statement expects and its arguments fit, single statements
// are given once, loss and optimizer are present, schedule phases chain,
// parameter globs match, settings are in range.
import type { Call, TrainDecl, TrainStmt } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import { suggest } from '../registry/index.ts';
import type { Place, Value } from '../registry/types.ts';
import { bindArgs } from './bind-args.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import type { ModelSummary } from './model-summary.ts';
import { matchParameterGlobs } from './parameter-globs.ts';
import { resolveAt } from './places.ts';
import type { ProgramIndex } from './program-index.ts';
import { checkSchedulePhases, type BoundPhase } from './schedule-phases.ts';
import { checkSetting } from './train-settings.ts';

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

/** Statements a section holds at most once, by the keyword that names them in messages. */
const SINGLE: Partial<Record<TrainStmt['kind'], string>> = {
  Loss: 'loss',
  Optimizer: 'optimizer',
  Schedule: 'schedule',
  Clip: 'clip',
  EarlyStop: 'early_stop',
  Calibrate: 'calibrate',
};

export function checkTrain(
  decl: TrainDecl,
  index: ProgramIndex,
  summaries: ReadonlyMap<string, ModelSummary>,
  incomplete: ReadonlySet<string>,
  sink: DiagnosticSink,
): void {
  const model = resolveModel(decl, index, summaries, sink);
  const globs = model === undefined ? undefined : { model, complete: !incomplete.has(model.name) };
  const firstOf = new Map<string, Span>();

  for (const stmt of decl.body) {
    const keyword = stmt.kind === 'Setting' ? stmt.key.name : SINGLE[stmt.kind];
    if (keyword !== undefined && keyword !== '') {
      const previous = firstOf.get(keyword);
      if (previous !== undefined) {
        sink.report({
          code: 'E0402',
          message: `\`${keyword}\` is given twice`,
          span: stmt.span,
          label: `second \`${keyword}\``,
          secondary: [{ span: previous, message: 'first given here' }],
          help: `a train section has one \`${keyword}\`; remove one`,
        });
      } else {
        firstOf.set(keyword, stmt.span);
      }
    }
    checkStatement(stmt, globs, sink);
  }

  for (const required of ['loss', 'optimizer']) {
    if (firstOf.has(required) || decl.model.name === '') continue;
    sink.report({
      code: 'E0403',
      message: `the train section for \`${decl.model.name}\` has no \`${required}\``,
      span: decl.model.span,
      label: `\`${required}\` missing`,
      help: required === 'loss' ? 'add one, for example `loss cross_entropy`' : 'add one, for example `optimizer adamw(lr=1e-3)`',
    });
  }
}

function resolveModel(
  decl: TrainDecl,
  index: ProgramIndex,
  summaries: ReadonlyMap<string, ModelSummary>,
  sink: DiagnosticSink,
): ModelSummary | undefined {
  const name = decl.model.name;
  if (name === '') return undefined;
  const summary = summaries.get(name);
  if (summary !== undefined) return summary;
  const close = suggest(name, index.models.keys());
  sink.report({
    code: 'E0401',
    message: index.blocks.has(name) ? `\`${name}\` is a block, and only a model can be trained` : `unknown model \`${name}\``,
    span: decl.model.span,
    label: 'not a model',
    ...(close.length > 0 ? { help: `there is a model with a similar name: \`${close[0]}\`` } : {}),
    ...(index.models.size > 0 && close.length === 0 ? { notes: [`models in this file: ${[...index.models.keys()].join(', ')}`] } : {}),
  });
  return undefined;
}

/** Looks `call` up at `place` and binds its arguments; the bound values, or undefined. */
function bindAt(call: Call, place: Place, sink: DiagnosticSink): { op: string; values: ReadonlyMap<string, Value | null> } | undefined {
  const spec = resolveAt(call.callee, place, sink);
  if (spec === undefined) return undefined;
  // Train functions take no tensor inputs (`inputs.max` is 0), so every argument binds to a parameter.
  return { op: spec.name, values: bindArgs(call, spec, EMPTY_ENV, sink).values };
}

/** The model whose parameters globs select; when incomplete, a glob that matches nothing is not reported. */
interface GlobTarget {
  readonly model: ModelSummary;
  readonly complete: boolean;
}

function checkStatement(stmt: TrainStmt, target: GlobTarget | undefined, sink: DiagnosticSink): void {
  switch (stmt.kind) {
    case 'Loss':
      bindAt(stmt.fn, 'loss', sink);
      return;
    case 'Optimizer':
      bindAt(stmt.fn, 'optimizer', sink);
      return;
    case 'Clip':
      bindAt(stmt.fn, 'clip', sink);
      return;
    case 'EarlyStop':
      bindAt(stmt.fn, 'early_stop', sink);
      return;
    case 'Calibrate':
      bindAt(stmt.fn, 'calibrate', sink);
      return;
    case 'Metrics':
      for (const fn of stmt.fns) bindAt(fn, 'metric', sink);
      return;
    case 'Augment':
      for (const op of stmt.ops) bindAt(op, 'augment', sink);
      return;
    case 'Schedule': {
      const phases: BoundPhase[] = [];
      let complete = true;
      for (const call of stmt.phases) {
        const bound = bindAt(call, 'schedule', sink);
        if (bound === undefined) complete = false;
        else phases.push({ call, ...bound });
      }
      // With a phase unknown, what follows what is not known either.
      if (complete) checkSchedulePhases(phases, sink);
      return;
    }
    case 'Penalty':
      bindAt(stmt.fn, 'penalty', sink);
      if (target !== undefined) matchParameterGlobs(stmt.targets, target.model, target.complete, sink);
      return;
    case 'Noise':
      bindAt(stmt.fn, 'noise', sink);
      if (target !== undefined && stmt.target.kind === 'NoiseWeights') {
        matchParameterGlobs(stmt.target.globs, target.model, target.complete, sink);
      }
      return;
    case 'Setting':
      checkSetting(stmt, sink);
      return;
  }
}
