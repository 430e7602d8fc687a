// Loads a bundle served by the test (URL) with the public runtime API and
// runs it: what a deployed page does.
import { loadBundle } from '../../../runtime/index.ts';
import { exposeToHarness } from '../page-api.ts';

exposeToHarness({
  async runBundle(url: string, inputs: Record<string, number[]>) {
    const model = await loadBundle(new URL(url, location.href));
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Float32Array.from(v)]));
    const out = await model.run(feeds);
    model.destroy();
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
  },
});
