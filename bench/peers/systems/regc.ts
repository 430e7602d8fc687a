// regc: a bundle compiled ahead of time (by compile-child.ts) loaded with the
// public runtime, on a device from navigator.gpu (Dawn's in Node, the
// browser's in Chromium), as a deployed page would.
import { loadBundleFrom } from '../../../runtime/bundle/load-bundle.ts';
import type { BundleSource } from '../../../runtime/bundle/bundle-source.ts';
import { requestBrowserDevice } from '../../../runtime/device/browser.ts';
import type { F32Tensor, ModelInfo } from '../models.ts';
import type { BenchSystem, FileReader, LoadContext, LoadedModel } from '../system.ts';

function bundleSource(files: FileReader, folder: string): BundleSource {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    description: folder,
    readBytes: (path) => files.readBytes(`${folder}/${path}`),
    readText: async (path) => decoder.decode(await files.readBytes(`${folder}/${path}`)),
  };
}

export const regcSystem: BenchSystem = {
  id: 'regc',
  usesGpu: true,
  async load(model: ModelInfo, context: LoadContext): Promise<LoadedModel> {
    const start = performance.now();
    const { device } = await requestBrowserDevice();
    const deviceReady = performance.now();
    const bundle = await loadBundleFrom(bundleSource(context.files, context.regcBundle), device);
    return {
      loadPhases: { device: deviceReady - start, bundle: performance.now() - deviceReady },
      feed: (input: F32Tensor) => input.data,
      async run(fed) {
        const outputs = await bundle.run({ [model.inputName]: fed as Float32Array });
        const output = outputs[model.outputName];
        if (!output) throw new Error(`the bundle has no output ${model.outputName}`);
        return output.data;
      },
      settle: () => bundle.ready(),
      dispose() {
        bundle.destroy();
        device.destroy();
      },
    };
  },
};
