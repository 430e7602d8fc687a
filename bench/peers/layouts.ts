// Host-side layout changes for feeding torch's tensors to TF.js, whose
// convolutions are NHWC and whose dense layers keep kernels as [in, out].
// Done once at load (weights) or once before the timed runs (the input), as a
// TF.js user porting a torch model would.

/** A row-major [rows, cols] matrix as [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  if (data.length !== rows * cols) throw new Error(`transpose2d: ${data.length} values are not ${rows}x${cols}`);
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Moves axis 1 (channels) last: [N, C, ...spatial] -> [N, ...spatial, C]. */
export function channelsLast(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [n, c, ...spatial] = shape;
  if (n === undefined || c === undefined) throw new Error(`channelsLast needs a rank >= 2 shape, got [${shape.join(', ')}]`);
  const pixels = spatial.reduce((p, d) => p * d, 1);
  if (data.length !== n * c * pixels) throw new Error(`channelsLast: ${data.length} values do not fill [${shape.join(', ')}]`);
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < pixels; p++) out[(b * pixels + p) * c + ch] = data[(b * c + ch) * pixels + p]!;
    }
  }
  return { data: out, shape: [n, ...spatial, c] };
}

/** torch's conv weight [out, in, kh, kw] as TF.js's filter [kh, kw, in, out]. */
export function convFilterHwio(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [o, i, kh, kw] = shape;
  if (o === undefined || i === undefined || kh === undefined || kw === undefined || shape.length !== 4) {
    throw new Error(`convFilterHwio needs [out, in, kh, kw], got [${shape.join(', ')}]`);
  }
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = data[((a * i + b) * kh + y) * kw + x]!;
    }
  }
  return { data: out, shape: [kh, kw, i, o] };
}

/**
 * A torch linear weight [out, C*H*W] applied after flattening an NCHW map,
 * as a dense kernel [H*W*C, out] applied after flattening the same map in
 * NHWC: the rows are the same features, in channels-last order.
 */
export function denseKernelAfterChannelsLastFlatten(weight: Float32Array, out: number, c: number, h: number, w: number): Float32Array {
  const features = c * h * w;
  if (weight.length !== out * features) throw new Error(`denseKernelAfterChannelsLastFlatten: ${weight.length} values are not [${out}, ${c}*${h}*${w}]`);
  const kernel = new Float32Array(weight.length);
  for (let o = 0; o < out; o++) {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) kernel[(p * c + ch) * out + o] = weight[o * features + ch * h * w + p]!;
    }
  }
  return kernel;
}
