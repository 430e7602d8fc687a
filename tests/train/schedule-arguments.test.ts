// What `regc check` says about a schedule's arguments: values torch takes
// are accepted with torch's meaning, and a value regc does not take is an
// error at that argument, never bundle data the runtime would refuse.
import { describe, expect, it } from 'vitest';
import { analyseSource } from '../../compiler/compile.ts';
import { SCHEDULE_LIMITS } from '../../runtime/train/schedule-format.ts';
import { SourceFile } from '../../grammar/source.ts';

const HEAD = 'model Tiny {\n  input x: f32[N, 4]\n  output y\n  y: linear(2)\n}\n\ntrain Tiny {\n  loss mse\n  optimizer sgd(lr=0.1)\n  schedule ';

function check(schedule: string) {
  const text = `${HEAD}${schedule}\n}\n`;
  return analyseSource(new SourceFile('test.reg', text)).map((d) => ({
    code: d.code,
    message: d.message,
    at: text.slice(d.span.start.offset, d.span.end.offset),
  }));
}

describe('schedule arguments torch takes', () => {
  for (const schedule of [
    'multistep(milestones=[6, 2, 6])',
    'reduce_on_plateau(threshold_mode=abs, cooldown=3, eps=0)',
    'reduce_on_plateau(mode=max, threshold_mode=abs, threshold=0.5, min_lr=1.0)',
    'reduce_on_plateau(val_loss, min, 0.5, 2, 0.01, abs, 1, 0.001, 1e-6)',
    'cosine(epochs=3, min_lr=10.0)',
    'step(every=1, gamma=2.0)',
    `reduce_on_plateau(patience=${SCHEDULE_LIMITS.maxCount}, cooldown=${SCHEDULE_LIMITS.maxCount})`,
  ]) {
    it(schedule, () => expect(check(schedule)).toEqual([]));
  }
});

describe('schedule arguments refused at the argument', () => {
  const big = SCHEDULE_LIMITS.maxCount + 1;
  const cases: [schedule: string, code: string, message: string, at: string][] = [
    ['reduce_on_plateau(threshold_mode=relative)', 'E0307', '`threshold_mode` of `reduce_on_plateau` expects rel | abs, got relative', 'relative'],
    ['reduce_on_plateau(cooldown=-1)', 'E0308', '`cooldown` of `reduce_on_plateau` must be >= 0, got -1', '-1'],
    ['reduce_on_plateau(cooldown=1.5)', 'E0307', '`cooldown` of `reduce_on_plateau` expects int, got 1.5', '1.5'],
    ['reduce_on_plateau(eps=-1e-8)', 'E0308', '`eps` of `reduce_on_plateau` must be >= 0, got -1e-8', '-1e-8'],
    ['reduce_on_plateau(factor=1.0)', 'E0308', '`factor` of `reduce_on_plateau` must be in (0, 1), got 1', '1.0'],
    ['multistep(milestones=[3, 0])', 'E0308', '`milestones` of `multistep` must be >= 1, got [3, 0]', '[3, 0]'],
    ['step(every=0)', 'E0308', '`every` of `step` must be >= 1, got 0', '0'],
    [`reduce_on_plateau(cooldown=${big})`, 'E0308', `\`cooldown\` of \`reduce_on_plateau\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${big}`, String(big)],
    [`reduce_on_plateau(val_loss, min, 0.1, ${big})`, 'E0308', `\`patience\` of \`reduce_on_plateau\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${big}`, String(big)],
    [`step(${big})`, 'E0308', `\`every\` of \`step\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${big}`, String(big)],
    [`multistep(milestones=[2, ${big}])`, 'E0308', `\`milestones\` of \`multistep\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${big}`, `[2, ${big}]`],
    [`warmup(steps=${big}) then constant`, 'E0308', `\`steps\` of \`warmup\` must be at most ${SCHEDULE_LIMITS.maxCount}, the largest count a schedule holds, got ${big}`, String(big)],
  ];
  for (const [schedule, code, message, at] of cases) {
    it(schedule.length > 70 ? `${schedule.slice(0, 67)}...` : schedule, () => expect(check(schedule)).toEqual([{ code, message, at }]));
  }

  it('more milestones than a schedule holds', () => {
    const list = `[${Array.from({ length: SCHEDULE_LIMITS.maxMilestones + 1 }, (_, i) => i + 1).join(', ')}]`;
    expect(check(`multistep(milestones=${list})`)).toEqual([{
      code: 'E0308',
      message: `\`milestones\` of \`multistep\` has ${SCHEDULE_LIMITS.maxMilestones + 1} values, more than the ${SCHEDULE_LIMITS.maxMilestones} a schedule holds`,
      at: list,
    }]);
  });
});
