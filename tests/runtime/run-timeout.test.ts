// Stopping runs: a run past its timeout, or whose AbortSignal fires, rejects
// at once instead of waiting for the device, submits nothing more, and
// (where it had submitted work) leaves the bundle refusing later runs. The
// model is specs/fashion.reg on its quick-compiling kernels, which take
// SwiftShader over a second for a batch of 96: long enough to stop, short
// enough that what a stopped run leaves behind (at most two chunks) is soon
// done.
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { compileSource } from '../../compiler/compile.ts';
import type { GeneratedBundle } from '../../compiler/codegen/generate.ts';
import { memorySource } from '../../runtime/bundle/bundle-source.ts';
import { loadBundleFrom, type BundleLoadOptions, type LoadedBundle } from '../../runtime/bundle/load-bundle.ts';
import { RunAbortedError, RunTimeoutError } from '../../runtime/bundle/run-stop.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { getTestDevice } from '../support/gpu.ts';
import { repoRoot } from '../specs/spec-files.ts';

/** Chunks of one dispatch each on SwiftShader, the second (a convolution) about half a second. */
const BIG = 96;
let bundle: GeneratedBundle;
let device: GPUDevice;
let submits = 0;

beforeAll(async () => {
  const compiled = compileSource(readFileSync(`${repoRoot}/specs/fashion.reg`, 'utf8'), 'specs/fashion.reg');
  bundle = compiled.bundle!;
  device = await getTestDevice();
  const submit = device.queue.submit;
  device.queue.submit = (buffers) => (submits++, submit.call(device.queue, buffers));
});

afterEach(async () => {
  // What a stopped run left on the device is done before the next test times anything.
  await device.queue.onSubmittedWorkDone();
});

/** Loaded on the quick kernels, every pipeline compiled, so that runs time the device alone. */
async function ready(options: BundleLoadOptions = {}): Promise<LoadedBundle> {
  const loaded = await loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { pipelines: 'quick', ...options });
  await loaded.ready();
  return loaded;
}

const images = (n: number) => ({ image: Float32Array.from({ length: 784 * n }, (_, i) => Math.sin(i)) });

async function rejection(run: Promise<unknown>): Promise<Error> {
  return run.then(
    () => {
      throw new Error('expected the run to be stopped');
    },
    (e: unknown) => e as Error,
  );
}

describe('a run past its timeout', () => {
  test('rejects at once, submits nothing more, and the bundle runs no more', async () => {
    const loaded = await ready({ timeout: 0.05 });
    try {
      const started = performance.now();
      const error = await rejection(loaded.run(images(BIG)));
      const took = performance.now() - started;
      expect(error).toBeInstanceOf(RunTimeoutError);
      expect(error.message).toMatch(
        /^run stopped after 0\.05 s \(timeout: 0\.05 s\): Fashion: the bundle's kernels did not finish \([1-4] of 5 dispatches submitted\); the work already submitted may still be running on the device, and this bundle runs no more: load it again$/,
      );
      // A full run at this batch takes SwiftShader over a second.
      expect(took).toBeLessThan(500);
      const submitted = submits;
      await device.queue.onSubmittedWorkDone();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(submits, 'nothing submitted after the stop').toBe(submitted);
      const later = await rejection(loaded.run(images(1)));
      expect(later).toBeInstanceOf(BundleError);
      expect(later.message).toMatch(/^running Fashion: an earlier run was stopped while its work was on the device \(run stopped after 0\.05 s.*\); this bundle runs no more: load it again$/);
    } finally {
      loaded.destroy();
    }
  });

  test('a run that finishes in time gives what an unbounded run gives, in several command buffers', async () => {
    const loaded = await ready();
    try {
      const plain = await loaded.run(images(32));
      const before = submits;
      const bounded = await loaded.run(images(32), { timeout: 60 });
      expect(submits - before).toBeGreaterThan(1);
      expect(Array.from(bounded.logits!.data)).toEqual(Array.from(plain.logits!.data));
    } finally {
      loaded.destroy();
    }
  });

  test("a run's own timeout overrides the load's", async () => {
    const loaded = await ready({ timeout: 0.001 });
    try {
      expect((await loaded.run(images(1), { timeout: 60 })).logits!.shape).toEqual([1, 10]);
    } finally {
      loaded.destroy();
    }
  });

  test('a timeout that passes while an earlier run has its turn stops only the later run', async () => {
    const loaded = await ready();
    try {
      const first = loaded.run(images(32));
      const second = await rejection(loaded.run(images(1), { timeout: 0.01 }));
      expect(second).toBeInstanceOf(RunTimeoutError);
      expect(second.message).toBe('run stopped after 0.01 s (timeout: 0.01 s): Fashion: it was still waiting for an earlier run of this bundle to finish');
      expect((await first).logits!.shape).toEqual([32, 10]);
      // It had submitted nothing: the bundle goes on.
      expect((await loaded.run(images(2))).logits!.shape).toEqual([2, 10]);
    } finally {
      loaded.destroy();
    }
  });

  test('timeouts must be positive numbers of seconds', async () => {
    const loaded = await ready();
    try {
      await expect(loaded.run(images(1), { timeout: 0 })).rejects.toThrow(new RangeError('timeout must be a positive number of seconds, got 0'));
      await expect(loaded.run(images(1), { timeout: Number.NaN })).rejects.toThrow('timeout must be a positive number of seconds, got NaN');
      await expect(loadBundleFrom(memorySource({ files: bundleFiles(bundle) }), device, { timeout: -1 })).rejects.toThrow('timeout must be a positive number of seconds, got -1');
    } finally {
      loaded.destroy();
    }
  });
});

describe('a run whose signal aborts', () => {
  test('already aborted: rejects before submitting anything, and the bundle goes on', async () => {
    const loaded = await ready();
    try {
      const before = submits;
      const reason = new Error('the user closed the page');
      const error = await rejection(loaded.run(images(1), { signal: AbortSignal.abort(reason) }));
      expect(error).toBeInstanceOf(RunAbortedError);
      expect(error.message).toBe('run aborted by its signal: Fashion: it had not started');
      expect(error.cause).toBe(reason);
      expect(submits).toBe(before);
      expect((await loaded.run(images(1))).logits!.shape).toEqual([1, 10]);
    } finally {
      loaded.destroy();
    }
  });

  test('during the run: rejects at once with the reason, and the bundle runs no more', async () => {
    const loaded = await ready();
    try {
      const controller = new AbortController();
      const run = loaded.run(images(BIG), { signal: controller.signal });
      setTimeout(() => controller.abort('enough'), 30);
      const started = performance.now();
      const error = await rejection(run);
      expect(performance.now() - started).toBeLessThan(500);
      expect(error).toBeInstanceOf(RunAbortedError);
      expect(error.cause).toBe('enough');
      expect(error.message).toMatch(/^run aborted by its signal: Fashion: the bundle's kernels did not finish \([1-4] of 5 dispatches submitted\); the work already submitted may still be running/);
      await expect(loaded.run(images(1))).rejects.toThrow(/an earlier run was stopped while its work was on the device \(run aborted by its signal/);
    } finally {
      loaded.destroy();
    }
  });

  test('a signal that is not an AbortSignal is refused', async () => {
    const loaded = await ready();
    try {
      await expect(loaded.run(images(1), { signal: {} as AbortSignal })).rejects.toThrow(new TypeError('signal must be an AbortSignal'));
    } finally {
      loaded.destroy();
    }
  });
});
