// The pure check of run inputs' shapes and dtypes against the declared ones.
import { describe, expect, it } from 'vitest';
import { checkInputDtype, checkInputShapes } from '../../runtime/bundle/input-shapes.ts';

const image = { name: 'x', shape: ['N', 1, 16, 16] as const };
const mask = { name: 'm', shape: ['N', 4] as const };

describe('checkInputShapes', () => {
  it('binds N from the shape', () => {
    expect(checkInputShapes([image], { x: [3, 1, 16, 16] })).toEqual({ batch: 3, problems: [] });
  });

  it('refuses a shape with the right number of values but other dimensions', () => {
    // 4 * 8 * 16 values are 2 samples of [1, 16, 16]: this used to run as a batch of 2.
    const r = checkInputShapes([image], { x: [4, 1, 8, 16] });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain('input `x` has shape [4, 1, 8, 16]');
    expect(r.problems[0]).toContain('f32[N, 1, 16, 16]');
    expect(r.problems[0]).toContain('x.reshape(-1, 1, 16, 16)');
  });

  it('refuses another rank', () => {
    const r = checkInputShapes([image], { x: [2, 256] });
    expect(r.problems[0]).toMatch(/rank 2\), the model declares f32\[N, 1, 16, 16\] \(rank 4\)/);
  });

  it('needs the same N across inputs, and the batch option when given', () => {
    expect(checkInputShapes([image, mask], { x: [2, 1, 16, 16], m: [2, 4] }).problems).toEqual([]);
    const r = checkInputShapes([image, mask], { x: [2, 1, 16, 16], m: [3, 4] });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/input `m`.*its N is 3, but input `x` made N 2/);
    expect(checkInputShapes([image], { x: [2, 1, 16, 16] }, 5).problems[0]).toMatch(/its N is 2, but the batch option made N 5/);
  });

  it('checks fixed shapes and skips inputs given without a shape', () => {
    expect(checkInputShapes([{ name: 'k', shape: [3] }], { k: [3] }).problems).toEqual([]);
    expect(checkInputShapes([{ name: 'k', shape: [3] }], { k: [4] }).problems[0]).toMatch(/axis 0 is 4, not 3/);
    expect(checkInputShapes([image], {})).toEqual({ batch: undefined, problems: [] });
  });
});

describe('checkInputDtype', () => {
  it('takes float32 only, and says how to convert', () => {
    expect(checkInputDtype('x', 'F32')).toBeUndefined();
    expect(checkInputDtype('x', 'F64')).toBe('input `x` holds float64, the model takes float32: convert it with `x.astype(np.float32)`');
    expect(checkInputDtype('x', 'I64')).toMatch(/holds int64/);
  });
});
