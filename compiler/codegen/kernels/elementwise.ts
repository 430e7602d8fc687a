// Pointwise ops: unary functions, binary functions with torch broadcasting,
// and the fused `elementwise` chains. One thread per output element; the
// function bodies come from epilogue.ts so an activation computes the same
// numbers whether it runs alone or fused into a conv.
import type { Node, Shape, TensorType } from '../../ir/types.ts';
import type { Kernel, KernelBinding } from '../kernel.ts';
import {
  binaryExpression,
  emitEpilogue,
  epilogueHelpers,
  epilogueOperands,
  unaryExpression,
  unaryHelpers,
} from '../epilogue.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  inputBinding,
  isOne,
  kernelName,
  offsetWgsl,
  outputBinding,
  perElementGrid,
  shapeSize,
  sizeOfDim,
  sizeProduct,
  stridesOf,
  unravel,
  type Size,
} from './layout.ts';

/** Dawn's default maxStorageBuffersPerShaderStage. */
export const MAX_STORAGE_BINDINGS = 8;

export function unaryKernels(node: Node<'unary'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { fn, alpha, beta } = node.attrs;
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const store = `${dst.name}[gidx] = ${unaryExpression(fn, `${src.name}[gidx]`, alpha, beta)};`;
  return [pointwiseKernel(node, inputTypes[0]!.shape, [src, dst], store, unaryHelpers([fn]))];
}

/** A merged run of output axes over which each operand is either fully present or broadcast. */
interface BroadcastRun {
  readonly size: Size;
  readonly present: readonly boolean[];
}

/**
 * The output axes as runs: size-one axes dropped, neighbours merged when
 * every operand is present in both or broadcast in both (so [N, C, H, W] +
 * [C, 1, 1] splits the index into N, C and H*W only).
 */
function broadcastRuns(out: Shape, operands: readonly Shape[]): BroadcastRun[] {
  const runs: BroadcastRun[] = [];
  out.forEach((d, axis) => {
    const size = sizeOfDim(d);
    if (isOne(size)) return;
    const present = operands.map((s) => {
      const aligned = axis - (out.length - s.length);
      return aligned >= 0 && s[aligned] !== 1;
    });
    const last = runs[runs.length - 1];
    if (last && last.present.every((p, i) => p === present[i])) {
      runs[runs.length - 1] = { size: sizeProduct([last.size, size]), present };
    } else {
      runs.push({ size, present });
    }
  });
  return runs;
}

/** Strides of one operand over the runs; null where it is broadcast. */
function operandStrides(runs: readonly BroadcastRun[], operand: number): (Size | null)[] {
  const sizes = runs.map((r) => (r.present[operand] ? r.size : { k: 1, n: false }));
  const strides = stridesOf(sizes);
  return runs.map((r, i) => (r.present[operand] ? strides[i]! : null));
}

export function binaryKernels(node: Node<'binary'>, inputTypes: readonly TensorType[]): Kernel[] {
  const out = node.type.shape;
  const shapes = inputTypes.map((t) => t.shape);
  const runs = broadcastRuns(out, shapes);
  const a = inputBinding('lhs', 0);
  const b = inputBinding('rhs', 1);
  const dst = outputBinding();
  const coords = runs.map((_, i) => `c${i}`);
  const fullShape = (i: number): boolean => runs.every((r) => r.present[i]);
  // Operands with the output's own layout are read at gidx, skipping the index split.
  const at = (i: number): string => (fullShape(i) ? 'gidx' : offsetWgsl(coords, operandStrides(runs, i)));
  const needsSplit = !fullShape(0) || !fullShape(1);
  const body = [
    ...(needsSplit ? [unravel('gidx', runs.map((r) => r.size), 'c')] : []),
    `${dst.name}[gidx] = ${binaryExpression(node.attrs.fn, `${a.name}[${at(0)}]`, `${b.name}[${at(1)}]`)};`,
  ].join('\n');
  // x op x reads one buffer twice: bind it once.
  const bindings = node.inputs[0] === node.inputs[1] ? [a, dst] : [a, b, dst];
  const code = node.inputs[0] === node.inputs[1] ? body.replaceAll(`${b.name}[`, `${a.name}[`) : body;
  return [pointwiseKernel(node, out, bindings, code)];
}

/**
 * A fused chain: inputs[0] goes through the epilogue steps; binary steps read
 * other inputs (which have the output's shape) at the same index.
 */
export function elementwiseKernels(node: Node<'elementwise'>, inputTypes: readonly TensorType[]): Kernel[] {
  const steps = node.attrs.epilogue;
  const src = inputBinding('src', 0);
  const operandNames: Record<number, string> = { 0: src.name };
  const bindings: KernelBinding[] = [src];
  for (const index of epilogueOperands(steps)) {
    if (operandNames[index] !== undefined) continue;
    const duplicate = node.inputs.findIndex((v, i) => i < index && v === node.inputs[index] && operandNames[i] !== undefined);
    if (duplicate >= 0) {
      operandNames[index] = operandNames[duplicate]!;
      continue;
    }
    const binding = inputBinding(`operand${index}`, index);
    operandNames[index] = binding.name;
    bindings.push(binding);
  }
  const dst = outputBinding();
  bindings.push(dst);
  if (bindings.length > MAX_STORAGE_BINDINGS) {
    throw new Error(`elementwise node %${node.id} needs ${bindings.length} storage buffers; at most ${MAX_STORAGE_BINDINGS} fit one kernel`);
  }
  const body = `${dst.name}[gidx] = ${emitEpilogue(steps, `${src.name}[gidx]`, 'gidx', operandNames)};`;
  return [pointwiseKernel(node, inputTypes[0]!.shape, bindings, body, epilogueHelpers(steps))];
}

export function pointwiseKernel(node: Node, shape: Shape, bindings: readonly KernelBinding[], store: string, helpers?: string): Kernel {
  const grid = perElementGrid(shapeSize(shape));
  return assembleKernel({
    name: kernelName(node),
    bindings,
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body: `${grid.guard}\n${store}`,
    ...(helpers ? { helpers } : {}),
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}
