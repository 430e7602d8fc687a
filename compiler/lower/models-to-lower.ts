// Which models of a file with errors can still be lowered for their shapes.
// A model is lowered only when no error points into it or into a block it
// uses, directly or through other blocks: parse recovery leaves holes in
// such a model's AST, and a checker error means some name or argument has
// no meaning, so its shapes would be guesses and their errors noise. Errors
// elsewhere (another model, a train section) do not stop it.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { BlockDecl, Expr, ModelDecl, Program, Stmt } from '../../grammar/ast.ts';
import type { Span } from '../../grammar/source.ts';

export function modelsFreeOfErrors(program: Program, diagnostics: readonly Diagnostic[]): ModelDecl[] {
  const models = program.items.filter((i): i is ModelDecl => i.kind === 'Model' && i.name.name !== '');
  const errorOffsets = diagnostics.filter((d) => d.severity === 'error').map((d) => d.span.start.offset);
  if (errorOffsets.length === 0) return models;
  errorOffsets.sort((a, b) => a - b);
  const hasError = (span: Span) => {
    const i = firstAtLeast(errorOffsets, span.start.offset);
    return i < errorOffsets.length && errorOffsets[i]! <= span.end.offset;
  };
  // Every block of a name counts: with two (E0205), which one a use means is the error.
  const blocks = new Map<string, BlockDecl[]>();
  for (const item of program.items) {
    if (item.kind === 'Block') blocks.set(item.name.name, [...(blocks.get(item.name.name) ?? []), item]);
  }
  return models.filter((model) => !hasError(model.span) && usedBlocks(model.body, blocks).every((block) => !hasError(block.span)));
}

/** The index of the first element of sorted `values` that is >= `x` (values.length if none). */
function firstAtLeast(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The blocks a body may apply, through other blocks too; any name that is a block's counts. */
function usedBlocks(body: readonly Stmt[], blocks: ReadonlyMap<string, readonly BlockDecl[]>): BlockDecl[] {
  const seen = new Set<BlockDecl>();
  const pending: (readonly Stmt[])[] = [body];
  const use = (name: string) => {
    for (const block of blocks.get(name) ?? []) {
      if (seen.has(block)) continue;
      seen.add(block);
      pending.push(block.body);
    }
  };
  for (let stmts = pending.pop(); stmts !== undefined; stmts = pending.pop()) {
    for (const stmt of stmts) if (stmt.kind !== 'Input') forEachIdentifier(stmt.value, use);
  }
  return [...seen];
}

/** Bare names and callees, in arguments, chains, attachments and repeats. */
function forEachIdentifier(expr: Expr, visit: (name: string) => void): void {
  switch (expr.kind) {
    case 'Name':
      visit(expr.name);
      return;
    case 'Paren':
      forEachIdentifier(expr.inner, visit);
      return;
    case 'Unary':
      forEachIdentifier(expr.operand, visit);
      return;
    case 'Binary':
      forEachIdentifier(expr.left, visit);
      forEachIdentifier(expr.right, visit);
      return;
    case 'List':
      for (const element of expr.elements) forEachIdentifier(element, visit);
      return;
    case 'Chain':
      forEachIdentifier(expr.head, visit);
      for (const step of expr.steps) forEachIdentifier(step, visit);
      return;
    case 'Repeat':
      forEachIdentifier(expr.count, visit);
      forEachIdentifier(expr.body, visit);
      return;
    case 'Call':
      visit(expr.callee.name);
      for (const arg of expr.args ?? []) forEachIdentifier(arg.value, visit);
      for (const attachment of expr.attachments) forEachIdentifier(attachment, visit);
      return;
    default:
      return;
  }
}
