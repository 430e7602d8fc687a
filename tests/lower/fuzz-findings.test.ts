// Lowering cases the fuzz campaign found (docs/fuzzing.md): each threw out
// of `regc check` and `regc compile`, or compiled a bundle the runtime
// refuses, where a located diagnostic belongs.
import { describe, expect, it } from 'vitest';
import { analyseSource, compileSource } from '../../compiler/compile.ts';
import { MAX_NAME_LENGTH } from '../../compiler/lower/size-limits.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { SourceFile } from '../../grammar/source.ts';

const model = (input: string, body: string) => `model M {\n  input x: f32[${input}]\n  output y\n${body}\n}\n`;

/** The errors of check and of compile, which must agree; neither may throw. */
function errorsOf(text: string): Diagnostic[] {
  let checked: Diagnostic[] = [];
  let compiled: readonly Diagnostic[] = [];
  expect(() => (checked = analyseSource(new SourceFile('m.reg', text)))).not.toThrow();
  expect(() => (compiled = compileSource(text, 'm.reg').diagnostics)).not.toThrow();
  const errors = checked.filter((d) => d.severity === 'error');
  expect(compiled.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(errors.map((d) => d.code));
  return errors;
}

/** The one error's code, message and the text its span covers. */
function onlyError(text: string): { code: string; message: string; at: string } {
  const errors = errorsOf(text);
  expect(errors).toHaveLength(1);
  const d = errors[0]!;
  return { code: d.code, message: d.message, at: text.slice(d.span.start.offset, d.span.end.offset) };
}

describe('arguments that index a dimension the input does not have', () => {
  // Each threw `axis N is out of range for a tensor of rank R` from compiler/ir/ops.ts.
  const cases: readonly (readonly [string, string, string, string])[] = [
    ['N, 4', 'softmax(axis=5)', 'axis=5', '`softmax_0`: `axis` is 5, but the input [N, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4', 'log_softmax(axis=-3)', 'axis=-3', '`log_softmax_0`: `axis` is -3, but the input [N, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4', 'flatten(7)', '7', '`flatten_0`: `start_dim` is 7, but the input [N, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4, 2', 'flatten(end_dim=9)', 'end_dim=9', '`flatten_0`: `end_dim` is 9, but the input [N, 4, 2] has 3 dimensions: it must be in -3..2'],
    ['N, 4', 'transpose(1, 1000000000)', '1000000000', '`transpose_0`: `dim1` is 1000000000, but the input [N, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4', 'concat(x, x, axis=3)', 'axis=3', '`concat_0`: `axis` is 3, but the input [N, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4', 'fc: linear(3) with weightnorm(dim=5)', 'dim=5', '`fc`: `dim` is 5, but the weight [3, 4] has 2 dimensions: it must be in -2..1'],
    ['N, 4, 8, 8', 'c: conv2d(2, 3) with spectralnorm(dim=-5)', 'dim=-5', '`c`: `dim` is -5, but the weight [2, 4, 3, 3] has 4 dimensions: it must be in -4..3'],
  ];
  for (const [input, layer, at, message] of cases) {
    it(`reports ${layer} on f32[${input}] at the argument`, () => {
      expect(onlyError(model(input, `  ${layer}`))).toEqual({ code: 'E0502', message, at });
    });
  }

  it('points at the call when the out-of-range value is a default', () => {
    expect(onlyError(model('N', '  flatten'))).toEqual({
      code: 'E0502',
      message: '`flatten_0`: `start_dim` is 1, but the input [N] has 1 dimension: it must be in -1..0',
      at: 'flatten',
    });
  });

  it('reports a layer that needs a channel or feature dimension its input lacks as a shape error', () => {
    for (const layer of ['conv2d(4, 3)', 'batchnorm', 'groupnorm(2)', 'instancenorm', 'normalize(mean=[1], std=[1])', 'linear(3)']) {
      const { code, message } = onlyError(model('N', `  ${layer}`));
      expect(code, layer).toBe('E0501');
      expect(message, layer).toMatch(/: expects an input with the (channel|feature) dimension, got \[N\]$/);
    }
  });

  it('points argument mistakes that only the input reveals at the argument', () => {
    expect(onlyError(model('N, 3, 8, 8', '  conv2d(4, 3, groups=2)')).at).toBe('groups=2');
    expect(onlyError(model('N, 4, 2, 2', '  normalize(mean=[1, 2], std=[1])')).at).toBe('mean=[1, 2]');
    expect(onlyError(model('N, 4', '  reshape([3, -1])')).at).toBe('[3, -1]');
  });
});

describe('files cut where recovery leaves an empty name', () => {
  // Each reached lowering: `internal error while lowering ... unknown layer ``` and the like.
  const cuts = [
    'model M {\n  input x: f32[N, 4]\n  output y\n  fc:',
    'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2) with',
    'model M {\n  input x: f32[N, 4]\n  output repeat 2',
    'model M {\n  input x: f32[N, 4]\n  output log_probs::block(64)',
    'block B() {\n  input x\n  relu\n}\nmodel M {\n  input x: f32[N, 4]\n  output y\n  r: repeat 2 B ->',
    'model M {\n  input x: f32[',
  ];
  for (const text of cuts) {
    it(`reports only the syntax error for ${JSON.stringify(text.slice(text.lastIndexOf('\n') + 1))}`, () => {
      const codes = errorsOf(text).map((d) => d.code);
      expect(codes).toContain('E0103');
      expect(codes.filter((c) => c.startsWith('E05'))).toEqual([]);
    });
  }
});

describe('values an f32 cannot hold', () => {
  it('reports a range too narrow for minmax at `max`, where 1 / (max - min) was emitted as Infinity', () => {
    const { code, message, at } = onlyError(model('N, 4', '  minmax(min=0, max=5e-324)'));
    expect([code, at]).toEqual(['E0502', 'max=5e-324']);
    expect(message).toContain('too narrow for f32');
    expect(onlyError(model('N, 4', '  minmax(min=0, max=1e-40)')).code).toBe('E0502');
  });

  it('reports a normalize whose 1 / std or mean / std leaves f32, at that argument', () => {
    expect(onlyError(model('N, 1, 2, 2', '  normalize(mean=[0], std=[1e-300])')).at).toBe('std=[1e-300]');
    expect(onlyError(model('N, 1, 2, 2', '  normalize(mean=[1e30], std=[1e-30])')).at).toBe('mean=[1e30]');
  });

  it('compiles the narrowest and widest ranges f32 holds', () => {
    for (const layer of ['minmax(min=-1e38, max=3e38)', 'minmax(min=0, max=1e-30)']) {
      const result = compileSource(model('N, 4', `  ${layer}`), 'm.reg');
      expect(result.diagnostics, layer).toEqual([]);
      expect(result.bundle, layer).toBeDefined();
    }
  });
});

describe('names past what a bundle holds', () => {
  it('reports a 50,000-character label once, at the layer, without quoting it whole', () => {
    // The bundle compiled, and validate-manifest refused its 50,007-character tensor name.
    const label = 'a'.repeat(50_000);
    const errors = errorsOf(model('N, 4', `  ${label}: linear(2)`));
    expect(errors.map((d) => d.code)).toEqual(['E0505']);
    expect(errors[0]!.message).toMatch(/^the layer name `a{24}…a{24}` has 50,000 characters, more than the 1,024 \(2\^10\) a bundle allows$/);
  });

  it('reports long input and output names, and tensor names that labels nest past the cap', () => {
    expect(onlyError(`model M {\n  input ${'x'.repeat(MAX_NAME_LENGTH + 1)}: f32[N, 4]\n  output y\n  relu\n}\n`).code).toBe('E0505');
    expect(onlyError(`model M {\n  input x: f32[N, 4]\n  output ${'y'.repeat(MAX_NAME_LENGTH + 1)}\n  relu\n}\n`).code).toBe('E0505');
    // Each label fits; the tensor's full name `<block label>.<layer label>.weight` does not.
    const half = 'b'.repeat(MAX_NAME_LENGTH / 2);
    const text = `block B() {\n  input x\n  ${half}: linear(2)\n}\nmodel M {\n  input x: f32[N, 4]\n  output y\n  ${half}: B\n}\n`;
    expect(onlyError(text).code).toBe('E0505');
  });

  it('compiles names at the cap', () => {
    const label = 'c'.repeat(MAX_NAME_LENGTH - '.weight'.length);
    const result = compileSource(model('N, 4', `  ${label}: linear(2, bias=false)`), 'm.reg');
    expect(result.diagnostics).toEqual([]);
    expect(result.bundle?.weights.has(`${label}.weight`)).toBe(true);
  });
});

describe('the values of a model together', () => {
  it('refuses models whose values alive at once would pass the runtime memory cap at batch 1', () => {
    // Nine values of 2^28 each, all alive until the sum: 11 GiB at batch 1, which compiled.
    const lets = Array.from({ length: 9 }, (_, i) => `  let a${i} = x * ${i + 2}`).join('\n');
    const sum = Array.from({ length: 9 }, (_, i) => `a${i}`).join(' + ');
    const errors = errorsOf(model('N, 268435456', `${lets}\n  let y = ${sum}`));
    expect(errors.map((d) => d.code)).toEqual(['E0504']);
    expect(errors[0]!.message).toBe('model `M` would compute more than 536,870,912 (2^29) values per sample in all');
  });
});
