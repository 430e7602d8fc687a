// The schedule evaluator against torch.optim.lr_scheduler over whole runs
// (tests/golden/schedules, from scripts/golden/schedules.py), its state
// round trip, and the protocol a training loop must keep.
import { describe, expect, it } from 'vitest';
import { validateScheduleData, type ScheduleData } from '../../runtime/train/schedule-format.ts';
import { LrSchedule, MetricNeededError, ScheduleError, lrCurve, type ScheduleState } from '../../runtime/train/schedule.ts';
import { expectLrsClose, loadScheduleGoldens, type ScheduleGolden } from './schedule-goldens.ts';

const GOLDENS = loadScheduleGoldens();

function run(g: ScheduleGolden): { stepsPerEpoch: number; steps: number; metrics?: number[] } {
  return { stepsPerEpoch: g.steps_per_epoch, steps: g.steps, ...(g.metrics === null ? {} : { metrics: g.metrics }) };
}

/** Drives `schedule` from its current step to the run's end as lrCurve does; the lrs it gives. */
function finish(schedule: LrSchedule, g: ScheduleGolden): number[] {
  const m = g.steps_per_epoch;
  const lrs: number[] = [];
  for (let s = schedule.step; s < g.steps; s++) {
    if (s > 0 && s % m === 0 && schedule.state().epochsEnded < s / m) schedule.epochEnd(g.metrics?.[s / m - 1]);
    lrs.push(schedule.lrForStep(s));
  }
  return lrs;
}

describe('the lr of every step equals torch lr_scheduler over a whole run', () => {
  it('covers every phase kind, both units, then-chains and every reduce_on_plateau option', () => {
    const kinds = new Set<string>();
    const options = new Set<string>();
    for (const g of GOLDENS) {
      const data = validateScheduleData(g.schedule_data);
      for (const p of data.phases) {
        kinds.add('unit' in p ? `${p.kind}/${p.unit}` : 'length' in p && p.length ? `${p.kind}/${p.length.unit}` : p.kind);
        if (p.kind === 'reduce_on_plateau') {
          options.add(`${p.mode}-${p.thresholdMode}${p.cooldown > 0 ? '-cooldown' : ''}`);
          if (p.minLr > 0) options.add('min_lr');
          if (p.eps !== 1e-8) options.add('eps');
        }
      }
      if (data.phases.length > 1) kinds.add(`chain:${data.phases.map((p) => p.kind).join('>')}`);
    }
    for (const k of ['constant', 'constant/epoch', 'constant/step', 'warmup/step', 'warmup/epoch', 'cosine/step', 'cosine/epoch', 'step/epoch', 'step/step',
      'multistep/epoch', 'multistep/step', 'exponential/epoch', 'exponential/step', 'inverse/epoch', 'inverse/step', 'reduce_on_plateau',
      'chain:warmup>cosine', 'chain:constant>reduce_on_plateau']) {
      expect(kinds, k).toContain(k);
    }
    for (const mode of ['min', 'max']) {
      for (const thresholdMode of ['rel', 'abs']) {
        for (const cooldown of ['', '-cooldown']) expect(options).toContain(`${mode}-${thresholdMode}${cooldown}`);
      }
    }
    for (const o of ['min_lr', 'eps']) expect(options).toContain(o);
  });

  for (const g of GOLDENS) {
    it(`${g.name}: ${g.about}`, () => {
      expectLrsClose(lrCurve(validateScheduleData(g.schedule_data), run(g)), g.lr, g.name);
    });
  }
});

describe('state() and restore() continue a run exactly', () => {
  for (const g of GOLDENS) {
    it(`${g.name}: restored mid-run from JSON, the rest of the run is the same`, () => {
      const data = validateScheduleData(g.schedule_data);
      const m = g.steps_per_epoch;
      const whole = [...lrCurve(data, run(g))];
      // Points mid-epoch, at an epoch's last step before its end is marked, and just after.
      const cuts = [1, Math.floor(g.steps / 3), m, 2 * m, Math.floor((2 * g.steps) / 3), g.steps - 1].filter((c) => c > 0 && c < g.steps);
      for (const cut of cuts) {
        for (const beforeEpochEnd of [false, true]) {
          const schedule = new LrSchedule(data, m);
          const first: number[] = [];
          for (let s = 0; s < cut; s++) {
            if (s > 0 && s % m === 0) schedule.epochEnd(g.metrics?.[s / m - 1]);
            first.push(schedule.lrForStep(s));
          }
          if (!beforeEpochEnd && cut % m === 0) schedule.epochEnd(g.metrics?.[cut / m - 1]);
          const saved = JSON.parse(JSON.stringify(schedule.state())) as ScheduleState;
          const restored = LrSchedule.restore(data, m, saved);
          expect(restored.state()).toEqual(schedule.state());
          expect([...first, ...finish(restored, g)], `${g.name}, cut at ${cut}`).toEqual(whole);
        }
      }
    });
  }

  it('keeps ReduceLROnPlateau counters, including an infinite best, through JSON', () => {
    const g = GOLDENS.find((x) => x.name === 'plateau-min-rel')!;
    const data = validateScheduleData(g.schedule_data);
    const schedule = new LrSchedule(data, g.steps_per_epoch);
    expect(schedule.state().plateau).toEqual({ best: 'inf', badEpochs: 0, cooldownLeft: 0 });
    for (let s = 0; s < 3 * g.steps_per_epoch; s++) {
      if (s > 0 && s % g.steps_per_epoch === 0) schedule.epochEnd(g.metrics![s / g.steps_per_epoch - 1]);
      schedule.lrForStep(s);
    }
    expect(schedule.state().plateau?.best).toBe(g.metrics![1]);
  });

  it('keeps the cooldown left through JSON, so a run restored in a cooldown reduces when the whole run does', () => {
    const g = GOLDENS.find((x) => x.name === 'plateau-min-rel-cooldown')!;
    const data = validateScheduleData(g.schedule_data);
    const m = g.steps_per_epoch;
    const schedule = new LrSchedule(data, m);
    const first: number[] = [];
    let s = 0;
    // Up to the first epoch end that leaves some cooldown: right after a reduction.
    for (; s < g.steps && (schedule.state().plateau?.cooldownLeft ?? 0) === 0; s++) {
      if (s > 0 && s % m === 0) schedule.epochEnd(g.metrics![s / m - 1]);
      first.push(schedule.lrForStep(s));
    }
    const saved = JSON.parse(JSON.stringify(schedule.state())) as ScheduleState;
    expect(saved.plateau!.cooldownLeft).toBe(3);
    expect(s).toBeLessThan(g.steps);
    const restored = LrSchedule.restore(data, m, saved);
    expect([...first, ...finish(restored, g)]).toEqual(g.lr);
    expect(() => LrSchedule.restore(data, m, { ...saved, plateau: { ...saved.plateau!, cooldownLeft: 4 } })).toThrow(/plateau.cooldownLeft 4 is over the cooldown 3/);
  });
});

const COSINE_THEN_PLATEAU: ScheduleData = {
  version: 1,
  baseLr: 0.1,
  phases: [
    { kind: 'cosine', minLr: 0, length: { count: 4, unit: 'step' } },
    { kind: 'reduce_on_plateau', monitor: 'val_loss', mode: 'min', factor: 0.5, patience: 0, threshold: 0, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 },
  ],
};

describe('restore() refuses a state that does not fit', () => {
  function stateAfter(steps: number, m = 3): ScheduleState {
    const schedule = new LrSchedule(COSINE_THEN_PLATEAU, m);
    for (let s = 0; s < steps; s++) {
      if (s > 0 && s % m === 0) schedule.epochEnd(1);
      schedule.lrForStep(s);
    }
    return schedule.state();
  }
  const refusals: [string, (s: ScheduleState) => unknown, RegExp][] = [
    ['another steps per epoch', (s) => ({ ...s, stepsPerEpoch: 4 }), /saved with 4 steps per epoch, this run has 3/],
    ['another version', (s) => ({ ...s, version: 2 }), /version 2 is not 1/],
    ['an unknown field', (s) => ({ ...s, extra: 1 }), /unknown field extra/],
    ['a fractional step', (s) => ({ ...s, step: 2.5 }), /step must be a whole number/],
    ['epochs that do not match the steps', (s) => ({ ...s, epochsEnded: 0 }), /0 epochs ended after 5 steps/],
    ['the wrong phase', (s) => ({ ...s, phase: 0 }), /in phase 0, but 5 steps and 1 epochs reach phase 1/],
    ['no running lr', (s) => ({ ...s, lr: null }), /lr must be a finite number in a reduce_on_plateau phase/],
    ['a NaN best', (s) => ({ ...s, plateau: { ...s.plateau!, best: 'nan' } }), /plateau.best must be a finite number, "inf" or "-inf"/],
    ['bad epochs over the patience', (s) => ({ ...s, plateau: { ...s.plateau!, badEpochs: 1 } }), /badEpochs 1 is over the patience 0/],
    ['no plateau counters', (s) => ({ ...s, plateau: null }), /plateau must hold best/],
  ];
  for (const [what, change, message] of refusals) {
    it(what, () => {
      expect(() => LrSchedule.restore(COSINE_THEN_PLATEAU, 3, change(stateAfter(5)) as ScheduleState)).toThrow(message);
    });
  }
  it('plateau counters in a phase that has none', () => {
    const s = stateAfter(2);
    expect(() => LrSchedule.restore(COSINE_THEN_PLATEAU, 3, { ...s, plateau: { best: 1, badEpochs: 0, cooldownLeft: 0 } })).toThrow(/plateau must be null in a cosine phase/);
  });
});

describe('the training loop protocol', () => {
  it('gives each step once, in order', () => {
    const schedule = new LrSchedule(COSINE_THEN_PLATEAU, 3);
    schedule.lrForStep(0);
    expect(() => schedule.lrForStep(0)).toThrow(/asked for the lr of step 0, but the next step is 1/);
    expect(() => schedule.lrForStep(2)).toThrow(ScheduleError);
  });

  it('needs the end of every epoch marked before the next step, and only there', () => {
    const schedule = new LrSchedule(COSINE_THEN_PLATEAU, 3);
    expect(() => schedule.epochEnd()).toThrow(/epochEnd\(\) called before the first step/);
    for (let s = 0; s < 3; s++) schedule.lrForStep(s);
    expect(() => schedule.lrForStep(3)).toThrow(/epoch 1 ended after step 2 \(3 steps per epoch\), but epochEnd\(\) was not called/);
    schedule.epochEnd(1);
    expect(() => schedule.epochEnd(1)).toThrow(/called twice after step 2/);
    schedule.lrForStep(3);
    expect(() => schedule.epochEnd(1)).toThrow(/after step 3, which does not end an epoch/);
  });

  it('asks reduce_on_plateau\'s metric only for epochs that ran in its phase, and says which', () => {
    const schedule = new LrSchedule(COSINE_THEN_PLATEAU, 2);
    for (let s = 0; s < 4; s++) {
      if (s === 2) schedule.epochEnd();  // all of epoch 1 ran in the cosine phase
      schedule.lrForStep(s);
    }
    // The plateau phase started at step 4, an epoch boundary: epoch 2 ran before it.
    expect(schedule.monitorNeeded).toBeUndefined();
    schedule.epochEnd();
    schedule.lrForStep(4);
    expect(schedule.monitorNeeded).toBe('val_loss');
    schedule.lrForStep(5);
    const error = (() => {
      try {
        schedule.epochEnd();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MetricNeededError);
    expect((error as MetricNeededError).epoch).toBe(2);
    expect((error as Error).message).toBe('reduce_on_plateau needs the value of val_loss at the end of epoch 3, and none was given');
    // Nothing was counted, so the loop can mark the end again with the value.
    schedule.epochEnd(0.5);
    expect(schedule.lrForStep(6)).toBe(0.1);
  });

  it('lrCurve stops at the first missing metric', () => {
    expect(() => lrCurve(COSINE_THEN_PLATEAU, { stepsPerEpoch: 2, steps: 10, metrics: [1, 1] })).toThrow(MetricNeededError);
    expect(lrCurve(COSINE_THEN_PLATEAU, { stepsPerEpoch: 2, steps: 10, metrics: [1, 1, 1, 1] })).toHaveLength(10);
  });

  it('refuses steps per epoch below 1', () => {
    expect(() => new LrSchedule(COSINE_THEN_PLATEAU, 0)).toThrow(/steps per epoch must be a whole number of at least 1, got 0/);
  });
});
