// The canonical layout of a .reg file. The formatter prints the AST, not the
// tokens, so layout is decided here alone; comments are not in the tree and
// are put back by their offsets:
//   - a comment on its own line stays on its own line, before the statement,
//     item or closing `}` that follows it;
//   - a comment after code on the same line stays at the end of that line;
//   - a single-line `/* */` inside a statement stays inline, before the part
//     it preceded; a `//` comment inside a statement (say between arguments
//     split over lines) cannot, so it moves to its own line above the
//     statement.
// A comment's text is kept but for its trailing blanks, and its line breaks
// become `\n` like the file's (canonicalComment; cli/same-syntax.ts compares
// comments the same way).
// One statement per line, except that a statement starting with a sign
// would continue the one above it (`relu` then `-b` reads `relu - b`), so
// the one above ends with `;`.
// Only files that parse without errors should be formatted: the AST of a
// broken file is a guess.
import type * as A from './ast.ts';
import type { SourceFile } from './source.ts';

const INDENT = '  ';
/** Extra indentation of a chain's continuation lines. */
const CONTINUATION = '    ';
const MAX_WIDTH = 100;
/** Between code and a trailing comment. Fixed rather than aligned, so editing a line never moves its neighbours' comments. */
const TRAILING_GAP = '  ';

export function format(program: A.Program, source: SourceFile): string {
  return new Formatter(program, source).file();
}

/** A comment as the formatter prints it: each line without trailing blanks, lines broken by `\n`. */
export function canonicalComment(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(withoutTrailingBlanks)
    .join('\n');
}

/** The text without its trailing spaces and tabs; a loop, as `/[ \t]+$/` is quadratic in a long run of blanks. */
function withoutTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(0, end);
}

type BlankLines = 'preserve' | 'always' | 'never';

class Formatter {
  private readonly lines: string[] = [];
  /** Comments not yet printed, in source order. */
  private readonly pending: CommentQueue;
  /** End offset of what was printed last, to find blank lines in the source after it. */
  private lastEnd = 0;
  /** True right after `{` or at the top of the file, where no blank line goes. */
  private atBlockStart = true;
  /** Single-line block comments inside the statement being printed, placed before the next node. */
  private inline = new CommentQueue([]);
  /** End offset of every comment by its start, to step over comments when looking for a bracket. */
  private readonly commentEnds: ReadonlyMap<number, number>;

  constructor(
    private readonly program: A.Program,
    private readonly source: SourceFile,
  ) {
    this.pending = new CommentQueue([...program.comments].sort((a, b) => a.span.start.offset - b.span.start.offset));
    this.commentEnds = new Map(program.comments.map((c) => [c.span.start.offset, c.span.end.offset]));
  }

  file(): string {
    const items = this.program.items;
    items.forEach((item, i) => {
      // Items are always one blank line apart; comments above an item keep their own spacing to it.
      const commented = this.ownLineComments('', item.span.start.offset, i > 0 ? 'always' : 'preserve');
      this.separate(i > 0 && !commented ? 'always' : 'preserve', item.span.start.offset);
      this.item(item, items[i + 1]?.span.start.offset ?? Infinity);
    });
    this.ownLineComments('', Infinity, 'preserve');
    return this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
  }

  // ---------------------------------------------------------- layout state

  private push(line: string): void {
    this.lines.push(withoutTrailingBlanks(line));
    this.atBlockStart = false;
  }

  /** Adds one blank line before what starts at `nextStart` when the policy (or the source) asks for it. */
  private separate(policy: BlankLines, nextStart: number): void {
    if (this.atBlockStart || this.lines.length === 0 || policy === 'never') return;
    if (policy === 'always' || this.blankLineBetween(this.lastEnd, nextStart)) this.lines.push('');
  }

  private blankLineBetween(from: number, to: number): boolean {
    return this.source.position(to).line - this.source.position(from).line >= 2;
  }

  private takeCommentsBefore(offset: number): A.Comment[] {
    return this.pending.takeBefore(offset);
  }

  /**
   * Prints the comments before `offset` on their own lines. `firstPolicy` is
   * the blank-line rule before the first of them; between them, the source's
   * blank lines are kept.
   */
  private ownLineComments(indent: string, offset: number, firstPolicy: BlankLines): boolean {
    const comments = this.takeCommentsBefore(offset);
    let policy = firstPolicy;
    for (const comment of comments) {
      this.separate(policy, comment.span.start.offset);
      this.push(indent + canonicalComment(comment.text));
      this.lastEnd = comment.span.end.offset;
      policy = 'preserve';
    }
    return comments.length > 0;
  }

  /** Comments on the line where the last printed thing ended, before `limit`, appended to the last output line. */
  private trailingComments(limit: number): boolean {
    let line = this.source.position(this.lastEnd).line;
    const parts: string[] = [];
    for (;;) {
      const comment = this.pending.peek();
      if (comment === undefined || comment.span.start.offset >= limit || comment.span.start.line !== line) break;
      this.pending.take();
      parts.push(canonicalComment(comment.text));
      this.lastEnd = comment.span.end.offset;
      line = comment.span.end.line;
    }
    if (parts.length > 0) this.lines[this.lines.length - 1] += TRAILING_GAP + parts.join(' ');
    return parts.length > 0;
  }

  /** Marks `end` as printed, then takes the comments that trail it on its line. */
  private finish(end: number, limit: number): void {
    this.lastEnd = end;
    this.trailingComments(limit);
  }

  // ------------------------------------------------------------- items

  /** An item; `nextStart` is where the next one starts, if any. */
  private item(item: A.Item, nextStart: number): void {
    switch (item.kind) {
      case 'Model':
        this.header(item.name.span.end.offset, () => `model ${this.ident(item.name)} {`);
        this.body(item.body, INDENT, item.span.end.offset - 1, (s, next) => this.stmt(s, INDENT, next));
        break;
      case 'Block': {
        const close = this.closingBracket(lastEnd(item.params, this.closingBracket(item.name.span.end.offset, '(') + 1), ')');
        this.header(close + 1, () => {
          const name = this.ident(item.name);
          const params = item.params.map((p) => this.param(p)).join(', ');
          return `block ${name}(${params}${this.inlineBeforeClose(lastEnd(item.params, close), ')')}) {`;
        });
        this.body(item.body, INDENT, item.span.end.offset - 1, (s, next) => this.stmt(s, INDENT, next));
        break;
      }
      case 'Train':
        this.header(item.model.span.end.offset, () => `train ${this.ident(item.model)} {`);
        this.body(item.body, INDENT, item.span.end.offset - 1, (s) => this.trainStmt(s, INDENT));
        break;
    }
    this.finish(item.span.end.offset, nextStart);
  }

  /** `model Name {`: comments inside the header go inline or above it. */
  private header(end: number, print: () => string): void {
    this.unit('', end, () => [print()]);
    this.atBlockStart = true;
  }

  private param(p: A.Param): string {
    const text = `${this.ident(p.name)}: ${this.ident(p.type)}`;
    return p.default ? `${text} = ${this.expr(p.default)}` : text;
  }

  /**
   * The entries of a `{ }` body, one per line, then the comments before the
   * closing brace, then the brace. An empty body without comments is `{}`.
   * `print` is given the entry after the one it prints, if any.
   */
  private body<T extends { readonly span: A.Ident['span'] }>(
    entries: readonly T[],
    indent: string,
    closeOffset: number,
    print: (entry: T, next: T | undefined) => void,
  ): void {
    const headerLine = this.lines.length - 1;
    // Comments after `{` on its line stay there.
    const headerComment = this.trailingComments(entries[0]?.span.start.offset ?? closeOffset);
    entries.forEach((entry, i) => {
      const limit = entries[i + 1]?.span.start.offset ?? closeOffset;
      this.ownLineComments(indent, entry.span.start.offset, 'preserve');
      this.separate('preserve', entry.span.start.offset);
      print(entry, entries[i + 1]);
      this.trailingComments(limit);
    });
    this.ownLineComments(indent, closeOffset, 'preserve');
    const outer = indent.slice(INDENT.length);
    if (this.lines.length - 1 === headerLine && !headerComment) {
      this.lines[headerLine] += '}';
    } else {
      this.push(outer + '}');
    }
    this.atBlockStart = false;
  }

  // -------------------------------------------------------- statements

  /**
   * Prints one statement (or header) whose text ends at `end`, then
   * `terminator`. Comments inside it are sorted out first: single-line block
   * comments go inline, the rest above.
   */
  private unit(indent: string, end: number, print: () => string[], terminator = '', inside = this.takeCommentsBefore(end)): void {
    // Comments that go above carry every comment before them along, so that
    // comments keep their order.
    const above = inside.slice(0, lastIndexWhere(inside, (c) => !isInlineComment(c)) + 1);
    this.inline = new CommentQueue(inside.slice(above.length));
    for (const comment of above) this.push(indent + canonicalComment(comment.text));
    const lines = print();
    lines[lines.length - 1] += terminator;
    const leftover = this.inline.takeBefore(Infinity).map((c) => c.text);
    lines.forEach((line, i) => this.push(i === 0 ? indent + line : line));
    // An inline comment after the last node (`f(x /* c */)`) ends up trailing.
    if (leftover.length > 0) this.lines[this.lines.length - 1] += TRAILING_GAP + leftover.join(' ');
    this.lastEnd = end;
  }

  /** A model or block statement; `next` is the statement after it, if any. */
  private stmt(stmt: A.Stmt, indent: string, next: A.Stmt | undefined): void {
    // A line that starts with a sign continues the statement above it.
    const terminator = next !== undefined && startsWithSign(next) ? ';' : '';
    switch (stmt.kind) {
      case 'Input':
        this.unit(
          indent,
          stmt.span.end.offset,
          () => [stmt.type ? `input ${this.ident(stmt.name)}: ${this.tensorType(stmt.type)}` : `input ${this.ident(stmt.name)}`],
          terminator,
        );
        return;
      case 'Output':
        this.chainStatement(indent, stmt.span.end.offset, () => 'output ', stmt.value, terminator);
        return;
      case 'Let':
        this.chainStatement(indent, stmt.span.end.offset, () => `let ${this.ident(stmt.name)} = `, stmt.value, terminator);
        return;
      case 'Flow':
        this.chainStatement(indent, stmt.span.end.offset, () => '', stmt.value, terminator);
        return;
    }
  }

  /**
   * A statement whose value may be a chain. The chain stays on one line when
   * it fits in MAX_WIDTH; otherwise it breaks before `->` wherever the next
   * step would not fit, continuation lines indented by CONTINUATION. A
   * comment between two steps also breaks the line there, so it keeps its
   * place.
   */
  private chainStatement(indent: string, end: number, prefix: () => string, value: A.Expr, terminator: string): void {
    if (value.kind !== 'Chain') {
      this.unit(indent, end, () => [prefix() + this.expr(value)], terminator);
      return;
    }
    const parts = [value.head, ...value.steps];
    // Comments between parts, keyed by the index of the part they precede.
    const between = new Map<number, A.Comment[]>();
    const comments = this.takeCommentsBefore(end);
    const stepBefore = (comment: A.Comment): number => {
      const offset = comment.span.start.offset;
      const next = firstStartingAfter(parts, offset);
      return next > 0 && next < parts.length && offset >= parts[next - 1]!.span.end.offset ? next : -1;
    };
    // As in unit(): a comment that must go above takes the ones before it along.
    const aboveCount = lastIndexWhere(comments, (c) => stepBefore(c) < 0 && !isInlineComment(c)) + 1;
    const inside: A.Comment[] = comments.slice(0, aboveCount);
    for (const comment of comments.slice(aboveCount)) {
      const next = stepBefore(comment);
      if (next < 0) inside.push(comment);
      else if (between.has(next)) between.get(next)!.push(comment);
      else between.set(next, [comment]);
    }
    const continuation = indent + CONTINUATION;
    // The inside comments go to unit(), to sort into inline and above.
    this.unit(indent, end, () => {
      const lines: string[] = [];
      // `current` lacks the statement's indent on the first line only: unit() adds it.
      let current = prefix() + this.expr(value.head);
      let width = indent.length + displayWidth(current);
      for (let i = 1; i < parts.length; i++) {
        const step = '-> ' + this.expr(parts[i]!);
        const stepWidth = displayWidth(step);
        const comments = between.get(i);
        if (comments === undefined && width + 1 + stepWidth <= MAX_WIDTH) {
          current += ' ' + step;
          width += 1 + stepWidth;
          continue;
        }
        const prevEndLine = parts[i - 1]!.span.end.line;
        const trailing = (comments ?? []).filter((c) => c.span.start.line === prevEndLine);
        const own = (comments ?? []).filter((c) => c.span.start.line !== prevEndLine);
        lines.push(trailing.length > 0 ? current + TRAILING_GAP + trailing.map((c) => canonicalComment(c.text)).join(' ') : current);
        for (const c of own) lines.push(continuation + canonicalComment(c.text));
        current = continuation + step;
        width = continuation.length + stepWidth;
      }
      lines.push(current);
      return lines;
    }, terminator, inside);
  }

  private tensorType(type: A.TensorType): string {
    const dtype = this.ident(type.dtype);
    const dims = type.dims.map((d) => this.inlineBefore(d.span.start.offset) + this.source.text.slice(d.span.start.offset, d.span.end.offset));
    return `${dtype}[${dims.join(', ')}${this.inlineBeforeClose(lastEnd(type.dims, type.dtype.span.end.offset), ']')}]`;
  }

  // ------------------------------------------------------------- train

  private trainStmt(stmt: A.TrainStmt, indent: string): void {
    if (stmt.kind === 'Augment') {
      this.unit(indent, stmt.span.start.offset + 'augment'.length, () => ['augment {']);
      this.atBlockStart = true;
      this.body(stmt.ops, indent + INDENT, stmt.span.end.offset - 1, (op) => this.unit(indent + INDENT, op.span.end.offset, () => [this.call(op)]));
      this.lastEnd = stmt.span.end.offset;
      return;
    }
    this.unit(indent, stmt.span.end.offset, () => [this.trainStmtText(stmt)]);
  }

  private trainStmtText(stmt: Exclude<A.TrainStmt, A.AugmentStmt>): string {
    switch (stmt.kind) {
      case 'Loss':
        return `loss ${this.call(stmt.fn)}`;
      case 'Optimizer':
        return `optimizer ${this.call(stmt.fn)}`;
      case 'Schedule':
        return `schedule ${stmt.phases.map((p) => this.call(p)).join(' then ')}`;
      case 'Penalty':
        return `penalty ${this.call(stmt.fn)} on ${this.globs(stmt.targets)}`;
      case 'Noise': {
        const fn = this.call(stmt.fn);
        const target = stmt.target;
        if (target.kind === 'NoiseInput') return `noise ${fn} on ${this.inlineBefore(target.span.start.offset)}input`;
        if (target.globs.length === 0) return `noise ${fn} on ${this.inlineBefore(target.span.start.offset)}weights`;
        return `noise ${fn} on ${this.globs(target.globs)}`;
      }
      case 'Clip':
        return `clip ${this.call(stmt.fn)}`;
      case 'EarlyStop':
        // The statement is its own call: `early_stop(monitor=val_loss)`.
        return this.call(stmt.fn);
      case 'Calibrate':
        return `calibrate ${this.call(stmt.fn)}`;
      case 'Metrics':
        return `metrics ${stmt.fns.map((f) => this.call(f)).join(', ')}`;
      case 'Setting':
        return `${this.ident(stmt.key)} ${this.expr(stmt.value)}`;
    }
  }

  /** Globs as written: quoted ones keep their quotes and escapes. */
  private globs(globs: readonly A.Glob[]): string {
    return globs.map((g) => this.inlineBefore(g.span.start.offset) + this.source.text.slice(g.span.start.offset, g.span.end.offset)).join(', ');
  }

  // -------------------------------------------------------- expressions

  /**
   * Offset of the bracket `close` that ends a list begun before `from`: the
   * AST has no node for it, so step over blanks, commas and comments.
   */
  private closingBracket(from: number, close: string): number {
    const text = this.source.text;
    let i = from;
    while (i < text.length) {
      const commentEnd = this.commentEnds.get(i);
      if (commentEnd !== undefined) i = commentEnd;
      else if (text[i] === close) return i;
      else if (/[\s,;]/.test(text[i]!)) i++;
      else break;
    }
    return i;
  }

  /** Inline comments before the closing bracket of a list ending after `lastEnd`, each preceded by a space. */
  private inlineBeforeClose(lastEnd: number, close: string): string {
    const offset = this.closingBracket(lastEnd, close);
    let text = '';
    for (const comment of this.inline.takeBefore(offset)) text += ' ' + comment.text;
    return text;
  }

  /** Inline comments that come before `offset`, each followed by a space. */
  private inlineBefore(offset: number): string {
    let text = '';
    for (const comment of this.inline.takeBefore(offset)) text += comment.text + ' ';
    return text;
  }

  private ident(id: A.Ident): string {
    return this.inlineBefore(id.span.start.offset) + id.name;
  }

  private expr(e: A.Expr): string {
    const before = this.inlineBefore(e.span.start.offset);
    return before + this.exprText(e);
  }

  private exprText(e: A.Expr): string {
    switch (e.kind) {
      case 'Chain':
        return [this.expr(e.head), ...e.steps.map((s) => this.expr(s))].join(' -> ');
      case 'Binary':
        return `${this.expr(e.left)} ${e.op} ${this.expr(e.right)}`;
      case 'Unary':
        return e.op + this.expr(e.operand);
      case 'Call':
        return this.call(e);
      case 'Repeat': {
        const label = e.label ? `${this.ident(e.label)}: ` : '';
        return `${label}repeat ${this.expr(e.count)} ${this.call(e.body)}`;
      }
      case 'Name':
        return e.name;
      case 'Number':
        return e.raw;
      case 'String':
        return e.raw;
      case 'Bool':
        return e.value ? 'true' : 'false';
      case 'List': {
        const elements = e.elements.map((x) => this.expr(x)).join(', ');
        return `[${elements}${this.inlineBeforeClose(lastEnd(e.elements, e.span.start.offset + 1), ']')}]`;
      }
      case 'Paren': {
        const inner = this.expr(e.inner);
        return `(${inner}${this.inlineBeforeClose(e.inner.span.end.offset, ')')})`;
      }
    }
  }

  private call(c: A.Call): string {
    const start = this.inlineBefore(c.span.start.offset);
    const label = c.label ? `${this.ident(c.label)}: ` : '';
    const callee = this.ident(c.callee);
    const args = c.args === null ? '' : this.args(c.args, c.callee.span.end.offset);
    const attachments = c.attachments.length > 0 ? ` with ${c.attachments.map((a) => this.call(a)).join(', ')}` : '';
    return start + label + callee + args + attachments;
  }

  /** `(a, b)`; `afterCallee` is where to look for the `(` when there are no arguments. */
  private args(args: readonly A.Arg[], afterCallee: number): string {
    const printed = args.map((a) => this.arg(a)).join(', ');
    const from = args.length > 0 ? args[args.length - 1]!.span.end.offset : this.closingBracket(afterCallee, '(') + 1;
    return `(${printed}${this.inlineBeforeClose(from, ')')})`;
  }

  private arg(a: A.Arg): string {
    const before = this.inlineBefore(a.span.start.offset);
    return before + (a.name ? `${this.ident(a.name)}=${this.expr(a.value)}` : this.expr(a.value));
  }
}

/** Whether a statement's first token is a `-` or `+`, which would continue the statement before it. */
function startsWithSign(stmt: A.Stmt): boolean {
  if (stmt.kind !== 'Flow') return false;
  let first = stmt.value;
  // A loop, not recursion: the left operand of a long sum nests as deep as the sum is long.
  for (;;) {
    if (first.kind === 'Unary') return true;
    if (first.kind === 'Chain') first = first.head;
    else if (first.kind === 'Binary') first = first.left;
    else return false;
  }
}

// A block comment on one line can sit between tokens; anything else needs a line of its own.
function isInlineComment(comment: A.Comment): boolean {
  return comment.text.startsWith('/*') && !/[\n\r]/.test(comment.text);
}

function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

/** The index of the first node that starts after `offset` (nodes.length when none does); nodes are in source order. */
function firstStartingAfter(nodes: readonly { readonly span: A.Ident['span'] }[], offset: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid]!.span.start.offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where the last of `nodes` ends, or `otherwise` when there are none. */
function lastEnd(nodes: readonly { readonly span: A.Ident['span'] }[], otherwise: number): number {
  return nodes.length > 0 ? nodes[nodes.length - 1]!.span.end.offset : otherwise;
}

function displayWidth(text: string): number {
  return [...text].length;
}

/** Comments in source order, taken from the front. */
class CommentQueue {
  private next = 0;

  constructor(private readonly comments: readonly A.Comment[]) {}

  peek(): A.Comment | undefined {
    return this.comments[this.next];
  }

  take(): A.Comment | undefined {
    return this.comments[this.next++];
  }

  /** Takes the comments that start before `offset`. */
  takeBefore(offset: number): A.Comment[] {
    const from = this.next;
    while (this.next < this.comments.length && this.comments[this.next]!.span.start.offset < offset) this.next++;
    return this.comments.slice(from, this.next);
  }
}
