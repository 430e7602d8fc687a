// A block's parameters as an OpSpec, so a block call binds its arguments
// through the same bindArgs as a layer call: positional in declared order,
// then named, defaults filled, types checked.
import type { BlockDecl, ParamTypeName } from '../../grammar/ast.ts';
import { conformsToType, describeType, formatValue, suggest } from '../registry/index.ts';
import type { OpSpec, ParamSpec, ParamType, Value } from '../registry/types.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { evaluateConst } from './evaluate.ts';

export const PARAM_TYPE_NAMES: readonly ParamTypeName[] = ['int', 'float', 'bool', 'string'];

export interface BlockSignature {
  readonly decl: BlockDecl;
  readonly name: string;
  /** Parameters and tensor inputs as an op; `inputs` counts the body's `input` statements. */
  readonly spec: OpSpec;
  /** Declared parameter types; undefined where the written type is not one. */
  readonly paramTypes: ReadonlyMap<string, ParamTypeName | undefined>;
  /** False when a parameter's type is invalid: calls then skip argument checks rather than cascade. */
  readonly sound: boolean;
}

const EMPTY_ENV = { constants: new Map<string, Value>(), tensors: new Set<string>() };

function isParamTypeName(name: string): name is ParamTypeName {
  return (PARAM_TYPE_NAMES as readonly string[]).includes(name);
}

export function blockSignature(decl: BlockDecl, sink: DiagnosticSink): BlockSignature {
  const params: ParamSpec[] = [];
  const paramTypes = new Map<string, ParamTypeName | undefined>();
  const firstSpan = new Map<string, BlockDecl['params'][number]['name']['span']>();
  let sound = true;

  for (const param of decl.params) {
    const name = param.name.name;
    if (name === '') {
      sound = false;
      continue;
    }
    const previous = firstSpan.get(name);
    if (previous !== undefined) {
      sink.report({
        code: 'E0216',
        message: `block \`${decl.name.name}\` has two parameters named \`${name}\``,
        span: param.name.span,
        label: 'declared again here',
        secondary: [{ span: previous, message: 'first declared here' }],
      });
      sound = false;
      continue;
    }
    firstSpan.set(name, param.name.span);

    const typeName = param.type.name;
    let type: ParamTypeName | undefined;
    if (isParamTypeName(typeName)) {
      type = typeName;
    } else {
      sound = false;
      if (typeName !== '') {
        const close = suggest(typeName, PARAM_TYPE_NAMES);
        sink.report({
          code: 'E0310',
          message: `unknown parameter type \`${typeName}\``,
          span: param.type.span,
          label: 'not a parameter type',
          ...(close.length > 0 ? { help: `there is a type with a similar name: \`${close[0]}\`` } : {}),
          notes: [`block parameters are ${PARAM_TYPE_NAMES.join(', ')}`],
        });
      }
    }
    paramTypes.set(name, type);
    const paramType: ParamType = { kind: type ?? 'float' };
    const spec: ParamSpec = { name, type: paramType, doc: `parameter of block ${decl.name.name}` };

    if (param.default === undefined) {
      params.push(spec);
      continue;
    }
    const evaluated = evaluateConst(param.default, EMPTY_ENV, sink);
    // A default that is wrong counts as "none" so calls do not also report it missing.
    let value: Value | null = null;
    if (evaluated.ok && type !== undefined) {
      const wordAllowed = type === 'string';
      if ((evaluated.word && !wordAllowed) || !conformsToType(evaluated.value, paramType)) {
        sink.report({
          code: 'E0311',
          message: `default of \`${name}\` is not ${article(describeType(paramType))}: ${formatValue(evaluated.value)}`,
          span: param.default.span,
          label: `expected ${describeType(paramType)}`,
        });
      } else {
        value = evaluated.value;
      }
    }
    params.push({ ...spec, default: value });
  }

  const inputCount = decl.body.filter((stmt) => stmt.kind === 'Input' && stmt.name.name !== '').length;
  return {
    decl,
    name: decl.name.name,
    spec: {
      name: decl.name.name,
      place: 'layer',
      group: 'structure',
      doc: `block ${decl.name.name}`,
      inputs: { min: inputCount, max: inputCount },
      params,
    },
    paramTypes,
    sound,
  };
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
