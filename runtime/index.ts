// The runtime's public API: load a compiled bundle and run it. A web page
// imports this alone; it contains no compiler code. Node-only pieces (files,
// Dawn) are imported lazily, through specifiers held in variables, so browser
// bundlers leave them out. The build (tsconfig.build.json) rewrites those
// specifiers' .ts to .js at run time too (rewriteRelativeImportExtensions
// wraps a non-literal import in a helper), so they resolve in dist/ as well.
import { memorySource, urlSource, type BundleSource, type InMemoryBundle } from './bundle/bundle-source.ts';
import { loadBundleFrom, type BundleLoadOptions, type LoadedBundle } from './bundle/load-bundle.ts';

export type { BundleLoadOptions, LoadedBundle, OutputTensor, PipelineChoice, RunInput, RunOptions, ShapedInput } from './bundle/load-bundle.ts';
export type { Manifest } from './bundle/manifest.ts';
export type { BundleSource, InMemoryBundle } from './bundle/bundle-source.ts';
export { BundleError, validateManifest } from './bundle/validate-manifest.ts';
export { RunAbortedError, RunTimeoutError } from './bundle/run-stop.ts';
export { memorySource, urlSource, loadBundleFrom };

export interface LoadOptions extends BundleLoadOptions {
  /** The device to run on; by default the browser's, or Dawn's in Node. */
  readonly device?: GPUDevice;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

function isUrl(s: string): boolean {
  return /^(https?|file|blob|data):/i.test(s) || (!isNode && typeof location !== 'undefined');
}

/**
 * `source`: a folder path (Node), a URL or URL string, files in memory
 * (`{files: {'manifest.json': ..., ...}}`), or any BundleSource.
 */
export async function loadBundle(source: string | URL | InMemoryBundle | BundleSource, options: LoadOptions = {}): Promise<LoadedBundle> {
  let bundleSource: BundleSource;
  if (source instanceof URL || (typeof source === 'string' && isUrl(source))) bundleSource = urlSource(source);
  else if (typeof source === 'string') {
    const nodeSources = './bundle/bundle-source-node.ts';
    const { folderSource } = (await import(/* @vite-ignore */ nodeSources)) as typeof import('./bundle/bundle-source-node.ts');
    bundleSource = folderSource(source);
  } else if ('files' in source) bundleSource = memorySource(source);
  else bundleSource = source;
  // The default device is requested while the bundle's first files are read.
  return loadBundleFrom(bundleSource, options.device ?? defaultDevice(), options);
}

async function defaultDevice(): Promise<GPUDevice> {
  if (isNode) {
    const nodeDevice = './device/webgpu-node.ts';
    const { requestNodeDevice } = (await import(/* @vite-ignore */ nodeDevice)) as typeof import('./device/webgpu-node.ts');
    return (await requestNodeDevice()).device;
  }
  const { requestBrowserDevice } = await import('./device/browser.ts');
  return (await requestBrowserDevice()).device;
}

// Learning-rate schedules as bundles carry them (docs/training.md).
export { LrSchedule, lrCurve, MetricNeededError, ScheduleError, type RunShape, type ScheduleState } from './train/schedule.ts';
export { ScheduleDataError, validateScheduleData, type ScheduleData } from './train/schedule-format.ts';

// Training steps from a train bundle (docs/training.md).
export { TrainSession, type StepResult, type TrainSessionOptions } from './train/train-session.ts';
export { stepScalars, stepScalarInput, validateOptimizerData, type OptimizerData } from './train/optimizer-format.ts';
export { rngWords, RNG_INPUT } from './train/rng-state.ts';
