// AST -> IR for one model: blocks are inlined with their instance prefixes,
// `repeat` is expanded, every layer application becomes IR nodes through
// LAYER_LOWERINGS. The checker has run first, so lowering reports only what
// needs shapes: mismatches between layers (E0501) and layer arguments that
// do not fit their input (E0502).
import type { BlockDecl, Call, Expr, ModelDecl, Name, Program, Repeat, Stmt } from '../../grammar/ast.ts';
import type { SourceFile, Span } from '../../grammar/source.ts';
import { GraphBuilder, GraphShapeError } from '../ir/builder.ts';
import { formatShape } from '../ir/ops.ts';
import type { Dim, Graph, Origin, ValueId } from '../ir/types.ts';
import { lookup } from '../registry/index.ts';
import type { OpSpec, Value } from '../registry/types.ts';
import { bindArgs } from '../resolve/bind-args.ts';
import { blockSignature } from '../resolve/block-signature.ts';
import { DiagnosticSink } from '../resolve/diagnostic-sink.ts';
import type { ConstEnv } from '../resolve/evaluate.ts';
import type { Init } from './init.ts';
import { LAYER_LOWERINGS, LoweringError, type Attachment } from './layers.ts';
import type { WeightSource } from './weight-source.ts';

/** Thrown to abandon lowering after a diagnostic has been reported. */
class Abandon extends Error {}

interface Scope {
  readonly prefix: string;
  readonly constants: Map<string, Value>;
  readonly values: Map<string, ValueId>;
  flow: ValueId | undefined;
  /** Index of each layer application in this body, keyed by its span start. */
  readonly appIndex: Map<number, number>;
}

type Application = Call | Name | Repeat;

export interface LowerContext {
  readonly program: Program;
  readonly source: SourceFile;
  readonly sink: DiagnosticSink;
  readonly weights: WeightSource;
}

export function lowerModel(model: ModelDecl, ctx: LowerContext): Graph | undefined {
  const b = new GraphBuilder('train');
  const blocks = new Map<string, BlockDecl>();
  for (const item of ctx.program.items) if (item.kind === 'Block') blocks.set(item.name.name, item);
  const lowerer = new Lowerer(b, blocks, ctx);
  try {
    const scope = lowerer.newScope('', new Map(), model.body);
    lowerer.body(model.body, scope, true);
  } catch (e) {
    if (e instanceof Abandon) return undefined;
    throw e;
  }
  return b.finish();
}

class Lowerer {
  constructor(
    private readonly b: GraphBuilder,
    private readonly blocks: ReadonlyMap<string, BlockDecl>,
    private readonly ctx: LowerContext,
  ) {}

  newScope(prefix: string, constants: Map<string, Value>, body: readonly Stmt[]): Scope {
    return { prefix, constants, values: new Map(), flow: undefined, appIndex: this.indexApplications(body, constants) };
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
          } else {
            const given = blockInputs[nextInput++];
            if (given === undefined) throw this.internal('the block is given fewer tensors than it has inputs', stmt.span);
            id = given;
          }
          scope.values.set(stmt.name.name, id);
          scope.flow = id;
          break;
        }
        case 'Let': {
          const id = this.expr(stmt.value, scope, true);
          scope.values.set(stmt.name.name, id);
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
          if (isModel) this.b.output(v.kind === 'Name' ? v.name : 'output', id);
          break;
        }
      }
    }
    for (const d of deferred) {
      if (scope.flow === undefined) throw this.internal('nothing to output: no value has been computed', d.span);
      output = scope.flow;
      if (isModel) this.b.output(d.name, scope.flow);
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
        const origin = this.origin(`${scope.prefix}${e.op === '+' ? 'add' : fn}`, e.span);
        return this.shaped(e.span, origin, () => this.b.add('binary', [left, right], { fn }, origin));
      }
      case 'Unary': {
        const operand = this.expr(e.operand, scope, false);
        if (e.op === '+') return operand;
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
    return { constants: scope.constants, tensors: new Set(scope.values.keys()) };
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
    const attachments: Attachment[] = call.attachments.map((a) => {
      const aspec = lookup(a.callee.name, 'attachment');
      if (!aspec) throw this.internal(`unknown attachment \`${a.callee.name}\``, a.callee.span);
      const ab = bindArgs(a, aspec, env, this.ctx.sink);
      if (!ab.ok) throw new Abandon();
      return { name: aspec.name, values: ab.values };
    });
    const origin = this.origin(name, call.span);
    return this.shaped(call.span, origin, () =>
      lowering({
        b: this.b,
        name,
        values: bound.values,
        inputs,
        attachments,
        origin,
        weightData: (id) => this.b.getData((this.b.node(id).attrs as { name: string }).name)!,
        tensor: (suffix: string, shape: readonly number[], role, init: Init) => {
          const full = `${name}.${suffix}`;
          const data = this.ctx.weights.values({ name: full, shape, role }, init);
          return this.b.tensor({ name: full, role, type: { dtype: 'f32', shape } }, data, origin);
        },
      }),
    );
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

  /** Runs a builder step, turning shape errors into diagnostics at `span`. */
  private shaped(span: Span, origin: Origin, build: () => ValueId): ValueId {
    try {
      return build();
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
        throw new Abandon();
      }
      if (e instanceof LoweringError) {
        this.ctx.sink.report({ code: 'E0502', message: `\`${origin.layer}\`: ${e.message}`, span, label: 'does not fit its input' });
        throw new Abandon();
      }
      throw e;
    }
  }

  /** A case the checker rules out; reaching it is a compiler bug, reported with where it happened. */
  private internal(message: string, span: Span): Error {
    return new Error(`internal error while lowering ${this.ctx.source.path}:${span.start.line}:${span.start.column}: ${message} (the checker should have reported this)`);
  }

  private abandon(code: string, message: string, span: Span): Abandon {
    this.ctx.sink.report({ code, message, span });
    return new Abandon();
  }
}
