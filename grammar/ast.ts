// The AST: what the user wrote, as discriminated unions with a span on every
// node. It is purely syntactic: whether a bare name is a value, a block
// parameter or a layer is decided by the checker (compiler/resolve), not here.
//
// Nodes produced by error recovery may be incomplete: an Ident may have an
// empty `name`, a list may miss elements. Consumers must not assume more than
// the types say.
import type { Span } from './source.ts';

export interface Ident {
  readonly kind: 'Ident';
  readonly name: string;
  readonly span: Span;
}

export interface Comment {
  readonly kind: 'Comment';
  /** The full comment text including its `//` or `/* *\/` delimiters. */
  readonly text: string;
  readonly span: Span;
}

export interface Program {
  readonly kind: 'Program';
  readonly items: readonly Item[];
  /** All comments in source order; the formatter re-attaches them by position. */
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export type Item = ModelDecl | BlockDecl | TrainDecl;

/** `model Name { stmt* }` */
export interface ModelDecl {
  readonly kind: 'Model';
  readonly name: Ident;
  readonly body: readonly Stmt[];
  readonly span: Span;
}

/** `block Name(p: int, q: float = 0.1) { stmt* }` */
export interface BlockDecl {
  readonly kind: 'Block';
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  readonly span: Span;
}

export type ParamTypeName = 'int' | 'float' | 'bool' | 'string';

export interface Param {
  readonly kind: 'Param';
  readonly name: Ident;
  /** The written type name; the checker rejects names other than ParamTypeName. */
  readonly type: Ident;
  readonly default?: Expr;
  readonly span: Span;
}

// ---------------------------------------------------------------- statements

export type Stmt = InputStmt | OutputStmt | LetStmt | FlowStmt;

/** `input image: f32[N, 1, 28, 28]` (the type may be omitted inside blocks). */
export interface InputStmt {
  readonly kind: 'Input';
  readonly name: Ident;
  readonly type?: TensorType;
  readonly span: Span;
}

/**
 * `output logits` or `output relu(h + x)`. A bare name that is not a bound
 * value names the model's final flow value.
 */
export interface OutputStmt {
  readonly kind: 'Output';
  readonly value: Expr;
  readonly span: Span;
}

/** `let h = x -> c1: conv2d(16, 3)` */
export interface LetStmt {
  readonly kind: 'Let';
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** A bare chain such as `c1: conv2d(32, kernel=3) -> relu`, applied to the flow value. */
export interface FlowStmt {
  readonly kind: 'Flow';
  readonly value: Expr;
  readonly span: Span;
}

export interface TensorType {
  readonly kind: 'TensorType';
  /** `f32`, `f16`, `i32`; checked by the checker. */
  readonly dtype: Ident;
  readonly dims: readonly Dim[];
  readonly span: Span;
}

export type Dim =
  | { readonly kind: 'DimNumber'; readonly value: number; readonly span: Span }
  | { readonly kind: 'DimSymbol'; readonly name: string; readonly span: Span };

// ---------------------------------------------------------------- expressions

export type Expr =
  | Chain
  | Binary
  | Unary
  | Call
  | Repeat
  | Name
  | NumberLit
  | StringLit
  | BoolLit
  | ListLit
  | Paren;

/** `head -> step -> step`; `->` binds loosest. */
export interface Chain {
  readonly kind: 'Chain';
  readonly head: Expr;
  /** Each step is a Call, Name or Repeat (a layer or block application). */
  readonly steps: readonly Expr[];
  readonly span: Span;
}

export type BinaryOp = '+' | '-' | '*' | '/';

export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface Unary {
  readonly kind: 'Unary';
  readonly op: '-' | '+';
  readonly operand: Expr;
  readonly span: Span;
}

/**
 * A layer, block or function application:
 * `c1: conv2d(32, kernel=3) with weightnorm, dropconnect(0.2)`.
 * `args` is null when no parentheses were written (`bn2: batchnorm`).
 */
export interface Call {
  readonly kind: 'Call';
  readonly label?: Ident;
  readonly callee: Ident;
  readonly args: readonly Arg[] | null;
  readonly attachments: readonly Call[];
  readonly span: Span;
}

/** `layer1: repeat 3 Basic(16)` — instances are named `layer1.0`, `layer1.1`, ... */
export interface Repeat {
  readonly kind: 'Repeat';
  readonly label?: Ident;
  readonly count: Expr;
  readonly body: Call;
  readonly span: Span;
}

export interface Arg {
  readonly kind: 'Arg';
  readonly name?: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** A bare identifier: a value, a block parameter, an enum word, or a layer without arguments. */
export interface Name {
  readonly kind: 'Name';
  readonly name: string;
  readonly span: Span;
}

export interface NumberLit {
  readonly kind: 'Number';
  readonly value: number;
  /** As written (`1e-5`, `0x10`, `1_000`); the formatter keeps it. */
  readonly raw: string;
  /** True when written without a fraction or exponent (`3`, `0x10`). */
  readonly isInteger: boolean;
  readonly span: Span;
}

export interface StringLit {
  readonly kind: 'String';
  readonly value: string;
  readonly raw: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

export interface ListLit {
  readonly kind: 'List';
  readonly elements: readonly Expr[];
  readonly span: Span;
}

/** Kept so the formatter can reproduce explicit grouping. */
export interface Paren {
  readonly kind: 'Paren';
  readonly inner: Expr;
  readonly span: Span;
}

// ---------------------------------------------------------------- train

/** `train Model { ... }` */
export interface TrainDecl {
  readonly kind: 'Train';
  readonly model: Ident;
  readonly body: readonly TrainStmt[];
  readonly span: Span;
}

export type TrainStmt =
  | LossStmt
  | OptimizerStmt
  | ScheduleStmt
  | PenaltyStmt
  | NoiseStmt
  | AugmentStmt
  | ClipStmt
  | EarlyStopStmt
  | CalibrateStmt
  | MetricsStmt
  | SettingStmt;

export interface LossStmt {
  readonly kind: 'Loss';
  readonly fn: Call;
  readonly span: Span;
}

export interface OptimizerStmt {
  readonly kind: 'Optimizer';
  readonly fn: Call;
  readonly span: Span;
}

/** `schedule warmup(steps=500) then cosine(epochs=18)` */
export interface ScheduleStmt {
  readonly kind: 'Schedule';
  readonly phases: readonly Call[];
  readonly span: Span;
}

/** A parameter-name pattern: `c*.weight`, `layer1.*.bn?.bias`, or a quoted string. */
export interface Glob {
  readonly kind: 'Glob';
  readonly pattern: string;
  readonly span: Span;
}

/** `penalty l2(5e-4) on c*.weight, fc*.weight` */
export interface PenaltyStmt {
  readonly kind: 'Penalty';
  readonly fn: Call;
  readonly targets: readonly Glob[];
  readonly span: Span;
}

/** `noise gaussian(std=0.05) on input` / `on weights` / `on fc*.weight` */
export interface NoiseStmt {
  readonly kind: 'Noise';
  readonly fn: Call;
  readonly target: NoiseTarget;
  readonly span: Span;
}

export type NoiseTarget =
  | { readonly kind: 'NoiseInput'; readonly span: Span }
  | { readonly kind: 'NoiseWeights'; readonly globs: readonly Glob[]; readonly span: Span };

/** `augment { hflip(p=0.5); random_crop(28, padding=4) }` */
export interface AugmentStmt {
  readonly kind: 'Augment';
  readonly ops: readonly Call[];
  readonly span: Span;
}

/** `clip grad_norm(1.0)` */
export interface ClipStmt {
  readonly kind: 'Clip';
  readonly fn: Call;
  readonly span: Span;
}

/** `early_stop(monitor=val_loss, patience=5)` */
export interface EarlyStopStmt {
  readonly kind: 'EarlyStop';
  readonly fn: Call;
  readonly span: Span;
}

/** `calibrate temperature` / `calibrate temperature(max_iter=50)` */
export interface CalibrateStmt {
  readonly kind: 'Calibrate';
  readonly fn: Call;
  readonly span: Span;
}

/** `metrics accuracy, top_k(k=5), ece(bins=15)` */
export interface MetricsStmt {
  readonly kind: 'Metrics';
  readonly fns: readonly Call[];
  readonly span: Span;
}

export type SettingKey = 'batch' | 'epochs' | 'seed' | 'steps' | 'val_split';

/** `batch 64`, `epochs 20`, `seed 0`, `steps 1000`, `val_split 0.1` */
export interface SettingStmt {
  readonly kind: 'Setting';
  readonly key: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export type Node =
  | Program
  | Item
  | Param
  | Stmt
  | TensorType
  | Expr
  | Arg
  | Ident
  | TrainStmt
  | Glob;
