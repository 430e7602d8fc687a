// Every bare name inside an expression, arguments, chain steps and repeat
// counts included. Used where a name's use matters but its meaning cannot
// be checked (arguments of an unknown layer) and for unused parameters.
import type { Expr } from '../../grammar/ast.ts';

export function forEachName(expr: Expr, visit: (name: Extract<Expr, { kind: 'Name' }>) => void): void {
  switch (expr.kind) {
    case 'Name':
      visit(expr);
      return;
    case 'Paren':
      forEachName(expr.inner, visit);
      return;
    case 'Unary':
      forEachName(expr.operand, visit);
      return;
    case 'Binary':
      forEachName(expr.left, visit);
      forEachName(expr.right, visit);
      return;
    case 'List':
      for (const element of expr.elements) forEachName(element, visit);
      return;
    case 'Chain':
      forEachName(expr.head, visit);
      for (const step of expr.steps) forEachName(step, visit);
      return;
    case 'Repeat':
      forEachName(expr.count, visit);
      forEachName(expr.body, visit);
      return;
    case 'Call':
      for (const arg of expr.args ?? []) forEachName(arg.value, visit);
      for (const attachment of expr.attachments) forEachName(attachment, visit);
      return;
    default:
      return;
  }
}
