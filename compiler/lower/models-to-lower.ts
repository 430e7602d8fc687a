// Which models of a file with errors can still be lowered for their shapes.
// A model is lowered only when no error points into it or into a block it
// uses, directly or through other blocks: parse recovery leaves holes in
// such a model's AST, and a checker error means some name or argument has
// no meaning, so its shapes would be guesses and their errors noise. Errors
// elsewhere (another model, a train section) do not stop it.
//
// "Into" an item means anywhere from its keyword to the next item's: a
// syntax error often lies just past the span recovery gave the item (a file
// cut after `fc:` ends the model's span at `fc`, and the error at the end of
// the file). And an item with a hole recovery made (an empty name) is never
// lowered, wherever its error was reported: lowering would find a layer
// named ``.
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { BlockDecl, Expr, Item, ModelDecl, Program, Stmt } from '../../grammar/ast.ts';

export function modelsFreeOfErrors(program: Program, diagnostics: readonly Diagnostic[]): ModelDecl[] {
  const models = program.items.filter((i): i is ModelDecl => i.kind === 'Model' && i.name.name !== '');
  const errorOffsets = diagnostics.filter((d) => d.severity === 'error').map((d) => d.span.start.offset);
  if (errorOffsets.length === 0) return models;
  errorOffsets.sort((a, b) => a - b);
  const extentEnds = itemExtentEnds(program);
  const hasError = (item: Item) => {
    const i = firstAtLeast(errorOffsets, item.span.start.offset);
    return (i < errorOffsets.length && errorOffsets[i]! < extentEnds.get(item)!) || hasHoles(item);
  };
  // Every block of a name counts: with two (E0205), which one a use means is the error.
  const blocks = new Map<string, BlockDecl[]>();
  for (const item of program.items) {
    if (item.kind === 'Block') blocks.set(item.name.name, [...(blocks.get(item.name.name) ?? []), item]);
  }
  return models.filter((model) => !hasError(model) && usedBlocks(model.body, blocks).every((block) => !hasError(block)));
}

/** Where each item's extent ends: at the next item's start, the last one's never. */
function itemExtentEnds(program: Program): Map<Item, number> {
  const byStart = [...program.items].sort((a, b) => a.span.start.offset - b.span.start.offset);
  return new Map(byStart.map((item, i) => [item, byStart[i + 1]?.span.start.offset ?? Number.POSITIVE_INFINITY]));
}

/** True when recovery left an empty name in the item (to-ast.ts makes every missing name and expression one). */
function hasHoles(item: Item): boolean {
  if (item.kind === 'Train') return false;
  if (item.name.name === '') return true;
  if (item.kind === 'Block' && item.params.some((p) => p.name.name === '' || p.type.name === '' || (p.default !== undefined && exprHasHoles(p.default)))) {
    return true;
  }
  return item.body.some(stmtHasHoles);
}

function stmtHasHoles(stmt: Stmt): boolean {
  switch (stmt.kind) {
    case 'Input':
      return stmt.name.name === '' || (stmt.type !== undefined && (stmt.type.dtype.name === '' || stmt.type.dims.length === 0));
    case 'Let':
      return stmt.name.name === '' || exprHasHoles(stmt.value);
    case 'Output':
    case 'Flow':
      return exprHasHoles(stmt.value);
  }
}

function exprHasHoles(expr: Expr): boolean {
  let found = false;
  forEachIdentifier(
    expr,
    (name) => {
      if (name === '') found = true;
    },
    true,
  );
  return found;
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

/** Bare names and callees (and labels, with `labels`), in arguments, chains, attachments and repeats. */
function forEachIdentifier(expr: Expr, visit: (name: string) => void, labels = false): void {
  switch (expr.kind) {
    case 'Name':
      visit(expr.name);
      return;
    case 'Paren':
      forEachIdentifier(expr.inner, visit, labels);
      return;
    case 'Unary':
      forEachIdentifier(expr.operand, visit, labels);
      return;
    case 'Binary':
      forEachIdentifier(expr.left, visit, labels);
      forEachIdentifier(expr.right, visit, labels);
      return;
    case 'List':
      for (const element of expr.elements) forEachIdentifier(element, visit, labels);
      return;
    case 'Chain':
      forEachIdentifier(expr.head, visit, labels);
      for (const step of expr.steps) forEachIdentifier(step, visit, labels);
      return;
    case 'Repeat':
      if (labels && expr.label !== undefined) visit(expr.label.name);
      forEachIdentifier(expr.count, visit, labels);
      forEachIdentifier(expr.body, visit, labels);
      return;
    case 'Call':
      if (labels && expr.label !== undefined) visit(expr.label.name);
      visit(expr.callee.name);
      for (const arg of expr.args ?? []) forEachIdentifier(arg.value, visit, labels);
      for (const attachment of expr.attachments) forEachIdentifier(attachment, visit, labels);
      return;
    default:
      return;
  }
}
