// Loads one mutated bundle through the runtime's public path (`loadBundle`
// on a folder, or on files in memory) with the real Dawn device, and judges
// what happened:
//   - refused: the error must be a BundleError or TensorFileError with a
//     message, and the GPU must not have reported an error first (a bundle
//     the validator lets through to a GPU validation error is a finding);
//   - accepted: one small batch runs and every pipeline compiles (`ready`),
//     with no GPU error, and the outputs have the manifest's shapes;
//   - either way: no message quotes a canary or a refused file's content,
//     no file outside the bundle was looked at or opened (by path and by
//     inode), and nobody is reading the canary FIFO.
// The WGSL text is the one thing only the device can judge: a case that
// changed the text a shader gets (edited it, cut it, or named another file)
// may be refused by the device's shader compiler; that is counted as its own
// outcome, not as a failure. Everything else the manifest says about a
// shader (its bindings, entry point, workgroup size) is the runtime's to
// check, so a GPU error there is a failure.
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { loadBundle } from '../../runtime/index.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import type { LoadedBundle } from '../../runtime/bundle/load-bundle.ts';
import { baseBundle, type BaseBundle } from './bundle-bases.ts';
import { planFiles, writePlanFolder, type BundlePlan } from './bundle-plan.ts';
import { inodeKey, type Canaries } from './canaries.ts';
import { startFsAudit, stopFsAudit, type FsCall } from './fs-audit.ts';
import type { GpuWatch } from './gpu-watch.ts';
import { describeError, type CaseResult, type Failure } from './outcomes.ts';
import { Rng } from './prng.ts';

export interface BundleContext {
  readonly device: GPUDevice;
  readonly watch: GpuWatch;
  /** Where case folders are made (each case's is removed after it). */
  readonly casesFolder: string;
  canariesFor(base: string): Canaries;
}


/** `dev:ino` of every regular file under `folder`, not following links. */
function regularFiles(folder: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stats = lstatSync(path);
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) found.add(inodeKey(stats));
    }
  };
  walk(folder);
  return found;
}

function isInside(path: string, folder: string): boolean {
  const absolute = resolve(path);
  return absolute === folder || absolute.startsWith(folder + sep);
}

/** Refusal messages grouped: the folder and numbers dropped, names and values elided. */
export function refusalCategory(message: string, folder: string): string {
  return message
    .split(folder).join('')
    .replace(/^(in-memory bundle|: )+/, '')
    .split('\n')[0]!
    .replace(/\[\d+\]/g, '[]')
    .replace(/"[^"]*"|`[^`]*`|'[^']*'/g, '…')
    .replace(/\d+/g, '#')
    .slice(0, 110);
}

function inputsFor(loaded: LoadedBundle, batch: number, rng: Rng): Record<string, Float32Array> {
  const inputs: Record<string, Float32Array> = {};
  for (const port of loaded.manifest.inputs) {
    const count = port.shape.reduce<number>((p, d) => p * (d === 'N' ? batch : d), 1);
    // An own property even for a name like `__proto__`, as a careful caller makes it.
    if (!Object.hasOwn(inputs, port.name)) {
      Object.defineProperty(inputs, port.name, { value: Float32Array.from({ length: count }, () => rng.float() * 2 - 1), enumerable: true });
    }
  }
  return inputs;
}

export async function runBundleCase(index: number, plan: BundlePlan, context: BundleContext): Promise<CaseResult> {
  const failures: Failure[] = [];
  const base: BaseBundle = baseBundle(plan.base);
  const canaries = context.canariesFor(plan.base);
  const folder = resolve(join(context.casesFolder, `case-${index}`));
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(context.casesFolder, { recursive: true });
  writePlanFolder(plan, base, folder, canaries);
  const allowed = regularFiles(folder);
  const messages: string[] = [];
  let outcome = 'accepted';
  let category = 'accepted';
  const { watch, device } = context;
  watch.reset();

  const started = performance.now();
  startFsAudit();
  let loaded: LoadedBundle | undefined;
  let refusal: unknown;
  try {
    const source = plan.source === 'memory' ? { files: planFiles(plan, base) } : folder;
    loaded = await loadBundle(source, { device, pipelines: plan.pipelines });
    const outputs = await loaded.run(inputsFor(loaded, plan.batch, Rng.forCase(index, 'bundle-input', 0)), { batch: plan.batch });
    for (const port of loaded.manifest.outputs) {
      const expected = port.shape.map((d) => (d === 'N' ? plan.batch : d));
      const got = outputs[port.name];
      if (!got || got.shape.join() !== expected.join() || got.data.length !== expected.reduce((p, d) => p * d, 1)) {
        failures.push({ type: 'bad-output', detail: `output ${port.name}: expected shape [${expected}], got ${got ? `[${got.shape}] with ${got.data.length} values` : 'nothing'}` });
      }
    }
    if (loaded.manifest.model.includes(canaries.token)) failures.push({ type: 'read-outside', detail: 'the loaded manifest is the canary outside the bundle' });
    await loaded.ready();
  } catch (error) {
    refusal = error;
  } finally {
    loaded?.destroy();
  }
  const ms = performance.now() - started;
  // A loaded bundle compiles its later pipelines in the background, starting
  // a little after a run or ready(); wait until it has started nothing new.
  await watch.settle(loaded !== undefined ? 40 : watch.touched ? 5 : 0);
  const calls: FsCall[] = await stopFsAudit();

  if (refusal !== undefined) {
    const message = refusal instanceof Error ? refusal.message : String(refusal);
    messages.push(message);
    const clear = (refusal instanceof BundleError || refusal instanceof TensorFileError) && message.trim().length > 0;
    if (!clear) failures.push({ type: 'unclear-error', detail: describeError(loaded ? 'run' : 'load', refusal) });
    category = refusalCategory(message, folder);
    outcome = loaded ? 'refused-at-run' : 'refused';
  }
  if (watch.errors.length > 0) {
    if (plan.shaderTextChanged && refusal !== undefined) {
      outcome = 'refused-by-device';
    } else {
      const when = refusal === undefined ? 'an accepted bundle' : 'a bundle refused only after the GPU';
      failures.push({ type: 'gpu-validation', detail: `${when} (${plan.family}) caused a GPU error: ${watch.errors[0]!.split('\n')[0]!.slice(0, 200)}` });
    }
  }
  if (watch.lost) failures.push({ type: 'crash', detail: 'the GPU device was lost' });

  for (const message of messages) {
    if (message.includes(canaries.token)) failures.push({ type: 'leak', detail: 'a message quotes a canary file from outside the bundle' });
    for (const secret of plan.secrets) if (message.includes(secret)) failures.push({ type: 'leak', detail: `a message quotes the refused file's content: ${category}` });
  }
  for (const call of calls) {
    if (plan.source === 'folder' && !isInside(call.path, folder)) failures.push({ type: 'read-outside', detail: `${call.call}(${call.path.split(folder).join('<bundle>')}) outside the bundle` });
    if (call.inode !== undefined && canaries.inodes.has(call.inode)) failures.push({ type: 'read-outside', detail: `${call.call} opened a canary file outside the bundle` });
    else if (call.inode !== undefined && !allowed.has(call.inode)) failures.push({ type: 'read-outside', detail: `${call.call} opened a file that is not a regular file of the bundle` });
  }
  if (plan.source === 'memory' && calls.length > 0) failures.push({ type: 'read-outside', detail: `an in-memory bundle touched the file system (${calls[0]!.call})` });
  if (canaries.fifoHasReader()) failures.push({ type: 'read-outside', detail: 'the canary FIFO outside the bundle has a reader' });
  rmSync(folder, { recursive: true, force: true });

  return {
    index,
    outcome,
    codes: [category],
    ms,
    origin: `${plan.base} ${plan.family}: ${plan.mutations.join('; ')}`.slice(0, 300),
    failures,
    ...(failures.length > 0 ? { repro: { kind: 'bundle', plan } } : {}),
  };
}
