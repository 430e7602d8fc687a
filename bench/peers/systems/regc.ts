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
    let deviceReady = start;
    // As the runtime's loadBundle does: the bundle's first files are read
    // while the device is requested, and the manifest's request goes out
    // first (a microtask later, the device's: asking navigator.gpu for the
    // first time holds the page's thread for tens of ms).
    const pendingDevice = Promise.resolve()
      .then(() => requestBrowserDevice())
      .then(({ device }) => {
        deviceReady = performance.now();
        return device;
      });
    const bundle = await loadBundleFrom(bundleSource(context.files, context.regcBundle), pendingDevice);
    const device = await pendingDevice;
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
