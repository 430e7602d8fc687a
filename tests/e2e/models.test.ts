// Whole models against PyTorch: every case under tests/golden/models is
// compiled with torch's state_dict as its weights, run on the Dawn device, and
// compared with torch's eval output; with the default pipeline (folded and
// fused) and with --no-opt (eval semantics only), at the stored batch and at
// batch 1, and the optimised bundle once more on its quick pipelines (the
// small-block kernels a bundle runs first while its fast ones compile). The largest error per case and per family is printed at the end
// for the release notes.
import { afterAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import type { PipelineChoice } from '../../runtime/bundle/load-bundle.ts';
import { agreement, firstSamples, listModelCases, loadModelCase, runBundle, type ModelCase } from './model-cases.ts';

interface Row {
  readonly name: string;
  readonly family: string;
  /** Largest |got - want| per run: optimised, no-opt, optimised at batch 1. */
  readonly errors: Partial<Record<Run, number>>;
}

type Run = 'optimised' | 'no-opt' | 'batch 1' | 'quick';

const rows: Row[] = [];

function compileCase(c: ModelCase, noOpt: boolean) {
  const result = compileSource(c.spec, c.specPath, { weights: c.weights, noOpt, verify: true });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.code} ${d.message}${d.notes.length > 0 ? `\n  ${d.notes.join('\n  ')}` : ''}`)).toEqual([]);
  expect(result.bundle).toBeDefined();
  return result;
}

/**
 * Compiles the case, runs it at the stored batch and, when `alsoBatch1`, at
 * batch 1 on the same loaded bundle; returns the largest |got - want| of each.
 */
async function check(c: ModelCase, label: string, noOpt: boolean, alsoBatch1: boolean, pipelines: PipelineChoice = 'fast'): Promise<number[]> {
  const { bundle, trainGraph } = compileCase(c, noOpt);
  // The spec declares exactly torch's state_dict: nothing initialised, nothing left over.
  expect([...trainGraph!.tensors.keys()].sort()).toEqual([...c.weights.keys()].sort());
  const runs = [{ input: c.input, want: c.expected, what: label }];
  if (alsoBatch1) runs.push({ input: firstSamples(c.input, 1), want: firstSamples(c.expected, 1), what: `${label}, batch 1` });
  const outputs = await runBundle(bundle!, runs.map((r) => ({ [c.inputName]: r.input.data })), pipelines);
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
  const runs: Run[] = ['optimised', 'no-opt', 'batch 1', 'quick'];
  const fmt = (v: number | undefined) => (v === undefined ? 'failed' : v.toExponential(1));
  const lines = ['max |torch - regc| per case:', `| case | family | ${runs.join(' | ')} |`, `|---|---|${runs.map(() => '---|').join('')}`];
  for (const r of [...rows].sort((p, q) => p.family.localeCompare(q.family) || p.name.localeCompare(q.name))) {
    lines.push(`| ${r.name} | ${r.family} | ${runs.map((k) => fmt(r.errors[k])).join(' | ')} |`);
  }
  const families = new Map<string, Row[]>();
  for (const r of rows) families.set(r.family, [...(families.get(r.family) ?? []), r]);
  lines.push('', 'max |torch - regc| per family (all runs):', '| family | cases | max error |', '|---|---|---|');
  for (const [family, members] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    const all = members.flatMap((r) => runs.map((k) => r.errors[k]));
    const max = all.some((v) => v === undefined) ? undefined : Math.max(...(all as number[]));
    lines.push(`| ${family} | ${members.length} | ${fmt(max)} |`);
  }
  return lines.join('\n');
}

describe('whole models against PyTorch (tests/golden/models)', () => {
  afterAll(() => {
    if (rows.length > 0) console.log(formatTable());
  });

  const cases = listModelCases();
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    it(name, async () => {
      const c = loadModelCase(name);
      const row: Row = { name, family: c.family, errors: {} };
      rows.push(row);
      [row.errors.optimised, row.errors['batch 1']] = await check(c, 'optimised', false, true);
      [row.errors['no-opt']] = await check(c, 'no-opt', true, false);
      [row.errors.quick] = await check(c, 'quick pipelines', false, false, 'quick');
    });
  }
});
