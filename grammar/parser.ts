// The .reg parser: one chevrotain CstParser, built once and reused. It is
// parse()'s recovering path, for files with errors; files without any go
// through fast-parser.ts, which must accept exactly what this accepts and
// build the same AST, so a grammar change here needs the same change there
// (tests/grammar/fast-parser.test.ts compares the two).
//
// Statements have no separator token in the grammar: a statement ends where
// its expression cannot continue, so `relu` followed by `maxpool(2)` on the
// next line is two statements, and a line starting with `->` continues the
// chain above. The rules around line ends, each chosen so the grammar stays
// LL(k):
//   - argument parentheses must open on the same line as their callee, so a
//     statement may start with `(`: `relu` then `(a + b) -> fc` on the next
//     line are two statements;
//   - `->`, `+`, `-`, `*`, `/` and `with` continue an expression whether
//     they end a line or start the next one, so a statement cannot start
//     with a sign where the previous one could continue. The one exception:
//     after a chain step (always a layer application) only `->` continues,
//     so `x -> relu` then `-y` on the next line are two statements;
//   - two statements on one line need a `;` between them; parse() checks
//     that after parsing (statement-separators.ts).
// Inside an argument list, `with` takes every following `, name` as another
// attachment: write `f((x with a), y)` to pass a second argument after one.
import './object-group-by.ts';
import { CstParser, NoViableAltException, type CstNode, type IOrAlt, type IRecognitionException, type IToken, type ITokenGrammarPath, type TokenType } from 'chevrotain';
import {
  MAX_RULES_FOR_INSERTION,
  resumeRepetition,
  type RecoveringParser,
  type RepetitionLoop,
  type ResumedRepetition,
} from './repetition-recovery.ts';
import { MAX_SYNTAX_ERRORS } from './limits.ts';
import * as t from './tokens.ts';
import { syntaxErrorMessages } from './syntax-error-messages.ts';

/** Entries each recovery cache keeps before it starts again (a long-lived process parses many files). */
const MAX_CACHED = 10_000;

/** The chevrotain 11 internals raiseNoAltException uses (traits/error_handler.js, recognizer_engine.js). */
interface NoAltRaising {
  raiseNoAltException(this: unknown, occurrence: number, errMsgTypes: string | undefined): never;
  getCurrRuleFullName(): string;
}

/** The chevrotain 11 internals SAVE_ERROR uses (traits/error_handler.js, lexer_adapter.js). */
interface ErrorSaving {
  SAVE_ERROR(this: unknown, error: IRecognitionException): IRecognitionException;
  readonly _errors: readonly IRecognitionException[];
  moveToTerminatedState(): void;
}

class RegParser extends CstParser {
  constructor() {
    super(t.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider: syntaxErrorMessages,
    });
    this.performSelfAnalysis();
  }

  /** Repetitions being resumed by error recovery, outermost first (see repetition-recovery.ts). */
  private readonly resumed: ResumedRepetition[] = [];

  /** chevrotain's in-repetition recovery, in linear time and constant stack depth. */
  protected tryInRepetitionRecovery(loop: RepetitionLoop, args: unknown[], startsIteration: () => boolean, expectedAfter: TokenType): void {
    resumeRepetition(this as unknown as RecoveringParser, this.resumed, loop, args, startsIteration, expectedAfter);
  }

  /** The first token left unread after MAX_SYNTAX_ERRORS errors; undefined while reading goes on. */
  stoppedAt: IToken | undefined;

  /** Records a syntax error; at MAX_SYNTAX_ERRORS, skips to the end of the input so that parsing ends. */
  protected SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const self = this as unknown as ErrorSaving;
    const saved = (CstParser.prototype as unknown as ErrorSaving).SAVE_ERROR.call(this, error);
    if (this.stoppedAt === undefined && self._errors.length >= MAX_SYNTAX_ERRORS) {
      this.stoppedAt = this.LA(1);
      self.moveToTerminatedState();
    }
    return saved;
  }

  /**
   * What may follow a missing token, for single-token insertion: nothing
   * when the rule stack is too deep to walk; else chevrotain's answer, which
   * walks the grammar along the stack (the largest cost of a syntax error),
   * remembered by grammar path.
   */
  protected override getNextPossibleTokenTypes(path: ITokenGrammarPath): TokenType[] {
    if (path.ruleStack.length > MAX_RULES_FOR_INSERTION) return [];
    const key = `${path.ruleStack.join(' ')}|${path.occurrenceStack.join(' ')}|${path.lastTok.name}|${path.lastTokOccurrence}`;
    let follows = this.followsByPath.get(key);
    if (follows === undefined) {
      if (this.followsByPath.size >= MAX_CACHED) this.followsByPath.clear();
      follows = super.getNextPossibleTokenTypes(path);
      this.followsByPath.set(key, follows);
    }
    return follows;
  }

  private readonly followsByPath = new Map<string, TokenType[]>();

  /**
   * Reports that no alternative of an OR fits. Chevrotain computes every
   * alternative's lookahead paths for the message each time; the message
   * (syntax-error-messages.ts) depends on the rule and the OR alone, so it is
   * built once for each.
   */
  protected raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never {
    const key = `${this.currentRuleName()} ${occurrence}`;
    const message = this.noAltMessages.get(key);
    if (message === undefined) {
      try {
        (CstParser.prototype as unknown as NoAltRaising).raiseNoAltException.call(this, occurrence, errMsgTypes);
      } catch (error) {
        if (error instanceof NoViableAltException) {
          if (this.noAltMessages.size >= MAX_CACHED) this.noAltMessages.clear();
          this.noAltMessages.set(key, error.message);
        }
        throw error;
      }
    }
    throw this.SAVE_ERROR(new NoViableAltException(message!, this.LA(1), this.LA(0)));
  }

  private readonly noAltMessages = new Map<string, string>();

  private currentRuleName(): string {
    return (this as unknown as NoAltRaising).getCurrRuleFullName();
  }

  /**
   * Each OR's alternatives, built on first use and reused: building them on
   * every call allocates closures per token, a measurable cost on large files.
   */
  private readonly alternatives: Record<string, IOrAlt<unknown>[]> = {};

  /** `(args)` only when the `(` is on the callee's line. */
  private readonly argsOnSameLine = {
    GATE: () => this.nextOnSameLine(),
    DEF: () => {
      this.SUBRULE(this.args);
    },
  };

  /** True when the next token starts on the line where the previous one ended. */
  private nextOnSameLine(): boolean {
    const previous: IToken = this.LA(0);
    const next: IToken = this.LA(1);
    return previous.endLine !== undefined && next.startLine === previous.endLine;
  }

  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR(this.alternatives.item ??= [
        { ALT: () => this.SUBRULE(this.model) },
        { ALT: () => this.SUBRULE(this.block) },
        { ALT: () => this.SUBRULE(this.train) },
      ]);
    });
  });

  // ------------------------------------------------------------ items

  model = this.RULE('model', () => {
    this.CONSUME(t.Model);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.SUBRULE(this.body);
  });

  block = this.RULE('block', () => {
    this.CONSUME(t.Block);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION2(() => this.CONSUME2(t.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(t.RParen);
    this.SUBRULE(this.body);
  });

  param = this.RULE('param', () => {
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Colon);
    this.CONSUME2(t.Identifier, { LABEL: 'type' });
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.expr, { LABEL: 'default' });
    });
  });

  body = this.RULE('body', () => {
    this.CONSUME(t.LCurly);
    this.MANY(() => this.SUBRULE(this.stmt));
    this.CONSUME(t.RCurly);
  });

  // ------------------------------------------------------- statements

  stmt = this.RULE('stmt', () => {
    this.OR(this.alternatives.statement ??= [
      { ALT: () => this.SUBRULE(this.inputStmt) },
      { ALT: () => this.SUBRULE(this.outputStmt) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.expr, { LABEL: 'flow' }) },
    ]);
    this.OPTION(() => this.CONSUME(t.Semicolon));
  });

  inputStmt = this.RULE('inputStmt', () => {
    this.CONSUME(t.Input);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.tensorType);
    });
  });

  outputStmt = this.RULE('outputStmt', () => {
    this.CONSUME(t.Output);
    this.SUBRULE(this.expr, { LABEL: 'value' });
  });

  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(t.Let);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expr, { LABEL: 'value' });
  });

  tensorType = this.RULE('tensorType', () => {
    this.CONSUME(t.Identifier, { LABEL: 'dtype' });
    this.CONSUME(t.LBracket);
    this.SUBRULE(this.dim);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.dim);
    });
    this.CONSUME(t.RBracket);
  });

  dim = this.RULE('dim', () => {
    this.OR(this.alternatives.dim ??= [
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.Identifier) },
    ]);
  });

  // ------------------------------------------------------ expressions

  /** `head -> step -> step`; `->` binds loosest. */
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.binary, { LABEL: 'head' });
    this.MANY(() => {
      this.CONSUME(t.Arrow);
      this.SUBRULE(this.layerApp, { LABEL: 'steps' });
    });
  });

  /**
   * `operand (op operand)*` with `+ - * /` all at one level: precedence is
   * applied when building the AST, which keeps the rule depth per operand
   * (and so parsing time) low.
   */
  binary = this.RULE('binary', () => {
    this.SUBRULE(this.operand, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR(this.alternatives.binaryOperator ??= [
        { ALT: () => this.CONSUME(t.Plus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.Minus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.Star, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.Slash, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE2(this.operand, { LABEL: 'operands' });
    });
  });

  /** A primary value with any unary signs in front of it. */
  operand = this.RULE('operand', () => {
    this.MANY(() => {
      this.OR(this.alternatives.sign ??= [
        { ALT: () => this.CONSUME(t.Minus, { LABEL: 'signs' }) },
        { ALT: () => this.CONSUME(t.Plus, { LABEL: 'signs' }) },
      ]);
    });
    this.OR2(this.alternatives.operandValue ??= [
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.True) },
      { ALT: () => this.CONSUME(t.False) },
      { ALT: () => this.SUBRULE(this.listLit) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.layerApp) },
    ]);
  });

  listLit = this.RULE('listLit', () => {
    this.CONSUME(t.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr, { LABEL: 'elements' });
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.SUBRULE2(this.expr, { LABEL: 'elements' });
      });
      this.OPTION2(() => this.CONSUME2(t.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(t.RBracket);
  });

  parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expr, { LABEL: 'inner' });
    this.CONSUME(t.RParen);
  });

  /**
   * `c1: conv2d(32, kernel=3) with weightnorm`, `layer1: repeat 3 Basic(16)`,
   * or a bare name. The label is told apart from the callee by the `:` that
   * follows it.
   */
  layerApp = this.RULE('layerApp', () => {
    this.OPTION(() => {
      this.CONSUME(t.Identifier, { LABEL: 'label' });
      this.CONSUME(t.Colon);
    });
    this.OPTION2(() => {
      this.CONSUME(t.Repeat);
      this.SUBRULE(this.repeatCount);
    });
    this.CONSUME2(t.Identifier, { LABEL: 'callee' });
    this.OPTION3(this.argsOnSameLine);
    this.OPTION4(() => {
      this.CONSUME(t.With);
      this.SUBRULE(this.attachment);
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.SUBRULE2(this.attachment);
      });
    });
  });

  repeatCount = this.RULE('repeatCount', () => {
    this.OR(this.alternatives.repeatCount ??= [
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.Identifier) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
    ]);
  });

  /** `weightnorm` or `dropconnect(0.2)` after `with`. */
  attachment = this.RULE('attachment', () => {
    this.CONSUME(t.Identifier, { LABEL: 'callee' });
    this.OPTION(this.argsOnSameLine);
  });

  args = this.RULE('args', () => {
    this.CONSUME(t.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(t.Comma);
        this.SUBRULE2(this.arg);
      });
      this.OPTION2(() => this.CONSUME2(t.Comma, { LABEL: 'trailingComma' }));
    });
    this.CONSUME(t.RParen);
  });

  arg = this.RULE('arg', () => {
    this.OPTION(() => {
      this.CONSUME(t.Identifier, { LABEL: 'name' });
      this.CONSUME(t.Equals);
    });
    this.SUBRULE(this.expr, { LABEL: 'value' });
  });

  // ------------------------------------------------------------ train

  train = this.RULE('train', () => {
    this.CONSUME(t.Train);
    this.CONSUME(t.Identifier, { LABEL: 'model' });
    this.CONSUME(t.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.trainStmt);
      this.OPTION(() => this.CONSUME(t.Semicolon));
    });
    this.CONSUME(t.RCurly);
  });

  trainStmt = this.RULE('trainStmt', () => {
    this.OR(this.alternatives.trainStatement ??= [
      { ALT: () => this.SUBRULE(this.lossStmt) },
      { ALT: () => this.SUBRULE(this.optimizerStmt) },
      { ALT: () => this.SUBRULE(this.scheduleStmt) },
      { ALT: () => this.SUBRULE(this.penaltyStmt) },
      { ALT: () => this.SUBRULE(this.noiseStmt) },
      { ALT: () => this.SUBRULE(this.augmentStmt) },
      { ALT: () => this.SUBRULE(this.clipStmt) },
      { ALT: () => this.SUBRULE(this.earlyStopStmt) },
      { ALT: () => this.SUBRULE(this.calibrateStmt) },
      { ALT: () => this.SUBRULE(this.metricsStmt) },
      { ALT: () => this.SUBRULE(this.settingStmt) },
    ]);
  });

  /** A function in a train statement: `mse`, `adamw(lr=1e-3)`; no label, no `with`. */
  trainCall = this.RULE('trainCall', () => {
    this.CONSUME(t.Identifier, { LABEL: 'callee' });
    this.OPTION(this.argsOnSameLine);
  });

  lossStmt = this.RULE('lossStmt', () => {
    this.CONSUME(t.Loss);
    this.SUBRULE(this.trainCall);
  });

  optimizerStmt = this.RULE('optimizerStmt', () => {
    this.CONSUME(t.Optimizer);
    this.SUBRULE(this.trainCall);
  });

  scheduleStmt = this.RULE('scheduleStmt', () => {
    this.CONSUME(t.Schedule);
    this.SUBRULE(this.trainCall, { LABEL: 'phases' });
    this.MANY(() => {
      this.CONSUME(t.Then);
      this.SUBRULE2(this.trainCall, { LABEL: 'phases' });
    });
  });

  penaltyStmt = this.RULE('penaltyStmt', () => {
    this.CONSUME(t.Penalty);
    this.SUBRULE(this.trainCall);
    this.CONSUME(t.On);
    this.SUBRULE(this.globList);
  });

  noiseStmt = this.RULE('noiseStmt', () => {
    this.CONSUME(t.Noise);
    this.SUBRULE(this.trainCall);
    this.CONSUME(t.On);
    this.OR(this.alternatives.noiseTarget ??= [
      { ALT: () => this.CONSUME(t.Input) },
      { ALT: () => this.CONSUME(t.Weights) },
      { ALT: () => this.SUBRULE(this.globList) },
    ]);
  });

  globList = this.RULE('globList', () => {
    this.SUBRULE(this.glob);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.glob);
    });
  });

  glob = this.RULE('glob', () => {
    this.OR(this.alternatives.glob ??= [
      { ALT: () => this.CONSUME(t.Glob) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
    ]);
  });

  augmentStmt = this.RULE('augmentStmt', () => {
    this.CONSUME(t.Augment);
    this.CONSUME(t.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.trainCall, { LABEL: 'ops' });
      this.OPTION(() => this.CONSUME(t.Semicolon));
    });
    this.CONSUME(t.RCurly);
  });

  clipStmt = this.RULE('clipStmt', () => {
    this.CONSUME(t.Clip);
    this.SUBRULE(this.trainCall);
  });

  earlyStopStmt = this.RULE('earlyStopStmt', () => {
    this.CONSUME(t.EarlyStop);
    this.OPTION(this.argsOnSameLine);
  });

  calibrateStmt = this.RULE('calibrateStmt', () => {
    this.CONSUME(t.Calibrate);
    this.SUBRULE(this.trainCall);
  });

  metricsStmt = this.RULE('metricsStmt', () => {
    this.CONSUME(t.Metrics);
    this.SUBRULE(this.trainCall);
    this.MANY(() => {
      this.CONSUME(t.Comma);
      this.SUBRULE2(this.trainCall);
    });
  });

  settingStmt = this.RULE('settingStmt', () => {
    this.OR(this.alternatives.settingKey ??= [
      { ALT: () => this.CONSUME(t.Batch, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(t.Epochs, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(t.Seed, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(t.Steps, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(t.ValSplit, { LABEL: 'key' }) },
    ]);
    this.SUBRULE(this.expr, { LABEL: 'value' });
  });
}

/** The single parser instance; parseTokens() resets its input per call. */
export const regParser = new RegParser();

export function parseTokens(tokens: IToken[]): CstNode {
  regParser.input = tokens;
  regParser.stoppedAt = undefined;
  return regParser.file();
}
