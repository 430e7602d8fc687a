// `regc check` reports every error of a file in one run, from every stage
// that can still run soundly: syntax, names and arguments, the shapes and
// sizes of each model without such errors, and the train sections.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiagnosticJson } from '../../diagnostics/render.ts';
import { runCli } from './run-cli.ts';

const SPEC = `model A {
  input x: f32[N, 4]
  output y
  fc: linear(2 3)
}

model B {
  input x: f32[N, 3, 8, 8]
  input x: f32[N, 3, 8, 8]
  output y
  c: conv2d(16, kernel=3, kernel=5)
  lineer(3)
}

model C {
  input x: f32[N, 3, 8, 8]
  output y
  let a = x -> conv2d(4, 3, groups=2) -> relu
  let b = x -> maxpool(16)
  concat(a, b) -> flatten -> linear(2)
}

model D {
  input image: f32[N, 4]
  output y
  image: linear(2)
}

model E {
  input x: f32[N, 1, 100000, 100000]
  output y
  flatten -> linear(10)
}

train C {
  loss mse
  optimizer sgd(lr=0.1)
  batch 3
  batch 4
}
`;

function writeSpec(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'regc-check-')), 'spec.reg');
  writeFileSync(path, text);
  return path;
}

/** `CODE line:column-line:column message` for each diagnostic of `regc check --format json`. */
function located(stdout: string): string[] {
  return (JSON.parse(stdout) as DiagnosticJson[]).map(
    (d) => `${d.code} ${d.span.start.line}:${d.span.start.column}-${d.span.end.line}:${d.span.end.column} ${d.message}`,
  );
}

describe('regc check on a file with errors of every stage', () => {
  it('reports each of them once, where it is, in source order', async () => {
    const started = performance.now();
    const r = await runCli(['check', '--format', 'json', writeSpec(SPEC)]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(r.status).toBe(1);
    expect(located(r.stdout)).toEqual([
      // Syntax; the checker's view of what recovery made of it is not repeated.
      'E0103 4:16-4:17 expected `,` or `)`, found `3`',
      // Names and arguments: model B is not lowered, its neighbours are.
      'E0213 9:9-9:10 `x` is already an input of model `B`',
      'E0303 11:27-11:35 argument `kernel` of `conv2d` is given twice',
      'E0201 12:3-12:9 unknown layer `lineer`',
      // Shapes: both independent branches of C; the concat and linear that need them are skipped.
      'E0502 18:29-18:37 `conv2d_0`: groups=2 does not divide the 3 input channels',
      'E0501 19:16-19:27 `maxpool_2`: output size would be 0 (input 8, kernel 16, stride 16, padding 0, dilation 1)',
      'E0213 26:3-26:8 `image` is both an input and a layer of model `D`',
      // Sizes, on shapes alone: nothing is allocated.
      'E0504 30:12-30:37 input `x` would hold 10,000,000,000 values per sample, more than the 268,435,456 (2^28) a value may hold',
      'E0402 39:3-39:10 `batch` is given twice',
    ]);
  });

  it('renders them all as text with one summary line', async () => {
    const r = await runCli(['check', writeSpec(SPEC)]);
    expect(r.stderr.match(/^error\[E\d{4}\]/gm)).toHaveLength(9);
    expect(r.stderr).toMatch(/spec\.reg:30:12\n/);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error: 9 errors in .*spec\.reg$/);
  });

  it('stops at the cap with a note that says how many more there are', async () => {
    const spec = `model M {\n  input x: f32[N, 4]\n  output y\n${'  lineer(2)\n'.repeat(120)}}\n`;
    const r = await runCli(['check', writeSpec(spec)]);
    expect(r.stderr.match(/^error\[E0201\]/gm)).toHaveLength(100);
    expect(r.stderr).toContain('note: 20 more errors not shown\n');
    expect(r.stderr).toMatch(/spec\.reg:104:3\n/);
    expect(r.stderr).toContain('= note: at most 100 errors of a file are reported, in source order; fix these and check again');
  });
});
