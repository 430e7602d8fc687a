// A train bundle's forward pass reads the weights the previous step wrote,
// also where a kernel reads a weight in another layout (a conv filter
// transposed for its kernel): the loss of step 2 equals the loss of a fresh
// bundle compiled from the weights after step 1.
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import { trainBundle } from '../../compiler/train/compile-train.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { TrainSession } from '../../runtime/train/train-session.ts';
import { getTestDevice } from '../support/gpu.ts';

const SPEC = `model Net {
  input x: f32[N, 2, 6, 6]
  output y
  c1: conv2d(4, kernel=3, padding=1) -> relu
  maxpool(2)
  flatten
  fc: linear(3)
}

train Net {
  loss cross_entropy
  optimizer sgd(lr=0.5, momentum=0.9)
}
`;

const x = Float32Array.from({ length: 4 * 72 }, (_, i) => Math.sin(i * 0.37));
const labels = Float32Array.from([0, 1, 2, 1]);

async function session(weights?: ReadonlyMap<string, GivenTensor>) {
  const compiled = compileSource(SPEC, 'net.reg', { noOpt: true, seed: 3, ...(weights ? { weights } : {}) });
  const generated = trainBundle(compiled, { generator: 'test' });
  const bundle = await loadBundleFrom(memorySource({ files: bundleFiles(generated) }), await getTestDevice(), { pipelines: 'quick' });
  return { bundle, session: new TrainSession(bundle), shapes: compiled.trainGraph!.tensors };
}

describe('a conv train bundle over two steps', () => {
  it('runs step 2 on the weights step 1 wrote', async () => {
    const a = await session();
    try {
      await a.session.step({ x, labels });
      const after = await a.bundle.readTensors();
      const second = (await a.session.step({ x, labels })).outputs.loss!.data[0]!;
      const weights = new Map<string, GivenTensor>();
      for (const [name, info] of a.shapes) {
        if (info.role !== 'trainable') continue;
        weights.set(name, { shape: info.type.shape as number[], dtype: 'F32', data: after.get(name)!.data });
      }
      const b = await session(weights);
      try {
        const fresh = (await b.session.step({ x, labels })).outputs.loss!.data[0]!;
        expect(Math.abs(second - fresh)).toBeLessThan(1e-5);
      } finally {
        b.bundle.destroy();
      }
    } finally {
      a.bundle.destroy();
    }
  }, 60_000);
});
