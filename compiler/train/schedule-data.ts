// A checked spec's train section as the schedule's bundle data
// (runtime/train/schedule-format.ts): the optimizer's lr and the phases of
// `schedule a then b ...` with every parameter filled in, plus the run
// length the section gives (`epochs`, `steps`). The arguments are bound
// with the checker's own bindArgs, so they mean here what the checker
// checked. Call it only on a file without errors.
import type { Call, Program, SettingStmt, TrainDecl } from '../../grammar/ast.ts';
import { lookup, suggest } from '../registry/index.ts';
import type { Place, Value } from '../registry/types.ts';
import { bindArgs } from '../resolve/bind-args.ts';
import { DiagnosticSink } from '../resolve/diagnostic-sink.ts';
import { evaluateConst } from '../resolve/evaluate.ts';
import {
  SCHEDULE_FORMAT_VERSION,
  SCHEDULE_MONITORS,
  type PhaseLength,
  type ScheduleData,
  type ScheduleMonitor,
  type SchedulePhase,
  type ScheduleUnit,
} from '../../runtime/train/schedule-format.ts';

export interface TrainSchedule {
  /** The model the train section trains. */
  readonly model: string;
  readonly data: ScheduleData;
  /** False when the section has no `schedule`: the data is then one constant phase. */
  readonly written: boolean;
  /** The section's `epochs` and `steps` settings, where given. */
  readonly epochs?: number;
  readonly steps?: number;
}

/** The file has no train section to take a schedule from, or several and no choice. */
export class TrainSectionChoiceError extends Error {}

/** A call the checker accepted that does not bind: a compiler bug, not a user error. */
export class ScheduleDataBug extends Error {}

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

/** The schedule of the train section for `model` (the only one when omitted). */
export function trainSchedule(program: Program, model?: string): TrainSchedule {
  const decl = pickTrainSection(program, model);
  const optimizer = decl.body.find((s) => s.kind === 'Optimizer');
  if (optimizer === undefined) throw new ScheduleDataBug(`the train section for ${decl.model.name} has no optimizer`);
  const baseLr = number(bind(optimizer.fn, 'optimizer').get('lr'), 'optimizer lr');
  const schedule = decl.body.find((s) => s.kind === 'Schedule');
  const phases = schedule === undefined ? [{ kind: 'constant', lr: null } as const] : schedule.phases.map(phaseData);
  const epochs = setting(decl, 'epochs');
  const steps = setting(decl, 'steps');
  return {
    model: decl.model.name,
    data: { version: SCHEDULE_FORMAT_VERSION, baseLr, phases },
    written: schedule !== undefined,
    ...(epochs === undefined ? {} : { epochs }),
    ...(steps === undefined ? {} : { steps }),
  };
}

function pickTrainSection(program: Program, wanted: string | undefined): TrainDecl {
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

function bind(call: Call, place: Place): ReadonlyMap<string, Value | null> {
  const spec = lookup(call.callee.name, place);
  if (spec === undefined) throw new ScheduleDataBug(`\`${call.callee.name}\` is not a known ${place}`);
  const sink = new DiagnosticSink('<schedule>');
  const bound = bindArgs(call, spec, EMPTY_ENV, sink);
  if (!bound.ok || sink.diagnostics.length > 0) throw new ScheduleDataBug(`\`${call.callee.name}\` does not bind: ${sink.diagnostics.map((d) => d.message).join('; ')}`);
  return bound.values;
}

function number(v: Value | null | undefined, what: string): number {
  if (typeof v !== 'number') throw new ScheduleDataBug(`${what} is ${JSON.stringify(v)}, not a number`);
  return v;
}

function word<T extends string>(v: Value | null | undefined, what: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new ScheduleDataBug(`${what} is ${JSON.stringify(v)}`);
  return v as T;
}

/** The phase's `epochs` or `steps`, whichever is given (the checker allows at most one). */
function lengthOf(values: ReadonlyMap<string, Value | null>): PhaseLength | undefined {
  const steps = values.get('steps');
  const epochs = values.get('epochs');
  if (typeof steps === 'number') return { count: steps, unit: 'step' };
  if (typeof epochs === 'number') return { count: epochs, unit: 'epoch' };
  return undefined;
}

function requiredLength(values: ReadonlyMap<string, Value | null>, op: string): PhaseLength {
  const length = lengthOf(values);
  if (length === undefined) throw new ScheduleDataBug(`${op} has no length`);
  return length;
}

const UNITS: readonly ScheduleUnit[] = ['step', 'epoch'];

function phaseData(call: Call): SchedulePhase {
  const op = call.callee.name;
  const v = bind(call, 'schedule');
  const unit = () => word(v.get('unit'), `${op} unit`, UNITS);
  switch (op) {
    case 'constant': {
      const lr = v.get('lr');
      const length = lengthOf(v);
      return { kind: 'constant', lr: lr === null || lr === undefined ? null : number(lr, 'constant lr'), ...(length === undefined ? {} : { length }) };
    }
    case 'warmup':
      return { kind: 'warmup', from: number(v.get('from'), 'warmup from'), length: requiredLength(v, op) };
    case 'cosine':
      return { kind: 'cosine', minLr: number(v.get('min_lr'), 'cosine min_lr'), length: requiredLength(v, op) };
    case 'step':
      return { kind: 'step', every: number(v.get('every'), 'step every'), gamma: number(v.get('gamma'), 'step gamma'), unit: unit() };
    case 'multistep': {
      const milestones = v.get('milestones');
      const list = Array.isArray(milestones) ? milestones : [milestones];
      return { kind: 'multistep', milestones: list.map((m) => number(m, 'a milestone')), gamma: number(v.get('gamma'), 'multistep gamma'), unit: unit() };
    }
    case 'exponential':
      return { kind: 'exponential', gamma: number(v.get('gamma'), 'exponential gamma'), unit: unit() };
    case 'inverse':
      return { kind: 'inverse', decay: number(v.get('decay'), 'inverse decay'), unit: unit() };
    case 'reduce_on_plateau':
      return {
        kind: 'reduce_on_plateau',
        monitor: word(v.get('monitor'), 'monitor', SCHEDULE_MONITORS) as ScheduleMonitor,
        mode: word(v.get('mode'), 'mode', ['min', 'max'] as const),
        factor: number(v.get('factor'), 'factor'),
        patience: number(v.get('patience'), 'patience'),
        threshold: number(v.get('threshold'), 'threshold'),
        thresholdMode: word(v.get('threshold_mode'), 'threshold_mode', ['rel', 'abs'] as const),
        cooldown: number(v.get('cooldown'), 'cooldown'),
        minLr: number(v.get('min_lr'), 'min_lr'),
        eps: number(v.get('eps'), 'eps'),
      };
    default:
      throw new ScheduleDataBug(`no bundle data for the schedule \`${op}\``);
  }
}

function setting(decl: TrainDecl, key: 'epochs' | 'steps'): number | undefined {
  const stmt = decl.body.find((s): s is SettingStmt => s.kind === 'Setting' && s.key.name === key);
  if (stmt === undefined) return undefined;
  const evaluated = evaluateConst(stmt.value, EMPTY_ENV, new DiagnosticSink('<schedule>'));
  return evaluated.ok && typeof evaluated.value === 'number' ? evaluated.value : undefined;
}
