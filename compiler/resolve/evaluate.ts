// Compile-time values of argument expressions: literals, lists, enum words,
// block parameters, and arithmetic on them (`ch * 2`, `-1`, `1 / 3`).
// Tensor-valued expressions are not evaluated here; `isTensorExpr` tells
// them apart so a call like `drop_path(h, 0.1)` can take `h` as its input.
import type { Expr } from '../../grammar/ast.ts';
import type { Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

export interface ConstEnv {
  /** Block parameters in scope, with their values for this instance. */
  readonly constants: ReadonlyMap<string, Value>;
  /** Tensor values in scope (inputs and lets). */
  readonly tensors: ReadonlySet<string>;
}

/** Marks an expression that is a bare word not bound to anything: an enum value like `val_loss`. */
export const ENUM_WORD = Symbol('enum word');

export type Evaluated = { readonly ok: true; readonly value: Value; readonly word?: boolean } | { readonly ok: false };

/** True when the expression computes a tensor (mentions a bound tensor value, or applies a layer). */
export function isTensorExpr(expr: Expr, env: ConstEnv): boolean {
  switch (expr.kind) {
    case 'Name':
      return env.tensors.has(expr.name);
    case 'Chain':
    case 'Repeat':
      return true;
    case 'Call':
      return true;
    case 'Binary':
      return isTensorExpr(expr.left, env) || isTensorExpr(expr.right, env);
    case 'Unary':
      return isTensorExpr(expr.operand, env);
    case 'Paren':
      return isTensorExpr(expr.inner, env);
    default:
      return false;
  }
}

export function evaluateConst(expr: Expr, env: ConstEnv, sink: DiagnosticSink): Evaluated {
  switch (expr.kind) {
    case 'Number':
      return { ok: true, value: expr.value };
    case 'String':
      return { ok: true, value: expr.value };
    case 'Bool':
      return { ok: true, value: expr.value };
    case 'Paren':
      return evaluateConst(expr.inner, env, sink);
    case 'List': {
      const values: Value[] = [];
      for (const e of expr.elements) {
        const v = evaluateConst(e, env, sink);
        if (!v.ok) return v;
        values.push(v.value);
      }
      return { ok: true, value: values };
    }
    case 'Name': {
      const bound = env.constants.get(expr.name);
      if (bound !== undefined) return { ok: true, value: bound };
      if (env.tensors.has(expr.name)) {
        sink.report({ code: 'E0305', message: `\`${expr.name}\` is a tensor, not a constant`, span: expr.span, label: 'a tensor value' });
        return { ok: false };
      }
      return { ok: true, value: expr.name, word: true };
    }
    case 'Unary': {
      const v = evaluateConst(expr.operand, env, sink);
      if (!v.ok) return v;
      if (typeof v.value !== 'number') {
        sink.report({ code: 'E0304', message: `cannot apply \`${expr.op}\` to a non-number`, span: expr.span });
        return { ok: false };
      }
      return { ok: true, value: expr.op === '-' ? -v.value : v.value };
    }
    case 'Binary': {
      const l = evaluateConst(expr.left, env, sink);
      const r = evaluateConst(expr.right, env, sink);
      if (!l.ok || !r.ok) return { ok: false };
      if (typeof l.value !== 'number' || typeof r.value !== 'number') {
        sink.report({ code: 'E0304', message: `\`${expr.op}\` needs numbers on both sides`, span: expr.span });
        return { ok: false };
      }
      const [a, b] = [l.value, r.value];
      if (expr.op === '/' && b === 0) {
        sink.report({ code: 'E0304', message: 'division by zero', span: expr.span });
        return { ok: false };
      }
      const value = expr.op === '+' ? a + b : expr.op === '-' ? a - b : expr.op === '*' ? a * b : a / b;
      return { ok: true, value };
    }
    default:
      sink.report({ code: 'E0305', message: 'expected a constant value here', span: expr.span, label: 'this computes a tensor' });
      return { ok: false };
  }
}
