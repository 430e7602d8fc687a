// Statements need no separator at a line end, but two statements on one
// line need a `;` between them. The grammar alone would read `relu
// maxpool(2)` or `x -> relu + b` as two statements without complaint, so
// this check looks at where the parsed statements sit.
import type { IToken } from 'chevrotain';
import type { Program } from './ast.ts';
import type { Span } from './source.ts';
import { Semicolon, tokenIndexAt } from './tokens.ts';

/** The first token of each statement that shares a line with the one before, with no `;` between. */
export function findUnseparatedStatements(program: Program, tokens: readonly IToken[]): IToken[] {
  const found: IToken[] = [];
  const check = (list: readonly { readonly span: Span }[]): void => {
    for (let i = 1; i < list.length; i++) {
      const token = unseparatedStart(list[i - 1]!.span, list[i]!.span, tokens);
      if (token !== undefined) found.push(token);
    }
  };
  for (const item of program.items) {
    if (item.kind !== 'Train') {
      check(item.body);
      continue;
    }
    check(item.body);
    for (const stmt of item.body) if (stmt.kind === 'Augment') check(stmt.ops);
  }
  return found;
}

function unseparatedStart(previous: Span, next: Span, tokens: readonly IToken[]): IToken | undefined {
  // Zero-width spans belong to parts recovery made up; a syntax error is already reported there.
  if (isEmpty(previous) || isEmpty(next) || next.start.line !== previous.end.line) return undefined;
  const nextIndex = tokenIndexAt(tokens, next.start.offset);
  for (let i = nextIndex - 1; i >= 0 && tokens[i]!.startOffset >= previous.end.offset; i--) {
    if (tokens[i]!.tokenType === Semicolon) return undefined;
  }
  return tokens[nextIndex];
}

function isEmpty(span: Span): boolean {
  return span.start.offset === span.end.offset;
}
