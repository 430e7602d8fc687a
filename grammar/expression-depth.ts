// The expression limit (E0107) checked on the tree the recovering parser
// built, as a backstop to the token scan of limits.ts. The scan counts
// operators between the tokens that end an expression, which is exact for
// a file that parses; but chevrotain's recovery may skip stray tokens and
// go on with the same expression past them (`1 + ] + 1` reads as `1 + 1`
// once the `]` is skipped), gluing runs the scan counted apart into one
// binary tree deeper than the limit, which every later stage would recurse
// through. This walk uses its own stack, so any depth is safe to measure.
import type { Call, Expr, Program, TrainStmt } from './ast.ts';
import { MAX_EXPRESSION_TERMS } from './limits.ts';
import type { Span } from './source.ts';

/**
 * The span of the first operand (in depth-first order) that sits under more
 * than MAX_EXPRESSION_TERMS operators (`+ - * /`, binary or unary), or
 * undefined when there is none.
 */
export function findTooDeepExpression(program: Program): Span | undefined {
  // Each expression with the number of operators above it.
  const pending: [Expr, number][] = [];
  const call = (c: Call, depth: number) => {
    for (const arg of c.args ?? []) pending.push([arg.value, depth]);
    for (const attachment of c.attachments) pending.push([attachment, depth]);
  };
  for (const item of program.items) {
    if (item.kind === 'Train') {
      for (const stmt of item.body) for (const c of trainCalls(stmt)) call(c, 0);
      for (const stmt of item.body) if (stmt.kind === 'Setting') pending.push([stmt.value, 0]);
      continue;
    }
    if (item.kind === 'Block') for (const param of item.params) if (param.default !== undefined) pending.push([param.default, 0]);
    for (const stmt of item.body) if (stmt.kind !== 'Input') pending.push([stmt.value, 0]);
  }
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [expr, depth] = next;
    switch (expr.kind) {
      case 'Binary':
        if (depth + 1 > MAX_EXPRESSION_TERMS) return expr.right.span;
        pending.push([expr.right, depth + 1], [expr.left, depth + 1]);
        break;
      case 'Unary':
        if (depth + 1 > MAX_EXPRESSION_TERMS) return expr.operand.span;
        pending.push([expr.operand, depth + 1]);
        break;
      case 'Paren':
        pending.push([expr.inner, depth]);
        break;
      case 'List':
        for (const element of expr.elements) pending.push([element, depth]);
        break;
      case 'Chain':
        pending.push([expr.head, depth]);
        for (const step of expr.steps) pending.push([step, depth]);
        break;
      case 'Repeat':
        pending.push([expr.count, depth]);
        call(expr.body, depth);
        break;
      case 'Call':
        call(expr, depth);
        break;
      default:
        break;
    }
  }
  return undefined;
}

function trainCalls(stmt: TrainStmt): readonly Call[] {
  switch (stmt.kind) {
    case 'Loss':
    case 'Optimizer':
    case 'Clip':
    case 'Calibrate':
    case 'Penalty':
    case 'Noise':
    case 'EarlyStop':
      return [stmt.fn];
    case 'Schedule':
      return stmt.phases;
    case 'Metrics':
      return stmt.fns;
    case 'Augment':
      return stmt.ops;
    case 'Setting':
      return [];
  }
}
