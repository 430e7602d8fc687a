// The grammar's public API: parse .reg text into an AST with diagnostics.
export { parse, parseText, type ParseResult } from './parse.ts';
export { grammarDiagnosticCodes, type DiagnosticCodeDoc } from './diagnostic-codes.ts';
export { reservedWords } from './tokens.ts';
export { SourceFile, joinSpans, NO_SPAN, type Position, type Span } from './source.ts';
export type * from './ast.ts';
