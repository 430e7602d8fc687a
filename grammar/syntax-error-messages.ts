// Chevrotain builds a message string for each syntax error. We make that
// string carry structured data (what was expected, what was found) so that
// parse.ts can turn it into a Diagnostic with its own wording and code,
// rather than re-parsing chevrotain's English.
import { EOF, tokenLabel, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as t from './tokens.ts';

export interface SyntaxErrorDetail {
  /** Readable descriptions of what could come next: "`)`", "a name", "an expression". */
  readonly expected: readonly string[];
  /** The token types behind `expected` (closing brackets matter to E0104). */
  readonly expectedTokens: readonly string[];
}

/** Tokens that can start an expression; together they read as "an expression". */
const EXPRESSION_START = new Set<TokenType>([
  t.NumberLiteral, t.StringLiteral, t.True, t.False, t.LBracket, t.LParen, t.Identifier, t.Repeat,
  t.Minus, t.Plus,
]);
const STATEMENT_START = new Set<TokenType>([t.Input, t.Output, t.Let]);
const TRAIN_STATEMENT_START = new Set<TokenType>([
  t.Loss, t.Optimizer, t.Schedule, t.Penalty, t.Noise, t.Augment, t.Clip, t.EarlyStop, t.Calibrate,
  t.Metrics, t.Batch, t.Epochs, t.Seed, t.Steps, t.ValSplit,
]);

function describe(tokens: readonly TokenType[]): string[] {
  const remaining = new Set(tokens);
  const described: string[] = [];
  const takeGroup = (group: ReadonlySet<TokenType>, minimum: number, description: string): void => {
    const present = [...group].filter((tok) => remaining.has(tok));
    if (present.length >= minimum) {
      described.push(description);
      for (const tok of present) remaining.delete(tok);
    }
  };
  takeGroup(TRAIN_STATEMENT_START, 4, 'a train statement');
  if ([...STATEMENT_START].every((tok) => remaining.has(tok))) {
    takeGroup(STATEMENT_START, 1, 'a statement');
    for (const tok of EXPRESSION_START) remaining.delete(tok);
  }
  takeGroup(EXPRESSION_START, 4, 'an expression');
  for (const tok of remaining) described.push(tok === EOF ? 'end of file' : tokenLabel(tok));
  return described;
}

function encode(expected: readonly TokenType[], alsoExpected: readonly string[] = []): string {
  const unique = [...new Set(expected)];
  const detail: SyntaxErrorDetail = {
    expected: [...alsoExpected, ...describe(unique)],
    expectedTokens: unique.map((tok) => tok.name),
  };
  return JSON.stringify(detail);
}

function firstTokens(paths: readonly (readonly TokenType[])[]): TokenType[] {
  return paths.flatMap((path) => (path[0] === undefined ? [] : [path[0]]));
}

/**
 * A missing closing token is often reported after a list or loop ended
 * early: the parser then only knows it wanted the closer, but the user
 * needs to hear what else could have gone there.
 */
function alternativesBeforeCloser(ruleName: string, expected: TokenType, previous: IToken): string[] {
  const afterSeparator = previous.tokenType === t.Comma || bracketOpeners.has(previous.tokenType);
  switch (`${ruleName} ${expected === EOF ? 'EOF' : expected.name}`) {
    case 'body RCurly':
      return ['a statement'];
    case 'train RCurly':
      return ['a train statement'];
    case 'augmentStmt RCurly':
      return ['an augmentation'];
    case 'args RParen':
      return [afterSeparator ? 'an argument' : '`,`'];
    case 'block RParen':
      return [afterSeparator ? 'a parameter' : '`,`'];
    case 'listLit RBracket':
      return [afterSeparator ? 'an expression' : '`,`'];
    case 'tensorType RBracket':
      return ['`,`'];
    case 'file EOF':
      return ['`model`', '`block`', '`train`'];
    default:
      return [];
  }
}

const bracketOpeners = new Set<TokenType>(t.bracketPairs.keys());

export const syntaxErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, previous, ruleName }) =>
    encode([expected], alternativesBeforeCloser(ruleName, expected, previous)),
  buildNotAllInputParsedMessage: () => encode([t.Model, t.Block, t.Train, EOF]),
  buildNoViableAltMessage: ({ expectedPathsPerAlt }) => encode(expectedPathsPerAlt.flatMap(firstTokens)),
  buildEarlyExitMessage: ({ expectedIterationPaths }) => encode(firstTokens(expectedIterationPaths)),
};

export function decodeSyntaxError(message: string): SyntaxErrorDetail {
  try {
    return JSON.parse(message) as SyntaxErrorDetail;
  } catch {
    // Not ours (chevrotain built it without the provider): keep its text.
    return { expected: [message], expectedTokens: [] };
  }
}

/** `found `x`` wording for the token a syntax error stopped at. */
export function describeFound(token: IToken): string {
  if (token.tokenType === EOF) return 'end of file';
  return `\`${token.image}\``;
}
