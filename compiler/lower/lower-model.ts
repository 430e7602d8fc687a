// AST -> IR for one model: blocks are inlined with their instance prefixes,
// `repeat` is expanded, every layer application becomes IR nodes through
// LAYER_LOWERINGS. The checker has run first, so lowering reports only what
// needs shapes: mismatches between layers (E0501), layer arguments that do
// not fit their input (E0502, at the argument where one is to blame),
// tensors past the size caps (E0503, E0504; see size-limits.ts) and names
// longer than a bundle holds (E0505).
//
// Lowering works on shapes alone: stored tensors are declared with their
// shapes and initialisers, and their values are filled in only at the end,
// and only when a WeightSource is given and nothing was wrong. So `regc
// check` never allocates a weight, and neither does a compile that fails.
// After a layer fails, its output is FAILED, and whatever depends on it is
// skipped without a diagnostic of its own, while independent layers are
// still checked: every error is reported, none twice.
import { describeCount } from '../../diagnostics/describe-count.ts';
import type { BlockDecl, Call, Expr, ModelDecl, Name, Program, Repeat, Stmt } from '../../grammar/ast.ts';
import type { SourceFile, Span } from '../../grammar/source.ts';
import { GraphBuilder, GraphShapeError } from '../ir/builder.ts';
import { formatShape, ShapeError } from '../ir/ops.ts';
import type { Dim, Graph, Origin, ValueId } from '../ir/types.ts';
import { lookup } from '../registry/index.ts';
import type { OpSpec, Value } from '../registry/types.ts';
import { bindArgs } from '../resolve/bind-args.ts';
import { blockSignature } from '../resolve/block-signature.ts';
import { DiagnosticSink } from '../resolve/diagnostic-sink.ts';
import type { ConstEnv } from '../resolve/evaluate.ts';
import { argumentSpan } from './argument-span.ts';
import type { Init } from './init.ts';
import { ArgumentError, LAYER_LOWERINGS, LoweringError, type Attachment } from './layers.ts';
import { countValues, internalValuesPerSample, MAX_MODEL_PARAMETERS, MAX_NAME_LENGTH, MAX_MODEL_VALUES_PER_SAMPLE, MAX_TENSOR_ELEMENTS, MAX_VALUE_ELEMENTS_PER_SAMPLE } from './size-limits.ts';
import type { DeclaredTensor, WeightSource } from './weight-source.ts';

/** Thrown to abandon lowering after a diagnostic has been reported. */
class Abandon extends Error {}

/** The value of a layer that failed (reported): what depends on it is skipped, not reported again. */
const FAILED: ValueId = -1;

interface PendingTensor extends DeclaredTensor {
  readonly init: Init;
}

interface Scope {
  readonly prefix: string;
  readonly constants: Map<string, Value>;
  readonly values: Map<string, ValueId>;
  /** The names in `values`, kept alongside so that binding a call's arguments does not copy them. */
  readonly valueNames: Set<string>;
  flow: ValueId | undefined;
  /** Index of each layer application in this body, keyed by its span start. */
  readonly appIndex: Map<number, number>;
}

type Application = Call | Name | Repeat;

function bindValue(scope: Scope, name: string, id: ValueId): void {
  scope.values.set(name, id);
  scope.valueNames.add(name);
}

export interface LowerContext {
  readonly program: Program;
  readonly source: SourceFile;
  readonly sink: DiagnosticSink;
  /**
   * Where stored tensors' values come from. Without it (`regc check`) the
   * graph has shapes only: `graph.data` stays empty and nothing is allocated.
   */
  readonly weights?: WeightSource;
}

/** The model's train graph, or undefined when lowering reported an error. */
export function lowerModel(model: ModelDecl, ctx: LowerContext): Graph | undefined {
  const b = new GraphBuilder('train');
  const blocks = new Map<string, BlockDecl>();
  for (const item of ctx.program.items) if (item.kind === 'Block') blocks.set(item.name.name, item);
  const lowerer = new Lowerer(model.name.name, b, blocks, ctx);
  const errorsBefore = ctx.sink.errorCount;
  lowerer.nameFits('model', model.name.name, model.name.span);
  try {
    const scope = lowerer.newScope('', new Map(), model.body);
    lowerer.body(model.body, scope, true);
  } catch (e) {
    if (e instanceof Abandon) return undefined;
    throw e;
  }
  if (ctx.sink.errorCount > errorsBefore) return undefined;
  if (ctx.weights) lowerer.fillWeights(ctx.weights);
  return b.finish();
}

class Lowerer {
  /** Stored tensors in declaration order, values not yet filled in. */
  private readonly tensors: PendingTensor[] = [];
  /** Values of the stored tensors declared so far, those over MAX_TENSOR_ELEMENTS left out. */
  private storedValues = 0;
  /** Values per sample of the inputs and layer outputs so far, with the scratch their kernels need. */
  private valuesPerSample = 0;
  /** Where E0505 was reported. */
  private readonly longNamesAt = new Set<number>();

  constructor(
    private readonly modelName: string,
    private readonly b: GraphBuilder,
    private readonly blocks: ReadonlyMap<string, BlockDecl>,
    private readonly ctx: LowerContext,
  ) {}

  /**
   * Fills in every stored tensor's values, in declaration order, so a
   * `computed` initialiser finds the tensors it reads already filled.
   */
  fillWeights(weights: WeightSource): void {
    for (const t of this.tensors) this.b.setData(t.name, weights.values(t, t.init));
  }

  newScope(prefix: string, constants: Map<string, Value>, body: readonly Stmt[]): Scope {
    return { prefix, constants, values: new Map(), valueNames: new Set(), flow: undefined, appIndex: this.indexApplications(body, constants) };
  }

  /**
   * Numbers every layer or block application in a body in source order, the
   * basis of automatic names (`relu_3`), as the checker does.
   */
  private indexApplications(body: readonly Stmt[], constants: ReadonlyMap<string, Value>): Map<number, number> {
    const bound = new Set<string>();
    const apps: Application[] = [];
    const visit = (e: Expr | undefined, top: boolean): void => {
      if (!e) return;
      switch (e.kind) {
        case 'Chain':
          visit(e.head, top);
          for (const s of e.steps) visit(s, true);
          return;
        case 'Binary':
          visit(e.left, false);
          visit(e.right, false);
          return;
        case 'Unary':
          visit(e.operand, false);
          return;
        case 'Paren':
          visit(e.inner, false);
          return;
        case 'Call':
          apps.push(e);
          for (const a of e.args ?? []) if (a.name === undefined) visit(a.value, false);
          return;
        case 'Repeat':
          apps.push(e);
          return;
        case 'Name':
          // In argument position a bare name is a value or an enum word (`gelu(tanh)`), never a layer.
          if (top && !bound.has(e.name) && !constants.has(e.name)) apps.push(e);
          return;
        default:
          return;
      }
    };
    for (const stmt of body) {
      if (stmt.kind === 'Input') bound.add(stmt.name.name);
      else if (stmt.kind === 'Let') {
        visit(stmt.value, true);
        bound.add(stmt.name.name);
      } else if (stmt.kind === 'Output') {
        if (!(stmt.value.kind === 'Name' && !bound.has(stmt.value.name))) visit(stmt.value, true);
      } else visit(stmt.value, true);
    }
    apps.sort((p, q) => p.span.start.offset - q.span.start.offset);
    return new Map(apps.map((a, i) => [a.span.start.offset, i]));
  }

  /** Lowers a model or block body; returns the body's output value. */
  body(stmts: readonly Stmt[], scope: Scope, isModel: boolean, blockInputs: readonly ValueId[] = []): ValueId | undefined {
    let nextInput = 0;
    let output: ValueId | undefined;
    const deferred: { name: string; span: Span }[] = [];
    for (const stmt of stmts) {
      switch (stmt.kind) {
        case 'Input': {
          let id: ValueId;
          if (isModel) {
            const shape = this.tensorShape(stmt);
            id = this.b.input(stmt.name.name, { dtype: 'f32', shape }, this.origin(stmt.name.name, stmt.span));
            const fits = this.valueFits(id, `input \`${stmt.name.name}\``, stmt.type!.span, { label: 'too large', help: 'check the sizes in this shape' });
            if (!this.nameFits('input', stmt.name.name, stmt.name.span) || !fits) id = FAILED;
          } else {
            const given = blockInputs[nextInput++];
            if (given === undefined) throw this.internal('the block is given fewer tensors than it has inputs', stmt.span);
            id = given;
          }
          bindValue(scope, stmt.name.name, id);
          scope.flow = id;
          break;
        }
        case 'Let': {
          const id = this.expr(stmt.value, scope, true);
          bindValue(scope, stmt.name.name, id);
          scope.flow = id;
          break;
        }
        case 'Flow':
          scope.flow = this.expr(stmt.value, scope, true);
          break;
        case 'Output': {
          const v = stmt.value;
          // `output logits` with `logits` unbound names the body's final flow value.
          if (v.kind === 'Name' && !scope.values.has(v.name) && !this.isApplicable(v.name)) {
            deferred.push({ name: v.name, span: stmt.span });
            break;
          }
          const id = this.expr(v, scope, true);
          output = id;
          const outputName = v.kind === 'Name' ? v.name : 'output';
          if (isModel && id !== FAILED && this.nameFits('output', outputName, stmt.span)) this.b.output(outputName, id);
          break;
        }
      }
    }
    for (const d of deferred) {
      if (scope.flow === undefined) throw this.internal('nothing to output: no value has been computed', d.span);
      output = scope.flow;
      if (isModel && scope.flow !== FAILED && this.nameFits('output', d.name, d.span)) this.b.output(d.name, scope.flow);
    }
    if (!isModel && output === undefined) output = scope.flow;
    return output;
  }

  private isApplicable(name: string): boolean {
    return lookup(name, 'layer') !== undefined || this.blocks.has(name);
  }

  private tensorShape(stmt: Extract<Stmt, { kind: 'Input' }>): Dim[] {
    if (!stmt.type) throw this.internal(`model input \`${stmt.name.name}\` needs a type such as f32[N, 3, 32, 32]`, stmt.span);
    return stmt.type.dims.map((d) => (d.kind === 'DimNumber' ? d.value : 'N'));
  }

  /** `top` means the expression stands where a layer name applies to the flow value. */
  expr(e: Expr, scope: Scope, top: boolean): ValueId {
    switch (e.kind) {
      case 'Chain': {
        let current = this.expr(e.head, scope, top);
        for (const step of e.steps) current = this.apply(step as Application, [current], scope);
        return current;
      }
      case 'Paren':
        return this.expr(e.inner, scope, false);
      case 'Name': {
        const v = scope.values.get(e.name);
        if (v !== undefined) return v;
        return this.apply(e, scope.flow === undefined ? [] : [scope.flow], scope);
      }
      case 'Call':
      case 'Repeat':
        return this.applyWithArgs(e, scope);
      case 'Binary': {
        const fn = ({ '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as const)[e.op];
        const left = this.operand(e.left, scope);
        const right = this.operand(e.right, scope);
        if (left === FAILED || right === FAILED) return FAILED;
        const origin = this.origin(`${scope.prefix}${e.op === '+' ? 'add' : fn}`, e.span);
        return this.shaped(e.span, origin, () => undefined, () => this.b.add('binary', [left, right], { fn }, origin));
      }
      case 'Unary': {
        const operand = this.expr(e.operand, scope, false);
        if (e.op === '+' || operand === FAILED) return operand;
        return this.b.add('unary', [operand], { fn: 'neg' }, this.origin(`${scope.prefix}neg`, e.span));
      }
      default:
        throw this.internal('expected a tensor expression here', e.span);
    }
  }

  /** A binary operand: a tensor, or a number that becomes a scalar constant. */
  private operand(e: Expr, scope: Scope): ValueId {
    if (e.kind === 'Number') return this.b.constant([e.value], [], this.origin('constant', e.span));
    if (e.kind === 'Unary' && e.operand.kind === 'Number') {
      return this.b.constant([e.op === '-' ? -e.operand.value : e.operand.value], [], this.origin('constant', e.span));
    }
    if (e.kind === 'Name' && scope.constants.has(e.name)) {
      const v = scope.constants.get(e.name);
      if (typeof v === 'number') return this.b.constant([v], [], this.origin(e.name, e.span));
    }
    return this.expr(e, scope, false);
  }

  /** A call that may carry its own tensor arguments (`relu(h + x)`), else applies to the flow value. */
  private applyWithArgs(e: Call | Repeat, scope: Scope): ValueId {
    if (e.kind === 'Repeat') return this.apply(e, scope.flow === undefined ? [] : [scope.flow], scope);
    const block = this.blocks.get(e.callee.name);
    const spec = block ? this.blockSpec(block) : lookup(e.callee.name, 'layer');
    if (spec) {
      const env = this.env(scope);
      const tensorArgs = (e.args ?? []).filter((a) => a.name === undefined).length > 0 ? this.leadingTensorArgs(e, spec, scope) : [];
      if (tensorArgs.length > 0) return this.apply(e, tensorArgs.map((t) => this.expr(t, scope, false)), scope, env);
    }
    return this.apply(e, scope.flow === undefined ? [] : [scope.flow], scope);
  }

  private leadingTensorArgs(call: Call, spec: OpSpec, scope: Scope): Expr[] {
    const quiet = { report: () => undefined } as unknown as DiagnosticSink;
    return [...bindArgs(call, spec, this.env(scope), quiet).tensorArgs];
  }

  private env(scope: Scope): ConstEnv {
    return { constants: scope.constants, tensors: scope.valueNames };
  }

  private layerName(app: Application, op: string, scope: Scope): string {
    const label = app.kind === 'Name' ? undefined : app.label?.name;
    const index = scope.appIndex.get(app.span.start.offset) ?? 0;
    return scope.prefix + (label && label.length > 0 ? label : `${op}_${index}`);
  }

  /** Applies a layer or block (by a Name, Call or Repeat node) to `inputs`. */
  apply(app: Application, inputs: ValueId[], scope: Scope, env = this.env(scope)): ValueId {
    if (app.kind === 'Repeat') return this.repeat(app, inputs, scope);
    const calleeName = app.kind === 'Name' ? app.name : app.callee.name;
    const call: Call =
      app.kind === 'Name' ? { kind: 'Call', callee: { kind: 'Ident', name: app.name, span: app.span }, args: null, attachments: [], span: app.span } : app;
    const block = this.blocks.get(calleeName);
    if (block) return this.instantiate(block, call, this.layerName(app, calleeName, scope), inputs, scope);
    const spec = lookup(calleeName, 'layer');
    const lowering = spec ? LAYER_LOWERINGS[spec.name] : undefined;
    if (!spec || !lowering) throw this.internal(`unknown layer \`${calleeName}\``, call.callee.span);
    const bound = bindArgs(call, spec, env, this.ctx.sink);
    if (!bound.ok) throw new Abandon();
    if (inputs.length < spec.inputs.min) {
      throw this.internal(`\`${calleeName}\` has no input: nothing has been computed before it`, call.span);
    }
    const name = this.layerName(app, spec.name, scope);
    // The layer's name labels its dispatches in the manifest, weights or not.
    if (!this.nameFits('layer', name, call.span)) return FAILED;
    const attachments: Attachment[] = call.attachments.map((a) => {
      const aspec = lookup(a.callee.name, 'attachment');
      if (!aspec) throw this.internal(`unknown attachment \`${a.callee.name}\``, a.callee.span);
      const ab = bindArgs(a, aspec, env, this.ctx.sink);
      if (!ab.ok) throw new Abandon();
      return { name: aspec.name, values: ab.values };
    });
    if (inputs.includes(FAILED)) return FAILED;
    const origin = this.origin(name, call.span);
    const argumentAt = (e: ArgumentError) => {
      if (e.attachment === undefined) return argumentSpan(call, spec, e.param, bound.tensorArgs.length);
      const attachment = call.attachments.find((a) => lookup(a.callee.name, 'attachment')?.name === e.attachment);
      return attachment === undefined ? undefined : (argumentSpan(attachment, lookup(attachment.callee.name, 'attachment')!, e.param, 0) ?? attachment.span);
    };
    return this.shaped(call.span, origin, argumentAt, () =>
      lowering({
        b: this.b,
        name,
        values: bound.values,
        inputs,
        attachments,
        origin,
        weightData: (id) => this.b.getData((this.b.node(id).attrs as { name: string }).name)!,
        tensor: (suffix: string, shape: readonly number[], role, init: Init) => this.declareTensor(`${name}.${suffix}`, shape, role, init, origin),
        holdsTensor: (suffix: string) => this.ctx.weights?.holds(`${name}.${suffix}`) === true,
      }),
    );
  }

  /** A stored tensor's param node; its values come later (fillWeights). Reports tensors past the caps. */
  private declareTensor(name: string, shape: readonly number[], role: PendingTensor['role'], init: Init, origin: Origin): ValueId {
    // Names come from unique labels (E0204), so a second declaration would silently share a weight.
    if (this.b.hasTensor(name)) throw this.internal(`the tensor \`${name}\` is declared twice`, origin.span);
    this.nameFits('stored tensor', name, origin.span);
    const count = countValues(shape);
    if (count > MAX_TENSOR_ELEMENTS) {
      this.ctx.sink.report({
        code: 'E0503',
        message: `\`${name}\` would hold ${describeCount(count)} values, more than the ${describeCount(MAX_TENSOR_ELEMENTS)} one stored tensor may hold`,
        span: origin.span,
        label: `\`${name}\` is f32${formatShape(shape)}`,
        help: "check the layer's sizes and the shape of its input",
      });
    } else {
      const before = this.storedValues;
      this.storedValues += count;
      if (before <= MAX_MODEL_PARAMETERS && this.storedValues > MAX_MODEL_PARAMETERS) {
        this.ctx.sink.report({
          code: 'E0503',
          message: `model \`${this.modelName}\` would store more than ${describeCount(MAX_MODEL_PARAMETERS)} values in all`,
          span: origin.span,
          label: `\`${name}\` brings it to ${describeCount(this.storedValues)}`,
          help: "check the layers' sizes and the shapes of their inputs",
        });
      }
    }
    this.tensors.push({ name, shape, role, init });
    return this.b.tensor({ name, role, type: { dtype: 'f32', shape } }, undefined, origin);
  }

  /**
   * False (and reported at `span`) when value `id` holds more than
   * MAX_VALUE_ELEMENTS_PER_SAMPLE values per sample.
   */
  private valueFits(id: ValueId, what: string, span: Span, words: { label?: string; help?: string } = {}): boolean {
    const type = this.b.type(id);
    const count = countValues(type.shape);
    if (count <= MAX_VALUE_ELEMENTS_PER_SAMPLE) return this.modelValuesFit(id, count, span);
    this.ctx.sink.report({
      code: 'E0504',
      message: `${what} would hold ${describeCount(count)} values per sample, more than the ${describeCount(MAX_VALUE_ELEMENTS_PER_SAMPLE)} a value may hold`,
      span,
      label: words.label ?? `gives ${type.dtype}${formatShape(type.shape)}`,
      help: words.help ?? "check the layer's sizes and the shape of its input",
    });
    return false;
  }

  /**
   * False (and reported at `span`) when a name the bundle's manifest holds
   * (the model's, an input's or output's, a layer's, a block instance's, a
   * stored tensor's full name) is longer than MAX_NAME_LENGTH; the message
   * shows its ends only.
   */
  nameFits(what: string, name: string, span: Span): boolean {
    if (name.length <= MAX_NAME_LENGTH) return true;
    // A layer's name and its tensors' share their span and their cause: one report.
    if (this.longNamesAt.has(span.start.offset)) return false;
    this.longNamesAt.add(span.start.offset);
    const shown = `${name.slice(0, 24)}…${name.slice(-24)}`;
    this.ctx.sink.report({
      code: 'E0505',
      message: `the ${what} name \`${shown}\` has ${describeCount(name.length)} characters, more than the ${describeCount(MAX_NAME_LENGTH)} a bundle allows`,
      span,
      label: 'name too long',
      help: what === 'stored tensor' ? 'shorten the labels of this layer and of the blocks around it' : 'give it a shorter name',
    });
    return false;
  }

  /**
   * Adds a value to the model's total per sample; false (reported once, at
   * `span`) when that passes MAX_MODEL_VALUES_PER_SAMPLE.
   */
  private modelValuesFit(id: ValueId, count: number, span: Span): boolean {
    const before = this.valuesPerSample;
    this.valuesPerSample += count + internalValuesPerSample(this.b.node(id), count);
    if (before > MAX_MODEL_VALUES_PER_SAMPLE || this.valuesPerSample <= MAX_MODEL_VALUES_PER_SAMPLE) return true;
    this.ctx.sink.report({
      code: 'E0504',
      message: `model \`${this.modelName}\` would compute more than ${describeCount(MAX_MODEL_VALUES_PER_SAMPLE)} values per sample in all`,
      span,
      label: `this brings it to ${describeCount(this.valuesPerSample)}`,
      help: "check the layers' sizes and the shapes of their inputs",
    });
    return false;
  }

  private repeat(app: Repeat, inputs: ValueId[], scope: Scope): ValueId {
    const count = app.count.kind === 'Number' ? app.count.value : (scope.constants.get((app.count as Name).name) as number);
    const block = this.blocks.get(app.body.callee.name);
    if (!block) throw this.internal(`\`repeat\` needs a block; \`${app.body.callee.name}\` is not one`, app.body.callee.span);
    const base = this.layerName(app, block.name.name, scope);
    let current = inputs;
    for (let i = 0; i < count; i++) current = [this.instantiate(block, app.body, `${base}.${i}`, current, scope)];
    return current[0]!;
  }

  private instantiate(block: BlockDecl, call: Call, prefix: string, inputs: ValueId[], outer: Scope): ValueId {
    const bound = bindArgs(call, this.blockSpec(block), this.env(outer), this.ctx.sink);
    if (!bound.ok) throw new Abandon();
    // Every layer inside is named after the instance (`b.relu_0`), arithmetic included.
    if (!this.nameFits('block instance', prefix, call.span)) return FAILED;
    const constants = new Map<string, Value>();
    for (const [k, v] of bound.values) if (v !== null) constants.set(k, v);
    const scope = this.newScope(`${prefix}.`, constants, block.body);
    const out = this.body(block.body, scope, false, inputs);
    if (out === undefined) throw this.internal(`block \`${block.name.name}\` produces no output`, block.span);
    return out;
  }

  /** The block's parameters and inputs as an op, exactly as the checker binds calls. */
  private blockSpec(block: BlockDecl): OpSpec {
    return blockSignature(block, new DiagnosticSink(this.ctx.source.path)).spec;
  }

  private origin(layer: string, span: Span): Origin {
    return { layer, file: this.ctx.source.path, span };
  }

  /**
   * Runs a builder step, turning shape errors into diagnostics at `span`;
   * FAILED after one, or when a value it makes is past the size cap.
   */
  private shaped(span: Span, origin: Origin, argumentAt: (e: ArgumentError) => Span | undefined, build: () => ValueId): ValueId {
    const first = this.b.size;
    try {
      const id = build();
      for (let i = first; i < this.b.size; i++) {
        const op = this.b.node(i).op;
        if (op !== 'param' && op !== 'constant' && !this.valueFits(i, `\`${origin.layer}\``, span)) return FAILED;
      }
      return id;
    } catch (e) {
      if (e instanceof GraphShapeError) {
        // Label each tensor input (not the layer's own weights) with where it comes from and its shape.
        const secondary = e.inputOrigins.flatMap((o, i) => {
          const t = e.inputTypes[i];
          if (!o || !t || !t.shape.includes('N') || o.span.start.offset === span.start.offset) return [];
          return [{ span: o.span, message: `\`${o.layer}\` gives ${t.dtype}${formatShape(t.shape)}` }];
        });
        this.ctx.sink.report({
          code: 'E0501',
          message: `\`${origin.layer}\`: ${e.message}`,
          span,
          label: 'shapes disagree here',
          secondary: secondary.slice(0, 3),
        });
        return FAILED;
      }
      if (e instanceof ShapeError) {
        // A rule a lowering checks itself (layers.ts), before any node: no inputs to label.
        this.ctx.sink.report({ code: 'E0501', message: `\`${origin.layer}\`: ${e.message}`, span, label: 'shapes disagree here' });
        return FAILED;
      }
      if (e instanceof ArgumentError) {
        const at = argumentAt(e);
        this.ctx.sink.report({
          code: 'E0502',
          message: `\`${origin.layer}\`: ${e.message}`,
          span: at ?? span,
          label: at === undefined ? 'does not fit its input' : 'this argument does not fit',
        });
        return FAILED;
      }
      if (e instanceof LoweringError) {
        this.ctx.sink.report({ code: 'E0502', message: `\`${origin.layer}\`: ${e.message}`, span, label: 'does not fit its input' });
        return FAILED;
      }
      throw e;
    }
  }

  /** A case the checker rules out; reaching it is a compiler bug, reported with where it happened. */
  private internal(message: string, span: Span): Error {
    return new Error(`internal error while lowering ${this.ctx.source.path}:${span.start.line}:${span.start.column}: ${message} (the checker should have reported this)`);
  }
}
