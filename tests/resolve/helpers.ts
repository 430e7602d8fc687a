// Shared helpers for the checker tests: parse and check a text, and look at
// the result as codes, short lines or parameter names.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { sortDiagnostics } from '../../diagnostics/diagnostic.ts';
import { parse } from '../../grammar/parse.ts';
import { SourceFile } from '../../grammar/source.ts';
import { checkProgram, type ModelSummary } from '../../compiler/resolve/index.ts';

export interface Checked {
  readonly source: SourceFile;
  readonly diagnostics: Diagnostic[];
  readonly models: ReadonlyMap<string, ModelSummary>;
}

/** Parse and check, diagnostics of both in source order. */
export function check(text: string, path = 'test.reg'): Checked {
  const source = new SourceFile(path, text);
  const parsed = parse(source);
  const checked = checkProgram(parsed.program, source);
  return { source, diagnostics: sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]), models: checked.models };
}

/** `CODE line:column message` per diagnostic. */
export function lines(text: string): string[] {
  return check(text).diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`);
}

export function codes(text: string): string[] {
  return check(text).diagnostics.map((d) => d.code);
}

/** The only diagnostic of a text; fails when there is not exactly one. */
export function only(text: string): Diagnostic {
  const { diagnostics } = check(text);
  expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toHaveLength(1);
  return diagnostics[0]!;
}

export function expectClean(text: string): Checked {
  const result = check(text);
  expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual([]);
  return result;
}

/** A one-model file: `input x: f32[N, 3, 8, 8]`, `output y`, then `body`. */
export function model(body: string, input = 'f32[N, 3, 8, 8]'): string {
  return `model M {\n  input x: ${input}\n  output y\n${body}\n}\n`;
}

/** A model with one linear layer `fc` and a train section with `body`. */
export function train(body: string): string {
  return `model M {\n  input x: f32[N, 4]\n  output y\n  c1: linear(8)\n  bn1: batchnorm\n  fc: linear(2)\n}\n\ntrain M {\n${body}\n}\n`;
}

/** The parameter names of a model, `name:role`. */
export function parameters(text: string, modelName = 'M'): string[] {
  const summary = expectClean(text).models.get(modelName);
  if (summary === undefined) throw new Error(`no model ${modelName}`);
  return summary.parameters.map((p) => p.name);
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}
