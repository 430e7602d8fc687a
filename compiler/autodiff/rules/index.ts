// The gradient rule of every op that has one, one entry per line. An op
// missing here makes differentiate() fail with NoGradientRuleError naming
// the layer, never a silent zero.
import type { OpName } from '../../ir/ops.ts';
import type { VjpRule } from '../vjp.ts';
import { binaryVjp, unaryVjp } from './elementwise.ts';
import { linearVjp, matmulVjp } from './gemm.ts';
import { concatVjp, globalAvgPoolVjp, permuteVjp, reshapeVjp, sliceVjp } from './layout.ts';
import { convVjp } from './conv.ts';
import { poolVjp } from './pool.ts';
import { reduceVjp, softmaxVjp } from './reduce.ts';
import { channelWindowSumVjp, localResponseNormVjp } from './local-response-norm.ts';

export const VJP_RULES: { readonly [Op in OpName]?: VjpRule<Op> } = {
  unary: unaryVjp,
  binary: binaryVjp,
  linear: linearVjp,
  matmul: matmulVjp,
  reshape: reshapeVjp,
  permute: permuteVjp,
  concat: concatVjp,
  slice: sliceVjp,
  global_avgpool: globalAvgPoolVjp,
  reduce: reduceVjp,
  softmax: softmaxVjp,
  conv: convVjp,
  pool: poolVjp,
  local_response_norm: localResponseNormVjp,
  channel_window_sum: channelWindowSumVjp,
  detach: () => [undefined], // a stop-gradient: nothing flows back
};
