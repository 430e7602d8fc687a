// Source text -> AST plus every lexical and syntax error in the file, as
// Diagnostics. Parsing never throws: recovery builds a partial AST and the
// diagnostics say what was wrong.
import { EOF, type ILexingError, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import { sortDiagnostics, type Diagnostic, type Label } from '../diagnostics/diagnostic.ts';
import type { Program } from './ast.ts';
import { BracketTracker } from './bracket-tracker.ts';
import { parseFast } from './fast-parser.ts';
import { findTooDeepExpression } from './expression-depth.ts';
import { describeBreach, findLimitBreach, MAX_EXPRESSION_TERMS, MAX_SYNTAX_ERRORS } from './limits.ts';
import { describeInvalidNumber, parseNumberLiteral } from './number-literal.ts';
import { parseTokens, regParser } from './parser.ts';
import { SourceFile, type Span } from './source.ts';
import { decodeSyntaxError, describeFound } from './syntax-error-messages.ts';
import { cstToAst } from './to-ast.ts';
import { findUnseparatedStatements } from './statement-separators.ts';
import * as t from './tokens.ts';

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: Diagnostic[];
}

export function parse(source: SourceFile): ParseResult {
  // Most files have no errors: the fast path reads those several times
  // faster, and gives up on the others, which only the chevrotain parser's
  // recovery and messages handle.
  const program = parseFast(source);
  if (program !== undefined) return { program, diagnostics: [] };
  return parseWithRecovery(source);
}

/** The chevrotain lexer and parser, a CST and its AST, and every diagnostic found on the way. */
export function parseWithRecovery(source: SourceFile): ParseResult {
  const report = new Reporter(source);
  const lexed = t.regLexer.tokenize(source.text);
  const comments = lexed.groups['comments'] ?? [];
  reportLexicalErrors(lexed.errors, [...lexed.tokens, ...comments], report);
  // Nesting or an expression past the limits would overflow the stack of
  // every stage from here on: report it and check nothing more.
  const tokens = lexed.tokens;
  const breach = findLimitBreach(tokens.length, (i) => tokens[i]!.tokenTypeIdx);
  if (breach !== undefined) {
    const { code, message, label, note } = describeBreach(breach);
    report.error(code, message, report.tokenSpan(tokens[breach.index]!), { label, notes: [note] });
    const program: Program = { kind: 'Program', items: [], comments: [], span: source.span(0, source.text.length) };
    return { program, diagnostics: sortDiagnostics(report.diagnostics) };
  }
  // Chevrotain's in-repetition recovery skips stray tokens between items
  // up to the next `model`, `block` or `train`, so one pass sees every item.
  const cst = parseTokens(lexed.tokens);
  // Copy: the parser instance is shared and its error list is reset per parse.
  // Past the cap the parser skipped to the end; what it found there is not the file's.
  const stoppedAt = regParser.stoppedAt;
  const errors = stoppedAt === undefined ? [...regParser.errors] : regParser.errors.slice(0, MAX_SYNTAX_ERRORS);
  const errorLines = reportSyntaxErrors(errors, lexed.tokens, report);
  if (stoppedAt !== undefined) reportStop(stoppedAt, lexed.tokens, report);
  const program = cstToAst(cst, comments, source);
  const tooDeep = findTooDeepExpression(program);
  if (tooDeep !== undefined) {
    // Recovery glued a longer expression than the token scan saw: refuse it as the scan would.
    const { code, message, note } = describeBreach({ kind: 'terms', index: -1 });
    report.error(code, message, tooDeep, { label: `this term is nested under more than ${MAX_EXPRESSION_TERMS} operators`, notes: [note] });
    const empty: Program = { kind: 'Program', items: [], comments: [], span: source.span(0, source.text.length) };
    return { program: empty, diagnostics: sortDiagnostics(report.diagnostics) };
  }
  for (const token of findUnseparatedStatements(program, lexed.tokens)) {
    if (errorLines.has(token.startLine!)) continue;
    report.error('E0103', `expected \`;\` or a new line, found \`${token.image}\``, report.tokenSpan(token), {
      label: 'a new statement starts here',
      notes: ['statements on one line are separated by `;`'],
    });
  }
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

function reportLexicalErrors(errors: readonly ILexingError[], tokens: readonly IToken[], report: Reporter): void {
  for (const error of errors) {
    const text = report.source.text.slice(error.offset, error.offset + error.length);
    const what = error.length === 1 ? 'character' : 'characters';
    const span = report.source.span(error.offset, error.offset + error.length);
    report.error('E0101', `unexpected ${what} \`${text}\``, span, { label: 'not part of any token' });
  }
  for (const token of tokens) checkToken(token, report);
}

/** Lexical problems the lexer accepted as tokens so parsing could go on. */
function checkToken(token: IToken, report: Reporter): void {
  if (token.tokenType === t.UnterminatedString) {
    report.error('E0102', 'unterminated string', report.tokenSpan(token), {
      label: `the closing \`${token.image[0]}\` is missing on this line`,
    });
  } else if (token.tokenType === t.UnterminatedBlockComment) {
    report.error('E0102', 'unterminated block comment', report.source.span(token.startOffset, token.startOffset + 2), {
      label: 'this comment has no closing `*/`, so it runs to the end of the file',
    });
  } else if (token.tokenType === t.NumberLiteral && !parseNumberLiteral(token.image).valid) {
    report.error('E0105', `invalid number literal \`${token.image}\``, report.tokenSpan(token), {
      label: describeInvalidNumber(token.image),
      notes: ['numbers are written like `3`, `0.5`, `.5`, `1e-5`, `1_000`, `0x1F`, `0b101` or `0o17`'],
    });
  }
}

/** Reports syntax errors, one per line; returns the lines that got one. */
function reportSyntaxErrors(
  errors: readonly IRecognitionException[],
  tokens: readonly IToken[],
  report: Reporter,
): Set<number> {
  const brackets = new BracketTracker(tokens);
  const located = errors
    .map((error) => ({ error, offset: errorOffset(error.token, tokens, report.source) }))
    .sort((a, b) => a.offset - b.offset);
  // After a syntax error, recovery skips ahead and often stumbles again on
  // the same line; those follow-on errors are noise, so one per line.
  const reportedLines = new Set<number>();
  for (const { error, offset } of located) {
    const line = report.source.position(offset).line;
    if (reportedLines.has(line)) continue;
    reportedLines.add(line);
    reportSyntaxError(error, offset, tokens, brackets, report);
  }
  return reportedLines;
}

/** E0108 where the parser stopped reading, after MAX_SYNTAX_ERRORS syntax errors. */
function reportStop(token: IToken, tokens: readonly IToken[], report: Reporter): void {
  const offset = errorOffset(token, tokens, report.source);
  const span = token.tokenType === EOF ? report.source.span(offset, offset) : report.tokenSpan(token);
  report.error('E0108', `more than ${MAX_SYNTAX_ERRORS} syntax errors`, span, {
    label: 'the parser stopped reading here',
    notes: [`after ${MAX_SYNTAX_ERRORS} syntax errors the rest of the file is not read; fix the first ones and check again`],
  });
}

/** Where a syntax error points: the offending token, or just after the last token at end of file. */
function errorOffset(token: IToken, tokens: readonly IToken[], source: SourceFile): number {
  if (token.tokenType !== EOF && Number.isFinite(token.startOffset)) return token.startOffset;
  const last = tokens[tokens.length - 1];
  return last === undefined ? source.text.length : last.endOffset! + 1;
}

function reportSyntaxError(
  error: IRecognitionException,
  offset: number,
  tokens: readonly IToken[],
  brackets: BracketTracker,
  report: Reporter,
): void {
  const detail = decodeSyntaxError(error.message);
  const found = describeFound(error.token);
  const atEnd = error.token.tokenType === EOF;
  const span = atEnd ? report.source.span(offset, offset) : report.tokenSpan(error.token);
  const expected = joinAlternatives(detail.expected);

  const closers = new Set([...t.bracketPairs.values()].filter((closer) => detail.expectedTokens.includes(closer.name)));
  const unclosed = closers.size === 0 ? undefined : brackets.unclosedOpenerAt(t.tokenIndexAt(tokens, offset), closers);
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

function closingImage(opener: TokenType): string {
  return t.bracketPairs.get(opener)!.LABEL!.slice(1, -1);
}
