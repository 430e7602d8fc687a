// Source text and positions. Every AST node and diagnostic points into a
// SourceFile through a Span; line/column are 1-based, offsets 0-based.

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
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
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

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
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
