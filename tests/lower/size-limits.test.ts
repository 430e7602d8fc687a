// Sizes are checked on shapes: `regc check` allocates no weight at all, and
// compile refuses tensors past the caps (E0503, E0504) before allocating.
import { describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import { MAX_MODEL_PARAMETERS, MAX_TENSOR_ELEMENTS, MAX_VALUE_ELEMENTS_PER_SAMPLE } from '../../compiler/lower/size-limits.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { SourceFile } from '../../grammar/source.ts';

const model = (input: string, body: string) => `model M {\n  input x: f32[${input}]\n  output y\n${body}\n}\n`;
const summary = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);

/** Runs `f`, returning its result, the milliseconds it took and how far ArrayBuffer memory grew meanwhile. */
function measured<T>(f: () => T): { result: T; ms: number; grownBytes: number } {
  const before = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  const result = f();
  return { result, ms: performance.now() - started, grownBytes: process.memoryUsage().arrayBuffers - before };
}

describe('regc check', () => {
  it('checks a model with a weight past the cap without allocating it', () => {
    // 8192 x 16384 = 2^27 values: 512 MiB, which filling in took seconds.
    const text = model('N, 8192', '  fc: linear(16384)');
    const { result, ms, grownBytes } = measured(() => analyseSource(new SourceFile('m.reg', text)));
    expect(summary(result)).toEqual([
      'E0503 4:3 `fc.weight` would hold 134,217,728 (2^27) values, more than the 16,777,216 (2^24) one stored tensor may hold',
    ]);
    expect(ms).toBeLessThan(1000);
    expect(grownBytes).toBeLessThan(64 * 2 ** 20);
  });

  it('reports a huge input quickly, and nothing computed from it', () => {
    const text = model('N, 1, 100000, 100000', '  flatten\n  fc1: linear(10)\n  fc2: linear(2)');
    const { result, ms } = measured(() => analyseSource(new SourceFile('m.reg', text)));
    expect(summary(result)).toEqual([
      `E0504 2:12 input \`x\` would hold 10,000,000,000 values per sample, more than the 268,435,456 (2^28) a value may hold`,
    ]);
    expect(ms).toBeLessThan(1000);
  });

  it('reports a layer output past the cap at the layer, and nothing computed from it', () => {
    // An outer product: [N, 20000, 1] x [N, 1, 20000] holds 4e8 values per sample, from no weight at all.
    const text = model('N, 20000, 1', '  let h = matmul(x, transpose(x, 1, 2))\n  h -> relu -> reshape([-1]) -> linear(2)');
    const diagnostics = analyseSource(new SourceFile('m.reg', text));
    expect(summary(diagnostics)).toEqual([
      'E0504 4:11 `matmul_0` would hold 400,000,000 values per sample, more than the 268,435,456 (2^28) a value may hold',
    ]);
    expect(diagnostics[0]!.label).toBe('gives f32[N, 20000, 20000]');
  });
});

describe('regc compile', () => {
  it('refuses a tensor past MAX_TENSOR_ELEMENTS, at its layer, without allocating it', () => {
    const text = model('N, 20000', '  fc: linear(20000)');
    const { result, ms, grownBytes } = measured(() => compileSource(text, 'm.reg'));
    expect(result.bundle).toBeUndefined();
    expect(summary(result.diagnostics)).toEqual([
      `E0503 4:3 \`fc.weight\` would hold 400,000,000 values, more than the 16,777,216 (2^24) one stored tensor may hold`,
    ]);
    expect(result.diagnostics[0]!.label).toBe('`fc.weight` is f32[20000, 20000]');
    expect(ms).toBeLessThan(2000);
    expect(grownBytes).toBeLessThan(64 * 2 ** 20);
  });

  it('refuses a model whose tensors together pass MAX_MODEL_PARAMETERS, once, where they do', () => {
    // Three weights of 2^23 each, under the per-tensor cap: the third passes the total.
    const text = model('N, 4096', '  a: linear(2048, bias=false)\n  b: linear(4096, bias=false)\n  c: linear(2048, bias=false)');
    expect(MAX_MODEL_PARAMETERS).toBe(2 ** 24);
    expect(MAX_TENSOR_ELEMENTS).toBe(2 ** 24);
    const { result, grownBytes } = measured(() => compileSource(text, 'm.reg'));
    expect(summary(result.diagnostics)).toEqual([`E0503 6:3 model \`M\` would store more than 16,777,216 (2^24) values in all`]);
    expect(result.diagnostics[0]!.label).toBe('`c.weight` brings it to 25,165,824');
    expect(grownBytes).toBeLessThan(64 * 2 ** 20);
  });

  it('compiles a model at MAX_MODEL_PARAMETERS within the fuzz budget of a second of processor time', () => {
    // 2^24 weights through the slowest host paths: a spectral norm over dim 1 (a transpose)
    // and a conv whose weights are reordered, which with per-value callbacks and untiled
    // loops took 1 to 2 s each; now about 0.4 s. Processor time, as the fuzz campaign
    // counts it, so that other work on the machine does not count.
    for (const [input, layer] of [['N, 4096', 'linear(4094, bias=false) with spectralnorm(dim=1)'], ['N, 64, 8, 8', 'conv2d(4095, kernel=8, bias=false)']]) {
      const text = model(input!, `  ${layer}`);
      compileSource(text, 'm.reg');
      const before = process.cpuUsage();
      const result = compileSource(text, 'm.reg');
      const cpu = process.cpuUsage(before);
      expect(summary(result.diagnostics), layer).toEqual([]);
      expect(result.bundle, layer).toBeDefined();
      expect((cpu.user + cpu.system) / 1000, layer).toBeLessThan(1000);
    }
  });

  it('refuses an input past MAX_VALUE_ELEMENTS_PER_SAMPLE instead of compiling a bundle no device could run', () => {
    const text = model('N, 100000, 100000, 100000', '  relu');
    expect(MAX_VALUE_ELEMENTS_PER_SAMPLE).toBe(2 ** 28);
    const result = compileSource(text, 'm.reg');
    expect(result.bundle).toBeUndefined();
    expect(summary(result.diagnostics)).toEqual([
      'E0504 2:12 input `x` would hold 1.00e+15 values per sample, more than the 268,435,456 (2^28) a value may hold',
    ]);
  });

  it('reports sizes past what a Number holds without a RangeError', () => {
    const text = model('N, 100000000000000000000, 100000000000000000000', '  relu');
    expect(summary(compileSource(text, 'm.reg').diagnostics)).toEqual([
      'E0504 2:12 input `x` would hold 1.00e+40 values per sample, more than the 268,435,456 (2^28) a value may hold',
    ]);
  });
});
