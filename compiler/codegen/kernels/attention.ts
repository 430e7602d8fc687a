// Multi-head self-attention at eval, as torch.nn.MultiheadAttention with
// batch_first=True and no mask computes it: one packed input projection to
// q, k, v; per head softmax(q k^T / sqrt(head_dim)) v; the output projection.
// Three dispatches through two scratch buffers:
//   in_proj   x [B, L, E] -> qkv [B, L, 3E]
//   attend    qkv -> context [B, L, E] (heads side by side, as torch concatenates them)
//   out_proj  context -> y [B, L, E]
import type { Node, TensorType } from '../../ir/types.ts';
import type { Kernel, KernelBinding } from '../kernel.ts';
import { f32Literal } from '../wgsl.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  inputBinding,
  kernelName,
  outputBinding,
  perElementGrid,
  sizeAffine,
  sizeOfDim,
  sizeProduct,
  type Size,
} from './layout.ts';
import { F32_LOWEST } from './reduce.ts';

/** Rows (within a sample) and output features each projection thread computes. */
const TILE = 4;

/**
 * y[b, l, j] = sum_k x[b, l, k] * w[j, k] (+ bias[j]) for one sample-major
 * [batch, length, features] operand. Each thread computes a TILE x TILE block
 * (TILE positions of one sample by TILE features), reusing every load TILE
 * times; tiles never straddle samples, so the thread count stays affine in N.
 */
function projectionKernel(opts: {
  readonly name: string;
  readonly batch: Size;
  readonly length: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly x: KernelBinding;
  readonly weight: KernelBinding;
  readonly bias: KernelBinding | undefined;
  readonly y: KernelBinding;
}): Kernel {
  const { length: L, inFeatures: K, outFeatures: J, x, weight, bias, y } = opts;
  const rowTiles = Math.ceil(L / TILE);
  const colTiles = Math.ceil(J / TILE);
  const count = sizeProduct([opts.batch, { k: rowTiles * colTiles, n: false }]);
  const grid = perElementGrid(count);
  const lines: string[] = [
    grid.guard,
    `let col_tile = gidx % ${colTiles}u;`,
    `let rest = gidx / ${colTiles}u;`,
    `let first_pos = (rest % ${rowTiles}u) * ${TILE}u;`,
    `let sample_row = (rest / ${rowTiles}u) * ${L}u;`,
    `let first_col = col_tile * ${TILE}u;`,
  ];
  // Edge tiles read a clamped row or column and skip its store.
  for (let r = 0; r < TILE; r++) lines.push(`let x${r} = (sample_row + min(first_pos + ${r}u, ${L - 1}u)) * ${K}u;`);
  for (let c = 0; c < TILE; c++) lines.push(`let w${c} = min(first_col + ${c}u, ${J - 1}u) * ${K}u;`);
  for (let r = 0; r < TILE; r++) lines.push(`var acc${r} = vec4<f32>(0.0);`);
  lines.push(`for (var k = 0u; k < ${K}u; k++) {`);
  lines.push(`  let wk = vec4<f32>(${Array.from({ length: TILE }, (_, c) => `${weight.name}[w${c} + k]`).join(', ')});`);
  for (let r = 0; r < TILE; r++) lines.push(`  acc${r} += ${x.name}[x${r} + k] * wk;`);
  lines.push('}');
  const components = ['x', 'y', 'z', 'w'];
  for (let c = 0; c < TILE; c++) {
    lines.push(`if (first_col + ${c}u < ${J}u) {`);
    if (bias) lines.push(`  let b${c} = ${bias.name}[first_col + ${c}u];`);
    for (let r = 0; r < TILE; r++) {
      const value = bias ? `acc${r}.${components[c]} + b${c}` : `acc${r}.${components[c]}`;
      lines.push(
        `  if (first_pos + ${r}u < ${L}u) { ${y.name}[(sample_row + first_pos + ${r}u) * ${J}u + first_col + ${c}u] = ${value}; }`,
      );
    }
    lines.push('}');
  }
  return assembleKernel({
    name: opts.name,
    bindings: bias ? [x, weight, bias, y] : [x, weight, y],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body: lines.join('\n'),
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

/**
 * One thread per (sample, head, query): two passes over the keys, the first
 * for the maximum score, the second accumulating exp(score - max) and the
 * weighted values, so no exponential overflows.
 */
function attendKernel(opts: {
  readonly name: string;
  readonly batch: Size;
  readonly length: number;
  readonly embed: number;
  readonly heads: number;
  readonly qkv: KernelBinding;
  readonly context: KernelBinding;
}): Kernel {
  const { length: L, embed: E, heads: H, qkv, context } = opts;
  const D = E / H;
  const count = sizeProduct([opts.batch, { k: H * L, n: false }]);
  const grid = perElementGrid(count);
  const stride = 3 * E;
  const score = (j: string): string =>
    [
      `let key = (sample_row + ${j}) * ${stride}u + ${E}u + head_col;`,
      'var s = 0.0;',
      `for (var d = 0u; d < ${D}u; d++) { s += q[d] * ${qkv.name}[key + d]; }`,
    ].join('\n    ');
  const body = [
    grid.guard,
    `let query = gidx % ${L}u;`,
    `let rest = gidx / ${L}u;`,
    `let head_col = (rest % ${H}u) * ${D}u;`,
    `let sample_row = (rest / ${H}u) * ${L}u;`,
    `let q_at = (sample_row + query) * ${stride}u + head_col;`,
    `var q: array<f32, ${D}>;`,
    `for (var d = 0u; d < ${D}u; d++) { q[d] = ${qkv.name}[q_at + d] * ${f32Literal(1 / Math.sqrt(D))}; }`,
    `var m = ${F32_LOWEST};`,
    `for (var j = 0u; j < ${L}u; j++) {`,
    `    ${score('j')}`,
    '    m = max(m, s);',
    '}',
    `var acc: array<f32, ${D}>;`,
    'var total = 0.0;',
    `for (var j = 0u; j < ${L}u; j++) {`,
    `    ${score('j')}`,
    '    let p = exp(s - m);',
    '    total += p;',
    `    let value = (sample_row + j) * ${stride}u + ${2 * E}u + head_col;`,
    `    for (var d = 0u; d < ${D}u; d++) { acc[d] += p * ${qkv.name}[value + d]; }`,
    '}',
    `let out_at = (sample_row + query) * ${E}u + head_col;`,
    `for (var d = 0u; d < ${D}u; d++) { ${context.name}[out_at + d] = acc[d] / total; }`,
  ].join('\n');
  return assembleKernel({
    name: opts.name,
    bindings: [qkv, context],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body,
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

/**
 * inputs: x [B, L, E], in_proj_weight [3E, E], in_proj_bias [3E]?,
 * out_proj.weight [E, E], out_proj.bias [E]? — both biases or neither, as
 * torch's `bias` flag makes them.
 */
export function multiheadAttentionKernels(node: Node<'multihead_attention'>, inputTypes: readonly TensorType[]): Kernel[] {
  const hasBias = node.inputs.length === 5;
  if (!hasBias && node.inputs.length !== 3) {
    throw new Error(`multihead_attention node %${node.id} has ${node.inputs.length} inputs, expected 3 or 5`);
  }
  const [batchDim, lengthDim, embedDim] = inputTypes[0]!.shape;
  if (typeof lengthDim !== 'number' || typeof embedDim !== 'number') {
    throw new Error('multihead_attention: only the batch axis may be the batch size N');
  }
  const batch = sizeOfDim(batchDim!);
  const L = lengthDim;
  const E = embedDim;
  const rows = sizeProduct([batch, { k: L, n: false }]);
  const qkvSource = { kind: 'scratch', id: 'qkv', elements: sizeAffine(sizeProduct([rows, { k: 3 * E, n: false }])) } as const;
  const contextSource = { kind: 'scratch', id: 'context', elements: sizeAffine(sizeProduct([rows, { k: E, n: false }])) } as const;
  const qkvOut: KernelBinding = { name: 'qkv', access: 'read_write', source: qkvSource };
  const qkvIn: KernelBinding = { name: 'qkv', access: 'read', source: qkvSource };
  const contextOut: KernelBinding = { name: 'context', access: 'read_write', source: contextSource };
  const contextIn: KernelBinding = { name: 'context', access: 'read', source: contextSource };
  const outWeightIndex = hasBias ? 3 : 2;
  return [
    projectionKernel({
      name: kernelName(node, 'in_proj'),
      batch,
      length: L,
      inFeatures: E,
      outFeatures: 3 * E,
      x: inputBinding('src', 0),
      weight: inputBinding('in_proj_weight', 1),
      bias: hasBias ? inputBinding('in_proj_bias', 2) : undefined,
      y: qkvOut,
    }),
    attendKernel({ name: kernelName(node, 'attend'), batch, length: L, embed: E, heads: node.attrs.heads, qkv: qkvIn, context: contextOut }),
    projectionKernel({
      name: kernelName(node, 'out_proj'),
      batch,
      length: L,
      inFeatures: E,
      outFeatures: E,
      x: contextIn,
      weight: inputBinding('out_proj_weight', outWeightIndex),
      bias: hasBias ? inputBinding('out_proj_bias', 4) : undefined,
      y: outputBinding(),
    }),
  ];
}
