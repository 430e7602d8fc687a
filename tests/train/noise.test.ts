// The train section's noise statements: gaussian noise on the input and on
// matched weights in train mode, drawn from the step's RNG, none at eval.
import { describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { compileSource } from '../../compiler/compile.ts';
import { pickTrainSection } from '../../compiler/train/bound-values.ts';
import { stepGraph } from '../../compiler/train/step-graph.ts';
import { trainSectionData } from '../../compiler/train/train-section.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { rngWords, RNG_INPUT } from '../../runtime/train/rng-state.ts';
import { getTestDevice } from '../support/gpu.ts';

const SPEC = `model Net {
  input x: f32[N, 4096]
  output y
  relu
}

train Net {
  loss mse
  optimizer sgd(lr=0.1)
  noise gaussian(std=0.5) on input
}
`;

async function outputs(mode: 'train' | 'eval', seed: number): Promise<Float32Array> {
  const compiled = compileSource(SPEC, 'net.reg', { noOpt: true });
  const section = trainSectionData(pickTrainSection(compiled.program!, undefined), []);
  const graph = stepGraph(compiled.trainGraph!, { mode, noise: section.noise }).graph;
  const bundle = await loadBundleFrom(memorySource({ files: bundleFiles(generateBundle(graph, { model: 'Net', generator: 'test' })) }), await getTestDevice(), { pipelines: 'quick' });
  try {
    const feed: Record<string, Float32Array | Uint32Array> = { x: new Float32Array(4096).fill(10), grad_output: new Float32Array(4096).fill(1) };
    if (bundle.manifest.inputs.some((p) => p.name === RNG_INPUT)) feed[RNG_INPUT] = rngWords(seed, 0);
    return (await bundle.run(feed)).y!.data;
  } finally {
    bundle.destroy();
  }
}

describe('noise gaussian(std) on input', () => {
  it('adds N(0, std^2) noise in training, fresh for another seed', async () => {
    const y = await outputs('train', 1);
    const noise = Array.from(y, (v) => v - 10);
    const mean = noise.reduce((s, v) => s + v, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((s, v) => s + (v - mean) ** 2, 0) / noise.length);
    // 4096 draws: the mean's standard error is 0.5 / 64, the std's about 0.5 / 90.
    expect(Math.abs(mean)).toBeLessThan(4 * (0.5 / 64));
    expect(Math.abs(std - 0.5)).toBeLessThan(4 * (0.5 / 90));
    const other = await outputs('train', 2);
    expect(Array.from(other)).not.toEqual(Array.from(y));
  }, 60_000);

  it('adds none at eval', async () => {
    expect(Array.from(await outputs('eval', 1)).every((v) => v === 10)).toBe(true);
  }, 60_000);

  it('on weights: noise on every trainable tensor, or those a glob matches', () => {
    const spec = (target: string) => `model Net {\n  input x: f32[N, 4]\n  output y\n  fc1: linear(3)\n  fc2: linear(2)\n}\n\ntrain Net {\n  loss mse\n  optimizer sgd(lr=0.1)\n  noise gaussian(std=0.1) on ${target}\n}\n`;
    for (const [target, count] of [['weights', 4], ['fc2.*', 2], ['fc1.weight', 1]] as const) {
      const compiled = compileSource(spec(target), 'net.reg', { noOpt: true });
      const trainable = [...compiled.trainGraph!.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
      const section = trainSectionData(pickTrainSection(compiled.program!, undefined), trainable);
      const graph = stepGraph(compiled.trainGraph!, { mode: 'train', noise: section.noise }).graph;
      const normals = graph.nodes.filter((n) => n.op === 'random_normal');
      expect(normals, target).toHaveLength(count);
      expect(new Set(normals.map((n) => (n.attrs as { stream: number }).stream)).size).toBe(count);
    }
  });
});
