// The schedule's bundle data is untrusted: every field is checked, and a
// refusal names the field and says what was expected.
import { describe, expect, it } from 'vitest';
import { MONITORS } from '../../compiler/registry/shared-params.ts';
import { SCHEDULE_LIMITS, SCHEDULE_MONITORS, ScheduleDataError, validateScheduleData } from '../../runtime/train/schedule-format.ts';
import { loadScheduleGoldens } from './schedule-goldens.ts';

const PLATEAU = {
  kind: 'reduce_on_plateau', monitor: 'val_loss', mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4,
  thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8,
};

function valid(): Record<string, unknown> {
  return {
    version: 1,
    baseLr: 0.1,
    phases: [
      { kind: 'warmup', from: 0, length: { count: 10, unit: 'step' } },
      { kind: 'constant', lr: null, length: { count: 2, unit: 'epoch' } },
      { kind: 'cosine', minLr: 1e-5, length: { count: 5, unit: 'epoch' } },
      { ...PLATEAU },
    ],
  };
}

function refusal(data: unknown): ScheduleDataError {
  try {
    validateScheduleData(data);
  } catch (e) {
    expect(e).toBeInstanceOf(ScheduleDataError);
    return e as ScheduleDataError;
  }
  throw new Error('expected the data to be refused');
}

/** `valid()` with `change` applied to it. */
function changed(change: (d: any) => void): unknown {
  const d = valid();
  change(d);
  return d;
}

describe('validateScheduleData accepts', () => {
  it('every golden schedule, unchanged', () => {
    for (const g of loadScheduleGoldens()) expect(validateScheduleData(g.schedule_data), g.name).toEqual(g.schedule_data);
  });
  it('a chain with a last phase of any kind', () => {
    expect(validateScheduleData(valid()).phases).toHaveLength(4);
  });
  it('the monitors the language has', () => {
    expect([...SCHEDULE_MONITORS]).toEqual([...MONITORS]);
  });
});

describe('validateScheduleData refuses, naming the field', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', [1], 'schedule', /expected an object, got \[1\]/],
    ['null', null, 'schedule', /expected an object, got null/],
    ['another version', changed((d) => (d.version = 2)), 'schedule.version', /version 2 is not known; this runtime reads schedule version 1/],
    ['no version', changed((d) => delete d.version), 'schedule.version', /missing/],
    ['an unknown top-level field', changed((d) => (d.extra = 1)), 'schedule.extra', /unknown field \(schedule has version, baseLr, phases\)/],
    ['a negative base lr', changed((d) => (d.baseLr = -1)), 'schedule.baseLr', /expected a finite number >= 0, got -1/],
    ['a string base lr', changed((d) => (d.baseLr = '0.1')), 'schedule.baseLr', /got "0.1"/],
    ['no phases', changed((d) => (d.phases = [])), 'schedule.phases', /at least one phase/],
    ['phases not an array', changed((d) => (d.phases = {})), 'schedule.phases', /expected an array of phases/],
    ['too many phases', changed((d) => (d.phases = Array(SCHEDULE_LIMITS.maxPhases + 1).fill({ kind: 'constant', lr: null, length: { count: 1, unit: 'step' } }))), 'schedule.phases', /65 phases, more than the limit 64/],
    ['an unknown kind', changed((d) => (d.phases[0].kind = 'onecycle')), 'schedule.phases[0].kind', /expected one of "constant", "warmup", .*got "onecycle"/],
    ['a phase that is not an object', changed((d) => (d.phases[1] = 'constant')), 'schedule.phases[1]', /expected an object/],
    ['a missing kind', changed((d) => delete d.phases[0].kind), 'schedule.phases[0].kind', /missing/],
    ['a field of another kind', changed((d) => (d.phases[0].gamma = 0.5)), 'schedule.phases[0].gamma', /unknown field \(schedule.phases\[0\] has kind, from, length\)/],
    ['a warmup without length', changed((d) => delete d.phases[0].length), 'schedule.phases[0].length', /missing/],
    ['from above 1', changed((d) => (d.phases[0].from = 1.5)), 'schedule.phases[0].from', /expected a number in \[0, 1\], got 1.5/],
    ['a zero length', changed((d) => (d.phases[0].length.count = 0)), 'schedule.phases[0].length.count', /expected an integer in \[1, 2147483647\], got 0/],
    ['a fractional length', changed((d) => (d.phases[0].length.count = 2.5)), 'schedule.phases[0].length.count', /got 2.5/],
    ['an unknown unit', changed((d) => (d.phases[0].length.unit = 'batch')), 'schedule.phases[0].length.unit', /expected one of "step", "epoch", got "batch"/],
    ['a constant lr that is NaN', changed((d) => (d.phases[1].lr = NaN)), 'schedule.phases[1].lr', /got NaN/],
    ['a constant lr that is missing', changed((d) => delete d.phases[1].lr), 'schedule.phases[1].lr', /missing/],
    ['an infinite min lr', changed((d) => (d.phases[2].minLr = Infinity)), 'schedule.phases[2].minLr', /got Infinity/],
    ['a factor of 1', changed((d) => (d.phases[3].factor = 1)), 'schedule.phases[3].factor', /strictly between 0 and 1, got 1/],
    ['a negative patience', changed((d) => (d.phases[3].patience = -1)), 'schedule.phases[3].patience', /expected an integer in \[0, /],
    ['an unknown mode', changed((d) => (d.phases[3].mode = 'minimum')), 'schedule.phases[3].mode', /expected one of "min", "max"/],
    ['an unknown threshold mode', changed((d) => (d.phases[3].thresholdMode = 'relative')), 'schedule.phases[3].thresholdMode', /expected one of "rel", "abs"/],
    ['an unknown monitor', changed((d) => (d.phases[3].monitor = 'loss')), 'schedule.phases[3].monitor', /expected one of "val_loss", "val_accuracy", "train_loss", "train_accuracy"/],
    ['a missing eps', changed((d) => delete d.phases[3].eps), 'schedule.phases[3].eps', /missing/],
    ['a negative cooldown', changed((d) => (d.phases[3].cooldown = -2)), 'schedule.phases[3].cooldown', /got -2/],
    ['an open-ended phase before another', changed((d) => delete d.phases[1].length), 'schedule.phases[1]', /a constant phase without a length runs until training ends, so phase 2 would never start/],
    ['a plateau before another', changed((d) => d.phases.splice(0, 0, { ...PLATEAU })), 'schedule.phases[0]', /reduce_on_plateau phase without a length/],
    ['a zero gamma', { version: 1, baseLr: 1, phases: [{ kind: 'exponential', gamma: 0, unit: 'epoch' }] }, 'schedule.phases[0].gamma', /expected a finite number > 0, got 0/],
    ['a step period of 0', { version: 1, baseLr: 1, phases: [{ kind: 'step', every: 0, gamma: 0.1, unit: 'epoch' }] }, 'schedule.phases[0].every', /got 0/],
    ['a negative decay', { version: 1, baseLr: 1, phases: [{ kind: 'inverse', decay: -1, unit: 'step' }] }, 'schedule.phases[0].decay', /got -1/],
    ['no milestones', { version: 1, baseLr: 1, phases: [{ kind: 'multistep', milestones: [], gamma: 0.1, unit: 'epoch' }] }, 'schedule.phases[0].milestones', /at least one milestone/],
    ['a milestone of 0', { version: 1, baseLr: 1, phases: [{ kind: 'multistep', milestones: [3, 0], gamma: 0.1, unit: 'epoch' }] }, 'schedule.phases[0].milestones[1]', /got 0/],
    ['milestones not an array', { version: 1, baseLr: 1, phases: [{ kind: 'multistep', milestones: 3, gamma: 0.1, unit: 'epoch' }] }, 'schedule.phases[0].milestones', /expected an array of integers, got 3/],
    ['too many milestones', { version: 1, baseLr: 1, phases: [{ kind: 'multistep', milestones: Array(10_001).fill(1), gamma: 0.1, unit: 'epoch' }] }, 'schedule.phases[0].milestones', /10001 entries, more than the limit 10000/],
    ['a prototype key as kind', { version: 1, baseLr: 1, phases: [{ kind: 'toString' }] }, 'schedule.phases[0].kind', /got "toString"/],
  ];
  for (const [what, data, path, message] of cases) {
    it(what, () => {
      const error = refusal(data);
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
    });
  }

  it('names the place the data sits in', () => {
    expect(() => validateScheduleData(changed((d) => (d.baseLr = -1)), 'manifest.json: train.schedule')).toThrow(/^manifest.json: train.schedule.baseLr: /);
  });

  it('keeps long values short in messages', () => {
    expect(refusal(changed((d) => (d.baseLr = 'x'.repeat(500)))).message.length).toBeLessThan(160);
  });
});
