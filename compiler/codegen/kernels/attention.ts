// Multi-head self-attention at eval, as torch.nn.MultiheadAttention with
// batch_first=True and no mask computes it: one packed input projection to
// q, k, v; per head softmax(q k^T / sqrt(head_dim)) v; the output projection.
// Three dispatches through two scratch buffers:
//   in_proj   x [B, L, E] -> qkv [B, L, 3E]   (the shared register-blocked GEMM)
//   attend    qkv -> context [B, L, E] (heads side by side, as torch concatenates them)
//   out_proj  context -> y [B, L, E]         (the shared GEMM, with the node's epilogue: a
//                                           residual add fused into it lands here)
import type { Node, TensorType } from '../../ir/types.ts';
import type { BindingSource, Kernel, KernelBinding } from '../kernel.ts';
import { epilogueOperands } from '../epilogue.ts';
import { f32Literal } from '../wgsl.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  kernelName,
  ONE,
  perElementGrid,
  sizeAffine,
  sizeOfDim,
  sizeProduct,
  type Size,
} from './layout.ts';
import { gemmKernel } from './matmul.ts';
import { isQuick, type Tiling } from './tiling.ts';
import { F32_LOWEST } from './reduce.ts';

/**
 * The projections are linear layers over [B * L, E] rows: the shared GEMM,
 * with its operands pointed at the scratch buffers. Only the bindings'
 * sources change (found by source: a shape-generic GEMM names its operands
 * its own way); the WGSL does not depend on where a buffer comes from.
 */
function rebind(kernel: Kernel, from: BindingSource, to: BindingSource): Kernel {
  const isFrom = (s: BindingSource) => JSON.stringify(s) === JSON.stringify(from);
  return { ...kernel, bindings: kernel.bindings.map((b) => (isFrom(b.source) ? { ...b, source: to } : b)) };
}

/** Queries per thread: each key and value loaded serves them all, within a register budget. */
function queriesPerThread(headDim: number): number {
  return Math.max(1, Math.min(4, Math.floor(64 / headDim)));
}

/**
 * One thread per (sample, head, block of queries), one pass over the keys
 * with the running-maximum ("online") softmax: the accumulators are rescaled
 * by exp(old max - new max) whenever the maximum grows, so no exponential
 * overflows and each key is read once. Heads whose size is a multiple of four
 * read q, k and v as vec4s.
 */
function attendKernel(opts: {
  readonly name: string;
  readonly batch: Size;
  readonly length: number;
  readonly embed: number;
  readonly heads: number;
  readonly qkv: KernelBinding;
  readonly context: KernelBinding;
  readonly tiling: Tiling;
}): Kernel {
  const { length: L, embed: E, heads: H } = opts;
  const D = E / H;
  const width = D % 4 === 0 ? 4 : 1;
  const T = width === 4 ? 'vec4<f32>' : 'f32';
  const chunks = D / width;
  // One query per thread compiles in about half the time (the quick twin).
  const Q = isQuick(opts.tiling) ? 1 : queriesPerThread(D);
  const blocks = Math.ceil(L / Q);
  const qkv: KernelBinding = { ...opts.qkv, ...(width === 4 ? { elementType: 'vec4<f32>' as const } : {}) };
  const context: KernelBinding = { ...opts.context, ...(width === 4 ? { elementType: 'vec4<f32>' as const } : {}) };
  const count = sizeProduct([opts.batch, { k: H * blocks, n: false }]);
  const grid = perElementGrid(count);
  const dot = (a: string, b: string): string => (width === 4 ? `dot(${a}, ${b})` : `${a} * ${b}`);
  const queries = Array.from({ length: Q }, (_, r) => r);
  // Offsets in units of T: rows of qkv hold q | k | v, each E wide.
  const rowStride = (3 * E) / width;
  const lines: string[] = [
    grid.guard,
    `let block = gidx % ${blocks}u;`,
    `let rest = gidx / ${blocks}u;`,
    `let head = (rest % ${H}u) * ${chunks}u;`,
    `let sample_row = (rest / ${H}u) * ${L}u;`,
    `let first = block * ${Q}u;`,
  ];
  for (const r of queries) {
    // Past the last query a block repeats it (clamped) and skips the store.
    lines.push(`let q_at${r} = (sample_row + min(first + ${r}u, ${L - 1}u)) * ${rowStride}u + head;`);
    lines.push(`var q${r}: array<${T}, ${chunks}>;`);
    lines.push(`var acc${r}: array<${T}, ${chunks}>;`);
    lines.push(`var m${r} = ${F32_LOWEST};`);
    lines.push(`var l${r} = 0.0;`);
    lines.push(`for (var c = 0u; c < ${chunks}u; c++) { q${r}[c] = ${qkv.name}[q_at${r} + c] * ${f32Literal(1 / Math.sqrt(D))}; }`);
  }
  lines.push(`for (var j = 0u; j < ${L}u; j++) {`);
  lines.push(`  let key = (sample_row + j) * ${rowStride}u + ${E / width}u + head;`);
  for (const r of queries) lines.push(`  var s${r} = 0.0;`);
  lines.push(`  for (var c = 0u; c < ${chunks}u; c++) {`);
  lines.push(`    let k = ${qkv.name}[key + c];`);
  for (const r of queries) lines.push(`    s${r} += ${dot(`q${r}[c]`, 'k')};`);
  lines.push('  }');
  for (const r of queries) {
    lines.push(`  let top${r} = max(m${r}, s${r});`);
    lines.push(`  let rescale${r} = exp(m${r} - top${r});`);
    lines.push(`  let p${r} = exp(s${r} - top${r});`);
    lines.push(`  l${r} = l${r} * rescale${r} + p${r};`);
    lines.push(`  m${r} = top${r};`);
  }
  lines.push(`  let value = key + ${E / width}u;`);
  lines.push(`  for (var c = 0u; c < ${chunks}u; c++) {`);
  lines.push(`    let v = ${qkv.name}[value + c];`);
  for (const r of queries) lines.push(`    acc${r}[c] = acc${r}[c] * rescale${r} + p${r} * v;`);
  lines.push('  }');
  lines.push('}');
  for (const r of queries) {
    lines.push(`if (first + ${r}u < ${L}u) {`);
    lines.push(`  let out_at = (sample_row + first + ${r}u) * ${E / width}u + head;`);
    lines.push(`  for (var c = 0u; c < ${chunks}u; c++) { ${context.name}[out_at + c] = acc${r}[c] / l${r}; }`);
    lines.push('}');
  }
  return assembleKernel({
    name: opts.name,
    bindings: [qkv, context],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body: lines.join('\n'),
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

/**
 * inputs: x [B, L, E], in_proj_weight [3E, E], in_proj_bias [3E]?,
 * out_proj.weight [E, E], out_proj.bias [E]? — both biases or neither, as
 * torch's `bias` flag makes them.
 */
export function multiheadAttentionKernels(node: Node<'multihead_attention'>, inputTypes: readonly TensorType[], tiling: Tiling = 'fast'): Kernel[] {
  const epilogue = node.attrs.epilogue ?? [];
  const own = node.inputs.length - epilogueOperands(epilogue).length;
  const hasBias = own === 5;
  if (!hasBias && own !== 3) {
    throw new Error(`multihead_attention node %${node.id} has ${own} inputs of its own, expected 3 or 5`);
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
  const qkvIn: KernelBinding = { name: 'qkv', access: 'read', source: qkvSource };
  const contextOut: KernelBinding = { name: 'context', access: 'read_write', source: contextSource };
  const outWeightIndex = hasBias ? 3 : 2;
  const bias = (input: number) => ({ name: 'bias', input, index: (_row: string, col: string) => col });
  const inProjection = gemmKernel({
    name: kernelName(node, 'in_proj'),
    batch: ONE,
    m: rows,
    k: E,
    n: 3 * E,
    bLayout: 'nk',
    a: { name: 'src', input: 0 },
    b: { name: 'in_proj_weight', input: 1 },
    ...(hasBias ? { bias: bias(2) } : {}),
    epilogue: [],
    tiling,
  });
  const outProjection = gemmKernel({
    name: kernelName(node, 'out_proj'),
    batch: ONE,
    m: rows,
    k: E,
    n: E,
    bLayout: 'nk',
    // Input 0 stands in for the context scratch until `rebind` points it there.
    a: { name: 'context', input: 0 },
    b: { name: 'out_proj_weight', input: outWeightIndex },
    ...(hasBias ? { bias: bias(4) } : {}),
    epilogue,
    tiling,
  });
  return [
    rebind(inProjection, { kind: 'output' }, qkvSource),
    attendKernel({ name: kernelName(node, 'attend'), batch, length: L, embed: E, heads: node.attrs.heads, qkv: qkvIn, context: contextOut, tiling }),
    rebind(outProjection, { kind: 'input', index: 0 }, contextSource),
  ];
}
