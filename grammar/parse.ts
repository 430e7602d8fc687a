// Source text -> AST plus every lexical and syntax error in the file, as
// Diagnostics. Parsing never throws: recovery builds a partial AST and the
// diagnostics say what was wrong.
import { EOF, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import { sortDiagnostics, type Diagnostic, type Label } from '../diagnostics/diagnostic.ts';
import type { Program } from './ast.ts';
import { describeInvalidNumber, parseNumberLiteral } from './number-literal.ts';
import { parseTokens, regParser } from './parser.ts';
import { SourceFile, type Span } from './source.ts';
import { decodeSyntaxError, describeFound } from './syntax-error-messages.ts';
import { cstToAst } from './to-ast.ts';
import * as t from './tokens.ts';

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: Diagnostic[];
}

export function parse(source: SourceFile): ParseResult {
  const lexed = t.regLexer.tokenize(source.text);
  const comments = lexed.groups['comments'] ?? [];
  const report = new Reporter(source);

  for (const error of lexed.errors) {
    const text = source.text.slice(error.offset, error.offset + error.length);
    const what = error.length === 1 ? 'character' : 'characters';
    report.error('E0101', `unexpected ${what} \`${text}\``, source.span(error.offset, error.offset + error.length), {
      label: 'not part of any token',
    });
  }
  for (const token of [...lexed.tokens, ...comments]) checkToken(token, report);

  // Chevrotain's in-repetition recovery skips stray tokens between items
  // up to the next `model`, `block` or `train`, so one pass sees every item.
  const cst = parseTokens(lexed.tokens);
  // Copy: the parser instance is shared and its error list is reset per parse.
  const syntaxErrors = [...regParser.errors];
  // After a syntax error, recovery skips ahead and often stumbles again on
  // the same line; those follow-on errors are noise, so one per line.
  const reportedLines = new Set<number>();
  for (const error of syntaxErrors) {
    const offset = errorOffset(error.token, lexed.tokens, source);
    const line = source.position(offset).line;
    if (reportedLines.has(line)) continue;
    reportedLines.add(line);
    reportSyntaxError(error, offset, lexed.tokens, report);
  }

  const program = cstToAst(cst, comments, source);
  return { program, diagnostics: sortDiagnostics(report.diagnostics) };
}

export function parseText(text: string, path = '<input>'): ParseResult {
  return parse(new SourceFile(path, text));
}

// ------------------------------------------------------------ reporting

class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly source: SourceFile) {}

  error(
    code: string,
    message: string,
    span: Span,
    extra: { label?: string; secondary?: Label[]; notes?: string[]; help?: string } = {},
  ): void {
    this.diagnostics.push({
      code,
      severity: 'error',
      message,
      file: this.source.path,
      span,
      ...(extra.label === undefined ? {} : { label: extra.label }),
      secondary: extra.secondary ?? [],
      notes: extra.notes ?? [],
      ...(extra.help === undefined ? {} : { help: extra.help }),
    });
  }

  tokenSpan(token: IToken): Span {
    return this.source.span(token.startOffset, token.endOffset! + 1);
  }
}

/** Lexical problems the lexer accepted as tokens so parsing could go on. */
function checkToken(token: IToken, report: Reporter): void {
  const span = report.tokenSpan(token);
  if (token.tokenType === t.UnterminatedString) {
    report.error('E0102', 'unterminated string', span, {
      label: `the closing \`${token.image[0]}\` is missing on this line`,
    });
  } else if (token.tokenType === t.UnterminatedBlockComment) {
    report.error('E0102', 'unterminated block comment', report.source.span(token.startOffset, token.startOffset + 2), {
      label: 'this comment has no closing `*/`, so it runs to the end of the file',
    });
  } else if (token.tokenType === t.NumberLiteral && !parseNumberLiteral(token.image).valid) {
    report.error('E0105', `invalid number literal \`${token.image}\``, span, {
      label: describeInvalidNumber(token.image),
      notes: ['numbers are written like `3`, `0.5`, `.5`, `1e-5`, `1_000`, `0x1F`, `0b101` or `0o17`'],
    });
  }
}

/** Where a syntax error points: the offending token, or just after the last token at end of file. */
function errorOffset(token: IToken, tokens: readonly IToken[], source: SourceFile): number {
  if (token.tokenType !== EOF && Number.isFinite(token.startOffset)) return token.startOffset;
  const last = tokens[tokens.length - 1];
  return last === undefined ? source.text.length : last.endOffset! + 1;
}

function reportSyntaxError(error: IRecognitionException, offset: number, tokens: readonly IToken[], report: Reporter): void {
  const detail = decodeSyntaxError(error.message);
  const found = describeFound(error.token);
  const atEnd = error.token.tokenType === EOF;
  const span = atEnd ? report.source.span(offset, offset) : report.tokenSpan(error.token);
  const expected = joinAlternatives(detail.expected);

  const unclosed = findUnclosedOpener(tokens, tokenIndexAt(tokens, offset), detail.expectedTokens);
  if (unclosed !== undefined) {
    const closer = closingImage(unclosed.tokenType);
    report.error('E0104', `missing \`${closer}\` to close \`${unclosed.image}\``, span, {
      label: `expected ${expected} before ${found}`,
      secondary: [{ span: report.tokenSpan(unclosed), message: `this \`${unclosed.image}\` is never closed` }],
    });
    return;
  }
  report.error('E0103', `expected ${expected}, found ${found}`, span, {
    label: atEnd ? 'the file ends here' : 'unexpected here',
  });
}

/** "`)`", "`,` or `)`", "a name, `(` or `)`". */
function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

// ------------------------------------------------------------- brackets

/** Index of the first token starting at or after offset (tokens.length at end of file). */
function tokenIndexAt(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function closingImage(opener: TokenType): string {
  return opener === t.LParen ? ')' : opener === t.LBracket ? ']' : '}';
}

/**
 * When a syntax error expected a closing bracket, the innermost opening
 * bracket of that kind that is open at the error and never closed anywhere
 * in the file. That makes the error a missing bracket (E0104) rather than a
 * stray token before a bracket that does come later (E0103).
 */
function findUnclosedOpener(
  tokens: readonly IToken[],
  errorIndex: number,
  expectedTokenNames: readonly string[],
): IToken | undefined {
  const expectedClosers = new Set(
    [...t.bracketPairs.values()].filter((closer) => expectedTokenNames.includes(closer.name)),
  );
  if (expectedClosers.size === 0) return undefined;

  const open: number[] = [];
  let candidate: number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    if (i === errorIndex) {
      candidate = [...open].reverse().find((j) => expectedClosers.has(t.bracketPairs.get(tokens[j]!.tokenType)!));
      if (candidate === undefined) return undefined;
    }
    const type = tokens[i]!.tokenType;
    if (t.bracketPairs.has(type)) {
      open.push(i);
      continue;
    }
    const depth = [...open].reverse().findIndex((j) => t.bracketPairs.get(tokens[j]!.tokenType) === type);
    if (depth === -1) continue; // a stray closer closes nothing
    // Openers above the match were never closed; the match is.
    const matched = open.length - 1 - depth;
    if (candidate !== undefined && open[matched] === candidate) return undefined;
    open.length = matched;
  }
  if (errorIndex >= tokens.length) {
    candidate = [...open].reverse().find((j) => expectedClosers.has(t.bracketPairs.get(tokens[j]!.tokenType)!));
  }
  return candidate === undefined ? undefined : tokens[candidate];
}
