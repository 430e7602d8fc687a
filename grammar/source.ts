// Source text and positions. Every AST node and diagnostic points into a
// SourceFile through a Span; line/column are 1-based, offsets 0-based, and a
// column counts UTF-16 code units from the line's start.
//
// A line break is `\n`, `\r\n` or a lone `\r`, as in JavaScript and most
// editors; the lexers (tokens.ts, fast-lexer.ts) count lines the same way,
// which is what lets a token's line and column be taken from either. U+2028
// and U+2029 are not line breaks here: the grammar has no place for them
// outside comments and strings, and counting them would make lines that
// the lexer does not see.

export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** Half-open range [start, end) in one source file. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

export class SourceFile {
  readonly lineStarts: readonly number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === LINE_FEED || (c === CARRIAGE_RETURN && text.charCodeAt(i + 1) !== LINE_FEED)) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { offset: clamped, line: lo + 1, column: clamped - this.lineStarts[lo]! + 1 };
  }

  span(startOffset: number, endOffset: number): Span {
    return { start: this.position(startOffset), end: this.position(Math.max(startOffset, endOffset)) };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    return start === undefined ? '' : this.text.slice(start, this.lineEnd(line));
  }

  /** Offset of a 1-based line's first character. */
  lineStart(line: number): number {
    return this.lineStarts[clampLine(line, this.lineStarts.length) - 1]!;
  }

  /** Offset just past a 1-based line's last character, before its line break. */
  lineEnd(line: number): number {
    const next = this.lineStarts[clampLine(line, this.lineStarts.length)];
    if (next === undefined) return this.text.length;
    // The break before the next line is `\n`, `\r` or `\r\n`.
    return this.text.charCodeAt(next - 1) === LINE_FEED && this.text.charCodeAt(next - 2) === CARRIAGE_RETURN ? next - 2 : next - 1;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

function clampLine(line: number, count: number): number {
  return Math.max(1, Math.min(line, count));
}

/** The span covering both a and b. */
export function joinSpans(a: Span, b: Span): Span {
  return {
    start: a.start.offset <= b.start.offset ? a.start : b.start,
    end: a.end.offset >= b.end.offset ? a.end : b.end,
  };
}

export const NO_SPAN: Span = {
  start: { offset: 0, line: 1, column: 1 },
  end: { offset: 0, line: 1, column: 1 },
};
