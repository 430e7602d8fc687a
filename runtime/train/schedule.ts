// The learning rate of every optimizer step, from a schedule's data
// (schedule-format.ts), as torch.optim.lr_scheduler computes it. A training
// loop asks for each step's lr once, in order, and says when an epoch ends
// (with the monitored value where reduce_on_plateau needs one):
//
//   const schedule = new LrSchedule(data, stepsPerEpoch);
//   for (epoch...) { for (step...) optimizerStep(schedule.lrForStep(s)); schedule.epochEnd(valLoss); }
//
// No Node imports: the browser runtime trains with the same code.
//
// How the phases map onto torch (docs/training.md has the whole story):
// - Phases run in order. A phase ends when its clock reaches its length:
//   `steps` counts optimizer steps, `epochs` counts ends of epochs after the
//   phase started (an epoch whose steps all ran before the phase does not
//   count). The next phase starts at the optimizer's lr with its clock at 0,
//   as torch's SequentialLR does at a milestone. The last phase runs until
//   training ends, past its length if the run is longer, as the torch
//   scheduler does when stepped further (warmup holds the lr; cosine rises
//   again).
// - warmup is LinearLR stepped every step; its length in steps is counted to
//   the phase's last epoch end when given in epochs. The closed form, which
//   torch's recursive one equals to rounding, is used because torch's cannot
//   start from 0.
// - cosine is CosineAnnealingLR's recursive (chainable) form, which is what
//   torch computes, operation for operation, so the lr equals torch's to a
//   few ulps in and past T. (The closed form, which the recursion equals in
//   exact arithmetic, drifts from it past T by the cancellation in
//   1 + cos near pi: about 3e-9 relative at T = 20000, inside the tolerance
//   but not needed.)
// - step, multistep, exponential and inverse (LambdaLR with 1 / (1 + decay
//   * t)) use their closed forms, equal to torch's products to a few ulps.
// - reduce_on_plateau is ReduceLROnPlateau, step for step, fed at every end
//   of an epoch that ran in its phase.
import {
  phaseLength,
  type CosinePhase,
  type PlateauPhase,
  type ScheduleData,
  type ScheduleMonitor,
  type SchedulePhase,
} from './schedule-format.ts';

export const SCHEDULE_STATE_VERSION = 1;

/** The schedule's position as plain JSON, for checkpoints; `LrSchedule.restore` continues from it exactly. */
export interface ScheduleState {
  readonly version: typeof SCHEDULE_STATE_VERSION;
  readonly stepsPerEpoch: number;
  /** Optimizer steps whose lr has been given. */
  readonly step: number;
  /** Calls of epochEnd so far. */
  readonly epochsEnded: number;
  /** The phase the next step runs in (derivable from the two counts; kept as a check). */
  readonly phase: number;
  /** The running lr of a phase that computes it from the previous one (cosine, reduce_on_plateau); else null. */
  readonly lr: number | null;
  /** ReduceLROnPlateau's counters, in its phase; else null. `best` is a number or "inf" / "-inf". */
  readonly plateau: { readonly best: number | 'inf' | '-inf'; readonly badEpochs: number; readonly cooldownLeft: number } | null;
}

/** The loop broke the protocol (a step out of order, an epoch end in the wrong place), or a state does not fit. */
export class ScheduleError extends Error {
  override readonly name: string = 'ScheduleError';
}

/** reduce_on_plateau reached the end of an epoch and was given no value of its monitor. */
export class MetricNeededError extends ScheduleError {
  override readonly name: string = 'MetricNeededError';
  constructor(
    /** 0-based index of the epoch whose value is missing. */
    readonly epoch: number,
    readonly monitor: ScheduleMonitor,
  ) {
    super(`reduce_on_plateau needs the value of ${monitor} at the end of epoch ${epoch + 1}, and none was given`);
  }
}

export class LrSchedule {
  private readonly data: ScheduleData;
  private readonly m: number;
  private stepCount = 0;
  private epochs = 0;
  private phaseIndex = 0;
  private phaseStart = 0;
  /** cosine's and reduce_on_plateau's current lr. */
  private running = 0;
  private best = Infinity;
  private badEpochs = 0;
  private cooldownLeft = 0;
  /** Each multistep phase's milestones in increasing order, for bisect_right. */
  private readonly sortedMilestones: readonly (readonly number[])[];

  constructor(data: ScheduleData, stepsPerEpoch: number) {
    if (!Number.isSafeInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
      throw new ScheduleError(`steps per epoch must be a whole number of at least 1, got ${stepsPerEpoch}`);
    }
    this.data = data;
    this.m = stepsPerEpoch;
    this.sortedMilestones = data.phases.map((p) => (p.kind === 'multistep' ? [...p.milestones].sort((a, b) => a - b) : []));
    this.enter(0, 0);
  }

  /** A schedule continuing from `state`, as if it had run to it. */
  static restore(data: ScheduleData, stepsPerEpoch: number, state: ScheduleState): LrSchedule {
    const schedule = new LrSchedule(data, stepsPerEpoch);
    schedule.load(state);
    return schedule;
  }

  get stepsPerEpoch(): number {
    return this.m;
  }

  /** Steps whose lr has been given so far: the index of the next step. */
  get step(): number {
    return this.stepCount;
  }

  /** The index in `data.phases` of the phase the next step runs in. */
  get phase(): number {
    return this.phaseIndex;
  }

  /** The monitor whose value the next epochEnd needs, or undefined when it needs none. */
  get monitorNeeded(): ScheduleMonitor | undefined {
    const p = this.current;
    return p.kind === 'reduce_on_plateau' && this.stepCount > this.phaseStart ? p.monitor : undefined;
  }

  /** The lr the next step will run with, without taking it. */
  get lr(): number {
    return this.lrNow();
  }

  /** The lr of optimizer step `step` (0-based), which must be the next one; counts it. */
  lrForStep(step: number): number {
    if (step !== this.stepCount) {
      throw new ScheduleError(`asked for the lr of step ${step}, but the next step is ${this.stepCount}: ask for each step once, in order`);
    }
    if (this.stepCount > 0 && this.stepCount % this.m === 0 && this.epochs < this.stepCount / this.m) {
      throw new ScheduleError(`epoch ${this.epochs + 1} ended after step ${this.stepCount - 1} (${this.m} steps per epoch), but epochEnd() was not called`);
    }
    const lr = this.lrNow();
    this.stepCount++;
    this.tick('step');
    const length = phaseLength(this.current);
    if (length?.unit === 'step' && this.stepCount - this.phaseStart >= length.count) this.next();
    return lr;
  }

  /**
   * Marks the end of an epoch, after its last step. `metric` is the
   * monitored value of that epoch: required while reduce_on_plateau runs
   * (NaN and infinities are taken as torch takes them: never an improvement,
   * except an infinity in the improving direction).
   */
  epochEnd(metric?: number): void {
    const step = this.stepCount;
    if (step === 0) throw new ScheduleError('epochEnd() called before the first step');
    if (step % this.m !== 0) {
      throw new ScheduleError(`epochEnd() after step ${step - 1}, which does not end an epoch (${this.m} steps per epoch)`);
    }
    if (this.epochs === step / this.m) throw new ScheduleError(`epochEnd() called twice after step ${step - 1}`);
    if (metric !== undefined && typeof metric !== 'number') throw new ScheduleError(`the metric must be a number, got ${typeof metric}`);
    // An epoch counts for the phase only if some of its steps ran in it.
    const counts = step > this.phaseStart;
    const p = this.current;
    if (counts && p.kind === 'reduce_on_plateau') {
      if (metric === undefined) throw new MetricNeededError(this.epochs, p.monitor);
      this.plateauStep(p, metric);
    }
    this.epochs++;
    if (!counts) return;
    this.tick('epoch');
    const length = phaseLength(p);
    if (length?.unit === 'epoch' && this.epochEnds() >= length.count) this.next();
  }

  state(): ScheduleState {
    const p = this.current;
    const best = this.best === Infinity ? 'inf' : this.best === -Infinity ? '-inf' : this.best;
    return {
      version: SCHEDULE_STATE_VERSION,
      stepsPerEpoch: this.m,
      step: this.stepCount,
      epochsEnded: this.epochs,
      phase: this.phaseIndex,
      lr: p.kind === 'cosine' || p.kind === 'reduce_on_plateau' ? this.running : null,
      plateau: p.kind === 'reduce_on_plateau' ? { best, badEpochs: this.badEpochs, cooldownLeft: this.cooldownLeft } : null,
    };
  }

  private get current(): SchedulePhase {
    return this.data.phases[this.phaseIndex]!;
  }

  /** Ends of epochs counted by the current phase. */
  private epochEnds(): number {
    return Math.max(0, this.epochs - Math.floor(this.phaseStart / this.m));
  }

  /** The phase's clock in `unit`. */
  private clock(unit: 'step' | 'epoch'): number {
    return unit === 'step' ? this.stepCount - this.phaseStart : this.epochEnds();
  }

  private enter(index: number, start: number): void {
    this.phaseIndex = index;
    this.phaseStart = start;
    this.running = this.data.baseLr;
    const p = this.current;
    this.best = p.kind === 'reduce_on_plateau' && p.mode === 'max' ? -Infinity : Infinity;
    this.badEpochs = 0;
    this.cooldownLeft = 0;
  }

  private next(): void {
    if (this.phaseIndex + 1 < this.data.phases.length) this.enter(this.phaseIndex + 1, this.stepCount);
  }

  /** Steps from the phase's start to the end of its length: warmup's total_iters. */
  private lengthInSteps(count: number, unit: 'step' | 'epoch'): number {
    if (unit === 'step') return count;
    return this.m - (this.phaseStart % this.m) + (count - 1) * this.m;
  }

  private lrNow(): number {
    const p = this.current;
    const base = this.data.baseLr;
    switch (p.kind) {
      case 'constant':
        return p.lr ?? base;
      case 'warmup': {
        // LinearLR's closed form with end_factor 1.
        const n = this.lengthInSteps(p.length.count, p.length.unit);
        return base * (p.from + ((1 - p.from) * Math.min(n, this.clock('step'))) / n);
      }
      case 'cosine':
      case 'reduce_on_plateau':
        return this.running;
      case 'step':
        return base * p.gamma ** Math.floor(this.clock(p.unit) / p.every);
      case 'multistep':
        // As torch's closed form: gamma to the bisect_right of t in the sorted milestones (repeats count).
        return base * p.gamma ** bisectRight(this.sortedMilestones[this.phaseIndex]!, this.clock(p.unit));
      case 'exponential':
        return base * p.gamma ** this.clock(p.unit);
      case 'inverse':
        return base * (1 / (1 + p.decay * this.clock(p.unit)));
    }
  }

  /** The clock of the current phase advanced by one `unit`. */
  private tick(unit: 'step' | 'epoch'): void {
    const p = this.current;
    if (p.kind === 'cosine' && p.length.unit === unit) this.cosineStep(p, this.clock(unit));
  }

  /** CosineAnnealingLR.get_lr at last_epoch = t >= 1, in torch's order of operations. */
  private cosineStep(p: CosinePhase, t: number): void {
    const T = p.length.count;
    const base = this.data.baseLr;
    const min = p.minLr;
    if ((t - 1 - T) % (2 * T) === 0) {
      this.running = this.running + ((base - min) * (1 - Math.cos(Math.PI / T))) / 2;
    } else {
      this.running = ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (this.running - min) + min;
    }
  }

  /** ReduceLROnPlateau.step(metric). */
  private plateauStep(p: PlateauPhase, current: number): void {
    if (isBetter(p, current, this.best)) {
      this.best = current;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > p.patience) {
      const old = this.running;
      const reduced = Math.max(old * p.factor, p.minLr);
      if (old - reduced > p.eps) this.running = reduced;
      this.cooldownLeft = p.cooldown;
      this.badEpochs = 0;
    }
  }

  private load(state: ScheduleState): void {
    const bad = (what: string): never => {
      throw new ScheduleError(`the schedule state does not fit this schedule: ${what}`);
    };
    const s = state as unknown as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) bad('it is not an object');
    const known = ['version', 'stepsPerEpoch', 'step', 'epochsEnded', 'phase', 'lr', 'plateau'];
    const unknown = Object.keys(s).find((k) => !known.includes(k));
    if (unknown !== undefined) bad(`unknown field ${unknown}`);
    if (s.version !== SCHEDULE_STATE_VERSION) bad(`version ${JSON.stringify(s.version)} is not ${SCHEDULE_STATE_VERSION}`);
    const whole = (v: unknown, name: string): number =>
      typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(`${name} must be a whole number >= 0, got ${JSON.stringify(v)}`);
    if (s.stepsPerEpoch !== this.m) bad(`it was saved with ${JSON.stringify(s.stepsPerEpoch)} steps per epoch, this run has ${this.m}`);
    const step = whole(s.step, 'step');
    const epochs = whole(s.epochsEnded, 'epochsEnded');
    const full = Math.floor(step / this.m);
    // Right after an epoch's last step its end may not have been marked yet.
    if (!(epochs === full || (epochs === full - 1 && step % this.m === 0))) bad(`${epochs} epochs ended after ${step} steps of ${this.m} per epoch`);

    // Replay the phase boundaries, which depend only on the counts.
    this.stepCount = step;
    this.epochs = epochs;
    this.enter(0, 0);
    for (;;) {
      const length = phaseLength(this.current);
      if (length === undefined || this.phaseIndex === this.data.phases.length - 1) break;
      const end = length.unit === 'step' ? this.phaseStart + length.count : (Math.floor(this.phaseStart / this.m) + length.count) * this.m;
      const done = length.unit === 'step' ? step >= end : epochs >= end / this.m;
      if (!done) break;
      this.enter(this.phaseIndex + 1, end);
    }
    if (s.phase !== this.phaseIndex) bad(`it is in phase ${JSON.stringify(s.phase)}, but ${step} steps and ${epochs} epochs reach phase ${this.phaseIndex}`);

    const p = this.current;
    const recursive = p.kind === 'cosine' || p.kind === 'reduce_on_plateau';
    if (recursive) {
      if (typeof s.lr !== 'number' || !Number.isFinite(s.lr)) bad(`lr must be a finite number in a ${p.kind} phase, got ${JSON.stringify(s.lr)}`);
      this.running = s.lr as number;
    } else if (s.lr !== null) bad(`lr must be null in a ${p.kind} phase`);
    if (p.kind === 'reduce_on_plateau') {
      const pl = s.plateau as Record<string, unknown> | null;
      if (typeof pl !== 'object' || pl === null) bad('plateau must hold best, badEpochs and cooldownLeft in a reduce_on_plateau phase');
      const extra = Object.keys(pl!).find((k) => !['best', 'badEpochs', 'cooldownLeft'].includes(k));
      if (extra !== undefined) bad(`unknown field plateau.${extra}`);
      const b = pl!.best;
      if (b === 'inf') this.best = Infinity;
      else if (b === '-inf') this.best = -Infinity;
      else if (typeof b === 'number' && Number.isFinite(b)) this.best = b;
      else bad(`plateau.best must be a finite number, "inf" or "-inf", got ${JSON.stringify(b)}`);
      this.badEpochs = whole(pl!.badEpochs, 'plateau.badEpochs');
      this.cooldownLeft = whole(pl!.cooldownLeft, 'plateau.cooldownLeft');
      if (this.badEpochs > p.patience) bad(`plateau.badEpochs ${this.badEpochs} is over the patience ${p.patience}`);
      if (this.cooldownLeft > p.cooldown) bad(`plateau.cooldownLeft ${this.cooldownLeft} is over the cooldown ${p.cooldown}`);
    } else if (s.plateau !== null) bad(`plateau must be null in a ${p.kind} phase`);
  }
}

/** The number of entries of the increasing `sorted` that are <= x. */
function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** ReduceLROnPlateau.is_better. */
function isBetter(p: PlateauPhase, a: number, best: number): boolean {
  if (p.mode === 'min') return p.thresholdMode === 'rel' ? a < best * (1 - p.threshold) : a < best - p.threshold;
  return p.thresholdMode === 'rel' ? a > best * (p.threshold + 1) : a > best + p.threshold;
}

export interface RunShape {
  readonly stepsPerEpoch: number;
  /** Optimizer steps in the run; the last epoch may be partial. */
  readonly steps: number;
  /** The monitored value at the end of each epoch, epoch 0 first. */
  readonly metrics?: readonly number[];
}

/**
 * The lr of every step of a whole run, as a training loop would get them.
 * The end of an epoch is marked only when another step follows, so the last
 * epoch's value is never needed. Throws MetricNeededError where
 * reduce_on_plateau runs out of values.
 */
export function lrCurve(data: ScheduleData, run: RunShape): Float64Array {
  if (!Number.isSafeInteger(run.steps) || run.steps < 0) throw new ScheduleError(`the run's steps must be a whole number >= 0, got ${run.steps}`);
  const schedule = new LrSchedule(data, run.stepsPerEpoch);
  const lrs = new Float64Array(run.steps);
  for (let s = 0; s < run.steps; s++) {
    if (s > 0 && s % run.stepsPerEpoch === 0) {
      const epoch = s / run.stepsPerEpoch - 1;
      schedule.epochEnd(run.metrics?.[epoch]);
    }
    lrs[s] = schedule.lrForStep(s);
  }
  return lrs;
}
