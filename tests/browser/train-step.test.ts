// Training in headless Chromium: a train bundle loaded from a URL with the
// public runtime API, stepped by a TrainSession with no compiler code, must
// give the losses and stored tensors that the same steps give in Node. The
// spec draws dropout masks (the RNG state is a u32 input) and updates
// batchnorm's running statistics and adam's moments (stored tensors copied
// into place after each step), so every part of the step that carries state
// from one step to the next is compared.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import { trainBundle } from '../../compiler/train/compile-train.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom, type PipelineChoice } from '../../runtime/bundle/load-bundle.ts';
import { TrainSession } from '../../runtime/train/train-session.ts';
import { getTestDevice } from '../support/gpu.ts';
import { CHROMIUM_PATH } from './chromium.ts';
import type { TrainStepsResult } from './entries/train-step-entry.ts';
import { withBrowserPage } from './with-browser-page.ts';

const haveChromium = existsSync(CHROMIUM_PATH);

const SPEC = `model Net {
  input x: f32[N, 6]
  output y
  fc1: linear(8)
  bn: batchnorm
  relu
  dropout(0.3)
  fc2: linear(3)
}

train Net {
  loss cross_entropy
  optimizer adam(lr=0.01)
}
`;

const STEPS = 3;
const SEED = 11;
// The fast pipelines in both places: 'tiered' would switch kernels between
// steps as background compiles finish, at times that differ from run to run.
const PIPELINES: PipelineChoice = 'fast';
const x = Array.from({ length: 5 * 6 }, (_, i) => Math.fround(Math.sin(i * 0.7) * 2));
const labels = [0, 2, 1, 1, 0];

// Two SwiftShader builds (Dawn in Node, Chromium's) may round the last bits differently.
const ABS = 1e-5;
const REL = 1e-4;
const close = (got: number, want: number) => Math.abs(got - want) <= ABS + REL * Math.abs(want);

function compileTrainBundle(): Map<string, string | Uint8Array> {
  const compiled = compileSource(SPEC, 'train-step.reg', { seed: 7 });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return new Map(bundleFiles(trainBundle(compiled, { generator: 'train-step test' })));
}

async function trainInNode(files: Map<string, string | Uint8Array>, seed: number): Promise<TrainStepsResult & { initial: Record<string, number[]> }> {
  const bundle = await loadBundleFrom(memorySource({ files }), await getTestDevice(), { pipelines: PIPELINES });
  try {
    const flat = async () => Object.fromEntries([...(await bundle.readTensors())].map(([name, t]) => [name, Array.from(t.data)]));
    const initial = await flat();
    const session = new TrainSession(bundle, { seed });
    const feed = { x: Float32Array.from(x), labels: Float32Array.from(labels) };
    const losses: number[] = [];
    const lrs: number[] = [];
    for (let t = 0; t < STEPS; t++) {
      const result = await session.step(feed);
      losses.push(result.outputs.loss!.data[0]!);
      lrs.push(result.lr);
    }
    return { losses, lrs, tensors: await flat(), initial };
  } finally {
    bundle.destroy();
  }
}

describe.skipIf(!haveChromium)('training steps in headless Chromium', () => {
  it('three TrainSession steps give the losses and stored tensors they give in Node', async () => {
    const files = compileTrainBundle();
    const node = await trainInNode(files, SEED);
    // The dropout masks come from the seed, so the browser must have used SEED to match.
    const otherSeed = await trainInNode(files, SEED + 1);

    const served = Object.fromEntries([...files].map(([path, contents]) => [`/bundles/train-step/${path}`, contents]));
    const browser = await withBrowserPage(
      new URL('./entries/train-step-entry.ts', import.meta.url),
      ({ call }) => call<TrainStepsResult>('trainSteps', '/bundles/train-step/', { x, labels }, STEPS, SEED, PIPELINES),
      { files: served },
    );

    // Not a no-op: the weights, running statistics and optimizer state moved.
    for (const name of ['fc1.weight', 'fc2.bias', 'bn.running_mean', 'bn.running_var', 'fc1.weight.exp_avg']) {
      expect(node.tensors[name], name).not.toEqual(node.initial[name]);
    }
    expect(node.tensors['bn.num_batches_tracked']).toEqual([STEPS]);
    expect(node.losses.every(Number.isFinite)).toBe(true);
    expect(otherSeed.losses[0]).not.toBe(node.losses[0]);

    expect(browser.lrs).toEqual(node.lrs);
    expect(browser.losses).toHaveLength(STEPS);
    browser.losses.forEach((got, i) => expect(close(got, node.losses[i]!), `loss at step ${i + 1}: ${got} in Chromium, ${node.losses[i]} in Node`).toBe(true));
    expect(Object.keys(browser.tensors).sort()).toEqual(Object.keys(node.tensors).sort());
    let differing = 0;
    let maxAbs = 0;
    for (const [name, want] of Object.entries(node.tensors)) {
      const got = browser.tensors[name]!;
      expect(got, name).toHaveLength(want.length);
      got.forEach((g, i) => {
        expect(close(g, want[i]!), `${name}[${i}]: ${g} in Chromium, ${want[i]} in Node`).toBe(true);
        if (!Object.is(g, want[i])) differing++;
        maxAbs = Math.max(maxAbs, Math.abs(g - want[i]!));
      });
    }
    const losses = browser.losses.map((l) => l.toPrecision(7)).join(', ');
    const sameLosses = browser.losses.every((l, i) => Object.is(l, node.losses[i]));
    console.info(
      `chromium training: losses ${losses} (${sameLosses ? 'bit-identical to' : 'within tolerance of'} Node's); ` +
        `${differing} stored values differ from Node's (max abs ${maxAbs.toExponential(2)})`,
    );
  }, 60_000);
});
