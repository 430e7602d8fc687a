// Normalisation ops in their eval forms, and channel_affine (what the eval
// passes lower running-statistics normalisers to).
//
// Statistics are per "row" (reduce.ts): a thread or a workgroup per row
// computes the mean, then the biased variance as the mean squared deviation
// from it (two passes over the row, as torch does, which avoids the
// cancellation of E[x^2] - E[x]^2), then writes the normalised row. Inputs
// follow the order the IR lowering emits: x, then weight and bias when
// affine, then running_mean and running_var when tracked.
import type { Node, Shape, TensorType } from '../../ir/types.ts';
import type { Kernel, KernelBinding } from '../kernel.ts';
import { emitEpilogue, epilogueHelpers, epilogueOperands } from '../epilogue.ts';
import { f32Literal } from '../wgsl.ts';
import { MAX_STORAGE_BINDINGS } from './elementwise.ts';
import {
  assembleKernel,
  ELEMENTWISE_WORKGROUP,
  inputBinding,
  isOne,
  kernelName,
  mulWgsl,
  outputBinding,
  perElementGrid,
  shapeSize,
  sizeAffine,
  sizeOfDim,
  sizeProduct,
  sizeWgsl,
  offsetWgsl,
  unravel,
  type Size,
} from './layout.ts';
import { axisRuns, indent, planRows, rowGrid, rowLoop, rowPrelude, rowReductionHelpers, type RowPlan } from './reduce.ts';

/** An [batch, channels, spatial...] tensor seen as [batch, channels, spatial]. */
interface ChannelView {
  readonly batch: Size;
  readonly channels: number;
  readonly spatial: Size;
}

function channelView(shape: Shape, op: string): ChannelView {
  const channels = shape[1];
  if (typeof channels !== 'number') throw new Error(`${op}: channels (axis 1) cannot be the batch size N`);
  return { batch: sizeOfDim(shape[0]!), channels, spatial: shapeSize(shape.slice(2)) };
}

/** The channel of flat element `index` in an [batch, channels, spatial] tensor. */
function channelOf(index: string, v: ChannelView): string {
  const withinBatch = isOne(v.spatial) ? index : `(${index} / ${sizeWgsl(v.spatial)})`;
  return `${withinBatch} % ${v.channels}u`;
}

/** Which optional inputs a norm node has, as binding names by role. */
interface NormInputs {
  readonly weight?: KernelBinding;
  readonly bias?: KernelBinding;
  readonly mean?: KernelBinding;
  readonly variance?: KernelBinding;
}

function normInputs(node: Node, affine: boolean, tracked: boolean): NormInputs {
  const expected = 1 + (affine ? 2 : 0) + (tracked ? 2 : 0);
  if (node.inputs.length !== expected) {
    throw new Error(`${node.op} node %${node.id} has ${node.inputs.length} inputs, expected ${expected}`);
  }
  const stats = affine ? 3 : 1;
  return {
    ...(affine ? { weight: inputBinding('weight', 1), bias: inputBinding('bias', 2) } : {}),
    ...(tracked ? { mean: inputBinding('running_mean', stats), variance: inputBinding('running_var', stats + 1) } : {}),
  };
}

function present(inputs: NormInputs): KernelBinding[] {
  return [inputs.weight, inputs.bias, inputs.mean, inputs.variance].filter((b): b is KernelBinding => b !== undefined);
}

/** `(x - mean) * rstd`, then `* weight[c] + bias[c]` when affine. */
function normalised(inputs: NormInputs, channel: string): string {
  const core = '(x - mean) * rstd';
  return inputs.weight && inputs.bias ? `${core} * ${inputs.weight.name}[${channel}] + ${inputs.bias.name}[${channel}]` : core;
}

// ------------------------------------------------ running statistics

/**
 * Per-channel statistics known before the run (tracked running stats): a
 * pointwise kernel. The eval passes usually fold these into channel_affine at
 * compile time; this kernel serves graphs where the stats are not constants.
 */
function runningStatsKernel(node: Node, shape: Shape, inputs: NormInputs, eps: number, spread: 'variance' | 'std' = 'variance'): Kernel {
  const view = channelView(shape, node.op);
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const grid = perElementGrid(shapeSize(shape));
  const body = [
    grid.guard,
    `let c = ${channelOf('gidx', view)};`,
    `let x = ${src.name}[gidx];`,
    `let mean = ${inputs.mean!.name}[c];`,
    spread === 'std' ? `let rstd = 1.0 / ${inputs.variance!.name}[c];` : `let rstd = 1.0 / sqrt(${inputs.variance!.name}[c] + ${f32Literal(eps)});`,
    `${dst.name}[gidx] = ${normalised(inputs, 'c')};`,
  ].join('\n');
  return assembleKernel({
    name: kernelName(node),
    bindings: [src, ...present(inputs), dst],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body,
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

// ------------------------------------------------ per-row statistics

/** A normalisation whose statistics are computed per row at run time. */
interface RowNorm {
  readonly rows: Size;
  readonly length: Size;
  /** Offset of row element `i` in the tensor; `row` is in scope. */
  readonly at: (i: string) => string;
  /** Statements per row after the statistics (`mean`, `rstd` in scope). */
  readonly rowSetup?: string;
  /** Statements per element before the store (`x`, `i` in scope). */
  readonly elementSetup?: string;
  /** The normalised value of `x`. */
  readonly result: string;
  readonly eps: number;
  readonly bindings: readonly KernelBinding[];
}

/** mean and rstd of one row, two passes; leaves `mean`, `var_`, `rstd` in scope. */
function rowMoments(plan: RowPlan, length: Size, load: (i: string) => string, eps: number): string {
  return [
    'var local_sum = 0.0;',
    `${rowLoop(plan, length)} { local_sum += ${load('i')}; }`,
    `let mean = row_sum(local_sum, lane) / f32(${sizeWgsl(length)});`,
    'var local_sq = 0.0;',
    `${rowLoop(plan, length)} {`,
    `  let d = ${load('i')} - mean;`,
    '  local_sq += d * d;',
    '}',
    `let var_ = row_sum(local_sq, lane) / f32(${sizeWgsl(length)});`,
    `let rstd = 1.0 / sqrt(var_ + ${f32Literal(eps)});`,
  ].join('\n');
}

function rowNormKernel(node: Node, norm: RowNorm, part?: string): Kernel {
  const plan = planRows(norm.length, norm.rows);
  const src = inputBinding('src', 0);
  const dst = outputBinding();
  const load = (i: string): string => `${src.name}[${norm.at(i)}]`;
  const body = [
    rowPrelude(plan, norm.rows),
    rowMoments(plan, norm.length, load, norm.eps),
    norm.rowSetup ?? '',
    `${rowLoop(plan, norm.length)} {`,
    `  let x = ${load('i')};`,
    indent(norm.elementSetup ?? ''),
    `  ${dst.name}[${norm.at('i')}] = ${norm.result};`,
    '}',
  ]
    .filter((l) => l.trim() !== '')
    .join('\n');
  const grid = rowGrid(plan, norm.rows);
  return assembleKernel({
    name: kernelName(node, part),
    bindings: [src, ...norm.bindings, dst],
    workgroupSize: plan.workgroupSize,
    helpers: rowReductionHelpers(plan),
    body,
    groups: grid.groups,
    groupsDivisor: grid.groupsDivisor,
  });
}

/** Statistics per (sample, channel) over the spatial positions. */
function instanceRows(view: ChannelView): Pick<RowNorm, 'rows' | 'length' | 'at'> {
  return {
    rows: sizeProduct([view.batch, { k: view.channels, n: false }]),
    length: view.spatial,
    at: (i) => `${mulWgsl('row', view.spatial)} + ${i}`,
  };
}

/** Statistics per channel over the batch and the spatial positions (batch statistics). */
function batchRows(view: ChannelView): Pick<RowNorm, 'rows' | 'length' | 'at'> {
  const perSample = { k: view.channels * spatialConstant(view), n: false };
  return {
    rows: { k: view.channels, n: false },
    length: sizeProduct([view.batch, view.spatial]),
    at: (i) =>
      isOne(view.spatial)
        ? `${mulWgsl(i, perSample)} + row`
        : `${mulWgsl(`(${i} / ${sizeWgsl(view.spatial)})`, perSample)} + ${mulWgsl('row', view.spatial)} + ${i} % ${sizeWgsl(view.spatial)}`,
  };
}

function spatialConstant(view: ChannelView): number {
  if (view.spatial.n) throw new Error('spatial axes cannot hold the batch size N');
  return view.spatial.k;
}

export function batchnormKernels(node: Node<'batchnorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { affine, trackRunningStats, eps } = node.attrs;
  const inputs = normInputs(node, affine, trackRunningStats);
  const shape = inputTypes[0]!.shape;
  if (trackRunningStats) return [runningStatsKernel(node, shape, inputs, eps)];
  // Untracked batchnorm normalises with batch statistics at eval too, as torch does.
  const view = channelView(shape, node.op);
  return [
    rowNormKernel(node, {
      ...batchRows(view),
      result: normalised(inputs, 'row'),
      eps,
      bindings: present(inputs),
    }),
  ];
}

/**
 * At eval batch renormalisation is batchnorm with the running statistics
 * (torchrl BatchRenorm1d); kept as the paper's sigma (running_std, in the
 * running_var slot), eps is already in it: 1 / sigma.
 */
export function batchRenormKernels(node: Node<'batch_renorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const inputs = normInputs(node, true, true);
  return [runningStatsKernel(node, inputTypes[0]!.shape, inputs, node.attrs.eps, node.attrs.runningStd ? 'std' : 'variance')];
}

export function instancenormKernels(node: Node<'instancenorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { affine, trackRunningStats, eps } = node.attrs;
  const inputs = normInputs(node, affine, trackRunningStats);
  const shape = inputTypes[0]!.shape;
  if (trackRunningStats) return [runningStatsKernel(node, shape, inputs, eps)];
  const view = channelView(shape, node.op);
  return [
    rowNormKernel(node, {
      ...instanceRows(view),
      rowSetup: `let c = row % ${view.channels}u;`,
      result: normalised(inputs, 'c'),
      eps,
      bindings: present(inputs),
    }),
  ];
}

export function groupnormKernels(node: Node<'groupnorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { groups, affine, eps } = node.attrs;
  const inputs = normInputs(node, affine, false);
  const view = channelView(inputTypes[0]!.shape, node.op);
  const perGroup = view.channels / groups;
  const length = sizeProduct([{ k: perGroup, n: false }, view.spatial]);
  const channel = isOne(view.spatial) ? 'i' : `i / ${sizeWgsl(view.spatial)}`;
  return [
    rowNormKernel(node, {
      rows: sizeProduct([view.batch, { k: groups, n: false }]),
      length,
      at: (i) => `${mulWgsl('row', length)} + ${i}`,
      rowSetup: `let first_channel = (row % ${groups}u) * ${perGroup}u;`,
      elementSetup: `let c = first_channel + ${channel};`,
      result: normalised(inputs, 'c'),
      eps,
      bindings: present(inputs),
    }),
  ];
}

/** Over the trailing `dims` axes; weight and bias have those axes' shape, so element i of a row uses weight[i]. */
export function layernormKernels(node: Node<'layernorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const { dims, affine, eps } = node.attrs;
  const inputs = normInputs(node, affine, false);
  const shape = inputTypes[0]!.shape;
  const length = shapeSize(shape.slice(shape.length - dims));
  return [
    rowNormKernel(node, {
      rows: shapeSize(shape.slice(0, shape.length - dims)),
      length,
      at: (i) => `${mulWgsl('row', length)} + ${i}`,
      result: normalised(inputs, 'i'),
      eps,
      bindings: present(inputs),
    }),
  ];
}

/**
 * Batch-instance normalisation at eval (Nam & Kim 2018, reference code
 * hyeonseobnam/Batch-Instance-Normalization):
 *   y = weight * (rho * BN(x) + (1 - rho) * IN(x)) + bias
 * with BN(x) = (x - running_mean) / sqrt(running_var + eps) and IN(x)
 * normalised with the sample's own per-channel mean and biased variance.
 * rho is clipped to [0, 1] here, as the training update keeps it, so any
 * stored rho means what its clipped value means (the eval passes treat
 * rho = 1 and rho = 0 the same way).
 */
export function batchInstanceNormKernels(node: Node<'batch_instance_norm'>, inputTypes: readonly TensorType[]): Kernel[] {
  if (node.inputs.length !== 6) throw new Error(`batch_instance_norm node %${node.id} has ${node.inputs.length} inputs, expected 6`);
  const view = channelView(inputTypes[0]!.shape, node.op);
  const [weight, bias, rho, runningMean, runningVar] = ['weight', 'bias', 'rho', 'running_mean', 'running_var'].map((n, i) =>
    inputBinding(n, i + 1),
  ) as [KernelBinding, KernelBinding, KernelBinding, KernelBinding, KernelBinding];
  const eps = node.attrs.eps;
  return [
    rowNormKernel(node, {
      ...instanceRows(view),
      rowSetup: [
        `let c = row % ${view.channels}u;`,
        `let r = clamp(${rho.name}[c], 0.0, 1.0);`,
        `let bn_mean = ${runningMean.name}[c];`,
        `let bn_rstd = 1.0 / sqrt(${runningVar.name}[c] + ${f32Literal(eps)});`,
      ].join('\n'),
      result: `${weight.name}[c] * (r * (x - bn_mean) * bn_rstd + (1.0 - r) * (x - mean) * rstd) + ${bias.name}[c]`,
      eps,
      bindings: [weight, bias, rho, runningMean, runningVar],
    }),
  ];
}

// ------------------------------------------------ scalenorm

/**
 * ScaleNorm (Nguyen & Salazar 2019): y = g * x / max(||x||, eps), the L2 norm
 * taken over `axes` (the last one in the paper); g is a scalar tensor.
 */
export function scalenormKernels(node: Node<'scalenorm'>, inputTypes: readonly TensorType[]): Kernel[] {
  const shape = inputTypes[0]!.shape;
  const axes = new Set(node.attrs.axes.map((a) => (a < 0 ? a + shape.length : a)));
  const runs = axisRuns(shape, axes);
  const kept = runs.filter((r) => !r.reduced);
  const red = runs.filter((r) => r.reduced);
  const rows = sizeProduct(kept.map((r) => r.size));
  const length = sizeProduct(red.map((r) => r.size));
  const plan = planRows(length, rows);
  const src = inputBinding('src', 0);
  const g = inputBinding('g', 1);
  const dst = outputBinding();
  const keptCoords = kept.map((_, i) => `k${i}`);
  const redCoords = red.map((_, i) => `r${i}`);
  const offset = [unravel('i', red.map((r) => r.size), 'r'), `let at = base + ${offsetWgsl(redCoords, red.map((r) => r.stride))};`].join('\n');
  const body = [
    rowPrelude(plan, rows),
    unravel('row', kept.map((r) => r.size), 'k'),
    `let base = ${offsetWgsl(keptCoords, kept.map((r) => r.stride))};`,
    'var local_sq = 0.0;',
    `${rowLoop(plan, length)} {`,
    indent(offset),
    `  let x = ${src.name}[at];`,
    '  local_sq += x * x;',
    '}',
    `let scale = ${g.name}[0] / max(sqrt(row_sum(local_sq, lane)), ${f32Literal(node.attrs.eps)});`,
    `${rowLoop(plan, length)} {`,
    indent(offset),
    `  ${dst.name}[at] = ${src.name}[at] * scale;`,
    '}',
  ].join('\n');
  const grid = rowGrid(plan, rows);
  return [
    assembleKernel({
      name: kernelName(node),
      bindings: [src, g, dst],
      workgroupSize: plan.workgroupSize,
      helpers: rowReductionHelpers(plan),
      body,
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}

// ------------------------------------------------ switchable norm

/**
 * Switchable normalisation at eval (Luo et al. 2018, reference code
 * switchablenorms/Switchable-Normalization, SwitchNorm2d):
 *   wm = softmax(mean_weight), wv = softmax(var_weight), ordered (IN, LN, BN)
 *   mean = wm0 * mean_in + wm1 * mean_ln + wm2 * running_mean
 *   var  = wv0 * var_in  + wv1 * var_ln  + wv2 * running_var
 *   y    = (x - mean) / sqrt(var + eps) * weight + bias
 * IN statistics are per sample and channel over the spatial positions, LN
 * statistics per sample over channels and positions. Every variance is the
 * biased one, like every other normaliser here (the reference code takes an
 * unbiased var_in; with the biased one var_ln is exactly the variance over
 * the sample). Three dispatches: IN moments per (sample, channel) in a
 * workgroup each; then per sample the LN moments from the IN ones (equal
 * counts per channel make that exact) and the mixed mean and rstd per
 * channel; then the pointwise normalisation.
 */
export function switchableNormKernels(node: Node<'switchable_norm'>, inputTypes: readonly TensorType[]): Kernel[] {
  if (node.inputs.length !== 7) throw new Error(`switchable_norm node %${node.id} has ${node.inputs.length} inputs, expected 7`);
  const shape = inputTypes[0]!.shape;
  const view = channelView(shape, node.op);
  const pairs = sizeProduct([view.batch, { k: view.channels, n: false }]);
  const momentsScratch = { kind: 'scratch', id: 'moments', elements: sizeAffine({ k: pairs.k * 2, n: pairs.n }) } as const;
  const mixedScratch = { kind: 'scratch', id: 'mixed', elements: sizeAffine({ k: pairs.k * 2, n: pairs.n }) } as const;

  // 1. Instance moments (mean, biased variance) per (sample, channel).
  const rows = instanceRows(view);
  const plan = planRows(rows.length, rows.rows);
  const src = inputBinding('src', 0);
  const moments: KernelBinding = { name: 'moments', access: 'read_write', source: momentsScratch };
  const grid1 = rowGrid(plan, rows.rows);
  const instanceMoments = assembleKernel({
    name: kernelName(node, 'instance_moments'),
    bindings: [src, moments],
    workgroupSize: plan.workgroupSize,
    helpers: rowReductionHelpers(plan),
    body: [
      rowPrelude(plan, rows.rows),
      rowMoments(plan, rows.length, (i) => `${src.name}[${rows.at(i)}]`, node.attrs.eps),
      'if (lane == 0u) {',
      '  moments[2u * row] = mean;',
      '  moments[2u * row + 1u] = var_;',
      '}',
    ].join('\n'),
    groups: grid1.groups,
    groupsDivisor: grid1.groupsDivisor,
  });

  // 2. Per sample: LN moments, then the mixed mean and rstd of each channel.
  const momentsIn: KernelBinding = { name: 'moments', access: 'read', source: momentsScratch };
  const [meanWeight, varWeight, runningMean, runningVar] = ['mean_weight', 'var_weight', 'running_mean', 'running_var'].map(
    (n, i) => inputBinding(n, i + 3),
  ) as [KernelBinding, KernelBinding, KernelBinding, KernelBinding];
  const mixed: KernelBinding = { name: 'mixed', access: 'read_write', source: mixedScratch };
  const c = view.channels;
  const softmax3 = (w: KernelBinding, out: string): string =>
    [
      `let ${out}_max = max(${w.name}[0], max(${w.name}[1], ${w.name}[2]));`,
      `let ${out} = vec3<f32>(exp(${w.name}[0] - ${out}_max), exp(${w.name}[1] - ${out}_max), exp(${w.name}[2] - ${out}_max));`,
      `let ${out}_sum = ${out}.x + ${out}.y + ${out}.z;`,
    ].join('\n');
  const grid2 = perElementGrid(view.batch);
  const mixStatistics = assembleKernel({
    name: kernelName(node, 'mix_statistics'),
    bindings: [momentsIn, meanWeight, varWeight, runningMean, runningVar, mixed],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body: [
      grid2.guard,
      `let first = gidx * ${c}u;`,
      'var mean_sum = 0.0;',
      `for (var k = 0u; k < ${c}u; k++) { mean_sum += moments[2u * (first + k)]; }`,
      `let mean_ln = mean_sum / ${f32Literal(c)};`,
      // Law of total variance over channels of equal size.
      'var var_sum = 0.0;',
      `for (var k = 0u; k < ${c}u; k++) {`,
      '  let d = moments[2u * (first + k)] - mean_ln;',
      '  var_sum += moments[2u * (first + k) + 1u] + d * d;',
      '}',
      `let var_ln = var_sum / ${f32Literal(c)};`,
      softmax3(meanWeight, 'wm'),
      softmax3(varWeight, 'wv'),
      `for (var k = 0u; k < ${c}u; k++) {`,
      '  let m = (wm.x * moments[2u * (first + k)] + wm.y * mean_ln + wm.z * running_mean[k]) / wm_sum;',
      '  let v = (wv.x * moments[2u * (first + k) + 1u] + wv.y * var_ln + wv.z * running_var[k]) / wv_sum;',
      '  mixed[2u * (first + k)] = m;',
      `  mixed[2u * (first + k) + 1u] = 1.0 / sqrt(v + ${f32Literal(node.attrs.eps)});`,
      '}',
    ].join('\n'),
    groups: grid2.groups,
    groupsDivisor: grid2.groupsDivisor,
  });

  // 3. Pointwise: (x - mean) * rstd * weight + bias.
  const weight = inputBinding('weight', 1);
  const bias = inputBinding('bias', 2);
  const mixedIn: KernelBinding = { name: 'mixed', access: 'read', source: mixedScratch };
  const dst = outputBinding();
  const grid3 = perElementGrid(shapeSize(shape));
  const pair = isOne(view.spatial) ? 'gidx' : `gidx / ${sizeWgsl(view.spatial)}`;
  const apply = assembleKernel({
    name: kernelName(node, 'apply'),
    bindings: [src, mixedIn, weight, bias, dst],
    workgroupSize: ELEMENTWISE_WORKGROUP,
    body: [
      grid3.guard,
      `let pair = ${pair};`,
      `let c = pair % ${c}u;`,
      `let x = ${src.name}[gidx];`,
      'let mean = mixed[2u * pair];',
      'let rstd = mixed[2u * pair + 1u];',
      `${dst.name}[gidx] = (x - mean) * rstd * ${weight.name}[c] + ${bias.name}[c];`,
    ].join('\n'),
    groups: grid3.groups,
    groupsDivisor: grid3.groupsDivisor,
  });
  return [instanceMoments, mixStatistics, apply];
}

// ------------------------------------------------ channel_affine

/** y = x * scale[c] + shift[c] along `axis`, then the epilogue (operands have the output's shape). */
export function channelAffineKernels(node: Node<'channel_affine'>, inputTypes: readonly TensorType[]): Kernel[] {
  const shape = inputTypes[0]!.shape;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + shape.length : node.attrs.axis;
  const channels = shape[axis];
  if (typeof channels !== 'number') throw new Error('channel_affine: the channel axis cannot be the batch size N');
  const inner = shapeSize(shape.slice(axis + 1));
  const src = inputBinding('src', 0);
  const scale = inputBinding('scale', 1);
  const shift = inputBinding('shift', 2);
  const dst = outputBinding();
  const steps = node.attrs.epilogue;
  const operandNames: Record<number, string> = { 0: src.name };
  const operands: KernelBinding[] = [];
  for (const index of epilogueOperands(steps)) {
    if (index === 0) continue;
    if (index < 3) {
      throw new Error(`channel_affine node %${node.id}: epilogue operand ${index} is the per-channel ${index === 1 ? 'scale' : 'shift'}, not a tensor of the output's shape`);
    }
    const binding = inputBinding(`operand${index}`, index);
    operandNames[index] = binding.name;
    operands.push(binding);
  }
  const bindings = [src, scale, shift, ...operands, dst];
  if (bindings.length > MAX_STORAGE_BINDINGS) {
    throw new Error(`channel_affine node %${node.id} needs ${bindings.length} storage buffers; at most ${MAX_STORAGE_BINDINGS} fit one kernel`);
  }
  const grid = perElementGrid(shapeSize(shape));
  const channel = isOne(inner) ? `gidx % ${channels}u` : `(gidx / ${sizeWgsl(inner)}) % ${channels}u`;
  const body = [
    grid.guard,
    `let c = ${channel};`,
    `let y = ${src.name}[gidx] * ${scale.name}[c] + ${shift.name}[c];`,
    `${dst.name}[gidx] = ${emitEpilogue(steps, 'y', 'gidx', operandNames)};`,
  ].join('\n');
  const helpers = epilogueHelpers(steps);
  return [
    assembleKernel({
      name: kernelName(node),
      bindings,
      workgroupSize: ELEMENTWISE_WORKGROUP,
      body,
      ...(helpers ? { helpers } : {}),
      groups: grid.groups,
      groupsDivisor: grid.groupsDivisor,
    }),
  ];
}
