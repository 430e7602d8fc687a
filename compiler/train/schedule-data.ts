// A checked spec's train section as the schedule's bundle data
// (runtime/train/schedule-format.ts): the optimizer's lr and the phases of
// `schedule a then b ...` with every parameter filled in, plus the run
// length the section gives (`epochs`, `steps`). The arguments are bound
// with the checker's own bindArgs, so they mean here what the checker
// checked. Call it only on a file without errors.
import type { Call, Program, SettingStmt, TrainDecl } from '../../grammar/ast.ts';
import type { Value } from '../registry/types.ts';
import { DiagnosticSink } from '../resolve/diagnostic-sink.ts';
import { evaluateConst } from '../resolve/evaluate.ts';
import { bindChecked, numberValue, pickTrainSection, TrainDataBug as ScheduleDataBug, wordValue } from './bound-values.ts';
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

export { TrainDataBug as ScheduleDataBug, TrainSectionChoiceError } from './bound-values.ts';

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

/** The schedule of the train section for `model` (the only one when omitted). */
export function trainSchedule(program: Program, model?: string): TrainSchedule {
  const decl = pickTrainSection(program, model);
  const optimizer = decl.body.find((s) => s.kind === 'Optimizer');
  if (optimizer === undefined) throw new ScheduleDataBug(`the train section for ${decl.model.name} has no optimizer`);
  const baseLr = numberValue(bindChecked(optimizer.fn, 'optimizer').get('lr'), 'optimizer lr');
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
  const v = bindChecked(call, 'schedule');
  const unit = () => wordValue(v.get('unit'), `${op} unit`, UNITS);
  switch (op) {
    case 'constant': {
      const lr = v.get('lr');
      const length = lengthOf(v);
      return { kind: 'constant', lr: lr === null || lr === undefined ? null : numberValue(lr, 'constant lr'), ...(length === undefined ? {} : { length }) };
    }
    case 'warmup':
      return { kind: 'warmup', from: numberValue(v.get('from'), 'warmup from'), length: requiredLength(v, op) };
    case 'cosine':
      return { kind: 'cosine', minLr: numberValue(v.get('min_lr'), 'cosine min_lr'), length: requiredLength(v, op) };
    case 'step':
      return { kind: 'step', every: numberValue(v.get('every'), 'step every'), gamma: numberValue(v.get('gamma'), 'step gamma'), unit: unit() };
    case 'multistep': {
      const milestones = v.get('milestones');
      const list = Array.isArray(milestones) ? milestones : [milestones];
      return { kind: 'multistep', milestones: list.map((m) => numberValue(m, 'a milestone')), gamma: numberValue(v.get('gamma'), 'multistep gamma'), unit: unit() };
    }
    case 'exponential':
      return { kind: 'exponential', gamma: numberValue(v.get('gamma'), 'exponential gamma'), unit: unit() };
    case 'inverse':
      return { kind: 'inverse', decay: numberValue(v.get('decay'), 'inverse decay'), unit: unit() };
    case 'reduce_on_plateau':
      return {
        kind: 'reduce_on_plateau',
        monitor: wordValue(v.get('monitor'), 'monitor', SCHEDULE_MONITORS) as ScheduleMonitor,
        mode: wordValue(v.get('mode'), 'mode', ['min', 'max'] as const),
        factor: numberValue(v.get('factor'), 'factor'),
        patience: numberValue(v.get('patience'), 'patience'),
        threshold: numberValue(v.get('threshold'), 'threshold'),
        thresholdMode: wordValue(v.get('threshold_mode'), 'threshold_mode', ['rel', 'abs'] as const),
        cooldown: numberValue(v.get('cooldown'), 'cooldown'),
        minLr: numberValue(v.get('min_lr'), 'min_lr'),
        eps: numberValue(v.get('eps'), 'eps'),
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
