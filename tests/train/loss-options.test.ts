// The losses' `weight` and `reduction` (their numbers are checked against
// torch by step-goldens.test.ts): what `regc check` refuses at the argument,
// and a class weight list whose length only the lowered model's output
// reveals, refused at the `weight=` argument with the count of classes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import { SourceFile } from '../../grammar/source.ts';
import { pickTrainSection } from '../../compiler/train/bound-values.ts';
import { LossShapeError } from '../../compiler/train/loss-graph.ts';
import { stepGraph } from '../../compiler/train/step-graph.ts';
import { trainSectionData } from '../../compiler/train/train-section.ts';
import { runCli } from '../cli/run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'regc-loss-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const spec = (loss: string, out = 3) =>
  `model Net {\n  input x: f32[N, 6]\n  output y\n  fc: linear(${out})\n}\n\ntrain Net {\n  loss ${loss}\n  optimizer sgd(lr=0.1)\n}\n`;

function check(loss: string) {
  const text = spec(loss);
  return analyseSource(new SourceFile('test.reg', text)).map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start.offset, d.span.end.offset) }));
}

/** The LossShapeError the step graph of `text` throws (undefined when it builds). */
function lossShapeError(text: string): LossShapeError | undefined {
  const compiled = compileSource(text, 'net.reg');
  if (!compiled.trainGraph || !compiled.program) throw new Error(compiled.diagnostics.map((d) => d.message).join('; '));
  const trainable = [...compiled.trainGraph.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
  const section = trainSectionData(pickTrainSection(compiled.program, undefined), trainable);
  try {
    stepGraph(compiled.trainGraph, { mode: 'train', loss: section.loss, optimizer: section.optimizer });
    return undefined;
  } catch (e) {
    if (e instanceof LossShapeError) return e;
    throw e;
  }
}

describe('weight and reduction as the checker takes them', () => {
  for (const loss of ['cross_entropy(weight=[1.0, 2.0, 0.0], reduction=sum)', 'cross_entropy(0.1, [1.0, 2.0, 3.0], mean)', 'nll(weight=[0.5, 0.5, 1.0])', 'bce_with_logits(reduction=sum)', 'mse(reduction=sum)']) {
    it(loss, () => expect(check(loss)).toEqual([]));
  }
  it('refuses a reduction torch has that a step cannot minimise', () => {
    expect(check('mse(reduction=none)')).toEqual([{ code: 'E0307', message: '`reduction` of `mse` expects mean | sum, got none', at: 'none' }]);
  });
  it('refuses a negative class weight', () => {
    expect(check('cross_entropy(weight=[1.0, -2.0, 1.0])').map((d) => d.code)).toEqual(['E0308']);
  });
  it('gives bce_with_logits and mse no class weight', () => {
    expect(check('mse(weight=[1.0])').map((d) => d.message)).toEqual([expect.stringContaining('`mse` has no parameter `weight`')]);
  });
});

describe('a class weight per class of the model output', () => {
  it('builds with as many weights as classes', () => {
    expect(lossShapeError(spec('cross_entropy(weight=[1.0, 2.0, 3.0])'))).toBeUndefined();
  });
  it('refuses another count at the weight argument', () => {
    const text = spec('cross_entropy(label_smoothing=0.1, weight=[1.0, 2.0, 3.0, 4.0])');
    const e = lossShapeError(text);
    expect(e?.problem).toBe("cross_entropy's `weight` has 4 values, one per class, and the model's output [N, 3] has 3 classes");
    expect(text.slice(e!.span.start.offset, e!.span.end.offset)).toBe('weight=[1.0, 2.0, 3.0, 4.0]');
    expect(e?.message).toContain(`(net.reg:8:43)`);
  });
  it('locates a positional weight too', () => {
    const text = spec('nll([1.0, 2.0])');
    const e = lossShapeError(text);
    expect(e?.problem).toBe("nll's `weight` has 2 values, one per class, and the model's output [N, 3] has 3 classes");
    expect(text.slice(e!.span.start.offset, e!.span.end.offset)).toBe('[1.0, 2.0]');
  });
  it('is told by regc compile --train with its place', async () => {
    const path = join(work, 'weights.reg');
    writeFileSync(path, spec('cross_entropy(weight=[1.0, 2.0])'));
    const r = await runCli(['compile', path, '--train', '-o', join(work, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cross_entropy's \`weight\` has 2 values, one per class, and the model's output [N, 3] has 3 classes (${path}:8:22)`);
  });
});
