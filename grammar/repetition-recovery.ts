// Two of chevrotain's error-recovery steps, redone so that a hostile file
// cannot make them overflow the stack or take quadratic time. parser.ts's
// RegParser overrides the chevrotain methods with these.
//
// In-repetition recovery: when a MANY loop (the statements of a body, the
// augmentations in `augment { }`) meets a token that can neither continue
// it nor follow it, chevrotain skips tokens until one can start another
// iteration and resumes the loop. Chevrotain 11 resumes by calling the loop
// again from inside its own recovery, one level deeper per resumption, so
// `augment { relu -> relu -> ... }` with 2000 stray `->` overflowed the
// stack; and before skipping it scans ahead for the first token that can
// follow any open rule, past every token it will not skip, so the 2000
// resumptions took quadratic time. resumeRepetition skips the same tokens
// and saves the same error, but stops at the first follow token as it
// walks, and resumes the loop from the outermost recovery of that loop:
// linear time, constant depth.
//
// Single-token insertion: before inserting a missing token chevrotain asks
// which tokens may follow it, walking the grammar along the whole rule
// stack recursively, several frames per rule; 200 nested `[` (800 rules)
// overflowed the stack there, below the nesting limit (E0106). Past
// MAX_RULES_FOR_INSERTION rules, RegParser answers "none", so recovery
// deletes a token or skips to a rule's end instead.
import { MismatchedTokenException, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';

/**
 * Rules on the stack past which no token is inserted in recovery. Real
 * files stay far below: a list in a layer's argument in a model body is
 * 17 rules deep, each bracket level adds 4.
 */
export const MAX_RULES_FOR_INSERTION = 128;

/** The chevrotain 11 parser internals resumeRepetition uses (traits/recoverable.js and lexer_adapter.js). */
export interface RecoveringParser {
  LA(howMuch: number): IToken;
  SKIP_TOKEN(): IToken;
  exportLexerState(): number;
  importLexerState(state: number): void;
  flattenFollowSet(): TokenType[];
  getCurrRuleFullName(): string;
  SAVE_ERROR(error: Error): void;
  readonly errorMessageProvider: IParserErrorMessageProvider;
  readonly RULE_STACK_IDX: number;
}

/** chevrotain's manyInternal and the like, called on the parser. */
export type RepetitionLoop = (this: RecoveringParser, ...args: unknown[]) => void;

/** A repetition being resumed by the outermost recovery of it. */
export interface ResumedRepetition {
  readonly loop: RepetitionLoop;
  readonly args: readonly unknown[];
  readonly ruleDepth: number;
  /** Set by a nested recovery of the same loop: resume once more. */
  again: boolean;
}

/**
 * chevrotain's tryInRepetitionRecovery: skips to a token that starts
 * another iteration (then resumes the loop) or that the loop expects next,
 * saving one error for the skipped tokens; at a token that can follow an
 * open rule first, skips nothing and leaves the error to the next step.
 */
export function resumeRepetition(
  parser: RecoveringParser,
  resumed: ResumedRepetition[],
  loop: RepetitionLoop,
  args: readonly unknown[],
  startsIteration: (this: RecoveringParser) => boolean,
  expectedAfter: TokenType,
): void {
  const follows = parser.flattenFollowSet();
  const saved = parser.exportLexerState();
  const unexpected = parser.LA(1);
  const skipped: IToken[] = [];
  for (let token = unexpected; ; ) {
    const resumes = startsIteration.call(parser);
    if (resumes || tokenMatcher(token, expectedAfter)) {
      saveError(parser, expectedAfter, unexpected, skipped.slice(0, -1));
      if (resumes) resume(parser, resumed, loop, args);
      return;
    }
    if (follows.some((type) => tokenMatcher(token, type))) break;
    token = parser.SKIP_TOKEN();
    // EOF always follows, so the walk ends; it is never part of the skipped text.
    skipped.push(token);
  }
  // Nothing closer to resume at: the next step reports the error and recovers.
  parser.importLexerState(saved);
}

function saveError(parser: RecoveringParser, expected: TokenType, actual: IToken, resynced: IToken[]): void {
  const previous = parser.LA(0);
  const message = parser.errorMessageProvider.buildMismatchTokenMessage({
    expected,
    actual,
    previous,
    ruleName: parser.getCurrRuleFullName(),
  });
  const error = new MismatchedTokenException(message, actual, previous) as MismatchedTokenException & { resyncedTokens: IToken[] };
  // As chevrotain does: the first skipped token is the error's own, not a resynced one.
  error.resyncedTokens = resynced;
  parser.SAVE_ERROR(error);
}

/** Runs `loop` again, or has the recovery already running it do so. */
function resume(parser: RecoveringParser, resumed: ResumedRepetition[], loop: RepetitionLoop, args: readonly unknown[]): void {
  const ruleDepth = parser.RULE_STACK_IDX;
  const outer = resumed[resumed.length - 1];
  if (outer !== undefined && outer.loop === loop && outer.ruleDepth === ruleDepth && sameArgs(outer.args, args)) {
    // Called from the end of the loop `outer` runs: return to it, one frame up, instead of nesting.
    outer.again = true;
    return;
  }
  const frame: ResumedRepetition = { loop, args, ruleDepth, again: true };
  resumed.push(frame);
  try {
    while (frame.again) {
      frame.again = false;
      loop.apply(parser, [...args]);
    }
  } finally {
    resumed.pop();
  }
}

function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
