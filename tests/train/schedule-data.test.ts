// A checked spec's train section as schedule bundle data: the golden specs
// give the golden data, and every example spec's schedule converts.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { TrainSectionChoiceError, trainSchedule } from '../../compiler/train/schedule-data.ts';
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { validateScheduleData } from '../../runtime/train/schedule-format.ts';
import { loadScheduleGoldens } from './schedule-goldens.ts';

const SPECS = fileURLToPath(new URL('../../specs/', import.meta.url));

function scheduleOf(text: string, model?: string) {
  const source = new SourceFile('test.reg', text);
  const errors = analyseSource(source).filter((d) => d.severity === 'error');
  expect(errors.map((d) => d.message)).toEqual([]);
  return trainSchedule(parse(source).program, model);
}

const MODEL = 'model Tiny {\n  input x: f32[N, 4]\n  output y\n  y: linear(2)\n}\n';

describe('the golden specs give the golden schedule data', () => {
  for (const g of loadScheduleGoldens()) {
    it(g.name, () => {
      const train = scheduleOf(g.spec);
      expect(train.data).toEqual(g.schedule_data);
      expect(train.written).toBe(g.name !== 'none');
    });
  }
});

describe('every example spec with a train section converts', () => {
  const expected: Record<string, { kinds: string[]; epochs?: number; steps?: number }> = {
    'fashion.reg': { kinds: ['warmup', 'cosine'], epochs: 20 },
    'gan-discriminator.reg': { kinds: ['constant'], steps: 5000 },
    'mlp.reg': { kinds: ['step'], epochs: 15 },
    'normalizers.reg': { kinds: ['exponential'], epochs: 30 },
    'regularizers.reg': { kinds: ['warmup', 'constant', 'reduce_on_plateau'], epochs: 40 },
    'resnet.reg': { kinds: ['warmup', 'multistep'], epochs: 60 },
    'transformer.reg': { kinds: ['warmup', 'inverse'], epochs: 10 },
  };
  for (const file of readdirSync(SPECS).filter((f) => f.endsWith('.reg')).sort()) {
    it(file, () => {
      const text = readFileSync(SPECS + file, 'utf8');
      const source = new SourceFile(file, text);
      expect(hasErrors(analyseSource(source))).toBe(false);
      const train = trainSchedule(parse(source).program);
      const data = validateScheduleData(JSON.parse(JSON.stringify(train.data)));
      const want = expected[file];
      expect(want, `add ${file} to this test`).toBeDefined();
      expect(data.phases.map((p) => p.kind)).toEqual(want!.kinds);
      expect(train.epochs).toBe(want!.epochs);
      expect(train.steps).toBe(want!.steps);
    });
  }

  it('fills every parameter of fashion.reg\'s schedule', () => {
    const train = trainSchedule(parse(new SourceFile('fashion.reg', readFileSync(SPECS + 'fashion.reg', 'utf8'))).program);
    expect(train.data).toEqual({
      version: 1,
      baseLr: 1e-3,
      phases: [
        { kind: 'warmup', from: 0, length: { count: 500, unit: 'step' } },
        { kind: 'cosine', minLr: 1e-5, length: { count: 18, unit: 'epoch' } },
      ],
    });
  });
});

describe('the train section', () => {
  it('without a schedule holds the optimizer\'s lr', () => {
    const train = scheduleOf(`${MODEL}train Tiny {\n  loss mse\n  optimizer adam\n}\n`);
    expect(train).toEqual({ model: 'Tiny', data: { version: 1, baseLr: 0.001, phases: [{ kind: 'constant', lr: null }] }, written: false });
  });

  it('gives reduce_on_plateau torch\'s defaults for the options not written', () => {
    const train = scheduleOf(`${MODEL}train Tiny {\n  loss mse\n  optimizer sgd(lr=0.5)\n  schedule reduce_on_plateau(monitor=val_accuracy, mode=max)\n}\n`);
    expect(train.data.phases).toEqual([
      { kind: 'reduce_on_plateau', monitor: 'val_accuracy', mode: 'max', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 },
    ]);
  });

  it('carries every reduce_on_plateau option written, positionally in torch\'s order too', () => {
    const phase = { kind: 'reduce_on_plateau', monitor: 'train_loss', mode: 'max', factor: 0.25, patience: 3, threshold: 0.02, thresholdMode: 'abs', cooldown: 4, minLr: 1e-6, eps: 1e-3 };
    const named = 'reduce_on_plateau(monitor=train_loss, mode=max, factor=0.25, patience=3, threshold=0.02, threshold_mode=abs, cooldown=4, min_lr=1e-6, eps=1e-3)';
    const positional = 'reduce_on_plateau(train_loss, max, 0.25, 3, 0.02, abs, 4, 1e-6, 1e-3)';
    for (const schedule of [named, positional]) {
      expect(scheduleOf(`${MODEL}train Tiny {\n  loss mse\n  optimizer sgd(lr=0.5)\n  schedule ${schedule}\n}\n`).data.phases, schedule).toEqual([phase]);
    }
  });

  it('keeps multistep milestones as written, out of order and repeated, as torch takes them', () => {
    const train = scheduleOf(`${MODEL}train Tiny {\n  loss mse\n  optimizer sgd(lr=0.5)\n  schedule multistep(milestones=[9, 3, 9, 1])\n}\n`);
    expect(train.data.phases).toEqual([{ kind: 'multistep', milestones: [9, 3, 9, 1], gamma: 0.1, unit: 'epoch' }]);
  });

  it('binds positional arguments as the checker does', () => {
    const train = scheduleOf(`${MODEL}train Tiny {\n  loss mse\n  optimizer sgd(0.2)\n  schedule exponential(0.5, step)\n}\n`);
    expect(train.data).toEqual({ version: 1, baseLr: 0.2, phases: [{ kind: 'exponential', gamma: 0.5, unit: 'step' }] });
  });

  it('is chosen by model when the file trains several', () => {
    const two = `${MODEL}model Other {\n  input x: f32[N, 4]\n  output y\n  y: linear(3)\n}\n` +
      'train Tiny {\n  loss mse\n  optimizer sgd(lr=0.1)\n}\ntrain Other {\n  loss mse\n  optimizer sgd(lr=0.3)\n}\n';
    expect(scheduleOf(two, 'Other').data.baseLr).toBe(0.3);
    expect(() => scheduleOf(two)).toThrow(/the file has 2 train sections \(for Tiny, Other\); choose one with --model/);
    expect(() => scheduleOf(two, 'Othr')).toThrow(/no model named `Othr`; there is a model with a similar name: `Other`/);
  });

  it('must exist', () => {
    expect(() => scheduleOf(MODEL)).toThrow(TrainSectionChoiceError);
    expect(() => scheduleOf(MODEL)).toThrow(/the file has no train section/);
    const trained = `${MODEL}model Other {\n  input x: f32[N, 4]\n  output y\n  y: linear(3)\n}\ntrain Tiny {\n  loss mse\n  optimizer sgd(lr=0.1)\n}\n`;
    expect(() => scheduleOf(trained, 'Other')).toThrow(/model `Other` has no train section; trained here: Tiny/);
  });
});
