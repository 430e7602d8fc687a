// Loads a train bundle served by the test (URL) with the public runtime API
// and runs training steps on it with a TrainSession: what a page that trains
// in the browser does, with no compiler code.
import { loadBundle, TrainSession, type PipelineChoice } from '../../../runtime/index.ts';
import { exposeToHarness } from '../page-api.ts';

export interface TrainStepsResult {
  readonly losses: number[];
  readonly lrs: number[];
  /** Every stored tensor after the last step (weights, running statistics, optimizer state), flat. */
  readonly tensors: Record<string, number[]>;
}

exposeToHarness({
  async trainSteps(url: string, batch: Record<string, number[]>, steps: number, seed: number, pipelines: PipelineChoice): Promise<TrainStepsResult> {
    const bundle = await loadBundle(new URL(url, location.href), { pipelines });
    try {
      const session = new TrainSession(bundle, { seed });
      const feed = Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, Float32Array.from(v)]));
      const losses: number[] = [];
      const lrs: number[] = [];
      for (let t = 0; t < steps; t++) {
        const result = await session.step(feed);
        losses.push(result.outputs.loss!.data[0]!);
        lrs.push(result.lr);
      }
      const tensors = Object.fromEntries([...(await bundle.readTensors())].map(([name, t]) => [name, Array.from(t.data)]));
      return { losses, lrs, tensors };
    } finally {
      bundle.destroy();
    }
  },
});
