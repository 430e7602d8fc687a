// A train bundle in the runtime: the stored tensors a step updates persist in
// the loaded bundle from run to run (copied into place after the step's last
// dispatch), readTensors reads them back, the RNG state is a u32 input, the
// manifest's train section is checked as hostile data, and regc step
// reproduces bit for bit from its seed.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { generateBundle } from '../../compiler/codegen/generate.ts';
import { compileSource } from '../../compiler/compile.ts';
import { pickTrainSection } from '../../compiler/train/bound-values.ts';
import { stepGraph } from '../../compiler/train/step-graph.ts';
import { trainSectionData } from '../../compiler/train/train-section.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import type { Manifest } from '../../runtime/bundle/manifest.ts';
import { BundleError, validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import { writeNpy } from '../../runtime/io/npy.ts';
import { stepScalarInput, stepScalars } from '../../runtime/train/optimizer-format.ts';
import { rngWords, RNG_INPUT } from '../../runtime/train/rng-state.ts';
import { TrainSession } from '../../runtime/train/train-session.ts';
import { runCli } from '../cli/run-cli.ts';
import { getTestDevice } from '../support/gpu.ts';

const SPEC = `model Net {
  input x: f32[N, 6]
  output y
  fc1: linear(5) -> relu
  dropout(0.5)
  fc2: linear(3)
}

train Net {
  loss cross_entropy
  optimizer sgd(lr=0.1, momentum=0.9)
}
`;

const work = mkdtempSync(join(tmpdir(), 'regc-train-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function trainBundle() {
  const compiled = compileSource(SPEC, 'net.reg', { noOpt: true, seed: 5 });
  const lowered = compiled.trainGraph!;
  const trainable = [...lowered.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
  const section = trainSectionData(pickTrainSection(compiled.program!, undefined), trainable);
  const graph = stepGraph(lowered, { mode: 'train', loss: section.loss, optimizer: section.optimizer, outputs: 'loss' }).graph;
  return { generated: generateBundle(graph, { model: 'Net', generator: 'test' }), section, initial: lowered.data };
}

const x = Float32Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i));
const labels = Float32Array.from([0, 1, 2, 1]);

describe('a train bundle', () => {
  it('declares the updated tensors, the step scalars and a u32 RNG input, as version 4', () => {
    const { generated } = trainBundle();
    const m = generated.manifest;
    expect(m.version).toBe(4);
    expect(m.train!.assigns.map((a) => a.tensor).sort()).toEqual(
      ['fc1.bias', 'fc1.bias.momentum_buffer', 'fc1.weight', 'fc1.weight.momentum_buffer', 'fc2.bias', 'fc2.bias.momentum_buffer', 'fc2.weight', 'fc2.weight.momentum_buffer'],
    );
    expect(m.inputs.find((p) => p.name === RNG_INPUT)).toMatchObject({ dtype: 'u32', shape: [4] });
    expect(m.outputs.map((o) => o.name)).toEqual(['loss']);
    expect(validateManifest(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it('keeps its state on the device from step to step, and readTensors reads it', async () => {
    const { generated, section, initial } = trainBundle();
    const bundle = await loadBundleFrom(memorySource({ files: bundleFiles(generated) }), await getTestDevice(), { pipelines: 'quick' });
    try {
      const losses: number[] = [];
      for (let t = 1; t <= 3; t++) {
        const feed: Record<string, Float32Array | Uint32Array> = { x, labels, [RNG_INPUT]: rngWords(1, t - 1) };
        for (const [k, v] of stepScalars(section.optimizer, t, 0.1)) feed[stepScalarInput(k)] = Float32Array.of(v);
        losses.push((await bundle.run(feed)).loss!.data[0]!);
      }
      // The same batch three times: sgd with momentum lowers the loss each step only if the weights moved.
      expect(losses[2]!).toBeLessThan(losses[0]!);
      const state = await bundle.readTensors();
      const w = state.get('fc1.weight')!.data;
      expect(Array.from(w)).not.toEqual(Array.from(initial.get('fc1.weight')!));
      expect(state.get('fc1.weight.momentum_buffer')!.data.some((v) => v !== 0)).toBe(true);
      await expect(bundle.readTensors(['no.such'])).rejects.toThrow(/no stored tensor "no\.such"/);
    } finally {
      bundle.destroy();
    }
  }, 60_000);
});

describe('the manifest train section is checked before anything runs', () => {
  const good = () => JSON.parse(JSON.stringify(trainBundle().generated.manifest)) as { train: { assigns: { tensor: string; from: number; to: number }[] }; buffers: Manifest['buffers']; version: number };
  const refusal = (m: unknown): string => {
    try {
      validateManifest(m);
    } catch (e) {
      expect(e).toBeInstanceOf(BundleError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  const weightId = (m: ReturnType<typeof good>, not: number) => m.buffers.find((b) => b.kind === 'weight' && b.id !== not)!.id;
  const activationId = (m: ReturnType<typeof good>) => m.buffers.find((b) => b.kind === 'activation')!.id;

  it('refuses a target that is not the named weight buffer', () => {
    const m = good();
    m.train.assigns[0]!.to = activationId(m);
    expect(refusal(m)).toMatch(/train\.assigns\[0\]\.to: buffer \d+ is not a weight buffer/);
    const n = good();
    n.train.assigns[0]!.to = weightId(n, n.train.assigns[0]!.to);
    expect(refusal(n)).toMatch(/train\.assigns\[0\]\.to: buffer \d+ holds .*, not "/);
  });

  it('refuses a source that is a weight, too small, or out of range', () => {
    const m = good();
    m.train.assigns[0]!.from = m.train.assigns[0]!.to;
    expect(refusal(m)).toMatch(/from: buffer \d+ is not an activation buffer/);
    const n = good();
    n.train.assigns[0]!.from = 10_000;
    expect(refusal(n)).toMatch(/train\.assigns\[0\]\.from/);
  });

  it('refuses two assigns to one tensor, unknown fields, and a train section below version 4', () => {
    const m = good();
    m.train.assigns.push({ ...m.train.assigns[0]! });
    expect(refusal(m)).toMatch(/is written by train\.assigns\[0\] too/);
    const n = good();
    (n.train as Record<string, unknown>).extra = 1;
    expect(refusal(n)).toMatch(/train\.extra: unknown field/);
    const o = good();
    o.version = 3;
    expect(refusal(o)).toMatch(/version 4/);
  });
});

describe('regc step', () => {
  it('writes bit-identical files for the same seed, and other random draws for another', async () => {
    const spec = join(work, 'net.reg');
    writeFileSync(spec, SPEC);
    writeFileSync(join(work, 'x.npy'), writeNpy({ dtype: 'F32', shape: [4, 6], data: x }));
    writeFileSync(join(work, 'y.npy'), writeNpy({ dtype: 'I64', shape: [4], data: BigInt64Array.from([0n, 1n, 2n, 1n]) }));
    const run = async (seed: number, out: string) => {
      const r = await runCli(['step', spec, '-i', join(work, 'x.npy'), '--labels', join(work, 'y.npy'), '--steps', '3', '--seed', String(seed), '-o', join(work, out)]);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.status).toBe(0);
      return join(work, out);
    };
    const [a, b, c] = [await run(3, 'a'), await run(3, 'b'), await run(4, 'c')];
    const files = readdirSync(a).filter((f) => f !== 'regc-results.json').sort();
    expect(files).toEqual(['grads_step1.safetensors', 'grads_step2.safetensors', 'grads_step3.safetensors', 'loss.npy', 'lr.npy', 'optimizer_state.safetensors', 'state_step1.safetensors', 'state_step2.safetensors', 'state_step3.safetensors']);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(readFileSync(join(c, 'loss.npy')).equals(readFileSync(join(a, 'loss.npy')))).toBe(false);
  }, 120_000);
});

describe('regc compile --train', () => {
  it('writes the train bundle beside the eval bundle, which a TrainSession runs with no compiler code', async () => {
    const spec = join(work, 'session.reg');
    writeFileSync(spec, SPEC);
    const out = join(work, 'compiled');
    for (let i = 0; i < 2; i++) {
      // Twice: the second replaces the first, train bundle and all.
      const r = await runCli(['compile', spec, '--train', '-o', out]);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.status).toBe(0);
    }
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'shaders', 'train', 'weights.safetensors']);
    const bundle = await loadBundleFrom(folderSource(join(out, 'train')), await getTestDevice(), { pipelines: 'quick' });
    try {
      expect(bundle.manifest.train!.optimizer).toMatchObject({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
      const session = new TrainSession(bundle, { seed: 2 });
      const losses: number[] = [];
      for (let t = 0; t < 3; t++) losses.push((await session.step({ x, labels })).outputs.loss!.data[0]!);
      expect(session.stepCount).toBe(3);
      expect(losses[2]!).toBeLessThan(losses[0]!);
      expect(session.position().schedule.step).toBe(3);
    } finally {
      bundle.destroy();
    }
  }, 60_000);

  it('refuses to replace a bundle whose train folder holds files regc did not write', async () => {
    const spec = join(work, 'session.reg');
    const out = join(work, 'guarded');
    expect((await runCli(['compile', spec, '--train', '-o', out])).status).toBe(0);
    writeFileSync(join(out, 'train', 'notes.txt'), 'mine');
    const r = await runCli(['compile', spec, '--train', '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/also holds files regc did not write: `train\/notes\.txt`/);
    expect(readFileSync(join(out, 'train', 'notes.txt'), 'utf8')).toBe('mine');
  }, 60_000);
});
