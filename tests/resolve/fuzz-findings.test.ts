// Checker cases the fuzz campaign found (docs/fuzzing.md): numbers the f32
// model cannot hold reached code generation, and `repeat` counts the
// checker allowed took seconds to compile.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import { MAX_LAYER_INSTANCES } from '../../compiler/resolve/model-summary.ts';
import { check } from './helpers.ts';

const model = (body: string, input = 'f32[N, 4]') => `model M {\n  input x: ${input}\n  output y\n${body}\n}\n`;

/** `CODE message @ text the span covers` per diagnostic. */
function located(text: string): string[] {
  return check(text).diagnostics.map((d) => `${d.code} ${d.message} @ ${text.slice(d.span.start.offset, d.span.end.offset)}`);
}

describe('float arguments an f32 cannot hold', () => {
  it('reports them at the argument, for any float parameter', () => {
    // leaky_relu(1e39) compiled to `f32(1e+39)`, which WGSL refuses when the shader is made.
    expect(located(model('  leaky_relu(1e39)'))).toEqual([
      'E0308 `slope` of `leaky_relu` must lie within ±3.4e38, the range of f32, got 1e+39 @ 1e39',
    ]);
    expect(located(model('  layernorm(eps=-1e39)'))).toEqual([
      'E0308 `eps` of `layernorm` must be > 0, got -1e+39 @ -1e39',
    ]);
    expect(located(model('  normalize(mean=[0, 4e38], std=[1])', 'f32[N, 2, 2, 2]'))).toEqual([
      'E0308 `mean` of `normalize` must lie within ±3.4e38, the range of f32, got [0, 4e+38] @ [0, 4e38]',
    ]);
  });

  it('checks block parameters where an instance gives them values', () => {
    const text = `block B(s: float) {\n  input x\n  leaky_relu(s)\n}\n${model('  B(1e39)')}`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['E0308']);
  });

  it('accepts the largest f32', () => {
    expect(located(model('  leaky_relu(3.4e38)'))).toEqual([]);
  });
});

describe('numbers in tensor arithmetic an f32 cannot hold', () => {
  it('reports them where they are written', () => {
    // Infinity became a stored constant, which the runtime refuses to load (NaN or Inf weights).
    expect(located(model('  let y = x * 1e39'))).toEqual(['E0304 1e+39 is beyond ±3.4e38, the range of f32 @ 1e39']);
    expect(located(model('  let y = x + 1e200 * 1e200'))).toEqual(['E0304 Infinity is beyond ±3.4e38, the range of f32 @ 1e200 * 1e200']);
    expect(located(model('  let y = x - -1e39'))).toEqual(['E0304 -1e+39 is beyond ±3.4e38, the range of f32 @ -1e39']);
  });

  it('checks block parameters in arithmetic per instance', () => {
    const text = `block B(s: float) {\n  input x\n  output x * (s * s)\n}\n${model('  B(1e30)')}`;
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['E0304']);
  });
});

describe('the cap on expanded layers', () => {
  const unit = 'block U(n: int) {\n  input x\n  linear(n)\n}\n';

  it('refuses `repeat 100000` of a one-layer block in check and compile, quickly', () => {
    // It used to compile for 28 s into a bundle of 200,002 buffers, past the runtime's 100,000.
    const text = `${unit}${model('  repeat 100000 U(4)')}`;
    const started = performance.now();
    const result = compileSource(text, 'm.reg');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E0217']);
    expect(check(text).diagnostics.map((d) => d.code)).toEqual(['E0217']);
  });

  it('compiles a model at the cap in under a second', () => {
    expect(MAX_LAYER_INSTANCES).toBe(4096);
    // Each copy is the block and its linear: two applications.
    const text = `${unit}${model(`  repeat ${MAX_LAYER_INSTANCES / 2} U(4)`)}`;
    compileSource(text, 'm.reg');
    const started = performance.now();
    const result = compileSource(text, 'm.reg');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.diagnostics).toEqual([]);
    expect(result.bundle).toBeDefined();
  });
});
