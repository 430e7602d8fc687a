// CST -> AST. The CST may be partial (error recovery drops children or
// inserts tokens with no position), so every child is read as possibly
// absent and nothing here throws: a missing name becomes `name: ''`, a
// missing expression an empty Name, each with a zero-width span at the end
// of the last real token seen before it.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import type * as C from './cst.d.ts';
import { parseNumberLiteral } from './number-literal.ts';
import { joinSpans, type SourceFile, type Span } from './source.ts';
import { decodeStringLiteral } from './string-literal.ts';

type Spanned = { readonly span: Span } | IToken | undefined;

function first<T>(items: readonly T[] | undefined): T | undefined {
  return items?.[0];
}

function isRealToken(token: IToken): boolean {
  return !token.isInsertedInRecovery && Number.isFinite(token.startOffset) && Number.isFinite(token.endOffset);
}

function isToken(part: NonNullable<Spanned>): part is IToken {
  return 'tokenType' in part;
}

class AstBuilder {
  /** End offset of the last real token seen: where absent things are placed. */
  private cursor = 0;

  constructor(private readonly source: SourceFile) {}

  // ------------------------------------------------------------ spans

  private tokenSpan(token: IToken | undefined): Span | undefined {
    if (token === undefined || !isRealToken(token)) return undefined;
    const end = token.endOffset! + 1;
    if (end > this.cursor) this.cursor = end;
    // The lexer tracked lines and columns already; parser tokens never span
    // lines, so no search through the line table is needed.
    if (token.startLine === undefined || token.startLine !== token.endLine) {
      return this.source.span(token.startOffset, end);
    }
    return {
      start: { offset: token.startOffset, line: token.startLine, column: token.startColumn! },
      end: { offset: end, line: token.startLine, column: token.endColumn! + 1 },
    };
  }

  /** The span from the first present part to the last; zero-width at the cursor when none is. */
  private cover(...parts: Spanned[]): Span {
    let covered: Span | undefined;
    let placeholder: Span | undefined;
    for (const part of parts) {
      if (part === undefined) continue;
      const span = isToken(part) ? this.tokenSpan(part) : part.span;
      if (span === undefined) continue;
      // Zero-width spans stand for absent parts: they place a node only
      // when nothing real is there.
      if (span.start.offset === span.end.offset) placeholder ??= span;
      else covered = covered === undefined ? span : joinSpans(covered, span);
    }
    return covered ?? placeholder ?? this.source.span(this.cursor, this.cursor);
  }

  private ident(token: IToken | undefined): A.Ident {
    const span = this.cover(token);
    const name = token !== undefined && isRealToken(token) ? token.image : '';
    return { kind: 'Ident', name, span };
  }

  private missingExpr(): A.Name {
    return { kind: 'Name', name: '', span: this.cover() };
  }

  // ------------------------------------------------------------ items

  program(file: C.FileCstNode, comments: readonly IToken[]): A.Program {
    const items: A.Item[] = [];
    // Items of different kinds are interleaved in the source; CST children
    // are grouped by kind, so sort them back into source order.
    const nodes: CstNode[] = [
      ...(file.children.model ?? []),
      ...(file.children.block ?? []),
      ...(file.children.train ?? []),
    ].sort((a, b) => nodeOffset(a) - nodeOffset(b));
    for (const node of nodes) {
      if (node.name === 'model') items.push(this.model(node as C.ModelCstNode));
      else if (node.name === 'block') items.push(this.block(node as C.BlockCstNode));
      else items.push(this.train(node as C.TrainCstNode));
    }
    return {
      kind: 'Program',
      items,
      comments: comments.map((token) => ({ kind: 'Comment', text: token.image, span: this.cover(token) })),
      span: this.source.span(0, this.source.text.length),
    };
  }

  private model(node: C.ModelCstNode): A.ModelDecl {
    const keyword = this.cover(first(node.children.Model));
    const name = this.ident(first(node.children.name));
    const body = this.body(first(node.children.body));
    return { kind: 'Model', name, body: body.stmts, span: this.cover({ span: keyword }, name, body) };
  }

  private block(node: C.BlockCstNode): A.BlockDecl {
    const c = node.children;
    const keyword = this.cover(first(c.Block));
    const name = this.ident(first(c.name));
    const params = (c.param ?? []).map((p) => this.param(p));
    const closing = first(c.RParen);
    const body = this.body(first(c.body));
    return {
      kind: 'Block',
      name,
      params,
      body: body.stmts,
      span: this.cover({ span: keyword }, name, closing, body),
    };
  }

  private param(node: C.ParamCstNode): A.Param {
    const c = node.children;
    const name = this.ident(first(c.name));
    const type = this.ident(first(c.type));
    const defaultNode = first(c.default);
    const defaultValue = defaultNode === undefined ? undefined : this.expr(defaultNode);
    const span = this.cover(name, type, defaultValue);
    return defaultValue === undefined
      ? { kind: 'Param', name, type, span }
      : { kind: 'Param', name, type, default: defaultValue, span };
  }

  private body(node: C.BodyCstNode | undefined): { stmts: A.Stmt[]; span: Span } {
    if (node === undefined) return { stmts: [], span: this.cover() };
    const open = this.cover(first(node.children.LCurly));
    const stmts = (node.children.stmt ?? []).flatMap((s) => this.stmt(s));
    const span = this.cover({ span: open }, ...stmts, first(node.children.RCurly));
    return { stmts, span };
  }

  // ------------------------------------------------------- statements

  private stmt(node: C.StmtCstNode): A.Stmt[] {
    const c = node.children;
    const input = first(c.inputStmt);
    if (input) return [this.inputStmt(input)];
    const output = first(c.outputStmt);
    if (output) return [this.outputStmt(output)];
    const letStmt = first(c.letStmt);
    if (letStmt) return [this.letStmt(letStmt)];
    const flow = first(c.flow);
    if (flow) {
      const value = this.expr(flow);
      return [{ kind: 'Flow', value, span: value.span }];
    }
    return [];
  }

  private inputStmt(node: C.InputStmtCstNode): A.InputStmt {
    const keyword = this.cover(first(node.children.Input));
    const name = this.ident(first(node.children.name));
    const typeNode = first(node.children.tensorType);
    const type = typeNode === undefined ? undefined : this.tensorType(typeNode);
    const span = this.cover({ span: keyword }, name, type);
    return type === undefined ? { kind: 'Input', name, span } : { kind: 'Input', name, type, span };
  }

  private outputStmt(node: C.OutputStmtCstNode): A.OutputStmt {
    const keyword = this.cover(first(node.children.Output));
    const value = this.exprOrMissing(first(node.children.value));
    return { kind: 'Output', value, span: this.cover({ span: keyword }, value) };
  }

  private letStmt(node: C.LetStmtCstNode): A.LetStmt {
    const keyword = this.cover(first(node.children.Let));
    const name = this.ident(first(node.children.name));
    const value = this.exprOrMissing(first(node.children.value));
    return { kind: 'Let', name, value, span: this.cover({ span: keyword }, name, value) };
  }

  private tensorType(node: C.TensorTypeCstNode): A.TensorType {
    const dtype = this.ident(first(node.children.dtype));
    const dims = (node.children.dim ?? []).flatMap((d) => this.dim(d));
    return { kind: 'TensorType', dtype, dims, span: this.cover(dtype, ...dims, first(node.children.RBracket)) };
  }

  private dim(node: C.DimCstNode): A.Dim[] {
    const number = first(node.children.NumberLiteral);
    if (number) return [{ kind: 'DimNumber', value: parseNumberLiteral(number.image).value, span: this.cover(number) }];
    const symbol = first(node.children.Identifier);
    if (symbol && isRealToken(symbol)) return [{ kind: 'DimSymbol', name: symbol.image, span: this.cover(symbol) }];
    return [];
  }

  // ------------------------------------------------------ expressions

  private exprOrMissing(node: C.ExprCstNode | undefined): A.Expr {
    return node === undefined ? this.missingExpr() : this.expr(node);
  }

  expr(node: C.ExprCstNode): A.Expr {
    const headNode = first(node.children.head);
    const head = headNode === undefined ? this.missingExpr() : this.binary(headNode);
    const steps = (node.children.steps ?? []).map((s) => this.layerApp(s));
    if (steps.length === 0) return head;
    return { kind: 'Chain', head, steps, span: this.cover(head, ...steps) };
  }

  /**
   * `operand (op operand)*` with `* /` binding tighter than `+ -`, each
   * left-associative: fold each run of `* /` first, then the `+ -` between runs.
   */
  private binary(node: C.BinaryCstNode): A.Expr {
    const operands = (node.children.operands ?? []).map((o) => this.operand(o));
    const operators = node.children.operators ?? [];
    let sum: A.Expr | undefined;
    let sumOperator: IToken | undefined;
    let product = operands[0] ?? this.missingExpr();
    for (let i = 0; i < operators.length; i++) {
      const operator = operators[i]!;
      const right = operands[i + 1] ?? this.missingExpr();
      if (operator.image === '*' || operator.image === '/') {
        product = this.binaryNode(operator, product, right);
        continue;
      }
      sum = sum === undefined ? product : this.binaryNode(sumOperator!, sum, product);
      sumOperator = operator;
      product = right;
    }
    return sum === undefined ? product : this.binaryNode(sumOperator!, sum, product);
  }

  private binaryNode(operator: IToken, left: A.Expr, right: A.Expr): A.Binary {
    return { kind: 'Binary', op: operator.image as A.BinaryOp, left, right, span: this.cover(left, right) };
  }

  private operand(node: C.OperandCstNode): A.Expr {
    const c = node.children;
    const signs = c.signs ?? [];
    let value = this.primary(c);
    for (let i = signs.length - 1; i >= 0; i--) {
      const sign = signs[i]!;
      value = { kind: 'Unary', op: sign.image === '+' ? '+' : '-', operand: value, span: this.cover(sign, value) };
    }
    return value;
  }

  private primary(c: C.OperandCstChildren): A.Expr {
    const number = first(c.NumberLiteral);
    if (number) return this.numberLit(number);
    const string = first(c.StringLiteral);
    if (string) return this.stringLit(string);
    const bool = first(c.True) ?? first(c.False);
    if (bool) return { kind: 'Bool', value: first(c.True) !== undefined, span: this.cover(bool) };
    const list = first(c.listLit);
    if (list) return this.listLit(list);
    const paren = first(c.parenExpr);
    if (paren) return this.parenExpr(paren);
    const layerApp = first(c.layerApp);
    if (layerApp) return this.layerApp(layerApp);
    return this.missingExpr();
  }

  private numberLit(token: IToken): A.NumberLit {
    const { value, isInteger } = parseNumberLiteral(token.image);
    return { kind: 'Number', value, raw: token.image, isInteger, span: this.cover(token) };
  }

  private stringLit(token: IToken): A.StringLit {
    return { kind: 'String', value: decodeStringLiteral(token.image), raw: token.image, span: this.cover(token) };
  }

  private listLit(node: C.ListLitCstNode): A.ListLit {
    const open = this.cover(first(node.children.LBracket));
    const elements = (node.children.elements ?? []).map((e) => this.expr(e));
    return { kind: 'List', elements, span: this.cover({ span: open }, ...elements, first(node.children.RBracket)) };
  }

  private parenExpr(node: C.ParenExprCstNode): A.Paren {
    const open = this.cover(first(node.children.LParen));
    const inner = this.exprOrMissing(first(node.children.inner));
    return { kind: 'Paren', inner, span: this.cover({ span: open }, inner, first(node.children.RParen)) };
  }

  private layerApp(node: C.LayerAppCstNode): A.Expr {
    const c = node.children;
    const labelToken = first(c.label);
    const label = labelToken === undefined ? undefined : this.ident(labelToken);
    const repeatKeyword = first(c.Repeat);
    const repeatSpan = repeatKeyword === undefined ? undefined : this.cover(repeatKeyword);
    const countNode = first(c.repeatCount);
    const count = repeatKeyword === undefined ? undefined : countNode ? this.repeatCount(countNode) : this.missingExpr();
    const callee = this.ident(first(c.callee));
    const argsNode = first(c.args);
    const args = argsNode === undefined ? null : this.args(argsNode);
    const argList = args?.list ?? null;
    const attachments = (c.attachment ?? []).map((a) => this.attachment(a));
    const callSpan = this.cover(callee, args ?? undefined, ...attachments);

    if (repeatSpan !== undefined && count !== undefined) {
      const body: A.Call = { kind: 'Call', callee, args: argList, attachments, span: callSpan };
      const span = this.cover(label, { span: repeatSpan }, body);
      return label === undefined
        ? { kind: 'Repeat', count, body, span }
        : { kind: 'Repeat', label, count, body, span };
    }
    if (label === undefined && args === null && attachments.length === 0) {
      return { kind: 'Name', name: callee.name, span: callee.span };
    }
    const span = this.cover(label, { span: callSpan });
    return label === undefined
      ? { kind: 'Call', callee, args: argList, attachments, span }
      : { kind: 'Call', label, callee, args: argList, attachments, span };
  }

  private repeatCount(node: C.RepeatCountCstNode): A.Expr {
    const number = first(node.children.NumberLiteral);
    if (number) return this.numberLit(number);
    const name = first(node.children.Identifier);
    if (name && isRealToken(name)) return { kind: 'Name', name: name.image, span: this.cover(name) };
    const paren = first(node.children.parenExpr);
    return paren === undefined ? this.missingExpr() : this.parenExpr(paren);
  }

  private attachment(node: C.AttachmentCstNode): A.Call {
    return this.call(first(node.children.callee), first(node.children.args));
  }

  private call(calleeToken: IToken | undefined, argsNode: C.ArgsCstNode | undefined): A.Call {
    const callee = this.ident(calleeToken);
    const args = argsNode === undefined ? null : this.args(argsNode);
    return { kind: 'Call', callee, args: args?.list ?? null, attachments: [], span: this.cover(callee, args ?? undefined) };
  }

  private args(node: C.ArgsCstNode): { list: A.Arg[]; span: Span } {
    const open = this.cover(first(node.children.LParen));
    const list = (node.children.arg ?? []).map((a) => this.arg(a));
    return { list, span: this.cover({ span: open }, ...list, first(node.children.RParen)) };
  }

  private arg(node: C.ArgCstNode): A.Arg {
    const nameToken = first(node.children.name);
    const name = nameToken === undefined ? undefined : this.ident(nameToken);
    const value = this.exprOrMissing(first(node.children.value));
    const span = this.cover(name, value);
    return name === undefined ? { kind: 'Arg', value, span } : { kind: 'Arg', name, value, span };
  }

  // ------------------------------------------------------------ train

  private train(node: C.TrainCstNode): A.TrainDecl {
    const keyword = this.cover(first(node.children.Train));
    const model = this.ident(first(node.children.model));
    const body = (node.children.trainStmt ?? []).flatMap((s) => this.trainStmt(s));
    return {
      kind: 'Train',
      model,
      body,
      span: this.cover({ span: keyword }, model, ...body, first(node.children.RCurly)),
    };
  }

  private trainStmt(node: C.TrainStmtCstNode): A.TrainStmt[] {
    const c = node.children;
    const loss = first(c.lossStmt);
    if (loss) return [this.singleCallStmt('Loss', first(loss.children.Loss), first(loss.children.trainCall))];
    const optimizer = first(c.optimizerStmt);
    if (optimizer) {
      const o = optimizer.children;
      return [this.singleCallStmt('Optimizer', first(o.Optimizer), first(o.trainCall))];
    }
    const clip = first(c.clipStmt);
    if (clip) return [this.singleCallStmt('Clip', first(clip.children.Clip), first(clip.children.trainCall))];
    const calibrate = first(c.calibrateStmt);
    if (calibrate) {
      const k = calibrate.children;
      return [this.singleCallStmt('Calibrate', first(k.Calibrate), first(k.trainCall))];
    }
    const schedule = first(c.scheduleStmt);
    if (schedule) return [this.scheduleStmt(schedule)];
    const penalty = first(c.penaltyStmt);
    if (penalty) return [this.penaltyStmt(penalty)];
    const noise = first(c.noiseStmt);
    if (noise) return [this.noiseStmt(noise)];
    const augment = first(c.augmentStmt);
    if (augment) return [this.augmentStmt(augment)];
    const earlyStop = first(c.earlyStopStmt);
    if (earlyStop) return [this.earlyStopStmt(earlyStop)];
    const metrics = first(c.metricsStmt);
    if (metrics) return [this.metricsStmt(metrics)];
    const setting = first(c.settingStmt);
    if (setting) return [this.settingStmt(setting)];
    return [];
  }

  private trainCall(node: C.TrainCallCstNode | undefined): A.Call {
    return this.call(first(node?.children.callee), first(node?.children.args));
  }

  private singleCallStmt<K extends 'Loss' | 'Optimizer' | 'Clip' | 'Calibrate'>(
    kind: K,
    keyword: IToken | undefined,
    callNode: C.TrainCallCstNode | undefined,
  ): { kind: K; fn: A.Call; span: Span } {
    const keywordSpan = this.cover(keyword);
    const fn = this.trainCall(callNode);
    return { kind, fn, span: this.cover({ span: keywordSpan }, fn) };
  }

  private scheduleStmt(node: C.ScheduleStmtCstNode): A.ScheduleStmt {
    const keyword = this.cover(first(node.children.Schedule));
    const phases = (node.children.phases ?? []).map((p) => this.trainCall(p));
    return { kind: 'Schedule', phases, span: this.cover({ span: keyword }, ...phases) };
  }

  private penaltyStmt(node: C.PenaltyStmtCstNode): A.PenaltyStmt {
    const keyword = this.cover(first(node.children.Penalty));
    const fn = this.trainCall(first(node.children.trainCall));
    const on = this.cover(first(node.children.On));
    const targets = this.globList(first(node.children.globList));
    return { kind: 'Penalty', fn, targets, span: this.cover({ span: keyword }, fn, { span: on }, ...targets) };
  }

  private noiseStmt(node: C.NoiseStmtCstNode): A.NoiseStmt {
    const c = node.children;
    const keyword = this.cover(first(c.Noise));
    const fn = this.trainCall(first(c.trainCall));
    const on = this.cover(first(c.On));
    const inputToken = first(c.Input);
    let target: A.NoiseTarget;
    if (inputToken) {
      target = { kind: 'NoiseInput', span: this.cover(inputToken) };
    } else {
      const weightsToken = first(c.Weights);
      const globs = this.globList(first(c.globList));
      target = { kind: 'NoiseWeights', globs, span: this.cover(weightsToken, ...globs) };
    }
    return { kind: 'Noise', fn, target, span: this.cover({ span: keyword }, fn, { span: on }, target) };
  }

  private globList(node: C.GlobListCstNode | undefined): A.Glob[] {
    return (node?.children.glob ?? []).flatMap((g) => {
      const bare = first(g.children.Glob);
      if (bare && isRealToken(bare)) return [{ kind: 'Glob', pattern: bare.image, span: this.cover(bare) }];
      const quoted = first(g.children.StringLiteral);
      if (quoted && isRealToken(quoted)) {
        return [{ kind: 'Glob', pattern: decodeStringLiteral(quoted.image), span: this.cover(quoted) }];
      }
      return [];
    });
  }

  private augmentStmt(node: C.AugmentStmtCstNode): A.AugmentStmt {
    const keyword = this.cover(first(node.children.Augment));
    const ops = (node.children.ops ?? []).map((o) => this.trainCall(o));
    return { kind: 'Augment', ops, span: this.cover({ span: keyword }, ...ops, first(node.children.RCurly)) };
  }

  private earlyStopStmt(node: C.EarlyStopStmtCstNode): A.EarlyStopStmt {
    const fn = this.call(first(node.children.EarlyStop), first(node.children.args));
    return { kind: 'EarlyStop', fn, span: fn.span };
  }

  private metricsStmt(node: C.MetricsStmtCstNode): A.MetricsStmt {
    const keyword = this.cover(first(node.children.Metrics));
    const fns = (node.children.trainCall ?? []).map((f) => this.trainCall(f));
    return { kind: 'Metrics', fns, span: this.cover({ span: keyword }, ...fns) };
  }

  private settingStmt(node: C.SettingStmtCstNode): A.SettingStmt {
    const key = this.ident(first(node.children.key));
    const value = this.exprOrMissing(first(node.children.value));
    return { kind: 'Setting', key, value, span: this.cover(key, value) };
  }
}

/** Offset of an item's keyword (`model`, `block`, `train`), for restoring source order. */
function nodeOffset(node: CstNode): number {
  const keyword = node.children['Model'] ?? node.children['Block'] ?? node.children['Train'];
  const token = keyword?.[0];
  return token !== undefined && 'tokenType' in token ? token.startOffset : Number.POSITIVE_INFINITY;
}

export function cstToAst(file: CstNode, comments: readonly IToken[], source: SourceFile): A.Program {
  return new AstBuilder(source).program(file as C.FileCstNode, comments);
}
