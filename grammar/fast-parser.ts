// parse()'s fast path: a hand-written recursive-descent parser that builds
// the AST straight from fast-lexer.ts's tokens, with no CST in between.
//
// Most files parse without errors, and for those the chevrotain parser
// (parser.ts) and its CST -> AST step (to-ast.ts) cost several times what
// this does. So this parser handles only files without errors: at the first
// token chevrotain would not accept, and at anything else parse() would
// report (an invalid number, two statements on one line without `;`), it
// gives up and returns undefined, and parse() runs the chevrotain parser,
// whose recovery and messages are the only ones. What it accepts, it must
// build exactly as to-ast.ts does, spans included.
//
// Each decision below is the one chevrotain's lookahead makes for the same
// rule of parser.ts (never more than two tokens: a label is an identifier
// then `:`, a named argument an identifier then `=`, a list goes on after
// `,` only when an element follows), so the two accept the same files.
// tests/grammar/fast-parser.test.ts holds them to that. A change to the
// grammar in parser.ts needs the same change here.
import { EOF } from 'chevrotain';
import type * as A from './ast.ts';
import { kindOf, lexFast, type FastTokens } from './fast-lexer.ts';
import { findLimitBreach } from './limits.ts';
import { parseNumberLiteral } from './number-literal.ts';
import type { Position, SourceFile, Span } from './source.ts';
import { decodeStringLiteral } from './string-literal.ts';
import * as t from './tokens.ts';

/** The AST of a file that parses without any diagnostic; undefined for every other file. */
export function parseFast(source: SourceFile): A.Program | undefined {
  const tokens = lexFast(source.text);
  if (tokens === undefined) return undefined;
  // Too deep or too long: parse() reports it from the chevrotain tokens.
  const kinds = tokens.kinds;
  if (findLimitBreach(tokens.count, (i) => kinds[i]!) !== undefined) return undefined;
  try {
    return new FastParser(tokens, source).file();
  } catch (error) {
    // Nesting too deep for this parser's stack: the chevrotain parser decides what happens.
    if (error === NOT_ERROR_FREE || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Thrown to unwind at the first sign of an error; carries nothing, so it is one shared object. */
const NOT_ERROR_FREE = Object.freeze({ reason: 'the file has an error; parse() falls back to the recovering parser' });

const EOF_KIND = kindOf(EOF);
const K = {
  identifier: kindOf(t.Identifier),
  number: kindOf(t.NumberLiteral),
  string: kindOf(t.StringLiteral),
  glob: kindOf(t.Glob),
  model: kindOf(t.Model),
  block: kindOf(t.Block),
  train: kindOf(t.Train),
  input: kindOf(t.Input),
  output: kindOf(t.Output),
  let: kindOf(t.Let),
  repeat: kindOf(t.Repeat),
  with: kindOf(t.With),
  on: kindOf(t.On),
  true: kindOf(t.True),
  false: kindOf(t.False),
  then: kindOf(t.Then),
  weights: kindOf(t.Weights),
  loss: kindOf(t.Loss),
  optimizer: kindOf(t.Optimizer),
  schedule: kindOf(t.Schedule),
  penalty: kindOf(t.Penalty),
  noise: kindOf(t.Noise),
  augment: kindOf(t.Augment),
  clip: kindOf(t.Clip),
  earlyStop: kindOf(t.EarlyStop),
  calibrate: kindOf(t.Calibrate),
  metrics: kindOf(t.Metrics),
  arrow: kindOf(t.Arrow),
  lCurly: kindOf(t.LCurly),
  rCurly: kindOf(t.RCurly),
  lParen: kindOf(t.LParen),
  rParen: kindOf(t.RParen),
  lBracket: kindOf(t.LBracket),
  rBracket: kindOf(t.RBracket),
  comma: kindOf(t.Comma),
  colon: kindOf(t.Colon),
  semicolon: kindOf(t.Semicolon),
  equals: kindOf(t.Equals),
  plus: kindOf(t.Plus),
  minus: kindOf(t.Minus),
  star: kindOf(t.Star),
  slash: kindOf(t.Slash),
} as const;

function kindTable(types: readonly { readonly tokenTypeIdx?: number }[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const type of types) table[type.tokenTypeIdx!] = 1;
  return table;
}

/** Kinds that `CONSUME(Identifier)` accepts: identifiers and the soft keywords. */
const IS_NAME = kindTable(t.allTokens.filter((type) => type === t.Identifier || type.CATEGORIES?.includes(t.Identifier)));
/** Kinds that can start an expression (and so an argument or a list element). */
const STARTS_EXPRESSION = kindTable([
  ...t.allTokens.filter((type) => IS_NAME[kindOf(type)] === 1),
  t.NumberLiteral, t.StringLiteral, t.True, t.False, t.LBracket, t.LParen, t.Repeat, t.Minus, t.Plus,
]);
/** The train settings, `batch 32` and the like. */
const IS_SETTING_KEY = kindTable([t.Batch, t.Epochs, t.Seed, t.Steps, t.ValSplit]);

/** The operator each binary-operator kind stands for, by kind. */
const BINARY_OPERATORS: readonly (A.BinaryOp | undefined)[] = Array.from({ length: 256 }, (_, kind) =>
  kind === K.plus ? '+' : kind === K.minus ? '-' : kind === K.star ? '*' : kind === K.slash ? '/' : undefined,
);

type SingleCallKind = 'Loss' | 'Optimizer' | 'Clip' | 'Calibrate';
const SINGLE_CALL_STATEMENTS: ReadonlyMap<number, SingleCallKind> = new Map([
  [K.loss, 'Loss'],
  [K.optimizer, 'Optimizer'],
  [K.clip, 'Clip'],
  [K.calibrate, 'Calibrate'],
]);

class FastParser {
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly lines: Int32Array;
  private readonly columns: Int32Array;
  private readonly text: string;
  /** Index of the next token. */
  private at = 0;
  /**
   * Items of the lists being read, innermost list last. An array grown by
   * push keeps room for about 16 more items; on a large file that slack is
   * megabytes the garbage collector copies, so each list is collected here
   * and handed out as an exact-size copy by takeList().
   */
  private readonly pending: unknown[] = [];
  /** Length of the live part of `pending`; slots past it are stale (cheaper than shrinking the array). */
  private pendingCount = 0;

  constructor(
    private readonly tokens: FastTokens,
    private readonly source: SourceFile,
  ) {
    this.kinds = tokens.kinds;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
    this.lines = tokens.lines;
    this.columns = tokens.columns;
    this.text = source.text;
  }

  // ------------------------------------------------------------ tokens

  private fail(): never {
    throw NOT_ERROR_FREE;
  }

  private next(): number {
    return this.kinds[this.at]!;
  }

  private expect(kind: number): number {
    if (this.kinds[this.at] !== kind) this.fail();
    return this.at++;
  }

  private expectName(): number {
    if (IS_NAME[this.kinds[this.at]!] !== 1) this.fail();
    return this.at++;
  }

  private image(token: number): string {
    return this.text.slice(this.starts[token]!, this.ends[token]!);
  }

  /** `(` of an argument list: it must open on its callee's line (see parser.ts). */
  private argsFollowOnSameLine(): boolean {
    return this.kinds[this.at] === K.lParen && this.lines[this.at] === this.lines[this.at - 1];
  }

  private pend(item: unknown): void {
    this.pending[this.pendingCount++] = item;
  }

  /** The items pended since pendingCount was `from`, as a new array; removes them from `pending`. */
  private takeList<T>(from: number): T[] {
    const items = this.pending.slice(from, this.pendingCount) as T[];
    this.pendingCount = from;
    return items;
  }

  // ------------------------------------------------------------ spans

  private startOf(token: number): Position {
    return { offset: this.starts[token]!, line: this.lines[token]!, column: this.columns[token]! };
  }

  private endOf(token: number): Position {
    const end = this.ends[token]!;
    return { offset: end, line: this.lines[token]!, column: this.columns[token]! + end - this.starts[token]! };
  }

  private tokenSpan(token: number): Span {
    return { start: this.startOf(token), end: this.endOf(token) };
  }

  private ident(token: number): A.Ident {
    return { kind: 'Ident', name: this.image(token), span: this.tokenSpan(token) };
  }

  // ------------------------------------------------------------ items

  file(): A.Program {
    const from = this.pendingCount;
    for (;;) {
      const kind = this.next();
      if (kind === K.model) this.pend(this.model());
      else if (kind === K.block) this.pend(this.block());
      else if (kind === K.train) this.pend(this.train());
      else break;
    }
    if (this.next() !== EOF_KIND) this.fail();
    return {
      kind: 'Program',
      items: this.takeList<A.Item>(from),
      comments: this.tokens.comments,
      span: this.source.span(0, this.text.length),
    };
  }

  private model(): A.ModelDecl {
    const keyword = this.expect(K.model);
    const name = this.ident(this.expectName());
    const body = this.body();
    return { kind: 'Model', name, body: body.stmts, span: { start: this.startOf(keyword), end: body.end } };
  }

  private block(): A.BlockDecl {
    const keyword = this.expect(K.block);
    const name = this.ident(this.expectName());
    this.expect(K.lParen);
    const from = this.pendingCount;
    if (IS_NAME[this.next()] === 1) {
      this.pend(this.param());
      while (this.next() === K.comma && IS_NAME[this.kinds[this.at + 1]!] === 1) {
        this.at++;
        this.pend(this.param());
      }
      if (this.next() === K.comma) this.at++;
    }
    const params = this.takeList<A.Param>(from);
    this.expect(K.rParen);
    const body = this.body();
    return { kind: 'Block', name, params, body: body.stmts, span: { start: this.startOf(keyword), end: body.end } };
  }

  private param(): A.Param {
    const name = this.ident(this.expectName());
    this.expect(K.colon);
    const type = this.ident(this.expectName());
    if (this.next() !== K.equals) return { kind: 'Param', name, type, span: { start: name.span.start, end: type.span.end } };
    this.at++;
    const defaultValue = this.expr();
    return { kind: 'Param', name, type, default: defaultValue, span: { start: name.span.start, end: defaultValue.span.end } };
  }

  private body(): { stmts: A.Stmt[]; end: Position } {
    this.expect(K.lCurly);
    const from = this.pendingCount;
    const separated = new StatementSeparation(this.lines);
    while (this.next() !== K.rCurly) {
      separated.before(this.at);
      this.pend(this.stmt());
      separated.after(this.at, this.next() === K.semicolon);
      if (this.next() === K.semicolon) this.at++;
    }
    return { stmts: this.takeList<A.Stmt>(from), end: this.endOf(this.at++) };
  }

  // ------------------------------------------------------- statements

  private stmt(): A.Stmt {
    const kind = this.next();
    if (kind === K.input) return this.inputStmt();
    if (kind === K.output) {
      const keyword = this.at++;
      const value = this.expr();
      return { kind: 'Output', value, span: { start: this.startOf(keyword), end: value.span.end } };
    }
    if (kind === K.let) {
      const keyword = this.at++;
      const name = this.ident(this.expectName());
      this.expect(K.equals);
      const value = this.expr();
      return { kind: 'Let', name, value, span: { start: this.startOf(keyword), end: value.span.end } };
    }
    const value = this.expr();
    return { kind: 'Flow', value, span: value.span };
  }

  private inputStmt(): A.InputStmt {
    const keyword = this.expect(K.input);
    const name = this.ident(this.expectName());
    if (this.next() !== K.colon) return { kind: 'Input', name, span: { start: this.startOf(keyword), end: name.span.end } };
    this.at++;
    const type = this.tensorType();
    return { kind: 'Input', name, type, span: { start: this.startOf(keyword), end: type.span.end } };
  }

  private tensorType(): A.TensorType {
    const dtype = this.ident(this.expectName());
    this.expect(K.lBracket);
    const from = this.pendingCount;
    this.pend(this.dim());
    while (this.next() === K.comma) {
      this.at++;
      this.pend(this.dim());
    }
    const dims = this.takeList<A.Dim>(from);
    const close = this.expect(K.rBracket);
    return { kind: 'TensorType', dtype, dims, span: { start: dtype.span.start, end: this.endOf(close) } };
  }

  private dim(): A.Dim {
    const token = this.at;
    if (this.next() === K.number) {
      this.at++;
      return { kind: 'DimNumber', value: this.validNumber(token).value, span: this.tokenSpan(token) };
    }
    this.expectName();
    return { kind: 'DimSymbol', name: this.image(token), span: this.tokenSpan(token) };
  }

  // ------------------------------------------------------ expressions

  /** `head -> step -> step`. */
  expr(): A.Expr {
    const head = this.binary();
    if (this.next() !== K.arrow) return head;
    const from = this.pendingCount;
    while (this.next() === K.arrow) {
      this.at++;
      this.pend(this.layerApp());
    }
    const steps = this.takeList<A.Expr>(from);
    return { kind: 'Chain', head, steps, span: { start: head.span.start, end: steps[steps.length - 1]!.span.end } };
  }

  /**
   * `operand (op operand)*`, folded as to-ast.ts folds it: each run of `* /`
   * first, then the `+ -` between runs, all left-associative.
   */
  private binary(): A.Expr {
    let product = this.operand();
    let sum: A.Expr | undefined;
    let sumOperator: A.BinaryOp | undefined;
    for (;;) {
      const operator = BINARY_OPERATORS[this.next()];
      if (operator === undefined) break;
      this.at++;
      const right = this.operand();
      if (operator === '*' || operator === '/') {
        product = binaryNode(operator, product, right);
        continue;
      }
      sum = sum === undefined ? product : binaryNode(sumOperator!, sum, product);
      sumOperator = operator;
      product = right;
    }
    return sum === undefined ? product : binaryNode(sumOperator!, sum, product);
  }

  /** A primary value with any unary signs in front of it; the innermost sign applies first. */
  private operand(): A.Expr {
    const firstSign = this.at;
    while (this.next() === K.minus || this.next() === K.plus) this.at++;
    const afterSigns = this.at;
    let value = this.primary();
    for (let sign = afterSigns - 1; sign >= firstSign; sign--) {
      const op = this.kinds[sign] === K.plus ? '+' : '-';
      value = { kind: 'Unary', op, operand: value, span: { start: this.startOf(sign), end: value.span.end } };
    }
    return value;
  }

  private primary(): A.Expr {
    const kind = this.next();
    const token = this.at;
    if (kind === K.number) {
      this.at++;
      return this.numberLit(token);
    }
    if (kind === K.string) {
      this.at++;
      const raw = this.image(token);
      return { kind: 'String', value: decodeStringLiteral(raw), raw, span: this.tokenSpan(token) };
    }
    if (kind === K.true || kind === K.false) {
      this.at++;
      return { kind: 'Bool', value: kind === K.true, span: this.tokenSpan(token) };
    }
    if (kind === K.lBracket) return this.listLit();
    if (kind === K.lParen) return this.parenExpr();
    if (IS_NAME[kind] === 1 || kind === K.repeat) return this.layerApp();
    return this.fail();
  }

  private validNumber(token: number): ReturnType<typeof parseNumberLiteral> {
    const parsed = parseNumberLiteral(this.image(token));
    if (!parsed.valid) this.fail();
    return parsed;
  }

  private numberLit(token: number): A.NumberLit {
    const raw = this.image(token);
    const { value, isInteger } = this.validNumber(token);
    return { kind: 'Number', value, raw, isInteger, span: this.tokenSpan(token) };
  }

  private listLit(): A.ListLit {
    const open = this.expect(K.lBracket);
    const from = this.pendingCount;
    if (STARTS_EXPRESSION[this.next()] === 1) {
      this.pend(this.expr());
      while (this.next() === K.comma && STARTS_EXPRESSION[this.kinds[this.at + 1]!] === 1) {
        this.at++;
        this.pend(this.expr());
      }
      if (this.next() === K.comma) this.at++;
    }
    const elements = this.takeList<A.Expr>(from);
    const close = this.expect(K.rBracket);
    return { kind: 'List', elements, span: { start: this.startOf(open), end: this.endOf(close) } };
  }

  private parenExpr(): A.Paren {
    const open = this.expect(K.lParen);
    const inner = this.expr();
    const close = this.expect(K.rParen);
    return { kind: 'Paren', inner, span: { start: this.startOf(open), end: this.endOf(close) } };
  }

  /** `label: repeat n callee(args) with a, b(1)`, every part but the callee optional. */
  private layerApp(): A.Expr {
    let label: A.Ident | undefined;
    if (IS_NAME[this.next()] === 1 && this.kinds[this.at + 1] === K.colon) {
      label = this.ident(this.at);
      this.at += 2;
    }
    let repeatKeyword: number | undefined;
    let count: A.Expr | undefined;
    if (this.next() === K.repeat) {
      repeatKeyword = this.at++;
      count = this.repeatCount();
    }
    const calleeToken = this.expectName();
    const args = this.argsFollowOnSameLine() ? this.args() : undefined;
    const from = this.pendingCount;
    if (this.next() === K.with) {
      this.at++;
      this.pend(this.attachment());
      while (this.next() === K.comma) {
        this.at++;
        this.pend(this.attachment());
      }
    }
    const attachments = this.takeList<A.Call>(from);
    if (label === undefined && repeatKeyword === undefined && args === undefined && attachments.length === 0) {
      return { kind: 'Name', name: this.image(calleeToken), span: this.tokenSpan(calleeToken) };
    }
    const callee = this.ident(calleeToken);
    const argList = args?.list ?? null;
    const callEnd = attachments.length > 0 ? attachments[attachments.length - 1]!.span.end : args?.end ?? callee.span.end;
    const callSpan: Span = { start: callee.span.start, end: callEnd };
    if (repeatKeyword !== undefined) {
      const body: A.Call = { kind: 'Call', callee, args: argList, attachments, span: callSpan };
      const span = { start: label?.span.start ?? this.startOf(repeatKeyword), end: callEnd };
      return label === undefined
        ? { kind: 'Repeat', count: count!, body, span }
        : { kind: 'Repeat', label, count: count!, body, span };
    }
    if (label === undefined) return { kind: 'Call', callee, args: argList, attachments, span: callSpan };
    return { kind: 'Call', label, callee, args: argList, attachments, span: { start: label.span.start, end: callEnd } };
  }

  private repeatCount(): A.Expr {
    const kind = this.next();
    const token = this.at;
    if (kind === K.number) {
      this.at++;
      return this.numberLit(token);
    }
    if (IS_NAME[kind] === 1) {
      this.at++;
      return { kind: 'Name', name: this.image(token), span: this.tokenSpan(token) };
    }
    if (kind === K.lParen) return this.parenExpr();
    return this.fail();
  }

  /** `weightnorm` or `dropconnect(0.2)` after `with`; also a train statement's function. */
  private attachment(): A.Call {
    return this.call(this.expectName());
  }

  private call(calleeToken: number): A.Call {
    const callee = this.ident(calleeToken);
    const args = this.argsFollowOnSameLine() ? this.args() : undefined;
    return {
      kind: 'Call',
      callee,
      args: args?.list ?? null,
      attachments: [],
      span: { start: callee.span.start, end: args?.end ?? callee.span.end },
    };
  }

  private args(): { list: A.Arg[]; end: Position } {
    this.expect(K.lParen);
    const from = this.pendingCount;
    if (STARTS_EXPRESSION[this.next()] === 1) {
      this.pend(this.arg());
      while (this.next() === K.comma && STARTS_EXPRESSION[this.kinds[this.at + 1]!] === 1) {
        this.at++;
        this.pend(this.arg());
      }
      if (this.next() === K.comma) this.at++;
    }
    return { list: this.takeList<A.Arg>(from), end: this.endOf(this.expect(K.rParen)) };
  }

  private arg(): A.Arg {
    if (IS_NAME[this.next()] === 1 && this.kinds[this.at + 1] === K.equals) {
      const name = this.ident(this.at);
      this.at += 2;
      const value = this.expr();
      return { kind: 'Arg', name, value, span: { start: name.span.start, end: value.span.end } };
    }
    const value = this.expr();
    return { kind: 'Arg', value, span: value.span };
  }

  // ------------------------------------------------------------ train

  private train(): A.TrainDecl {
    const keyword = this.expect(K.train);
    const model = this.ident(this.expectName());
    this.expect(K.lCurly);
    const from = this.pendingCount;
    const separated = new StatementSeparation(this.lines);
    while (this.next() !== K.rCurly) {
      separated.before(this.at);
      this.pend(this.trainStmt());
      separated.after(this.at, this.next() === K.semicolon);
      if (this.next() === K.semicolon) this.at++;
    }
    const body = this.takeList<A.TrainStmt>(from);
    const close = this.at++;
    return { kind: 'Train', model, body, span: { start: this.startOf(keyword), end: this.endOf(close) } };
  }

  private trainStmt(): A.TrainStmt {
    const kind = this.next();
    const keyword = this.at;
    const singleCall = SINGLE_CALL_STATEMENTS.get(kind);
    if (singleCall !== undefined) {
      this.at++;
      const fn = this.trainCall();
      return { kind: singleCall, fn, span: { start: this.startOf(keyword), end: fn.span.end } };
    }
    if (IS_SETTING_KEY[kind] === 1) {
      const key = this.ident(this.at++);
      const value = this.expr();
      return { kind: 'Setting', key, value, span: { start: key.span.start, end: value.span.end } };
    }
    if (kind === K.schedule) {
      this.at++;
      const phases = this.callList(K.then);
      return { kind: 'Schedule', phases, span: { start: this.startOf(keyword), end: phases[phases.length - 1]!.span.end } };
    }
    if (kind === K.metrics) {
      this.at++;
      const fns = this.callList(K.comma);
      return { kind: 'Metrics', fns, span: { start: this.startOf(keyword), end: fns[fns.length - 1]!.span.end } };
    }
    if (kind === K.penalty) {
      this.at++;
      const fn = this.trainCall();
      this.expect(K.on);
      const targets = this.globList();
      return { kind: 'Penalty', fn, targets, span: { start: this.startOf(keyword), end: targets[targets.length - 1]!.span.end } };
    }
    if (kind === K.noise) return this.noiseStmt();
    if (kind === K.augment) return this.augmentStmt();
    if (kind === K.earlyStop) {
      const fn = this.call(this.at++);
      return { kind: 'EarlyStop', fn, span: fn.span };
    }
    return this.fail();
  }

  /** Train functions with `separator` between them: `schedule a then b`, `metrics a, b`. */
  private callList(separator: number): A.Call[] {
    const from = this.pendingCount;
    this.pend(this.trainCall());
    while (this.next() === separator) {
      this.at++;
      this.pend(this.trainCall());
    }
    return this.takeList<A.Call>(from);
  }

  /** A function in a train statement: `mse`, `adamw(lr=1e-3)`. */
  private trainCall(): A.Call {
    return this.call(this.expectName());
  }

  private noiseStmt(): A.NoiseStmt {
    const keyword = this.expect(K.noise);
    const fn = this.trainCall();
    this.expect(K.on);
    const kind = this.next();
    let target: A.NoiseTarget;
    if (kind === K.input) {
      target = { kind: 'NoiseInput', span: this.tokenSpan(this.at++) };
    } else if (kind === K.weights) {
      target = { kind: 'NoiseWeights', globs: [], span: this.tokenSpan(this.at++) };
    } else {
      const globs = this.globList();
      target = { kind: 'NoiseWeights', globs, span: { start: globs[0]!.span.start, end: globs[globs.length - 1]!.span.end } };
    }
    return { kind: 'Noise', fn, target, span: { start: this.startOf(keyword), end: target.span.end } };
  }

  private globList(): A.Glob[] {
    const from = this.pendingCount;
    this.pend(this.glob());
    while (this.next() === K.comma) {
      this.at++;
      this.pend(this.glob());
    }
    return this.takeList<A.Glob>(from);
  }

  private glob(): A.Glob {
    const kind = this.next();
    const token = this.at;
    if (kind === K.glob) {
      this.at++;
      return { kind: 'Glob', pattern: this.image(token), span: this.tokenSpan(token) };
    }
    if (kind === K.string) {
      this.at++;
      return { kind: 'Glob', pattern: decodeStringLiteral(this.image(token)), span: this.tokenSpan(token) };
    }
    return this.fail();
  }

  private augmentStmt(): A.AugmentStmt {
    const keyword = this.expect(K.augment);
    this.expect(K.lCurly);
    const from = this.pendingCount;
    const separated = new StatementSeparation(this.lines);
    while (IS_NAME[this.next()] === 1) {
      separated.before(this.at);
      this.pend(this.trainCall());
      separated.after(this.at, this.next() === K.semicolon);
      if (this.next() === K.semicolon) this.at++;
    }
    const ops = this.takeList<A.Call>(from);
    const close = this.expect(K.rCurly);
    return { kind: 'Augment', ops, span: { start: this.startOf(keyword), end: this.endOf(close) } };
  }
}

function binaryNode(op: A.BinaryOp, left: A.Expr, right: A.Expr): A.Binary {
  return { kind: 'Binary', op, left, right, span: { start: left.span.start, end: right.span.end } };
}

/**
 * Two statements on one line need a `;` between them (parse() reports
 * E0103 through statement-separators.ts); meeting that, this parser gives up.
 */
class StatementSeparation {
  /** Line of the previous statement's last token, or 0 when a `;` ended it (or none came yet). */
  private openLine = 0;

  constructor(private readonly lines: Int32Array) {}

  before(firstToken: number): void {
    if (this.lines[firstToken] === this.openLine) throw NOT_ERROR_FREE;
  }

  after(nextToken: number, semicolon: boolean): void {
    this.openLine = semicolon ? 0 : this.lines[nextToken - 1]!;
  }
}
