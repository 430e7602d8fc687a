// Checks one model or block body statement by statement, as lowering will
// run it, and records every layer and block application for the parameter
// names. The rules of the flow value (compiler/lower follows the same):
//
// - `input x` binds `x` and makes it the flow value; `let h = e` binds `h`
//   to `e` and makes it the flow value; a bare statement's result becomes
//   the flow value.
// - A layer or block written without tensor arguments applies to the flow
//   value (`relu`, `conv2d(16, 3)`), in a chain step to the value before its
//   `->`. With leading tensor arguments (`relu(h + x)`, `concat(a, b)`)
//   those are its inputs; a chain step takes no tensor arguments.
// - `output y` where `y` is not bound here and is not a layer names the
//   body's final flow value; any other output is evaluated where it stands.
//   A block without `output` returns its final flow value.
//
// A name in statement position is a value if one is bound, then a block
// parameter, then a layer or block; after `->` it is always a layer or block.
import type { Call, Expr, Ident, InputStmt, Name, Repeat, Stmt } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';
import { fitsF32, formatNumber, lookup, suggest } from '../registry/index.ts';
import { ownedTensors } from '../registry/owned-tensors.ts';
import type { OpSpec, Value } from '../registry/types.ts';
import { checkAttachments, rejectBlockAttachments } from './attachments.ts';
import { bindArgs } from './bind-args.ts';
import type { BlockSignature } from './block-signature.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { evaluateConst, type ConstEnv } from './evaluate.ts';
import { reportMisplaced } from './places.ts';
import { NO_TENSORS, nameApplications, pending, reportInputLayerClashes, type Application, type Pending } from './application-names.ts';
import { reportUnusedValues, type ValueRecord } from './unused-values.ts';
import type { ProgramIndex } from './program-index.ts';
import { checkInputType } from './tensor-type.ts';
import { forEachName } from './walk-names.ts';

export interface BodyResult {
  readonly applications: readonly Application[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Blocks this body applies, with the callee's span, for the recursion check. */
  readonly blockCalls: readonly { readonly name: string; readonly span: Span }[];
}

export interface BodyOwner {
  readonly kind: 'model' | 'block';
  readonly name: Ident;
  readonly body: readonly Stmt[];
  /** Known parameter values (instances) and still symbolic ones (a block on its own). */
  readonly constants: ReadonlyMap<string, Value>;
  readonly symbols: ConstEnv['symbols'];
}

type Kind = 'tensor' | 'const' | 'error';
/** `head`: a statement, `let` or `output` value; `step`: after `->`; `operand`: an argument or arithmetic operand. */
type Position = 'head' | 'step' | 'operand';

export function checkBody(owner: BodyOwner, index: ProgramIndex, sink: DiagnosticSink): BodyResult {
  return new BodyChecker(owner, index, sink).run();
}

class BodyChecker {
  private readonly bound = new Map<string, ValueRecord>();
  /** The names in `bound`, as the constant evaluator sees them. */
  private readonly tensors = new Set<string>();
  private readonly records: ValueRecord[] = [];
  private readonly env: ConstEnv;
  private flow: ValueRecord | undefined;
  private readonly applied: Pending[] = [];
  private readonly blockCalls: { name: string; span: Span }[] = [];
  private readonly inputs: string[] = [];
  private readonly outputs: { name: string; span: Span }[] = [];
  /** Where each value name is first bound, to say "defined later" for a use before it. */
  private readonly definitions = new Map<string, Span>();
  private readonly what: string;
  /** Without any `input` the body is reported once (E0209), not at every layer that lacks one. */
  private readonly hasInput: boolean;

  constructor(
    private readonly owner: BodyOwner,
    private readonly index: ProgramIndex,
    private readonly sink: DiagnosticSink,
  ) {
    this.env = { constants: owner.constants, tensors: this.tensors, symbols: owner.symbols };
    this.what = `${owner.kind} \`${owner.name.name}\``;
    this.hasInput = owner.body.some((stmt) => stmt.kind === 'Input');
    for (const stmt of owner.body) {
      if ((stmt.kind === 'Input' || stmt.kind === 'Let') && !this.definitions.has(stmt.name.name)) {
        this.definitions.set(stmt.name.name, stmt.name.span);
      }
    }
  }

  run(): BodyResult {
    const deferred: { name: string; span: Span }[] = [];
    for (const stmt of this.owner.body) {
      switch (stmt.kind) {
        case 'Input':
          this.input(stmt);
          break;
        case 'Let': {
          const kind = this.evaluate(stmt.value, 'head');
          if (kind === 'const') this.reportConstant(stmt.value, '`let` binds a tensor value, and this is a constant');
          if (stmt.name.name === '') break;
          if (this.isParameter(stmt.name.name)) {
            this.reportParameterClash(stmt.name);
            break;
          }
          // A broken `let` still binds its name, so its uses do not cascade into unknown values.
          const record = this.bind('let', stmt.name.name, stmt.name.span, kind !== 'tensor');
          if (kind !== 'const') this.flow = record;
          break;
        }
        case 'Flow': {
          const kind = this.evaluate(stmt.value, 'head');
          if (kind === 'const') this.reportConstant(stmt.value, 'this statement computes a constant, not a tensor');
          if (kind !== 'const') this.flow = this.record('result', '', stmt.span, kind === 'error');
          break;
        }
        case 'Output':
          this.output(stmt.value, stmt.span, deferred);
          break;
      }
    }
    for (const output of deferred) {
      if (this.flow === undefined) {
        this.sink.report({
          code: 'E0207',
          message: 'nothing to output: no value has been computed',
          span: output.span,
          label: `\`${output.name}\` names the final value, and there is none`,
        });
      } else {
        this.flow.used = true;
      }
      this.addOutput(output.name, output.span);
    }
    this.finish();
    const applications = nameApplications(this.applied, this.what, this.sink);
    reportInputLayerClashes(applications, this.records.filter((r) => r.kind === 'input' && r.name !== ''), this.what, this.sink);
    return {
      applications,
      inputs: this.inputs,
      outputs: this.outputs.map((o) => o.name),
      blockCalls: this.blockCalls,
    };
  }

  // ------------------------------------------------------------ statements

  private input(stmt: InputStmt): void {
    const name = stmt.name.name;
    checkInputType(stmt, this.owner.kind === 'model', this.sink);
    if (name === '') return;
    if (this.isParameter(name)) {
      // Reported; the input still feeds the flow, but the name keeps meaning the parameter.
      this.reportParameterClash(stmt.name);
      this.inputs.push(name);
      this.flow = this.record('input', name, stmt.name.span, true);
      return;
    }
    const previous = this.records.find((r) => r.kind === 'input' && r.name === name);
    if (previous !== undefined) {
      this.sink.report({
        code: 'E0213',
        message: `\`${name}\` is already an input of ${this.what}`,
        span: stmt.name.span,
        label: 'declared again here',
        secondary: [{ span: previous.span, message: 'first declared here' }],
      });
      return;
    }
    // A `let` may rebind an input, but an input may not take over a `let`'s name: inputs are the interface.
    const value = this.bound.get(name);
    if (value !== undefined) {
      value.used = true;
      this.sink.report({
        code: 'E0213',
        message: `\`${name}\` is already a value of ${this.what}`,
        span: stmt.name.span,
        label: 'declared as an input here',
        secondary: [{ span: value.span, message: 'defined by this `let`' }],
        help: 'an input needs a name no other value has; rename one of them',
      });
      return;
    }
    this.inputs.push(name);
    this.flow = this.bind('input', name, stmt.name.span, false);
  }

  private output(value: Expr, span: Span, deferred: { name: string; span: Span }[]): void {
    if (value.kind === 'Name') {
      if (value.name === '') return;
      const isValue = this.bound.has(value.name) || this.isParameter(value.name);
      if (!isValue && !this.isApplicable(value.name)) {
        deferred.push({ name: value.name, span });
        return;
      }
    }
    const kind = this.evaluate(value, 'head');
    if (kind === 'const') this.reportConstant(value, 'an output must be a tensor, and this is a constant');
    this.addOutput(value.kind === 'Name' ? value.name : 'output', span);
  }

  private addOutput(name: string, span: Span): void {
    const first = this.outputs[0];
    if (this.owner.kind === 'block' && first !== undefined) {
      this.sink.report({
        code: 'E0214',
        message: `${this.what} has more than one \`output\``,
        span,
        label: 'second output',
        secondary: [{ span: first.span, message: 'first output here' }],
        notes: ['a block returns one value'],
      });
      return;
    }
    const same = this.outputs.find((o) => o.name === name);
    if (same !== undefined) {
      this.sink.report({
        code: 'E0214',
        message: `${this.what} has two outputs named \`${name}\``,
        span,
        label: 'second output with this name',
        secondary: [{ span: same.span, message: 'first output here' }],
      });
      return;
    }
    this.outputs.push({ name, span });
  }

  private finish(): void {
    const { kind, name } = this.owner;
    if (name.name !== '' && this.inputs.length === 0) {
      this.sink.report({
        code: 'E0209',
        message: `${this.what} has no \`input\``,
        span: name.span,
        label: `${kind} without input`,
        help: kind === 'model' ? 'declare its input first, e.g. `input x: f32[N, 3, 32, 32]`' : 'declare the value it takes first: `input x`',
      });
    }
    if (kind === 'model' && name.name !== '' && this.outputs.length === 0) {
      this.sink.report({
        code: 'E0208',
        message: `${this.what} has no \`output\``,
        span: name.span,
        label: 'model without output',
        help: 'name the value the model returns, e.g. `output logits` for its final value',
      });
    }
    // A block without `output` returns its final flow value; a model without one was just reported.
    if (this.outputs.length === 0 && this.flow !== undefined) this.flow.used = true;

    reportUnusedValues(this.records, this.sink);
  }

  // ------------------------------------------------------------ values

  private record(kind: ValueRecord['kind'], name: string, span: Span, used: boolean): ValueRecord {
    const record: ValueRecord = { kind, name, span, used: used || name.startsWith('_') };
    this.records.push(record);
    return record;
  }

  private bind(kind: 'input' | 'let', name: string, span: Span, used: boolean): ValueRecord {
    const record = this.record(kind, name, span, used);
    this.bound.set(name, record);
    this.tensors.add(name);
    return record;
  }

  private isParameter(name: string): boolean {
    return this.owner.constants.has(name) || (this.owner.symbols?.has(name) ?? false);
  }

  private isApplicable(name: string): boolean {
    return this.index.blocks.has(name) || lookup(name, 'layer') !== undefined;
  }

  private reportParameterClash(ident: Ident): void {
    this.sink.report({
      code: 'E0213',
      message: `\`${ident.name}\` is already a parameter of ${this.what}`,
      span: ident.span,
      label: 'a tensor value cannot reuse a parameter name',
    });
  }

  private reportConstant(expr: Expr, message: string): void {
    this.sink.report({ code: 'E0305', message, span: expr.span, label: 'a constant' });
  }

  /** The flow value as an application's input; false (and reported) when there is none yet. */
  private takeFlow(op: string, span: Span): boolean {
    if (this.flow === undefined) {
      if (this.hasInput) {
        this.sink.report({
          code: 'E0207',
          message: `\`${op}\` has no input: nothing has been computed before it`,
          span,
          label: 'nothing flows into this',
          help: 'move the `input` statement before the first layer',
        });
      }
      return false;
    }
    this.flow.used = true;
    return true;
  }

  /** An application that could not be checked still consumes the flow value, so no unused warning follows. */
  private consumeFlowQuietly(position: Position): void {
    if (position !== 'step' && this.flow !== undefined) this.flow.used = true;
  }

  // ------------------------------------------------------------ expressions

  private evaluate(expr: Expr, position: Position): Kind {
    switch (expr.kind) {
      case 'Number':
      case 'String':
      case 'Bool':
      case 'List':
        return 'const';
      case 'Paren':
        return this.evaluate(expr.inner, 'operand');
      case 'Unary':
        return this.evaluate(expr.operand, 'operand');
      case 'Binary':
        return this.binary(expr);
      case 'Name':
        return this.name(expr, position);
      case 'Call':
        return this.call(expr, position);
      case 'Repeat':
        return this.repeat(expr, position);
      case 'Chain': {
        const head = this.evaluate(expr.head, 'head');
        if (head === 'const') {
          this.reportConstant(expr.head, 'a chain must start from a tensor, and this is a constant');
          this.consumeFlowQuietly(position);
        }
        let kind: Kind = head === 'tensor' ? 'tensor' : 'error';
        for (const step of expr.steps) if (this.evaluate(step, 'step') === 'error') kind = 'error';
        return kind;
      }
    }
  }

  private binary(expr: Extract<Expr, { kind: 'Binary' }>): Kind {
    const left = this.evaluate(expr.left, 'operand');
    const right = this.evaluate(expr.right, 'operand');
    if (left === 'error' || right === 'error') return 'error';
    if (left === 'const' && right === 'const') return 'const';
    // Tensor with a number: the number becomes a scalar, as in torch.
    const constant = left === 'const' ? expr.left : right === 'const' ? expr.right : undefined;
    if (constant === undefined) return 'tensor';
    const value = evaluateConst(constant, this.env, this.sink);
    if (!value.ok) return 'error';
    if (typeof value.value !== 'number') {
      this.sink.report({
        code: 'E0304',
        message: `\`${expr.op}\` needs a tensor or a number on each side`,
        span: constant.span,
        label: 'not a number',
      });
      return 'error';
    }
    if (value.symbolic !== true && !fitsF32(value.value)) {
      this.sink.report({
        code: 'E0304',
        message: `${formatNumber(value.value)} is beyond ±3.4e38, the range of f32`,
        span: constant.span,
        label: 'not an f32 value',
        notes: ['the number becomes an f32 constant of the model, where it would be Infinity'],
      });
      return 'error';
    }
    return 'tensor';
  }

  private name(expr: Name, position: Position): Kind {
    const name = expr.name;
    if (name === '') return 'error';
    if (position === 'step') {
      if (this.isApplicable(name)) return this.apply(syntheticCall(expr), expr, position);
      this.reportNotApplicable(asIdent(expr));
      // `x -> h` with `h` a value: reported above; not also "never used".
      const value = this.bound.get(name);
      if (value !== undefined) value.used = true;
      this.applied.push(pending(expr.span, name, undefined));
      return 'error';
    }
    const value = this.bound.get(name);
    if (value !== undefined) {
      value.used = true;
      return 'tensor';
    }
    if (this.isParameter(name)) return 'const';
    if (position === 'head' && this.isApplicable(name)) return this.apply(syntheticCall(expr), expr, position);
    if (position === 'operand' && this.isApplicable(name)) {
      this.sink.report({
        code: 'E0203',
        message: `\`${name}\` is ${this.index.blocks.has(name) ? 'a block' : 'a layer'}, not a value`,
        span: expr.span,
        label: 'expected a value',
        help: `to apply it to a value, write \`${name}(x)\``,
      });
      return 'error';
    }
    this.reportUnknownName(expr, position);
    if (position === 'head') {
      // Most likely a misspelt layer: it keeps its place among the applications.
      this.consumeFlowQuietly(position);
      this.applied.push(pending(expr.span, name, undefined));
    }
    return 'error';
  }

  private call(call: Call, position: Position): Kind {
    const name = call.callee.name;
    if (name === '' || !this.isApplicable(name)) {
      if (name !== '') this.reportNotApplicable(call.callee);
      this.markNamesUsed(call);
      this.consumeFlowQuietly(position);
      // Still an application: the automatic names of the others stay put when this one is fixed.
      this.applied.push(pending(call.span, name, call.label));
      return 'error';
    }
    return this.apply(call, call, position);
  }

  /** A layer or block application, written as `call` (synthetic for a bare name) at `node`. */
  private apply(call: Call, node: Call | Name, position: Position): Kind {
    const block = this.index.blocks.get(call.callee.name);
    if (block !== undefined) return this.applyBlock(call, block, node, position);
    const spec = lookup(call.callee.name, 'layer')!;
    const bound = bindArgs(call, spec, this.env, this.sink);
    const kind = this.inputsOf(call, spec, bound.tensorArgs, position);
    const attachments = checkAttachments(call, spec, this.env, this.sink);
    this.applied.push(pending(node.span, spec.name, call.label, ownedTensors(spec.name, bound.values, attachments)));
    return kind;
  }

  private applyBlock(call: Call, block: BlockSignature, node: Call | Name, position: Position): Kind {
    this.blockCalls.push({ name: block.name, span: call.callee.span });
    // A block with a broken signature was reported once; its calls are not checked against it.
    const bound = bindArgs(call, block.spec, this.env, block.sound ? this.sink : new DiagnosticSink(''));
    const kind = this.inputsOf(call, block.spec, bound.tensorArgs, position);
    rejectBlockAttachments(call, this.sink);
    this.applied.push(pending(node.span, block.name, call.label, NO_TENSORS, block, block.sound ? bound.values : undefined));
    return kind;
  }

  /** Evaluates the tensor arguments and checks the input count against the op. */
  private inputsOf(call: Call, spec: OpSpec, tensorArgs: readonly Expr[], position: Position): Kind {
    const kinds = tensorArgs.map((arg) => this.evaluate(arg, 'operand'));
    // An input that is itself wrong was reported; counting it would only repeat that, and
    // whether the flow value was meant instead is anyone's guess, so it is not "unused" either.
    if (kinds.includes('error')) {
      this.consumeFlowQuietly(position);
      return 'error';
    }
    const { min, max } = spec.inputs;
    if (position === 'step' && tensorArgs.length > 0) {
      this.sink.report({
        code: 'E0309',
        message: `\`${spec.name}\` after \`->\` takes its input from the chain`,
        span: tensorArgs[0]!.span,
        label: 'a tensor argument in a chain step',
        help: `to give the inputs yourself, start a new statement: \`${spec.name}(...)\``,
      });
      return 'error';
    }
    if (min === 0 && max === 0) return 'tensor';
    const count = tensorArgs.length > 0 ? tensorArgs.length : 1;
    if (tensorArgs.length === 0 && position !== 'step' && !this.takeFlow(spec.name, call.span)) return 'error';
    if (count >= min && count <= max) return 'tensor';
    const fromFlow = tensorArgs.length === 0;
    this.sink.report({
      code: 'E0309',
      message: fromFlow
        ? `\`${spec.name}\` takes ${describeCount(min, max)}, but only the value flowing in is given`
        : `\`${spec.name}\` takes ${describeCount(min, max)}, got ${count}`,
      span: fromFlow ? call.callee.span : tensorArgs[Math.min(max, tensorArgs.length - 1)]!.span,
      label: fromFlow ? 'one input' : `${count} inputs`,
      ...(fromFlow ? { help: `pass its inputs explicitly: \`${spec.name}(a, b)\`` } : {}),
    });
    return 'error';
  }

  private repeat(expr: Repeat, position: Position): Kind {
    const count = this.repeatCount(expr.count);
    const body = expr.body;
    const name = body.callee.name;
    if (name === '') return 'error';
    const block = this.index.blocks.get(name);
    if (block === undefined) {
      this.reportNotRepeatable(body.callee);
      this.markNamesUsed(body);
      this.consumeFlowQuietly(position);
      this.applied.push(pending(expr.span, name, expr.label));
      return 'error';
    }
    this.blockCalls.push({ name, span: body.callee.span });
    const bound = bindArgs(body, block.spec, this.env, block.sound ? this.sink : new DiagnosticSink(''));
    for (const arg of bound.tensorArgs) this.evaluate(arg, 'operand');
    rejectBlockAttachments(body, this.sink);
    if (bound.tensorArgs.length > 0) {
      this.sink.report({
        code: 'E0309',
        message: 'a repeated block takes its input from the instance before it',
        span: bound.tensorArgs[0]!.span,
        label: 'a tensor argument',
      });
    } else if (block.spec.inputs.max !== 1 && block.spec.inputs.max !== 0) {
      this.sink.report({
        code: 'E0309',
        message: `\`repeat\` needs a block with one input, and \`${name}\` takes ${block.spec.inputs.max}`,
        span: body.callee.span,
        label: 'not chainable',
      });
    }
    const fed = position === 'step' || this.takeFlow('repeat', expr.span);
    this.applied.push(pending(expr.span, name, expr.label, NO_TENSORS, block, block.sound ? bound.values : undefined, count));
    return fed ? 'tensor' : 'error';
  }

  private reportNotRepeatable(callee: Ident): void {
    const name = callee.name;
    const close = suggest(name, this.index.blocks.keys());
    const help = close.length > 0 ? { help: `there is a block with a similar name: \`${close[0]}\`` } : {};
    if (lookup(name, 'layer') !== undefined) {
      this.sink.report({
        code: 'E0215',
        message: `\`repeat\` needs a block, and \`${name}\` is a layer`,
        span: callee.span,
        label: 'expected a block',
        ...(close.length > 0 ? help : { help: 'put the layer in a block and repeat the block' }),
      });
      return;
    }
    this.sink.report({ code: 'E0201', message: `unknown block \`${name}\``, span: callee.span, label: 'expected a block', ...help });
  }

  /** The instance count when known; reports counts that are not whole numbers >= 1. */
  private repeatCount(expr: Expr): number | undefined {
    if (expr.kind === 'Name' && expr.name === '') return undefined;
    const count = evaluateConst(expr, this.env, this.sink);
    if (!count.ok) return undefined;
    if (count.symbolic) {
      const type = count.symbol?.type;
      if (count.symbol !== undefined && type !== undefined && type !== 'int') {
        this.sink.report({
          code: 'E0312',
          message: `\`repeat\` needs a whole number, and \`${count.symbol.name}\` is a ${type} parameter`,
          span: expr.span,
          label: 'expected an int',
        });
      }
      return undefined;
    }
    if (count.word) {
      this.sink.report({ code: 'E0202', message: `unknown value \`${String(count.value)}\``, span: expr.span, label: 'not a parameter in scope' });
      return undefined;
    }
    if (typeof count.value !== 'number' || !Number.isInteger(count.value) || count.value < 1) {
      this.sink.report({
        code: 'E0312',
        message: `\`repeat\` needs a whole number of at least 1, got ${String(count.value)}`,
        span: expr.span,
        label: 'invalid count',
      });
      return undefined;
    }
    return count.value;
  }

  // ------------------------------------------------------------ reporting names

  /** After `->`, or a call of something that is not a layer or block. */
  private reportNotApplicable(ident: Ident): void {
    const name = ident.name;
    const blocks = [...this.index.blocks.keys()];
    if (this.bound.has(name) || this.definitions.has(name)) {
      reportMisplaced(ident, 'layer', this.sink, blocks, { name, what: 'a value' });
    } else if (this.isParameter(name)) {
      reportMisplaced(ident, 'layer', this.sink, blocks, { name, what: 'a block parameter' });
    } else if (this.index.models.has(name)) {
      reportMisplaced(ident, 'layer', this.sink, blocks, { name, what: 'a model' });
    } else {
      reportMisplaced(ident, 'layer', this.sink, blocks);
    }
  }

  /** A name bound to nothing: an unknown value or, in statement position, possibly an unknown layer. */
  private reportUnknownName(expr: Name, position: Position): void {
    const name = expr.name;
    const values = [...this.bound.keys(), ...(this.owner.symbols?.keys() ?? []), ...this.owner.constants.keys()];
    const closeValue = suggest(name, values);
    if (position === 'head' && closeValue.length === 0 && (this.index.models.has(name) || !this.definitions.has(name))) {
      this.reportNotApplicable(asIdent(expr));
      return;
    }
    // The value it was probably meant to be is used, as far as warnings go.
    const meant = closeValue.length > 0 ? this.bound.get(closeValue[0]!) : undefined;
    if (meant !== undefined) meant.used = true;
    const definition = this.definitions.get(name);
    const later = definition !== undefined && definition.start.offset > expr.span.start.offset ? definition : undefined;
    this.sink.report({
      code: 'E0202',
      message: `unknown value \`${name}\``,
      span: expr.span,
      label: 'not defined here',
      ...(later !== undefined
        ? { secondary: [{ span: later, message: 'defined later' }], notes: ['a value can be used only after the statement that defines it'] }
        : closeValue.length > 0
          ? { help: `there is a value with a similar name: \`${closeValue[0]}\`` }
          : {}),
    });
  }

  /** Names in a call that could not be checked still count as used, so no unused warnings follow. */
  private markNamesUsed(call: Call): void {
    for (const arg of call.args ?? []) {
      forEachName(arg.value, (name) => {
        const value = this.bound.get(name.name);
        if (value !== undefined) value.used = true;
      });
    }
  }
}

function syntheticCall(name: Name): Call {
  return { kind: 'Call', callee: asIdent(name), args: null, attachments: [], span: name.span };
}

function asIdent(name: Name): Ident {
  return { kind: 'Ident', name: name.name, span: name.span };
}

function describeCount(min: number, max: number): string {
  const noun = (n: number) => (n === 1 ? 'tensor input' : 'tensor inputs');
  if (min === max) return `${min} ${noun(min)}`;
  if (max === Infinity) return `${min} or more ${noun(2)}`;
  return `${min} to ${max} ${noun(2)}`;
}
