// Per-channel affines meet their neighbours:
// - after a conv/linear (a lowered BatchNorm): scale the weights, shift the bias;
// - after another affine on the same axis: one affine;
// - before a conv with no padding or a linear (input normalisation): fold
//   into the weights and bias. With padding the conv would see padded zeros
//   where the unfolded graph sees `shift`, so that case is left alone.
import type { RewriteContext, Rule } from '../ir/rewrite.ts';
import type { Node, ValueId } from '../ir/types.ts';
import { derivedTensor, paramData, paramName } from './derived-tensors.ts';
import { rulePass } from './pass.ts';

/**
 * Folding multiplies constants in f32 ahead of time; where a product leaves
 * the f32 range the folded tensor would hold Infinity (which the runtime
 * refuses to load), so the rule leaves the graph as it is instead.
 */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

function tensorBase(ctx: RewriteContext, id: ValueId, fallback: string): string {
  return paramName(ctx, id) ?? fallback;
}

/** A conv or linear node whose weights (and bias, if any) are known and which has no epilogue yet. */
function foldableProducer(ctx: RewriteContext, id: ValueId): Node<'conv'> | Node<'linear'> | undefined {
  const n = ctx.b.node(id);
  if (n.op !== 'conv' && n.op !== 'linear') return undefined;
  if ((n.attrs as { epilogue: readonly unknown[] }).epilogue.length > 0) return undefined;
  if (ctx.uses(id) !== 1) return undefined;
  if (!paramData(ctx, n.inputs[1]!)) return undefined;
  if (n.inputs[2] !== undefined && !paramData(ctx, n.inputs[2])) return undefined;
  return n as Node<'conv'> | Node<'linear'>;
}

const affineIntoProducer: Rule = {
  name: 'affine-into-conv-or-linear',
  ops: ['channel_affine'],
  apply(node, ctx) {
    const a = node as Node<'channel_affine'>;
    if (a.attrs.epilogue.length > 0) return undefined;
    const producer = foldableProducer(ctx, node.inputs[0]!);
    if (!producer) return undefined;
    const rank = producer.type.shape.length;
    const channelAxis = producer.op === 'conv' ? 1 : rank - 1;
    if (a.attrs.axis !== channelAxis) return undefined;
    const scale = paramData(ctx, node.inputs[1]!);
    const shift = paramData(ctx, node.inputs[2]!);
    if (!scale || !shift) return undefined;
    const wId = producer.inputs[1]!;
    const w = paramData(ctx, wId)!;
    const wShape = ctx.b.type(wId).shape as number[];
    const out = wShape[0]!;
    const perOut = w.length / out;
    const w2 = new Float32Array(w.length);
    for (let o = 0; o < out; o++) for (let i = 0; i < perOut; i++) w2[o * perOut + i] = w[o * perOut + i]! * scale[o]!;
    const bias = producer.inputs[2] === undefined ? undefined : paramData(ctx, producer.inputs[2]);
    const b2 = new Float32Array(out);
    for (let o = 0; o < out; o++) b2[o] = (bias ? bias[o]! : 0) * scale[o]! + shift[o]!;
    if (!allFinite(w2) || !allFinite(b2)) return undefined;
    const base = tensorBase(ctx, wId, 'weight').replace(/\.weight$/, '');
    const newW = derivedTensor(ctx, base, 'weight.folded', wShape, w2);
    const newB = derivedTensor(ctx, base, 'bias.folded', [out], b2);
    return ctx.b.addTyped(producer.op, [producer.inputs[0]!, newW, newB], producer.attrs as never, producer.type, producer.origin);
  },
};

const mergeAffines: Rule = {
  name: 'merge-consecutive-affines',
  ops: ['channel_affine'],
  apply(node, ctx) {
    const outer = node as Node<'channel_affine'>;
    const inner = ctx.b.node(node.inputs[0]!);
    if (inner.op !== 'channel_affine' || ctx.uses(inner.id) !== 1) return undefined;
    const innerA = inner as Node<'channel_affine'>;
    if (innerA.attrs.axis !== outer.attrs.axis || innerA.attrs.epilogue.length > 0 || outer.attrs.epilogue.length > 0) return undefined;
    const [s1, t1, s2, t2] = [inner.inputs[1]!, inner.inputs[2]!, node.inputs[1]!, node.inputs[2]!].map((i) => paramData(ctx, i));
    if (!s1 || !t1 || !s2 || !t2) return undefined;
    const scale = s1.map((s, i) => s * s2[i]!);
    const shift = t1.map((t, i) => t * s2[i]! + t2[i]!);
    if (!allFinite(scale) || !allFinite(shift)) return undefined;
    const base = tensorBase(ctx, node.inputs[1]!, 'affine').replace(/\.scale\d*$/, '');
    const c = scale.length;
    return ctx.b.addTyped(
      'channel_affine',
      [inner.inputs[0]!, derivedTensor(ctx, base, 'scale.merged', [c], scale), derivedTensor(ctx, base, 'shift.merged', [c], shift)],
      outer.attrs,
      node.type,
      node.origin,
    );
  },
};

/** conv/linear(x * s + t) == conv'/linear'(x) when no padding sees the shift. */
const affineIntoConsumer: Rule = {
  name: 'affine-into-following-conv-or-linear',
  ops: ['conv', 'linear'],
  apply(node, ctx) {
    const affineId = node.inputs[0]!;
    const affine = ctx.b.node(affineId);
    if (affine.op !== 'channel_affine' || ctx.uses(affineId) !== 1) return undefined;
    const a = affine as Node<'channel_affine'>;
    if (a.attrs.epilogue.length > 0) return undefined;
    const rank = affine.type.shape.length;
    if (node.op === 'conv' && ((node as Node<'conv'>).attrs.padding.some((p) => p !== 0) || a.attrs.axis !== 1)) return undefined;
    if (node.op === 'linear' && a.attrs.axis !== rank - 1) return undefined;
    const scale = paramData(ctx, affine.inputs[1]!);
    const shift = paramData(ctx, affine.inputs[2]!);
    const wId = node.inputs[1]!;
    const w = paramData(ctx, wId);
    const bias = node.inputs[2] === undefined ? undefined : paramData(ctx, node.inputs[2]);
    if (!scale || !shift || !w || (node.inputs[2] !== undefined && !bias)) return undefined;
    const wShape = ctx.b.type(wId).shape as number[];
    const out = wShape[0]!;
    const cPerGroup = wShape[1]!;
    const taps = wShape.slice(2).reduce((p, d) => p * d, 1);
    const groups = node.op === 'conv' ? (node as Node<'conv'>).attrs.groups : 1;
    const outPerGroup = out / groups;
    const w2 = new Float32Array(w.length);
    const b2 = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const group = Math.floor(o / outPerGroup);
      let acc = bias ? bias[o]! : 0;
      for (let ci = 0; ci < cPerGroup; ci++) {
        const c = group * cPerGroup + ci;
        for (let k = 0; k < taps; k++) {
          const at = (o * cPerGroup + ci) * taps + k;
          w2[at] = w[at]! * scale[c]!;
          acc += w[at]! * shift[c]!;
        }
      }
      b2[o] = acc;
    }
    if (!allFinite(w2) || !allFinite(b2)) return undefined;
    const base = tensorBase(ctx, wId, 'weight').replace(/\.weight(\..*)?$/, '');
    const newW = derivedTensor(ctx, base, 'weight.input_folded', wShape, w2);
    const newB = derivedTensor(ctx, base, 'bias.input_folded', [out], b2);
    return ctx.b.addTyped(node.op, [affine.inputs[0]!, newW, newB], node.attrs as never, node.type, node.origin);
  },
};

export const foldBatchNorm = rulePass(
  'fold-batchnorm',
  'fold per-channel affines (eval BatchNorm) into the preceding conv/linear weights',
  [affineIntoProducer],
);

export const mergeAffinesPass = rulePass('merge-affines', 'merge consecutive per-channel affines into one', [mergeAffines]);

export const foldInputNormalize = rulePass(
  'fold-input-normalize',
  'fold an input affine (normalize) into the following conv (no padding) or linear',
  [affineIntoConsumer],
);
