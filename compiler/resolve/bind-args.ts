// Matches a call's arguments to an op's parameters: positional in registry
// order, then named; fills defaults; checks types and ranges. The checker
// reports through it and lowering reads the values from it, so both agree on
// what every call means.
import type { Arg, Call, Expr, ParamTypeName } from '../../grammar/ast.ts';
import { conformsToType, describeRange, describeType, floatsFitF32, formatValue, suggest, withinRange } from '../registry/index.ts';
import type { OpSpec, ParamSpec, ParamType, Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { evaluateConst, isTensorExpr, type ConstEnv } from './evaluate.ts';

export interface BoundArgs {
  /** Every parameter: the given value, its default, or null for a "none" default. */
  readonly values: ReadonlyMap<string, Value | null>;
  /** Leading positional tensor arguments (`relu(h + x)`, `concat(a, b)`), in order. */
  readonly tensorArgs: readonly Expr[];
  /** False when any argument was wrong (diagnostics were reported). */
  readonly ok: boolean;
}

/** A value's description in messages: `1.5`, `"a"`, `[1, 2]`, `true`. */
function show(value: Value): string {
  return formatValue(value);
}

/** `in [0, 1)` for intervals, `>= 1` for one bound, so the message reads as a sentence. */
function rangePhrase(range: NonNullable<ParamSpec['range']>): string {
  const text = describeRange(range);
  return range.min !== undefined && range.max !== undefined ? `in ${text}` : text;
}

/** Whether a block parameter of this declared type can be passed where `type` is expected. */
function symbolFits(declared: ParamTypeName, type: ParamType): boolean {
  switch (declared) {
    case 'int':
      return type.kind === 'int' || type.kind === 'float' || type.kind === 'intOrInts' || type.kind === 'floatOrFloats';
    case 'float':
      return type.kind === 'float' || type.kind === 'floatOrFloats';
    case 'bool':
      return type.kind === 'bool';
    case 'string':
      return type.kind === 'string' || type.kind === 'enum';
  }
}

/**
 * A leading bare word that names nothing, given to an op that takes tensor
 * inputs, is most likely a misspelt value when the op has no parameters
 * (`relu(hh)`) or the word is close to a value in scope (`drop_path(hh,
 * 0.1)`): treat it as a tensor input so the caller reports the unknown
 * value, instead of "too many arguments" or a shifted positional binding.
 * Never when the first parameter takes words (`gelu(tanh)`).
 */
function isMisspeltTensor(expr: Expr, spec: OpSpec, env: ConstEnv): boolean {
  if (expr.kind !== 'Name' || expr.name === '') return false;
  if (env.constants.has(expr.name) || env.symbols?.has(expr.name)) return false;
  const first = spec.params[0]?.type.kind;
  if (first === 'enum' || first === 'string') return false;
  return spec.params.length === 0 || suggest(expr.name, env.tensors).length > 0;
}

export function bindArgs(call: Call, spec: OpSpec, env: ConstEnv, sink: DiagnosticSink): BoundArgs {
  const args: readonly Arg[] = call.args ?? [];
  const values = new Map<string, Value | null>();
  const given = new Map<string, Arg>();
  const tensorArgs: Expr[] = [];
  let ok = true;
  /** An argument that could not be matched to a parameter may be the missing one: then do not also report it missing. */
  let unplaced = false;
  let positional = 0;
  const opName = spec.name;

  for (const arg of args) {
    if (
      arg.name === undefined &&
      tensorArgs.length < spec.inputs.max &&
      positional === 0 &&
      (isTensorExpr(arg.value, env) || isMisspeltTensor(arg.value, spec, env))
    ) {
      tensorArgs.push(arg.value);
      continue;
    }
    // A missing expression from error recovery: the parser has reported it.
    if (arg.value.kind === 'Name' && arg.value.name === '') {
      ok = false;
      if (arg.name === undefined) positional++;
      continue;
    }
    let param: ParamSpec | undefined;
    if (arg.name === undefined) {
      if (given.size > positional) {
        sink.report({
          code: 'E0302',
          message: 'positional argument after a named one',
          span: arg.span,
          label: 'give this one a name',
          help: `name it: \`${spec.params[positional]?.name ?? 'name'}=...\``,
        });
        ok = false;
        unplaced = true;
        continue;
      }
      param = spec.params[positional];
      positional++;
      if (!param) {
        sink.report({
          code: 'E0302',
          message: `too many arguments: \`${opName}\` takes ${spec.params.length === 0 ? 'no arguments' : `at most ${spec.params.length}`}`,
          span: arg.span,
          label: 'unexpected argument',
          notes: spec.params.length > 0 ? [`parameters of \`${opName}\`: ${spec.params.map((p) => p.name).join(', ')}`] : [],
        });
        ok = false;
        unplaced = true;
        continue;
      }
    } else {
      const name = arg.name.name;
      param = spec.params.find((p) => p.name === name);
      if (!param) {
        const close = suggest(name, spec.params.map((p) => p.name));
        sink.report({
          code: 'E0301',
          message: `\`${opName}\` has no parameter \`${name}\``,
          span: arg.name.span,
          label: 'unknown parameter',
          ...(close.length > 0 ? { help: `there is a parameter with a similar name: \`${close[0]}\`` } : {}),
          notes: [spec.params.length > 0 ? `parameters of \`${opName}\`: ${spec.params.map((p) => p.name).join(', ')}` : `\`${opName}\` takes no arguments`],
        });
        ok = false;
        unplaced = true;
        continue;
      }
    }
    const previous = given.get(param.name);
    if (previous) {
      sink.report({
        code: 'E0303',
        message: `argument \`${param.name}\` of \`${opName}\` is given twice`,
        span: arg.span,
        label: 'given again here',
        secondary: [{ span: previous.span, message: 'first given here' }],
      });
      ok = false;
      continue;
    }
    given.set(param.name, arg);
    const evaluated = evaluateConst(arg.value, env, sink);
    if (!evaluated.ok) {
      ok = false;
      continue;
    }
    const value = evaluated.value;
    if (evaluated.symbolic) {
      // A block parameter checked before any instance gives it a value: only
      // its declared type can be checked here; instances check the rest.
      const symbol = evaluated.symbol;
      if (symbol?.type !== undefined && !symbolFits(symbol.type, param.type)) {
        sink.report({
          code: 'E0307',
          message: `\`${param.name}\` of \`${opName}\` expects ${describeType(param.type)}, got \`${symbol.name}\` of type ${symbol.type}`,
          span: arg.value.span,
          label: `expected ${describeType(param.type)}`,
        });
        ok = false;
        continue;
      }
      values.set(param.name, value);
      continue;
    }
    if (evaluated.word && param.type.kind !== 'enum' && param.type.kind !== 'string') {
      const close = suggest(String(value), [...env.constants.keys(), ...env.tensors]);
      sink.report({
        code: 'E0202',
        message: `unknown name \`${String(value)}\``,
        span: arg.value.span,
        label: 'not a parameter or value in scope',
        ...(close.length > 0 ? { help: `there is a name with a similar spelling: \`${close[0]}\`` } : {}),
      });
      ok = false;
      continue;
    }
    if (!conformsToType(value, param.type)) {
      const enumValues = param.type.kind === 'enum' ? param.type.values : [];
      const close = typeof value === 'string' ? suggest(value, enumValues) : [];
      sink.report({
        code: 'E0307',
        message: `\`${param.name}\` of \`${opName}\` expects ${describeType(param.type)}, got ${show(value)}`,
        span: arg.value.span,
        label: `expected ${describeType(param.type)}`,
        ...(close.length > 0 ? { help: `there is a value with a similar name: \`${close[0]}\`` } : {}),
      });
      ok = false;
      continue;
    }
    if (param.range && !withinRange(value, param.range)) {
      sink.report({
        code: 'E0308',
        message: `\`${param.name}\` of \`${opName}\` must be ${rangePhrase(param.range)}, got ${show(value)}`,
        span: arg.value.span,
        label: 'out of range',
      });
      ok = false;
      continue;
    }
    if (!floatsFitF32(value, param.type)) {
      sink.report({
        code: 'E0308',
        message: `\`${param.name}\` of \`${opName}\` must lie within ±3.4e38, the range of f32, got ${show(value)}`,
        span: arg.value.span,
        label: 'out of the range of f32',
        notes: ['the model computes in f32, where such a value would be Infinity'],
      });
      ok = false;
      continue;
    }
    values.set(param.name, value);
  }

  const missing: ParamSpec[] = [];
  for (const param of spec.params) {
    if (values.has(param.name) || given.has(param.name)) continue;
    if (param.default === undefined) missing.push(param);
    else values.set(param.name, param.default);
  }
  if (missing.length > 0 && unplaced) {
    ok = false;
  } else if (missing.length > 0) {
    // One report per call, however many are missing: they share the fix.
    const names = missing.map((p) => `\`${p.name}\``);
    sink.report({
      code: 'E0306',
      message: `missing ${missing.length === 1 ? 'argument' : 'arguments'} ${names.join(' and ')} of \`${opName}\``,
      span: call.span,
      label: `${names.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required`,
      notes: missing.map((p) => `${p.name}: ${p.doc}`),
    });
    ok = false;
  }
  return { values, tensorArgs, ok };
}
