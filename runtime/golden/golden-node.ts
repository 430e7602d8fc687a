// Golden-output tests for users' CI: record a bundle's outputs on known
// inputs once, then check later builds against them. A golden folder holds
// golden.json plus one .npy per input and output.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedBundle } from '../bundle/load-bundle.ts';
import { readNpyFile, writeNpyFile } from '../io/tensor-files-node.ts';
import { compareArrays, DEFAULT_TOLERANCE, describeComparison, type Comparison, type Tolerance } from './compare.ts';

export interface GoldenIndex {
  readonly format: 'regc-golden';
  readonly version: 1;
  readonly model: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly atol: number;
  readonly rtol: number;
}

export class GoldenError extends Error {}

function fileName(port: string): string {
  return `${port.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`;
}

export async function recordGolden(
  bundle: LoadedBundle,
  inputs: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>,
  folder: string,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): Promise<GoldenIndex> {
  const outputs = await bundle.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
  await mkdir(folder, { recursive: true });
  const index: GoldenIndex = {
    format: 'regc-golden',
    version: 1,
    model: bundle.manifest.model,
    inputs: Object.fromEntries(Object.keys(inputs).map((k) => [k, `input.${fileName(k)}`])),
    outputs: Object.fromEntries(Object.keys(outputs).map((k) => [k, `output.${fileName(k)}`])),
    atol: tolerance.atol,
    rtol: tolerance.rtol,
  };
  for (const [name, t] of Object.entries(inputs)) await writeNpyFile(join(folder, index.inputs[name]!), { dtype: 'F32', shape: t.shape, data: t.data });
  for (const [name, t] of Object.entries(outputs)) await writeNpyFile(join(folder, index.outputs[name]!), { dtype: 'F32', shape: t.shape, data: t.data });
  const tmp = join(folder, `golden.json.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(index, null, 2) + '\n');
  await rename(tmp, join(folder, 'golden.json'));
  return index;
}

export interface GoldenResult {
  readonly ok: boolean;
  readonly outputs: ReadonlyMap<string, Comparison>;
  /** One line per output, for test failure messages and the CLI. */
  readonly report: string;
}

export async function checkGolden(bundle: LoadedBundle, folder: string, tolerance?: Partial<Tolerance>): Promise<GoldenResult> {
  let index: GoldenIndex;
  try {
    index = JSON.parse(await readFile(join(folder, 'golden.json'), 'utf8')) as GoldenIndex;
  } catch (e) {
    throw new GoldenError(`${folder}: cannot read golden.json: ${(e as Error).message}`);
  }
  if (index.format !== 'regc-golden' || index.version !== 1) throw new GoldenError(`${folder}/golden.json is not a regc golden index (version 1)`);
  const tol: Tolerance = { atol: tolerance?.atol ?? index.atol, rtol: tolerance?.rtol ?? index.rtol };
  const inputs: Record<string, Float32Array> = {};
  for (const [name, file] of Object.entries(index.inputs)) {
    const t = await readNpyFile(join(folder, file));
    if (!(t.data instanceof Float32Array)) throw new GoldenError(`${file}: expected float32 data`);
    inputs[name] = t.data;
  }
  const actual = await bundle.run(inputs);
  const outputs = new Map<string, Comparison>();
  const lines: string[] = [];
  for (const [name, file] of Object.entries(index.outputs)) {
    const expected = await readNpyFile(join(folder, file));
    const got = actual[name];
    if (!got) throw new GoldenError(`the bundle has no output \`${name}\` recorded in ${folder}`);
    const c = compareArrays(got.data, expected.data as Float32Array, tol);
    outputs.set(name, c);
    lines.push(describeComparison(name, c, tol));
  }
  return { ok: [...outputs.values()].every((c) => c.ok), outputs, report: lines.join('\n') };
}
