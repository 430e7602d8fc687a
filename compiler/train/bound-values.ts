// Reading a checked train section's calls as values: the arguments are bound
// with the checker's own bindArgs, so they mean here what the checker
// checked. Use it only on a file without errors: a call that does not bind
// then is a compiler bug (TrainDataBug), not a user error.
import type { Call, Program, TrainDecl } from '../../grammar/ast.ts';
import { lookup, suggest } from '../registry/index.ts';
import type { Place, Value } from '../registry/types.ts';
import { bindArgs } from '../resolve/bind-args.ts';
import { DiagnosticSink } from '../resolve/diagnostic-sink.ts';

/** A call the checker accepted that does not bind, or a value of the wrong kind: a compiler bug. */
export class TrainDataBug extends Error {}

/** The file has no train section to take a schedule from, or several and no choice. */
export class TrainSectionChoiceError extends Error {}

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

export type BoundValues = ReadonlyMap<string, Value | null>;

export function bindChecked(call: Call, place: Place): BoundValues {
  const spec = lookup(call.callee.name, place);
  if (spec === undefined) throw new TrainDataBug(`\`${call.callee.name}\` is not a known ${place}`);
  const sink = new DiagnosticSink('<train>');
  const bound = bindArgs(call, spec, EMPTY_ENV, sink);
  if (!bound.ok || sink.diagnostics.length > 0) throw new TrainDataBug(`\`${call.callee.name}\` does not bind: ${sink.diagnostics.map((d) => d.message).join('; ')}`);
  return bound.values;
}

export function numberValue(v: Value | null | undefined, what: string): number {
  if (typeof v !== 'number') throw new TrainDataBug(`${what} is ${JSON.stringify(v)}, not a number`);
  return v;
}

export function wordValue<T extends string>(v: Value | null | undefined, what: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new TrainDataBug(`${what} is ${JSON.stringify(v)}`);
  return v as T;
}

export function boolValue(v: Value | null | undefined, what: string): boolean {
  if (typeof v !== 'boolean') throw new TrainDataBug(`${what} is ${JSON.stringify(v)}, not a boolean`);
  return v;
}

/** A number or a list of numbers (a single value given where a list is accepted). */
export function numberList(v: Value | null | undefined, what: string): number[] {
  return (Array.isArray(v) ? v : [v]).map((x) => numberValue(x as Value, what));
}

/** The train section for `wanted` (the only one when omitted). */
export function pickTrainSection(program: Program, wanted: string | undefined): TrainDecl {
  const sections = program.items.filter((i): i is TrainDecl => i.kind === 'Train');
  const trained = sections.map((s) => s.model.name);
  if (wanted === undefined) {
    if (sections.length === 1) return sections[0]!;
    if (sections.length === 0) throw new TrainSectionChoiceError('the file has no train section, so it has no optimizer or schedule; add `train Model { ... }` with an `optimizer`');
    throw new TrainSectionChoiceError(`the file has ${sections.length} train sections (for ${trained.join(', ')}); choose one with --model`);
  }
  const found = sections.find((s) => s.model.name === wanted);
  if (found !== undefined) return found;
  const models = program.items.filter((i) => i.kind === 'Model').map((m) => (m.kind === 'Model' ? m.name.name : ''));
  if (models.includes(wanted)) {
    throw new TrainSectionChoiceError(`model \`${wanted}\` has no train section${trained.length > 0 ? `; trained here: ${trained.join(', ')}` : ''}`);
  }
  const [close] = suggest(wanted, models);
  throw new TrainSectionChoiceError(`no model named \`${wanted}\`${close !== undefined ? `; there is a model with a similar name: \`${close}\`` : `; models: ${models.join(', ') || 'none'}`}`);
}
