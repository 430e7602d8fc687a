// Shared helpers for the grammar tests: parse, and compare AST structure
// without spans.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Expr, Item, Program, Stmt, TrainStmt } from '../../grammar/ast.ts';
import { parseText, type ParseResult } from '../../grammar/parse.ts';

/** A deep copy of an AST value with every `span` removed. */
export function withoutSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSpans);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'span')
        .map(([key, inner]) => [key, withoutSpans(inner)]),
    );
  }
  return value;
}

/** Parses and fails the test on any diagnostic. */
export function parseClean(text: string): Program {
  const result = parseText(text);
  expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual(
    [],
  );
  return result.program;
}

export function parseWithErrors(text: string): ParseResult {
  return parseText(text);
}

/** The statements of a one-model file. */
export function modelBody(body: string): Stmt[] {
  const program = parseClean(`model M {\n${body}\n}`);
  const model = program.items[0] as Item & { kind: 'Model' };
  return [...model.body];
}

/** The value of the single flow statement `text` in a model body. */
export function flowExpr(text: string): Expr {
  const stmts = modelBody(text);
  expect(stmts).toHaveLength(1);
  const stmt = stmts[0]!;
  if (stmt.kind !== 'Flow') throw new Error(`expected a flow statement, got ${stmt.kind}`);
  return stmt.value;
}

export function trainBody(body: string): TrainStmt[] {
  const program = parseClean(`train M {\n${body}\n}`);
  const train = program.items[0] as Item & { kind: 'Train' };
  return [...train.body];
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

// Small AST builders so expected shapes read like the source.
export const name = (n: string) => ({ kind: 'Name', name: n });
export const ident = (n: string) => ({ kind: 'Ident', name: n });
export const num = (raw: string, value: number, isInteger: boolean) => ({ kind: 'Number', value, raw, isInteger });
export const call = (callee: string, args: unknown[] | null = null, extra: Record<string, unknown> = {}) => ({
  kind: 'Call',
  callee: ident(callee),
  args,
  attachments: [],
  ...extra,
});
export const arg = (value: unknown, argName?: string) =>
  argName === undefined ? { kind: 'Arg', value } : { kind: 'Arg', name: ident(argName), value };
