// The learning-rate schedule as bundle data: the optimizer's lr and the
// phases of `schedule a then b ...`, each with its parameters. The compiler
// writes it (compiler/train/schedule-data.ts), the runtime evaluates it
// (schedule.ts) with no compiler code. A bundle is untrusted, so every field
// is checked here and anything unknown is refused, naming the field.
//
// Field names are camelCase like the rest of manifest.json; docs/bundle-format.md
// documents the shape and docs/training.md what each phase computes.
import { fail, fields, finite, fraction, nonNegative, oneOf, positive, show } from './data-fields.ts';

/** The version this runtime writes and reads; any other is refused rather than guessed at. */
export const SCHEDULE_FORMAT_VERSION = 1;

/** What a phase's clock counts: optimizer steps, or ends of epochs. */
export type ScheduleUnit = 'step' | 'epoch';

/** The quantities a plateau schedule can watch, measured once per epoch (the language's `monitor`). */
export const SCHEDULE_MONITORS = ['val_loss', 'val_accuracy', 'train_loss', 'train_accuracy'] as const;
export type ScheduleMonitor = (typeof SCHEDULE_MONITORS)[number];

/** `count` steps, or until the `count`-th end of an epoch after the phase started. */
export interface PhaseLength {
  readonly count: number;
  readonly unit: ScheduleUnit;
}

export interface ConstantPhase {
  readonly kind: 'constant';
  /** The lr to hold; null holds the optimizer's lr. */
  readonly lr: number | null;
  /** Absent: until training ends (then it must be the last phase). */
  readonly length?: PhaseLength;
}

export interface WarmupPhase {
  readonly kind: 'warmup';
  /** The first step's lr as a fraction of the optimizer's lr. */
  readonly from: number;
  readonly length: PhaseLength;
}

export interface CosinePhase {
  readonly kind: 'cosine';
  readonly minLr: number;
  /** T and what t counts. */
  readonly length: PhaseLength;
}

export interface StepPhase {
  readonly kind: 'step';
  readonly every: number;
  readonly gamma: number;
  readonly unit: ScheduleUnit;
}

export interface MultistepPhase {
  readonly kind: 'multistep';
  readonly milestones: readonly number[];
  readonly gamma: number;
  readonly unit: ScheduleUnit;
}

export interface ExponentialPhase {
  readonly kind: 'exponential';
  readonly gamma: number;
  readonly unit: ScheduleUnit;
}

export interface InversePhase {
  readonly kind: 'inverse';
  readonly decay: number;
  readonly unit: ScheduleUnit;
}

export interface PlateauPhase {
  readonly kind: 'reduce_on_plateau';
  readonly monitor: ScheduleMonitor;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  /** A reduction smaller than this is skipped (torch's eps). */
  readonly eps: number;
}

export type SchedulePhase =
  | ConstantPhase
  | WarmupPhase
  | CosinePhase
  | StepPhase
  | MultistepPhase
  | ExponentialPhase
  | InversePhase
  | PlateauPhase;

export type SchedulePhaseKind = SchedulePhase['kind'];

export interface ScheduleData {
  readonly version: typeof SCHEDULE_FORMAT_VERSION;
  /** The optimizer's lr, which every phase scales. */
  readonly baseLr: number;
  readonly phases: readonly SchedulePhase[];
}

/** Far above any real schedule; they bound what a hostile bundle can make the runtime hold. */
export const SCHEDULE_LIMITS = {
  maxPhases: 64,
  maxMilestones: 10_000,
  /** Steps, epochs, periods, milestones, patience and cooldown. */
  maxCount: 2 ** 31 - 1,
};

/** A train section's data in a bundle (schedule, optimizer) that this runtime cannot use; `path` names the field. */
export { TrainDataError as ScheduleDataError } from './data-fields.ts';

type Json = unknown;

function count(v: Json, path: string, min: number): number {
  const max = SCHEDULE_LIMITS.maxCount;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer in [${min}, ${max}], got ${show(v)}`);
  return v;
}

const UNITS: readonly ScheduleUnit[] = ['step', 'epoch'];

function unit(v: Json, path: string): ScheduleUnit {
  return oneOf(v, path, UNITS);
}

function length(v: Json, path: string): PhaseLength {
  const o = fields(v, path, ['count', 'unit']);
  return { count: count(o.count, `${path}.count`, 1), unit: unit(o.unit, `${path}.unit`) };
}

/** Each kind's fields and how to read them. */
const PHASE_READERS: { readonly [K in SchedulePhaseKind]: (v: Json, path: string) => Extract<SchedulePhase, { kind: K }> } = {
  constant(v, path) {
    const o = fields(v, path, ['kind', 'lr'], ['length']);
    return {
      kind: 'constant',
      lr: o.lr === null ? null : nonNegative(o.lr, `${path}.lr`),
      ...(o.length === undefined ? {} : { length: length(o.length, `${path}.length`) }),
    };
  },
  warmup(v, path) {
    const o = fields(v, path, ['kind', 'from', 'length']);
    return { kind: 'warmup', from: fraction(o.from, `${path}.from`, 'a number in [0, 1]', false), length: length(o.length, `${path}.length`) };
  },
  cosine(v, path) {
    const o = fields(v, path, ['kind', 'minLr', 'length']);
    return { kind: 'cosine', minLr: nonNegative(o.minLr, `${path}.minLr`), length: length(o.length, `${path}.length`) };
  },
  step(v, path) {
    const o = fields(v, path, ['kind', 'every', 'gamma', 'unit']);
    return { kind: 'step', every: count(o.every, `${path}.every`, 1), gamma: positive(o.gamma, `${path}.gamma`), unit: unit(o.unit, `${path}.unit`) };
  },
  multistep(v, path) {
    const o = fields(v, path, ['kind', 'milestones', 'gamma', 'unit']);
    const where = `${path}.milestones`;
    if (!Array.isArray(o.milestones)) fail(where, `expected an array of integers, got ${show(o.milestones)}`);
    if (o.milestones.length === 0) fail(where, 'expected at least one milestone');
    if (o.milestones.length > SCHEDULE_LIMITS.maxMilestones) fail(where, `has ${o.milestones.length} entries, more than the limit ${SCHEDULE_LIMITS.maxMilestones}`);
    const milestones = o.milestones.map((m, i) => count(m, `${where}[${i}]`, 1));
    return { kind: 'multistep', milestones, gamma: positive(o.gamma, `${path}.gamma`), unit: unit(o.unit, `${path}.unit`) };
  },
  exponential(v, path) {
    const o = fields(v, path, ['kind', 'gamma', 'unit']);
    return { kind: 'exponential', gamma: positive(o.gamma, `${path}.gamma`), unit: unit(o.unit, `${path}.unit`) };
  },
  inverse(v, path) {
    const o = fields(v, path, ['kind', 'decay', 'unit']);
    return { kind: 'inverse', decay: nonNegative(o.decay, `${path}.decay`), unit: unit(o.unit, `${path}.unit`) };
  },
  reduce_on_plateau(v, path) {
    const o = fields(v, path, ['kind', 'monitor', 'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    return {
      kind: 'reduce_on_plateau',
      monitor: oneOf(o.monitor, `${path}.monitor`, SCHEDULE_MONITORS),
      mode: oneOf(o.mode, `${path}.mode`, ['min', 'max'] as const),
      factor: fraction(o.factor, `${path}.factor`, 'a number strictly between 0 and 1', true),
      patience: count(o.patience, `${path}.patience`, 0),
      threshold: nonNegative(o.threshold, `${path}.threshold`),
      thresholdMode: oneOf(o.thresholdMode, `${path}.thresholdMode`, ['rel', 'abs'] as const),
      cooldown: count(o.cooldown, `${path}.cooldown`, 0),
      minLr: nonNegative(o.minLr, `${path}.minLr`),
      eps: nonNegative(o.eps, `${path}.eps`),
    };
  },
};

const PHASE_KINDS = Object.keys(PHASE_READERS) as SchedulePhaseKind[];

/** The length after which the next phase starts; undefined for a phase that runs until training ends. */
export function phaseLength(phase: SchedulePhase): PhaseLength | undefined {
  return 'length' in phase ? phase.length : undefined;
}

function phase(v: Json, path: string): SchedulePhase {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected an object, got ${show(v)}`);
  const kind = (v as Record<string, Json>).kind;
  if (kind === undefined) fail(`${path}.kind`, 'missing');
  if (typeof kind !== 'string' || !Object.hasOwn(PHASE_READERS, kind)) {
    fail(`${path}.kind`, `expected one of ${PHASE_KINDS.map((k) => JSON.stringify(k)).join(', ')}, got ${show(kind)}`);
  }
  return PHASE_READERS[kind as SchedulePhaseKind](v, path);
}

/**
 * Checks untrusted schedule data (parsed JSON) and returns it typed, or
 * throws a ScheduleDataError naming the first field that is wrong.
 * `path` is where the data sits, for the messages.
 */
export function validateScheduleData(v: Json, path = 'schedule'): ScheduleData {
  const o = fields(v, path, ['version', 'baseLr', 'phases']);
  if (o.version !== SCHEDULE_FORMAT_VERSION) {
    fail(`${path}.version`, `version ${show(o.version)} is not known; this runtime reads schedule version ${SCHEDULE_FORMAT_VERSION}`);
  }
  const baseLr = nonNegative(o.baseLr, `${path}.baseLr`);
  const where = `${path}.phases`;
  if (!Array.isArray(o.phases)) fail(where, `expected an array of phases, got ${show(o.phases)}`);
  if (o.phases.length === 0) fail(where, 'expected at least one phase (a schedule that holds the lr is one constant phase)');
  if (o.phases.length > SCHEDULE_LIMITS.maxPhases) fail(where, `has ${o.phases.length} phases, more than the limit ${SCHEDULE_LIMITS.maxPhases}`);
  const phases = o.phases.map((p, i) => phase(p, `${where}[${i}]`));
  phases.forEach((p, i) => {
    if (i < phases.length - 1 && phaseLength(p) === undefined) {
      fail(`${where}[${i}]`, `a ${p.kind} phase without a length runs until training ends, so phase ${i + 1} would never start; only the last phase may lack a length`);
    }
  });
  return { version: SCHEDULE_FORMAT_VERSION, baseLr, phases };
}
