// `regc grad` through its command line, as a port from PyTorch runs it, against
// torch (tests/golden/grad-cli/, written by scripts/golden/grad_cli.py): the
// files a torch user saves (np.save of float32 inputs, int64 class indices,
// a state_dict) go in, and every file the issue names comes out under torch's
// names and dtypes, within the tolerances: gradients 1e-4 abs + 1e-3
// rel, states 1e-5 abs + 1e-4 rel, losses 1e-5 abs. Then the mistakes a user
// makes, each refused with its message and exit status before anything runs.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import { readNpy, writeNpy, writeNpyFloat64 } from '../../runtime/io/npy.ts';
import { readSafetensors, writeSafetensors } from '../../runtime/io/safetensors.ts';
import { runCli, type CliResult } from '../cli/run-cli.ts';

const ROOT = fileURLToPath(new URL('../golden/grad-cli/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'regc-grad-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface GoldenCase {
  readonly inputs: readonly (readonly [string, string])[];
  readonly labels?: string;
  readonly grad_output?: string;
  readonly mode: 'train' | 'eval';
}

const readCase = (name: string): GoldenCase => JSON.parse(readFileSync(join(ROOT, name, 'case.json'), 'utf8')) as GoldenCase;

interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}
const GRADIENT: Tolerance = { abs: 1e-4, rel: 1e-3 };
const STATE: Tolerance = { abs: 1e-5, rel: 1e-4 };
const LOSS: Tolerance = { abs: 1e-5, rel: 0 };

const numbers = (t: HostTensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

/** Every difference from torch's tensor: dtype, shape, then the first value out of tolerance. */
function compareTensor(got: HostTensor, want: HostTensor, tolerance: Tolerance, what: string): string[] {
  if (got.dtype !== want.dtype) return [`${what}: regc writes ${got.dtype}, torch has ${want.dtype}`];
  if (got.shape.join() !== want.shape.join()) return [`${what}: regc's shape [${got.shape.join(', ')}], torch's [${want.shape.join(', ')}]`];
  const g = numbers(got);
  const w = numbers(want);
  const bad = w.findIndex((v, i) => !(Math.abs(g[i]! - v) <= tolerance.abs + tolerance.rel * Math.abs(v)));
  return bad < 0 ? [] : [`${what}[${bad}]: ${g[bad]} against torch's ${w[bad]}`];
}

function compareNpy(got: string, want: string, tolerance: Tolerance, what: string): string[] {
  return compareTensor(readNpy(readFileSync(got)), readNpy(readFileSync(want)), tolerance, what);
}

/** The same names both ways (every parameter or buffer torch has, nothing else), each within tolerance. */
function compareStateDict(got: string, want: string, tolerance: Tolerance, what: string): string[] {
  const g = readSafetensors(readFileSync(got)).tensors;
  const w = readSafetensors(readFileSync(want)).tensors;
  const problems: string[] = [];
  for (const name of w.keys()) if (!g.has(name)) problems.push(`${what}: regc has no \`${name}\``);
  for (const name of g.keys()) if (!w.has(name)) problems.push(`${what}: regc writes \`${name}\`, which torch's state_dict does not have`);
  for (const [name, t] of w) if (g.has(name)) problems.push(...compareTensor(g.get(name)!, t, tolerance, `${what} ${name}`));
  return problems;
}

/** The tolerance of each file `regc grad` writes. */
function compareResult(file: string, got: string, want: string): string[] {
  if (file === 'loss.npy') return compareNpy(got, want, LOSS, file);
  if (file === 'output.npy') return compareNpy(got, want, STATE, file);
  if (file.startsWith('grad_input')) return compareNpy(got, want, GRADIENT, file);
  if (file === 'grads.safetensors') return compareStateDict(got, want, GRADIENT, file);
  if (file === 'state.safetensors') return compareStateDict(got, want, STATE, file);
  return [`${file}: a file the test does not know`];
}

function inputArgs(folder: string, inputs: GoldenCase['inputs']): string[] {
  // A one-input model takes the bare file, as the issue's `--input x.npy`; several take NAME=FILE each.
  if (inputs.length === 1) return ['--input', join(folder, inputs[0]![1])];
  return inputs.flatMap(([name, file]) => ['--input', `${name}=${join(folder, file)}`]);
}

function gradArgs(name: string, out: string, inputs?: string[]): string[] {
  const folder = join(ROOT, name);
  const c = readCase(name);
  return [
    'grad',
    join(folder, 'model.reg'),
    '--weights',
    join(folder, 'weights.safetensors'),
    ...(inputs ?? inputArgs(folder, c.inputs)),
    ...(c.labels !== undefined ? ['--labels', join(folder, c.labels)] : ['--grad-output', join(folder, c.grad_output!)]),
    '--mode',
    c.mode,
    '-o',
    out,
  ];
}

async function succeeds(args: readonly string[]): Promise<CliResult> {
  const result = await runCli(args);
  expect(result.stderr).not.toMatch(/error/);
  expect(result.status).toBe(0);
  return result;
}

const cases = readdirSync(ROOT).sort();

describe('regc grad equals torch', () => {
  it('has the cases the brief asks for', () => {
    expect(cases).toEqual(['bce-with-logits', 'conv-bn-eval', 'conv-bn-train', 'mlp-smoothing-penalties', 'mse-eval-dropout', 'nll-batchnorm', 'reparam', 'two-inputs']);
  });

  for (const name of cases) {
    it(name, async () => {
      const out = join(work, name);
      await succeeds(gradArgs(name, out));
      const expected = join(ROOT, name, 'expected');
      const files = readdirSync(expected).sort();
      // Exactly the files (loss.npy only with labels) and regc's marker.
      expect(readdirSync(out).sort()).toEqual([...files, 'regc-results.json'].sort());
      expect(files.includes('loss.npy')).toBe(readCase(name).labels !== undefined);
      expect(files.flatMap((file) => compareResult(file, join(out, file), join(expected, file)))).toEqual([]);
    }, 30_000);
  }

  it('changes the running statistics in train mode and keeps them in eval mode', () => {
    const tensors = (path: string) => readSafetensors(readFileSync(path)).tensors;
    const trainBefore = tensors(join(ROOT, 'conv-bn-train', 'weights.safetensors'));
    const train = tensors(join(work, 'conv-bn-train', 'state.safetensors'));
    expect(numbers(train.get('bn1.num_batches_tracked')!)).toEqual([numbers(trainBefore.get('bn1.num_batches_tracked')!)[0]! + 1]);
    expect(numbers(train.get('bn1.running_mean')!)).not.toEqual(numbers(trainBefore.get('bn1.running_mean')!));
    const evalBefore = tensors(join(ROOT, 'conv-bn-eval', 'weights.safetensors'));
    const evalState = tensors(join(work, 'conv-bn-eval', 'state.safetensors'));
    for (const buffer of ['bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked']) {
      expect(numbers(evalState.get(buffer)!)).toEqual(numbers(evalBefore.get(buffer)!));
    }
  });

  it('takes the inputs of a two-input model as comma-separated pairs too', async () => {
    const folder = join(ROOT, 'two-inputs');
    const out = join(work, 'two-inputs-comma');
    await succeeds(gradArgs('two-inputs', out, ['-i', `a=${join(folder, 'a.npy')},b=${join(folder, 'b.npy')}`]));
    for (const file of readdirSync(join(folder, 'expected'))) {
      expect(readFileSync(join(out, file)).equals(readFileSync(join(work, 'two-inputs', file))), file).toBe(true);
    }
  }, 30_000);

  it('draws train mode\'s dropout from --seed, as step 1 of regc step does', async () => {
    // mse-eval-dropout's model has a dropout(0.5): in train mode the gradients depend on its mask.
    const folder = join(ROOT, 'mse-eval-dropout');
    const common = ['-w', join(folder, 'weights.safetensors'), '-i', join(folder, 'x.npy'), '--labels', join(folder, 'labels.npy')];
    await succeeds(['grad', join(folder, 'model.reg'), ...common, '--seed', '5', '-o', join(work, 'dropout-5')]);
    await succeeds(['grad', join(folder, 'model.reg'), ...common, '--seed', '6', '-o', join(work, 'dropout-6')]);
    await succeeds(['step', join(folder, 'model.reg'), ...common, '--seed', '5', '--steps', '1', '-o', join(work, 'dropout-step')]);
    const grads = (dir: string, file: string) => readFileSync(join(work, dir, file));
    expect(grads('dropout-5', 'grads.safetensors').equals(grads('dropout-step', 'grads_step1.safetensors'))).toBe(true);
    expect(grads('dropout-5', 'grads.safetensors').equals(grads('dropout-6', 'grads.safetensors'))).toBe(false);
  }, 30_000);
});

describe('regc grad refuses files that do not fit', () => {
  const mlp = join(ROOT, 'mlp-smoothing-penalties');
  const two = join(ROOT, 'two-inputs');
  const bad = join(work, 'bad');
  mkdirSync(bad, { recursive: true });
  const file = (name: string, contents: Uint8Array): string => {
    const path = join(bad, name);
    writeFileSync(path, contents);
    return path;
  };
  const labels = (values: readonly number[], shape = [values.length]) => writeNpy({ dtype: 'I64', shape, data: BigInt64Array.from(values, BigInt) });
  const weights = readSafetensors(readFileSync(join(mlp, 'weights.safetensors'))).tensors;
  const withWeights = (change: (w: Map<string, HostTensor>) => void): Uint8Array => {
    const w = new Map(weights);
    change(w);
    return writeSafetensors(w);
  };

  /** `regc grad` on the MLP case with `changes` to its arguments; the output folder must not appear. */
  async function refused(changes: { weights?: string; input?: string[]; labels?: string; extra?: string[] }): Promise<CliResult> {
    const out = join(work, 'refused');
    const result = await runCli([
      'grad',
      join(mlp, 'model.reg'),
      '--weights',
      changes.weights ?? join(mlp, 'weights.safetensors'),
      ...(changes.input ?? ['--input', join(mlp, 'x.npy')]),
      '--labels',
      changes.labels ?? join(mlp, 'labels.npy'),
      ...(changes.extra ?? []),
      '-o',
      out,
    ]);
    expect(existsSync(out)).toBe(false);
    return result;
  }

  /** The same on the two-input case. */
  async function refusedTwo(input: string[]): Promise<CliResult> {
    const out = join(work, 'refused-two');
    const result = await runCli(['grad', join(two, 'model.reg'), '-w', join(two, 'weights.safetensors'), ...input, '--labels', join(two, 'labels.npy'), '-o', out]);
    expect(existsSync(out)).toBe(false);
    return result;
  }

  it('a missing input name (usage, 2)', async () => {
    const r = await refusedTwo(['--input', `a=${join(two, 'a.npy')}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no file for input `b`; give --input NAME=FILE for each of `a`, `b`');
  });

  it('a bare file for a model with two inputs (usage, 2)', async () => {
    const r = await refusedTwo(['--input', join(two, 'a.npy')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the model has 2 inputs (`a`, `b`); give --input NAME=FILE for each');
  });

  it('an unknown input name (usage, 2)', async () => {
    const r = await refusedTwo(['--input', `a=${join(two, 'a.npy')}`, '--input', `c=${join(two, 'b.npy')}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the model has no input `c`; its inputs are `a`, `b`');
  });

  it('one input given twice (usage, 2)', async () => {
    const r = await refusedTwo(['--input', `a=${join(two, 'a.npy')},b=${join(two, 'b.npy')}`, '--input', `a=${join(two, 'b.npy')}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/input `a` is given two files/);
  });

  it('an input of the wrong shape (1)', async () => {
    const x = file('x-wide.npy', writeNpy({ dtype: 'F32', shape: [4, 7], data: new Float32Array(28) }));
    const r = await refused({ input: ['--input', x] });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: the files given do not fit the model');
    expect(r.stderr).toContain('input `x` has shape [4, 7], the model declares f32[N, 6] (axis 1 is 7, not 6)');
    expect(r.stderr).toContain('the model takes x: f32[N, 6] and gives y: f32[N, 3]');
  });

  it('a float64 input (1)', async () => {
    const x = file('x64.npy', writeNpyFloat64({ shape: [4, 6], data: new Float64Array(24) }));
    const r = await refused({ input: ['--input', x] });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('input `x` holds float64, the model takes float32: convert it with `x.astype(np.float32)`');
  });

  it('labels out of range, above and below (1)', async () => {
    const high = await refused({ labels: file('labels-3.npy', labels([0, 1, 3, 2])) });
    expect(high.status).toBe(1);
    expect(high.stderr).toContain('label 3 at index 2 is not a class index in [0, 3) (the output has 3 classes)');
    const low = await refused({ labels: file('labels-neg.npy', labels([0, -1, 2, 2])) });
    expect(low.stderr).toContain('label -1 at index 1 is not a class index in [0, 3)');
  });

  it('labels of the wrong shape (1)', async () => {
    const column = await refused({ labels: file('labels-column.npy', labels([0, 1, 2, 2], [4, 1])) });
    expect(column.status).toBe(1);
    expect(column.stderr).toContain('cross_entropy takes one class index per sample, shape [4]; the labels have shape [4, 1]');
    const short = await refused({ labels: file('labels-short.npy', labels([0, 1, 2])) });
    expect(short.stderr).toContain('the labels have shape [3]');
  });

  it('every problem of the files at once', async () => {
    const x = file('x64-wide.npy', writeNpyFloat64({ shape: [4, 7], data: new Float64Array(28) }));
    const r = await refused({ input: ['--input', x], labels: file('labels-9.npy', labels([9, 0, 0, 0])) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('holds float64');
    expect(r.stderr).toContain('axis 1 is 7, not 6');
    expect(r.stderr).toContain('label 9 at index 0');
  });

  it('weights with a tensor missing (1)', async () => {
    const r = await refused({ weights: file('w-missing.safetensors', withWeights((w) => w.delete('fc2.bias'))) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('do not match the spec');
    expect(r.stderr).toContain('missing tensor `fc2.bias` (shape [3])');
  });

  it('weights with a tensor of the wrong shape (1)', async () => {
    const r = await refused({ weights: file('w-shape.safetensors', withWeights((w) => w.set('fc2.bias', { dtype: 'F32', shape: [4], data: new Float32Array(4) }))) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tensor `fc2.bias` has shape [4], the spec needs [3]');
  });

  it('both --labels and --grad-output (usage, 2)', async () => {
    const r = await refused({ extra: ['--grad-output', join(mlp, 'x.npy')] });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('give either --labels or --grad-output, not both');
  });

  it('a cotangent of the wrong shape (1)', async () => {
    const out = join(work, 'refused-cotangent');
    const conv = join(ROOT, 'conv-bn-train');
    const g = file('g.npy', writeNpy({ dtype: 'F32', shape: [3, 4], data: new Float32Array(12) }));
    const r = await runCli(['grad', join(conv, 'model.reg'), '-w', join(conv, 'weights.safetensors'), '-i', join(conv, 'x.npy'), '--grad-output', g, '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the cotangent has shape [3, 4]; the output `y` has shape [3, 5] for this batch');
    expect(existsSync(out)).toBe(false);
  });

  it('an output folder that regc did not write, left untouched (1)', async () => {
    const out = join(work, 'not-regc');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await runCli(['grad', join(mlp, 'model.reg'), '-w', join(mlp, 'weights.safetensors'), '-i', join(mlp, 'x.npy'), '--labels', join(mlp, 'labels.npy'), '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('it is a folder that regc did not write');
    expect(readdirSync(out)).toEqual(['notes.txt']);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
