// Compile-time values of argument expressions: literals, lists, enum words,
// block parameters, and arithmetic on them (`ch * 2`, `-1`, `1 / 3`).
// Tensor-valued expressions are not evaluated here; `isTensorExpr` tells
// them apart so a call like `drop_path(h, 0.1)` can take `h` as its input.
//
// A block body is checked once on its own, before any instance gives its
// parameters values: there a parameter is a *symbol* with only a type. A
// symbolic value carries a placeholder of that type so arithmetic and kind
// checks still work, and callers skip the checks that need the real number
// (ranges, division by zero); each instance then checks with real values.
import type { Expr, ParamTypeName } from '../../grammar/ast.ts';
import type { Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

export interface ConstEnv {
  /** Block parameters in scope, with their values for this instance. */
  readonly constants: ReadonlyMap<string, Value>;
  /** Tensor values in scope (inputs and lets). */
  readonly tensors: ReadonlySet<string>;
  /** Block parameters whose values are not known yet, with their declared types (undefined: not a valid type). */
  readonly symbols?: ReadonlyMap<string, ParamTypeName | undefined>;
}

/** A block parameter standing for its value, when that is not known yet. */
export interface SymbolRef {
  readonly name: string;
  readonly type: ParamTypeName | undefined;
}

/** Marks an expression that is a bare word not bound to anything: an enum value like `val_loss`. */
export const ENUM_WORD = Symbol('enum word');

export type Evaluated =
  | {
    readonly ok: true;
    readonly value: Value;
    readonly word?: boolean;
    /** True when the value depends on a block parameter not known yet; `value` is then a placeholder. */
    readonly symbolic?: boolean;
    /** Set when the whole expression is one such parameter, so its declared type can still be checked. */
    readonly symbol?: SymbolRef;
  }
  | { readonly ok: false };

/** Stands for a symbolic parameter's value: right kind, arbitrary number (ranges are not checked on it). */
const PLACEHOLDER: Record<ParamTypeName, Value> = { int: 1, float: 0.5, bool: false, string: '' };

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
      // An invalid literal (`1e`) is NaN here; the parser has reported it.
      return Number.isNaN(expr.value) ? { ok: false } : { ok: true, value: expr.value };
    case 'String':
      return { ok: true, value: expr.value };
    case 'Bool':
      return { ok: true, value: expr.value };
    case 'Paren':
      return evaluateConst(expr.inner, env, sink);
    case 'List': {
      const values: Value[] = [];
      let symbolic = false;
      for (const e of expr.elements) {
        const v = evaluateConst(e, env, sink);
        if (!v.ok) return v;
        values.push(v.value);
        symbolic ||= v.symbolic === true;
      }
      return symbolic ? { ok: true, value: values, symbolic } : { ok: true, value: values };
    }
    case 'Name': {
      const bound = env.constants.get(expr.name);
      if (bound !== undefined) return { ok: true, value: bound };
      if (env.symbols?.has(expr.name)) {
        const type = env.symbols.get(expr.name);
        return { ok: true, value: type === undefined ? 1 : PLACEHOLDER[type], symbolic: true, symbol: { name: expr.name, type } };
      }
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
      const value = expr.op === '-' ? -v.value : v.value;
      return v.symbolic ? { ok: true, value, symbolic: true } : { ok: true, value };
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
      const symbolic = l.symbolic === true || r.symbolic === true;
      if (expr.op === '/' && b === 0 && r.symbolic !== true) {
        sink.report({ code: 'E0304', message: 'division by zero', span: expr.span });
        return { ok: false };
      }
      const value = expr.op === '+' ? a + b : expr.op === '-' ? a - b : expr.op === '*' ? a * b : a / b;
      return symbolic ? { ok: true, value, symbolic } : { ok: true, value };
    }
    default:
      sink.report({ code: 'E0305', message: 'expected a constant value here', span: expr.span, label: 'this computes a tensor' });
      return { ok: false };
  }
}
