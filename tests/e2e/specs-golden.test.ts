// The example specs against PyTorch: every specs/<spec>.reg has a golden case
// under tests/golden/specs/<spec> (written by scripts/golden/specs.py) whose
// model.reg is a byte-for-byte copy of the spec, so editing a spec fails here
// until the goldens are regenerated. Each case is compiled with torch's
// state_dict as its weights, with the default pipeline and with --no-opt, run
// on the Dawn device, and compared with torch's eval output; the largest error
// per spec is printed at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { readSafetensors } from '../../runtime/io/safetensors.ts';
import { specFiles, specsDir } from '../specs/spec-files.ts';
import { agreement, firstSamples, givenTensor, listModelCases, runBundle, type F32Tensor, type ModelCase } from './model-cases.ts';

const SPECS_GOLDEN_DIR = fileURLToPath(new URL('../golden/specs/', import.meta.url));

/**
 * A spec case in loadModelCase's shape. The port names come from case.json
 * rather than from the spec text: the specs carry comments on their input and
 * output lines, which loadModelCase's line patterns do not allow.
 */
function loadSpecCase(name: string): ModelCase {
  const folder = join(SPECS_GOLDEN_DIR, name);
  const meta = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as {
    tolerance: number;
    family: string;
    notes: string;
    input: string;
    output: string;
  };
  const weights = new Map<string, GivenTensor>();
  for (const [tensor, t] of readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).tensors) weights.set(tensor, givenTensor(tensor, t));
  const io = readSafetensors(readFileSync(join(folder, 'io.safetensors'))).tensors;
  const f32 = (port: string): F32Tensor => {
    const t = io.get(port);
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`${name}/io.safetensors has no F32 tensor '${port}'`);
    return { shape: t.shape, data: t.data };
  };
  return {
    name,
    spec: readFileSync(join(folder, 'model.reg'), 'utf8'),
    specPath: `specs/${name}.reg`,
    weights,
    inputName: meta.input,
    input: f32(meta.input),
    outputName: meta.output,
    expected: f32(meta.output),
    tolerance: meta.tolerance,
    family: meta.family,
    notes: meta.notes,
  };
}

type Run = 'optimised' | 'no-opt' | 'batch 1';
const RUNS: readonly Run[] = ['optimised', 'no-opt', 'batch 1'];
const errors = new Map<string, Partial<Record<Run, number>>>();

/** Compiles the case and returns the largest |got - want| at the stored batch and, when `alsoBatch1`, at batch 1. */
async function check(c: ModelCase, noOpt: boolean, alsoBatch1: boolean): Promise<number[]> {
  const result = compileSource(c.spec, c.specPath, { weights: c.weights, noOpt, verify: true });
  const problems = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message} ${d.notes.join('; ')}`);
  expect(problems).toEqual([]);
  // The spec declares exactly torch's state_dict: nothing initialised, nothing left over.
  expect([...result.trainGraph!.tensors.keys()].sort()).toEqual([...c.weights.keys()].sort());
  const label = noOpt ? 'no-opt' : 'optimised';
  const runs = [{ input: c.input, want: c.expected, what: label }];
  if (alsoBatch1) runs.push({ input: firstSamples(c.input, 1), want: firstSamples(c.expected, 1), what: `${label}, batch 1` });
  const outputs = await runBundle(result.bundle!, runs.map((r) => ({ [c.inputName]: r.input.data })));
  return runs.map((r, i) => {
    const got = outputs[i]![c.outputName];
    expect(got, `the bundle has no output ${c.outputName}`).toBeDefined();
    const a = agreement(got!, r.want, c.tolerance);
    expect(
      a.failures,
      `${c.name} (${r.what}): ${a.failures} of ${r.want.data.length} values outside tolerance ${c.tolerance}, first ${a.firstFailure}; max |diff| ${a.maxAbs}`,
    ).toBe(0);
    return a.maxAbs;
  });
}

function formatTable(): string {
  const fmt = (v: number | undefined) => (v === undefined ? 'failed' : v.toExponential(1));
  const lines = ['max |torch - regc| per spec:', `| spec | ${RUNS.join(' | ')} |`, `|---|${RUNS.map(() => '---|').join('')}`];
  for (const [name, e] of [...errors].sort(([a], [b]) => a.localeCompare(b))) lines.push(`| ${name} | ${RUNS.map((k) => fmt(e[k])).join(' | ')} |`);
  return lines.join('\n');
}

describe('example specs against PyTorch (tests/golden/specs)', () => {
  afterAll(() => {
    if (errors.size > 0) console.log(formatTable());
  });

  const specs = specFiles();
  it('has one golden case per spec', () => {
    expect(specs.length).toBeGreaterThan(0);
    expect(listModelCases(SPECS_GOLDEN_DIR)).toEqual(specs.map((s) => s.name));
  });

  for (const { name } of specs) {
    describe(name, () => {
      it('model.reg is a byte-for-byte copy of the spec (else rerun scripts/golden/specs.py)', () => {
        const golden = readFileSync(join(SPECS_GOLDEN_DIR, name, 'model.reg'));
        const spec = readFileSync(join(specsDir, `${name}.reg`));
        expect(golden.equals(spec)).toBe(true);
      });

      it('matches torch, optimised and with no-opt', async () => {
        const c = loadSpecCase(name);
        const e: Partial<Record<Run, number>> = {};
        errors.set(name, e);
        [e.optimised, e['batch 1']] = await check(c, false, true);
        [e['no-opt']] = await check(c, true, false);
      });
    });
  }
});
