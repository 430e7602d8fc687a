// `regc schedule`: the lr of a whole run written as a float64 .npy, equal to
// torch's (a golden case), the curve on stdout, and its errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpyFloat64, writeNpy, writeNpyFloat64 } from '../../runtime/io/npy.ts';
import { expectLrsClose, loadScheduleGoldens } from '../train/schedule-goldens.ts';
import { runCli, spawnCli } from './run-cli.ts';

const GOLDENS = loadScheduleGoldens();
const golden = (name: string) => GOLDENS.find((g) => g.name === name)!;

const MODEL = 'model Tiny {\n  input x: f32[N, 4]\n  output y\n  y: linear(2)\n}\n';
const train = (body: string) => `${MODEL}train Tiny {\n  loss mse\n  optimizer sgd(lr=0.1)\n${body}}\n`;

function tempDir(files: Record<string, string | Uint8Array> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'regc-schedule-'));
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  return dir;
}

function readLrs(path: string): { shape: readonly number[]; data: Float64Array; descr: string } {
  const bytes = new Uint8Array(readFileSync(path));
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 60));
  return { ...readNpyFloat64(bytes), descr: header.slice(header.indexOf("'descr': '") + 10, header.indexOf("'descr': '") + 13) };
}

describe('regc schedule writes torch\'s lr of every step', () => {
  const g = golden('warmup-constant-plateau');
  const metricFiles: Record<string, string | Uint8Array> = {
    'float64 .npy': writeNpyFloat64({ shape: [g.metrics!.length], data: Float64Array.from(g.metrics!) }),
    'float32 .npy': writeNpy({ dtype: 'F32', shape: [g.metrics!.length], data: Float32Array.from(g.metrics!) }),
    'JSON array': JSON.stringify(g.metrics),
    'np.savetxt text': g.metrics!.map((v) => v.toExponential(18)).join('\n') + '\n',
  };
  for (const [kind, contents] of Object.entries(metricFiles)) {
    it(`${g.name}, with the metric as a ${kind}`, async () => {
      const dir = tempDir({ 'run.reg': g.spec!, metric: contents });
      const out = join(dir, 'lr.npy');
      const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', String(g.steps_per_epoch), '--epochs', String(g.epochs), '--metric', join(dir, 'metric'), '-o', out]);
      expect(r.stderr).toContain(`wrote the lr of ${g.steps} steps to ${out}`);
      expect(r.status).toBe(0);
      const lrs = readLrs(out);
      expect(lrs.descr).toBe('<f8');
      expect(lrs.shape).toEqual([g.steps]);
      expectLrsClose(lrs.data, g.lr, g.name);
    });
  }

  it('draws the curve on stdout, labelled', async () => {
    const c = golden('warmup-then-cosine');
    const dir = tempDir({ 'run.reg': c.spec! });
    const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', String(c.steps_per_epoch), '--steps', String(c.steps), '-o', join(dir, 'lr.npy')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('lr of Tiny: 48 steps, 8 epochs of 6; min 0.000164118, max 0.1');
    expect(lines[1]).toMatch(/^ +1\.00e-1 ┼/);
    expect(lines.filter((l) => /[┤┼]/.test(l))).toHaveLength(11);
    expect(r.stdout).toMatch(/step 0 +step 47\n$/);
    // The top row holds the peak at the end of the warmup, steps 8 to 9.
    expect(lines[1]!.indexOf('╭')).toBeLessThan(lines[1]!.indexOf('╮'));
  });

  it('runs as a process from the command line too', async () => {
    const c = golden('step-epoch');
    const dir = tempDir({ 'run.reg': c.spec! });
    const r = await spawnCli(['schedule', 'run.reg', '--steps-per-epoch', String(c.steps_per_epoch), '--epochs', String(c.epochs), '-o', 'lr.npy'], { cwd: dir });
    expect(r.stderr).toContain('wrote the lr of 36 steps to lr.npy');
    expect(r.status).toBe(0);
    expectLrsClose(readLrs(join(dir, 'lr.npy')).data, c.lr, c.name);
  });
});

describe('the run\'s length', () => {
  async function steps(body: string, args: string[]): Promise<number> {
    const dir = tempDir({ 'run.reg': train(body) });
    const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', '4', ...args, '-o', join(dir, 'lr.npy')]);
    expect(r.stderr).toContain('wrote');
    return readLrs(join(dir, 'lr.npy')).shape[0]!;
  }
  it('comes from --epochs or --steps, else the train section', async () => {
    expect(await steps('  epochs 3\n', [])).toBe(12);
    expect(await steps('  steps 10\n', [])).toBe(10);
    expect(await steps('  epochs 3\n', ['--steps', '7'])).toBe(7);
    expect(await steps('  steps 10\n', ['--epochs', '2'])).toBe(8);
  });

  it('without a schedule is the optimizer\'s lr throughout, with a note', async () => {
    const dir = tempDir({ 'run.reg': train('') });
    const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', '4', '--steps', '6', '-o', join(dir, 'lr.npy')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('note: the train section has no `schedule`, so the lr is the optimizer\'s throughout');
    expect([...readLrs(join(dir, 'lr.npy')).data]).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    // A flat curve is one row, labelled with its lr.
    expect(r.stdout).toContain('\n   1.00e-1 ┼──────\n');
  });
});

describe('regc schedule errors', () => {
  const spec = train('  schedule constant(epochs=1) then reduce_on_plateau(patience=0)\n');
  async function fails(files: Record<string, string | Uint8Array>, args: string[], status: number, message: string): Promise<void> {
    const dir = tempDir(files);
    const r = await runCli(['schedule', ...args.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a))]);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
  }

  it('needs the steps per epoch, one run length and an output', async () => {
    await fails({ 'run.reg': spec }, ['@run.reg', '--epochs', '3', '-o', '@lr.npy'], 2, 'give the steps per epoch with --steps-per-epoch M');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '3', '--steps', '9', '-o', '@lr.npy'], 2, 'give either --epochs or --steps, not both');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '3'], 2, 'give the file for the lr with -o FILE.npy');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '0', '--epochs', '3', '-o', '@lr.npy'], 2, '--steps-per-epoch must be a whole number of at least 1, got `0`');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '2.5', '-o', '@lr.npy'], 2, '--epochs must be a whole number of at least 1, got `2.5`');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '4', '-o', '@lr.npy'], 2, 'give the run\'s length with --epochs E or --steps K');
    await fails({ 'run.reg': train('  epochs 2\n  steps 9\n') }, ['@run.reg', '--steps-per-epoch', '4', '-o', '@lr.npy'], 2,
      'gives both `epochs 2` and `steps 9`; choose the run\'s length with --epochs or --steps');
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '100000', '--epochs', '1000', '-o', '@lr.npy'], 2, 'more than the 10000000 this command computes');
  });

  it('reports a spec without a train section, or with errors', async () => {
    await fails({ 'run.reg': MODEL }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '2', '-o', '@lr.npy'], 1, 'the file has no train section');
    await fails({ 'run.reg': train('  schedule cosine(min_lr=0)\n') }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '2', '-o', '@lr.npy'], 1,
      'error[E0405]: `cosine` needs a length');
    await fails({}, ['@missing.reg', '--steps-per-epoch', '4', '--epochs', '2', '-o', '@lr.npy'], 2, 'no such file');
  });

  it('asks reduce_on_plateau\'s values, and says how many', async () => {
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '4', '--epochs', '5', '-o', '@lr.npy'], 1,
      'the schedule\'s reduce_on_plateau watches val_loss: give its value at the end of each epoch with --metric FILE');
    const dir = tempDir({ 'run.reg': spec, 'm.json': '[1, 0.9]' });
    const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', '4', '--epochs', '5', '--metric', join(dir, 'm.json'), '-o', join(dir, 'lr.npy')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'm.json')} holds 2 values, but reduce_on_plateau needs the value of val_loss at the end of epoch 3`);
    expect(r.stderr).toContain('the run has 5 epochs; reduce_on_plateau reads the value of each epoch that another follows, 4 values, epoch 1\'s first');
  });

  it('does not need the last epoch\'s value, and notes values it does not use', async () => {
    const dir = tempDir({ 'run.reg': spec, 'm.txt': '1 0.9 0.9 0.9', 'long.txt': '1 1 1 1 1 1 1', 'lr.reg': train('') });
    const args = (metric: string, file = 'run.reg') => ['schedule', join(dir, file), '--steps-per-epoch', '2', '--epochs', '5', '--metric', join(dir, metric), '-o', join(dir, 'lr.npy')];
    const r = await runCli(args('m.txt'));
    expect(r.status).toBe(0);
    expectLrsClose(readLrs(join(dir, 'lr.npy')).data, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001], 'plateau');
    expect((await runCli(args('long.txt'))).stderr).toContain('holds 7 values; the run has 5 epochs, so the last 2 are not used');
    expect((await runCli(args('m.txt', 'lr.reg'))).stderr).toContain('note: --metric is not used: the schedule has no reduce_on_plateau');
  });

  it('refuses metric files it cannot read as values', async () => {
    const cases: [string, string | Uint8Array, string][] = [
      ['bad.json', '[1, "x"]', 'entry 1 is "x"; expected a number, or "nan", "inf" or "-inf"'],
      ['bad.txt', '1 2 abc', 'value 3 is `abc`, not a number'],
      ['proto.txt', '1 constructor', 'value 2 is `constructor`, not a number'],
      ['ints.npy', writeNpy({ dtype: 'I32', shape: [2], data: Int32Array.from([1, 2]) }), 'dtype I32 holds no floating-point values'],
      ['grid.npy', writeNpyFloat64({ shape: [2, 2], data: new Float64Array(4) }), 'the array has shape (2, 2); give one value per epoch, a 1-d array'],
      ['binary.bin', Uint8Array.from([0xff, 0xfe, 0x00]), 'it is neither a .npy file nor UTF-8 text'],
    ];
    for (const [name, contents, message] of cases) {
      await fails({ 'run.reg': spec, [name]: contents }, ['@run.reg', '--steps-per-epoch', '2', '--epochs', '5', '--metric', `@${name}`, '-o', '@lr.npy'], 1, message);
    }
    await fails({ 'run.reg': spec }, ['@run.reg', '--steps-per-epoch', '2', '--epochs', '5', '--metric', '@none.npy', '-o', '@lr.npy'], 1, 'cannot read the metric file');
  });

  it('refuses to write through a directory', async () => {
    const dir = tempDir({ 'run.reg': train('') });
    const r = await runCli(['schedule', join(dir, 'run.reg'), '--steps-per-epoch', '2', '--epochs', '2', '-o', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is a directory');
  });
});
