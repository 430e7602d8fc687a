// The host-side layout changes that feed torch's tensors to TF.js, against
// index-by-index definitions and, for the flattened dense kernel, against
// what it is for: the same product whichever layout the map was flattened in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelsLast, convFilterHwio, denseKernelAfterChannelsLastFlatten, transpose2d } from '../../bench/peers/layouts.ts';

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 10);
const dims = fc.integer({ min: 1, max: 4 });

describe('layouts', () => {
  it('transpose2d swaps rows and columns', () => {
    fc.assert(
      fc.property(dims, dims, (rows, cols) => {
        const data = values(rows * cols, rows + 7 * cols);
        const t = transpose2d(data, rows, cols);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(t[c * rows + r]).toBe(data[r * cols + c]);
      }),
    );
    expect(() => transpose2d(new Float32Array(5), 2, 3)).toThrow(/2x3/);
  });

  it('channelsLast moves the channel axis last', () => {
    fc.assert(
      fc.property(dims, dims, dims, dims, (n, c, h, w) => {
        const data = values(n * c * h * w, n + c + h + w);
        const out = channelsLast(data, [n, c, h, w]);
        expect(out.shape).toEqual([n, h, w, c]);
        for (let b = 0; b < n; b++)
          for (let ch = 0; ch < c; ch++)
            for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(out.data[((b * h + y) * w + x) * c + ch]).toBe(data[((b * c + ch) * h + y) * w + x]);
      }),
    );
  });

  it('convFilterHwio turns [out, in, kh, kw] into [kh, kw, in, out]', () => {
    fc.assert(
      fc.property(dims, dims, dims, dims, (o, i, kh, kw) => {
        const data = values(o * i * kh * kw, o * i + kh * kw);
        const out = convFilterHwio(data, [o, i, kh, kw]);
        expect(out.shape).toEqual([kh, kw, i, o]);
        for (let a = 0; a < o; a++)
          for (let b = 0; b < i; b++)
            for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) expect(out.data[((y * kw + x) * i + b) * o + a]).toBe(data[((a * i + b) * kh + y) * kw + x]);
      }),
    );
    expect(() => convFilterHwio(new Float32Array(6), [2, 3])).toThrow(/out, in, kh, kw/);
  });

  it('a dense kernel after an NHWC flatten gives what the torch weight gives after an NCHW flatten', () => {
    fc.assert(
      fc.property(dims, dims, dims, dims, (out, c, h, w) => {
        const features = c * h * w;
        const map = values(features, out + c);
        const weight = values(out * features, h + w);
        const torch = Array.from({ length: out }, (_, o) => map.reduce((sum, v, f) => sum + v * weight[o * features + f]!, 0));
        const nhwc = channelsLast(map, [1, c, h, w]).data;
        const kernel = denseKernelAfterChannelsLastFlatten(weight, out, c, h, w);
        const tf = Array.from({ length: out }, (_, o) => nhwc.reduce((sum, v, f) => sum + v * kernel[f * out + o]!, 0));
        tf.forEach((v, o) => expect(v).toBeCloseTo(torch[o]!, 3));
      }),
    );
  });
});
