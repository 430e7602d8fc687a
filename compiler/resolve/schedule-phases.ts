// `schedule a then b then c`: a phase runs for its length, then the next
// starts with t at 0. Only constant (with a length), warmup and cosine have
// a length; every other schedule runs until training ends, so it can only
// be the last phase. warmup and cosine need exactly one of epochs and
// steps; constant takes at most one. Every count must also fit the
// bundle's bounds, so that a checked schedule is one the runtime reads.
import type { Arg, Call } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import { SCHEDULE_LIMITS } from '../../runtime/train/schedule-format.ts';
import { lookup } from '../registry/index.ts';
import type { OpSpec, Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

export interface BoundPhase {
  readonly call: Call;
  readonly op: string;
  readonly values: ReadonlyMap<string, Value | null>;
}

const LENGTH_REQUIRED = new Set(['warmup', 'cosine']);
const LENGTH_OPTIONAL = new Set(['constant']);

function lengthKeys(phase: BoundPhase): string[] {
  return ['epochs', 'steps'].filter((key) => {
    const v = phase.values.get(key);
    return v !== null && v !== undefined;
  });
}

/** True when the phase ends by itself. Reports phases whose length is given wrongly. */
function checkLength(phase: BoundPhase, sink: DiagnosticSink): boolean {
  if (!LENGTH_REQUIRED.has(phase.op) && !LENGTH_OPTIONAL.has(phase.op)) return false;
  const keys = lengthKeys(phase);
  if (keys.length === 2) {
    sink.report({
      code: 'E0405',
      message: `\`${phase.op}\` is given both \`epochs\` and \`steps\``,
      span: phase.call.span,
      label: 'two lengths',
      help: 'keep one of them',
    });
    return true;
  }
  if (keys.length === 0 && LENGTH_REQUIRED.has(phase.op)) {
    sink.report({
      code: 'E0405',
      message: `\`${phase.op}\` needs a length: give \`epochs\` or \`steps\``,
      span: phase.call.span,
      label: 'no length',
      help: `for example \`${phase.op}(${phase.op === 'warmup' ? 'steps=500' : 'epochs=20'})\``,
    });
    return true;
  }
  return keys.length === 1;
}

/** The argument that gave parameter `name` (positional arguments come first, in parameter order). */
function argumentFor(call: Call, spec: OpSpec, name: string): Arg | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.name === name);
  if (named !== undefined) return named;
  return args.filter((a) => a.name === undefined)[spec.params.findIndex((p) => p.name === name)];
}

/**
 * The registry's ranges have no upper bound on counts, but a bundle holds
 * each count as at most SCHEDULE_LIMITS.maxCount and a multistep phase at
 * most maxMilestones milestones; past them the runtime would refuse the data.
 */
function checkBundleLimits(phase: BoundPhase, sink: DiagnosticSink): void {
  const spec = lookup(phase.op, 'schedule');
  if (spec === undefined) return;
  for (const param of spec.params) {
    if (param.type.kind !== 'int' && param.type.kind !== 'ints') continue;
    const value = phase.values.get(param.name);
    const numbers = Array.isArray(value) ? value : [value];
    const span = (argumentFor(phase.call, spec, param.name)?.value ?? phase.call).span;
    if (numbers.length > SCHEDULE_LIMITS.maxMilestones) {
      sink.report({
        code: 'E0308',
        message: `\`${param.name}\` of \`${phase.op}\` has ${numbers.length} values, more than the ${SCHEDULE_LIMITS.maxMilestones} a schedule holds`,
        span,
        label: 'too many values',
      });
      continue;
    }
    const tooLarge = numbers.find((n) => typeof n === 'number' && n > SCHEDULE_LIMITS.maxCount);
    if (tooLarge === undefined) continue;
    sink.report({
      code: 'E0308',
      message: `\`${param.name}\` of \`${phase.op}\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${String(tooLarge)}`,
      span,
      label: 'out of range',
    });
  }
}

export function checkSchedulePhases(phases: readonly BoundPhase[], sink: DiagnosticSink): void {
  let openEnded: { op: string; span: Span } | undefined;
  phases.forEach((phase, i) => {
    checkBundleLimits(phase, sink);
    const ends = checkLength(phase, sink);
    if (openEnded !== undefined) return;
    const next = phases[i + 1];
    if (ends || next === undefined) return;
    openEnded = { op: phase.op, span: phase.call.span };
    sink.report({
      code: 'E0404',
      message:
        phase.op === 'reduce_on_plateau'
          ? '`reduce_on_plateau` cannot be followed by `then`'
          : `\`${phase.op}\` runs until training ends, so nothing can follow it`,
      span: next.call.callee.span,
      label: 'never starts',
      secondary: [{ span: phase.call.span, message: phase.op === 'constant' ? 'no `epochs` or `steps`, so it never ends' : 'never ends' }],
      notes: ['only a phase with a length can be followed by `then`: constant(epochs=...), warmup(...), cosine(...)'],
    });
  });
}
