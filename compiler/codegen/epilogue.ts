// WGSL for the pointwise functions of the IR: unary and binary functions, and
// the epilogues (chains of them) that fusion attaches to linear, matmul, conv,
// channel_affine and elementwise nodes. Kernels emit `epilogueHelpers(steps)`
// once among their helper functions and `emitEpilogue(...)` wherever a result
// is stored.
//
// Every function takes its argument exactly once in the emitted expression,
// so nesting steps never duplicates work; functions that need their argument
// twice are WGSL helpers. Numerics follow torch float32:
//   - sigmoid exponentiates -|x| only, so it never overflows;
//   - gelu (erf form) uses erfc, whose relative error stays ~1e-7 for every x,
//     so 0.5 * x * erfc(-x / sqrt 2) keeps its accuracy far into the negative
//     tail where 1 + erf(x) would cancel;
//   - tanh clamps its argument: some drivers build tanh from exp and return
//     NaN for large |x|, and tanh(+-15) is +-1 in f32 anyway.
import type { BinaryFn, EpilogueStep, UnaryFn } from '../ir/ops.ts';
import type { KernelBinding, KernelParam } from './kernel.ts';
import { f32Literal } from './wgsl.ts';

/** WGSL helper functions by name; a unary function lists the helpers it calls. */
const HELPERS: Readonly<Record<string, string>> = {
  ep_sigmoid: [
    'fn ep_sigmoid(x: f32) -> f32 {',
    '  let e = exp(-abs(x));',
    '  return select(e, 1.0, x >= 0.0) / (1.0 + e);',
    '}',
  ].join('\n'),
  ep_silu: ['fn ep_silu(x: f32) -> f32 {', '  return x * ep_sigmoid(x);', '}'].join('\n'),
  ep_tanh: ['fn ep_tanh(x: f32) -> f32 {', '  return tanh(clamp(x, -15.0, 15.0));', '}'].join('\n'),
  // erfc for z >= 0 (Numerical Recipes' erfcc, a Chebyshev fit with
  // fractional error below 1.2e-7 everywhere).
  ep_erfc_nonneg: [
    'fn ep_erfc_nonneg(z: f32) -> f32 {',
    '  let t = 1.0 / (1.0 + 0.5 * z);',
    '  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +',
    '    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));',
    '  return t * exp(p - z * z);',
    '}',
  ].join('\n'),
  ep_gelu: [
    'fn ep_gelu(x: f32) -> f32 {',
    '  let e = ep_erfc_nonneg(abs(x) * 0.70710678118654752);',
    '  return 0.5 * x * select(e, 2.0 - e, x >= 0.0);',
    '}',
  ].join('\n'),
  ep_gelu_tanh: [
    'fn ep_gelu_tanh(x: f32) -> f32 {',
    '  let inner = 0.79788456080286536 * (x + 0.044715 * x * x * x);',
    '  return 0.5 * x * (1.0 + ep_tanh(inner));',
    '}',
  ].join('\n'),
  ep_leaky_relu: ['fn ep_leaky_relu(x: f32, slope: f32) -> f32 {', '  return select(slope * x, x, x > 0.0);', '}'].join(
    '\n',
  ),
  ep_square: ['fn ep_square(x: f32) -> f32 {', '  return x * x;', '}'].join('\n'),
  // Derivatives, in torch's formulas (GeluBackward, SiluBackward).
  ep_step: ['fn ep_step(x: f32, below: f32, at: f32) -> f32 {', '  return select(select(below, at, x == 0.0), 1.0, x > 0.0);', '}'].join('\n'),
  ep_gelu_grad: [
    'fn ep_gelu_grad(x: f32) -> f32 {',
    '  let e = ep_erfc_nonneg(abs(x) * 0.70710678118654752);',
    '  let cdf = 0.5 * select(e, 2.0 - e, x >= 0.0);',
    '  return cdf + x * 0.39894228040143268 * exp(-0.5 * x * x);',
    '}',
  ].join('\n'),
  ep_gelu_tanh_grad: [
    'fn ep_gelu_tanh_grad(x: f32) -> f32 {',
    '  let x_sq = x * x;',
    '  let t = ep_tanh(0.79788456080286536 * (x + 0.044715 * x_sq * x));',
    '  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.79788456080286536 * (1.0 + 3.0 * 0.044715 * x_sq);',
    '}',
  ].join('\n'),
  ep_silu_grad: [
    'fn ep_silu_grad(x: f32) -> f32 {',
    '  let s = ep_sigmoid(x);',
    '  return s * (1.0 + x * (1.0 - s));',
    '}',
  ].join('\n'),
};

/** The helpers each function needs, dependencies first. */
const UNARY_HELPERS: Readonly<Partial<Record<UnaryFn, readonly string[]>>> = {
  sigmoid: ['ep_sigmoid'],
  silu: ['ep_sigmoid', 'ep_silu'],
  tanh: ['ep_tanh'],
  gelu: ['ep_erfc_nonneg', 'ep_gelu'],
  gelu_tanh: ['ep_tanh', 'ep_gelu_tanh'],
  leaky_relu: ['ep_leaky_relu'],
  square: ['ep_square'],
  step: ['ep_step'],
  gelu_grad: ['ep_erfc_nonneg', 'ep_gelu_grad'],
  gelu_tanh_grad: ['ep_tanh', 'ep_gelu_tanh_grad'],
  silu_grad: ['ep_sigmoid', 'ep_silu_grad'],
};

/** torch.nn.LeakyReLU's default negative slope. */
const DEFAULT_LEAKY_SLOPE = 0.01;

/** `fn(x)` as a WGSL f32 expression; `x` appears exactly once. */
export function unaryExpression(fn: UnaryFn, x: string, alpha?: number, beta?: number): string {
  switch (fn) {
    case 'relu':
      return `max(${x}, 0.0)`;
    case 'leaky_relu':
      return `ep_leaky_relu(${x}, ${f32Literal(alpha ?? DEFAULT_LEAKY_SLOPE)})`;
    case 'gelu':
      return `ep_gelu(${x})`;
    case 'gelu_tanh':
      return `ep_gelu_tanh(${x})`;
    case 'silu':
      return `ep_silu(${x})`;
    case 'sigmoid':
      return `ep_sigmoid(${x})`;
    case 'tanh':
      return `ep_tanh(${x})`;
    case 'neg':
      return `(-(${x}))`;
    case 'exp':
      return `exp(${x})`;
    case 'log':
      return `log(${x})`;
    case 'sqrt':
      return `sqrt(${x})`;
    case 'rsqrt':
      return `inverseSqrt(${x})`;
    case 'abs':
      return `abs(${x})`;
    case 'square':
      return `ep_square(${x})`;
    case 'affine':
      return `(${f32Literal(alpha ?? 1)} * (${x}) + ${f32Literal(beta ?? 0)})`;
    case 'step':
      return `ep_step(${x}, ${f32Literal(alpha ?? 0)}, ${f32Literal(beta ?? 0)})`;
    case 'sign':
      return `sign(${x})`;
    case 'gelu_grad':
      return `ep_gelu_grad(${x})`;
    case 'gelu_tanh_grad':
      return `ep_gelu_tanh_grad(${x})`;
    case 'silu_grad':
      return `ep_silu_grad(${x})`;
  }
}

/** `a fn b` as a WGSL f32 expression. */
export function binaryExpression(fn: BinaryFn, a: string, b: string): string {
  switch (fn) {
    case 'add':
      return `(${a} + ${b})`;
    case 'sub':
      return `(${a} - ${b})`;
    case 'mul':
      return `(${a} * ${b})`;
    case 'div':
      return `(${a} / ${b})`;
    case 'max':
      return `max(${a}, ${b})`;
    case 'min':
      return `min(${a}, ${b})`;
  }
}

/** The WGSL helper functions the given unary functions need (each once, in dependency order). */
export function unaryHelpers(fns: readonly UnaryFn[]): string {
  const names: string[] = [];
  for (const fn of fns) {
    for (const name of UNARY_HELPERS[fn] ?? []) if (!names.includes(name)) names.push(name);
  }
  return names.map((name) => HELPERS[name]).join('\n');
}

/** The WGSL helper functions an epilogue needs; empty when it needs none. */
export function epilogueHelpers(steps: readonly EpilogueStep[]): string {
  return unaryHelpers(steps.flatMap((s) => (s.kind === 'unary' ? [s.fn] : [])));
}

/**
 * A WGSL f32 expression applying `steps` to `valueExpr`, in order. A binary
 * step reads its operand at `indexExpr` from the storage array named by
 * `operandNames[step.operand]` (the operand is an index into node.inputs and
 * has the output's shape, so the output's flat index addresses it).
 */
export function emitEpilogue(
  steps: readonly EpilogueStep[],
  valueExpr: string,
  indexExpr: string,
  operandNames: Readonly<Record<number, string>>,
): string {
  // The caller's expression may be a sum (`acc + bias[i]`): bind it before any operator applies.
  let value = /^[\w.[\]]+$/.test(valueExpr) ? valueExpr : `(${valueExpr})`;
  for (const step of steps) {
    if (step.kind === 'unary') {
      value = unaryExpression(step.fn, value, step.alpha, step.beta);
      continue;
    }
    const name = operandNames[step.operand];
    if (name === undefined) {
      throw new Error(`epilogue reads input ${step.operand}, which has no binding in this kernel`);
    }
    const operand = `${name}[${indexExpr}]`;
    value = step.operandFirst ? binaryExpression(step.fn, operand, value) : binaryExpression(step.fn, value, operand);
  }
  return value;
}

/**
 * Shape-generic kernels (see KernelParam) take the epilogues layers most
 * often end in as Dims flags instead of text, so that layers that differ
 * only there share one shader: a residual add (`dims.residual`, the
 * operand bound as `residual`), then a relu (`dims.relu`). Nothing, a relu,
 * an add and an add then relu have flags; any other epilogue gives undefined
 * and stays in the kernel's text.
 */
export interface EpilogueFlags {
  readonly relu: 0 | 1;
  /** The node input added, where the epilogue adds one. */
  readonly residual?: number;
}

export function epilogueFlags(steps: readonly EpilogueStep[]): EpilogueFlags | undefined {
  const isRelu = (s: EpilogueStep | undefined) => s?.kind === 'unary' && s.fn === 'relu';
  const [first, second] = steps;
  if (steps.length === 0) return { relu: 0 };
  if (steps.length === 1 && isRelu(first)) return { relu: 1 };
  // An add is commutative in IEEE arithmetic, so operand + value is value + operand.
  if (first?.kind === 'binary' && first.fn === 'add' && (steps.length === 1 || (steps.length === 2 && isRelu(second)))) {
    return { relu: steps.length === 2 ? 1 : 0, residual: first.operand };
  }
  return undefined;
}

/** The Dims values that carry `flags`, after a kernel's other params. */
export function epilogueFlagParams(flags: EpilogueFlags): KernelParam[] {
  return [
    { name: 'relu', value: flags.relu },
    { name: 'residual', value: flags.residual === undefined ? 0 : 1 },
  ];
}

/**
 * The `residual` binding a flagged kernel always has: the added operand, or
 * `unread` (one of the kernel's own inputs, read-only) where there is none.
 */
export function residualBinding(flags: EpilogueFlags, unread: number): KernelBinding {
  return { name: 'residual', access: 'read', source: { kind: 'input', index: flags.residual ?? unread } };
}

/** The helper flaggedEpilogue calls. */
export const EPILOGUE_FLAGS_HELPER = ['fn ep_relu_if(x: f32, on: u32) -> f32 {', `  return select(x, ${unaryExpression('relu', 'x')}, on != 0u);`, '}'].join('\n');

/**
 * Statements that store `valueExpr` through the flagged epilogue at
 * `dst[indexExpr]`: the residual is read only where its flag is set (a layer
 * without one binds some other buffer there).
 */
export function flaggedEpilogue(valueExpr: string, indexExpr: string): string {
  return `var v = ${valueExpr}; if (dims.residual != 0u) { v = v + residual[${indexExpr}]; } dst[${indexExpr}] = ep_relu_if(v, dims.relu);`;
}

/** The node inputs an epilogue reads, ascending and each once. */
export function epilogueOperands(steps: readonly EpilogueStep[]): number[] {
  const operands = new Set<number>();
  for (const s of steps) if (s.kind === 'binary') operands.add(s.operand);
  return [...operands].sort((a, b) => a - b);
}
