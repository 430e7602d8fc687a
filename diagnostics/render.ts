// Turns Diagnostic data into text for people (rustc-style snippets with
// carets) or JSON for tools. Nothing here decides what is wrong; it only
// draws what a phase reported.
import type { SourceFile, Span } from '../grammar/source.ts';
import type { Diagnostic, Severity } from './diagnostic.ts';

export interface RenderOptions {
  /** ANSI colors; the caller decides (TTY, NO_COLOR, --color). */
  readonly color?: boolean;
}

/** rustc shows a tab as four spaces; markers are placed in the same expanded columns. */
const TAB_WIDTH = 4;
/**
 * Display columns a source line may take in a snippet. A longer line is cut
 * to a window of this width around its spans, with `...` where text was
 * left out, so that a diagnostic far along a 400 KB line costs what one on
 * a short line does.
 */
const MAX_LINE_WIDTH = 120;
/** Columns of a cut line shown before its first span. */
const LEFT_CONTEXT = 40;
const ELLIPSIS = '...';

// ---------------------------------------------------------------- styled text

type Style = 'plain' | 'bold' | 'gutter' | 'secondary' | 'help' | Severity;

const ANSI: Record<Style, string> = {
  plain: '',
  bold: '\x1b[1m',
  gutter: '\x1b[1;34m',
  secondary: '\x1b[1;34m',
  help: '\x1b[1;36m',
  error: '\x1b[1;31m',
  warning: '\x1b[1;33m',
  note: '\x1b[1;32m',
};
const RESET = '\x1b[0m';

interface Segment {
  readonly text: string;
  readonly style: Style;
}

function paint(segments: readonly Segment[], color: boolean): string {
  const text = segments
    .map(({ text, style }) => (color && style !== 'plain' && text !== '' ? ANSI[style] + text + RESET : text))
    .join('');
  return withoutTrailingBlanks(text);
}

/** The text without its trailing spaces and tabs; a loop, as `/[ \t]+$/` is quadratic in a long run of blanks. */
function withoutTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return text.slice(0, end);
}

/**
 * A row of single-character cells, each with a style, so that markers and
 * labels of several annotations can be drawn into one line and then painted.
 */
class Row {
  private readonly cells: { ch: string; style: Style }[] = [];

  put(column: number, text: string, style: Style): void {
    while (this.cells.length < column) this.cells.push({ ch: ' ', style: 'plain' });
    for (let i = 0; i < text.length; i++) this.cells[column + i] = { ch: text[i]!, style };
  }

  get width(): number {
    return this.cells.length;
  }

  segments(): Segment[] {
    const out: Segment[] = [];
    for (const cell of this.cells) {
      const last = out[out.length - 1];
      if (last && last.style === cell.style) out[out.length - 1] = { text: last.text + cell.ch, style: cell.style };
      else out.push({ text: cell.ch, style: cell.style });
    }
    return out;
  }
}

// ---------------------------------------------------------------- layout

/** A span on one source line, in UTF-16 offsets into the file, clamped to the line. */
interface Annotation {
  readonly line: number;
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly primary: boolean;
}

/** An annotation placed in the display columns of its shown line. */
interface Marker {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly primary: boolean;
}

/** A source line as a snippet shows it. */
interface ShownLine {
  readonly text: string;
  readonly markers: readonly Marker[];
}

/** One character as a terminal shows it. */
interface Glyph {
  /** Offset just past the character: two code units for a surrogate pair. */
  readonly next: number;
  readonly text: string;
  readonly width: number;
}

/**
 * Tabs become four spaces and wide characters (CJK, emoji) take two
 * columns, as a terminal shows them. Control characters are drawn as their
 * control pictures (`␛` for ESC), and characters that show nothing, move
 * the cursor or turn text around (U+2028, bidi overrides, zero-width ones,
 * lone surrogates) as U+FFFD, so that the file cannot restyle the terminal
 * or break the snippet's line, and every caret stays under its character.
 */
function glyphAt(text: string, offset: number): Glyph {
  const code = text.charCodeAt(offset);
  if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(offset + 1))) {
    return { next: offset + 2, text: text.slice(offset, offset + 2), width: isWide(text.codePointAt(offset)!) ? 2 : 1 };
  }
  const next = offset + 1;
  if (code === 9) return { next, text: ' '.repeat(TAB_WIDTH), width: TAB_WIDTH };
  if (code < 0x20) return { next, text: String.fromCharCode(0x2400 + code), width: 1 };
  if (code === 0x7f) return { next, text: '\u2421', width: 1 };
  if (isInvisible(code) || isHighSurrogate(code) || isLowSurrogate(code)) return { next, text: '\ufffd', width: 1 };
  return { next, text: text[offset]!, width: isWide(code) ? 2 : 1 };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** C1 controls, the Arabic letter mark, zero-width characters, line and paragraph separators, bidi controls, the BOM. */
function isInvisible(code: number): boolean {
  return (
    (code >= 0x80 && code <= 0x9f) ||
    code === 0x061c ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** East Asian Wide and Fullwidth blocks, and the emoji planes: enough for comments and strings. */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function isWide(codePoint: number): boolean {
  return codePoint >= 0x1100 && WIDE_RANGES.some(([lo, hi]) => codePoint >= lo && codePoint <= hi);
}

interface Walk {
  readonly offset: number;
  readonly width: number;
}

/** From `from` towards `limit`, whole characters of at most `columns` display columns in all. */
function walkRight(text: string, from: number, limit: number, columns: number): Walk {
  let offset = from;
  let width = 0;
  while (offset < limit) {
    const glyph = glyphAt(text, offset);
    if (width + glyph.width > columns) break;
    width += glyph.width;
    offset = glyph.next;
  }
  return { offset, width };
}

/** From `from` back towards `limit`, whole characters of at most `columns` display columns in all. */
function walkLeft(text: string, from: number, limit: number, columns: number): Walk {
  let offset = from;
  let width = 0;
  while (offset > limit) {
    let previous = offset - 1;
    if (previous > limit && isLowSurrogate(text.charCodeAt(previous)) && isHighSurrogate(text.charCodeAt(previous - 1))) previous--;
    const glyph = glyphAt(text, previous);
    if (width + glyph.width > columns) break;
    width += glyph.width;
    offset = previous;
  }
  return { offset, width };
}

function annotate(source: SourceFile, span: Span, label: string, primary: boolean): Annotation {
  const start = clamp(span.start.offset, 0, source.text.length);
  const end = clamp(span.end.offset, start, source.text.length);
  const line = source.position(start).line;
  // A span that runs onto later lines is underlined to the end of its first line.
  const lineEnd = source.lineEnd(line);
  return { line, start: Math.min(start, lineEnd), end: Math.min(end, lineEnd), label, primary };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(value, hi));
}

/**
 * A line with its annotations' markers. A line wider than MAX_LINE_WIDTH is
 * cut to a window: around all its spans when they fit in it together, else
 * from a little before the primary one. A span outside the window is marked
 * under the `...` on its side. Only the window's characters are looked at,
 * whatever the length of the line.
 */
function showLine(source: SourceFile, line: number, annotations: readonly Annotation[]): ShownLine {
  const text = source.text;
  const lineStart = source.lineStart(line);
  const lineEnd = source.lineEnd(line);
  let from = lineStart;
  let to = walkRight(text, lineStart, lineEnd, MAX_LINE_WIDTH).offset;
  if (to < lineEnd) {
    const first = annotations.length > 0 ? Math.min(...annotations.map((a) => a.start)) : lineStart;
    const last = annotations.length > 0 ? Math.max(...annotations.map((a) => a.end)) : lineStart;
    const primary = annotations.find((a) => a.primary);
    const together = walkRight(text, first, last, MAX_LINE_WIDTH - 2 * ELLIPSIS.length - LEFT_CONTEXT).offset >= last;
    const anchor = together || primary === undefined ? first : primary.start;
    from = walkLeft(text, anchor, lineStart, LEFT_CONTEXT).offset;
    const ellipses = from > lineStart ? 2 : 1;
    const right = walkRight(text, from, lineEnd, MAX_LINE_WIDTH - ellipses * ELLIPSIS.length);
    to = right.offset;
    // Near the end of the line, the room left over goes to the left, which then has the only `...`.
    if (to === lineEnd) from = walkLeft(text, from, lineStart, MAX_LINE_WIDTH - ELLIPSIS.length - right.width).offset;
  }
  const cutLeft = from > lineStart;
  const cutRight = to < lineEnd;

  const pieces: string[] = cutLeft ? [ELLIPSIS] : [];
  // Display column of each offset in [from, to]; both halves of a surrogate pair share one.
  const columns = new Array<number>(to - from + 1);
  let column = cutLeft ? ELLIPSIS.length : 0;
  for (let offset = from; offset < to; ) {
    const glyph = glyphAt(text, offset);
    for (let k = offset; k < glyph.next; k++) columns[k - from] = column;
    pieces.push(glyph.text);
    column += glyph.width;
    offset = glyph.next;
  }
  columns[to - from] = column;
  if (cutRight) pieces.push(ELLIPSIS);
  const textEnd = column;

  const place = (a: Annotation): Marker => {
    let start: number;
    if (a.start < from) start = 0;
    else if (a.start > to || (a.start === to && cutRight)) start = textEnd;
    else start = columns[a.start - from]!;
    let end: number;
    if (a.end > to) end = textEnd + ELLIPSIS.length;
    else if (a.end < from || (a.end === from && a.start < from)) end = ELLIPSIS.length;
    else end = columns[a.end - from]!;
    return { start, end: Math.max(end, start + 1), label: a.label, primary: a.primary };
  };
  return { text: pieces.join(''), markers: annotations.map(place) };
}

/** The marker rows drawn under one source line (not including the line itself). */
function markerRows(markers: readonly Marker[], severity: Severity): Row[] {
  const ordered = [...markers].sort((a, b) => a.start - b.start || a.end - b.end);
  const underline = new Row();
  // Secondary first so the primary marker wins where spans overlap.
  for (const a of ordered.filter((a) => !a.primary)) underline.put(a.start, '-'.repeat(a.end - a.start), 'secondary');
  for (const a of ordered.filter((a) => a.primary)) underline.put(a.start, '^'.repeat(a.end - a.start), severity);

  const labelled = ordered.filter((a) => a.label !== '');
  const rows = [underline];
  const last = labelled[labelled.length - 1];
  // The rightmost label can sit at the end of the underline when nothing reaches past it.
  const inline = last && ordered.every((a) => a.end <= last.end) ? last : undefined;
  if (inline) underline.put(underline.width + 1, inline.label, inline.primary ? severity : 'secondary');

  const stacked = labelled.filter((a) => a !== inline);
  if (stacked.length === 0) return rows;
  const connectors = new Row();
  for (const a of stacked) connectors.put(a.start, '|', a.primary ? severity : 'secondary');
  rows.push(connectors);
  for (let i = stacked.length - 1; i >= 0; i--) {
    const row = new Row();
    for (const a of stacked.slice(0, i)) row.put(a.start, '|', a.primary ? severity : 'secondary');
    const a = stacked[i]!;
    row.put(a.start, a.label, a.primary ? severity : 'secondary');
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------- text

/**
 * ```
 * error[E0201]: unknown layer `batchnrom`
 *   --> specs/fashion.reg:12:8
 *    |
 * 12 |   bn1: batchnrom
 *    |        ^^^^^^^^^ unknown layer
 *    |
 *    = help: there is a layer with a similar name: `batchnorm`
 * ```
 * Without a source (a file that could not be read again) only the header,
 * location and notes are shown. The result ends with a newline.
 */
export function renderDiagnostic(d: Diagnostic, source: SourceFile | undefined, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const lines: string[] = [];
  const header: Segment[] = [{ text: d.code ? `${d.severity}[${d.code}]` : d.severity, style: d.severity }];
  header.push({ text: ': ', style: 'bold' }, { text: d.message, style: 'bold' });
  lines.push(paint(header, color));

  const annotations = source
    ? [annotate(source, d.span, d.label ?? '', true), ...d.secondary.map((s) => annotate(source, s.span, s.message, false))]
    : [];
  const shownLines = [...new Set(annotations.map((a) => a.line))].sort((a, b) => a - b);
  const gutterWidth = Math.max(1, ...shownLines.map((n) => String(n).length));
  const pad = ' '.repeat(gutterWidth);
  const gutter = (lineNumber: string): Segment => ({ text: `${lineNumber.padStart(gutterWidth)} |`, style: 'gutter' });
  const emptyGutter = (): string => paint([gutter('')], color);

  if (d.file !== '') {
    const where = source ? `${d.file}:${d.span.start.line}:${d.span.start.column}` : d.file;
    lines.push(paint([{ text: `${pad}--> `, style: 'gutter' }, { text: where, style: 'plain' }], color));
  }

  if (source && shownLines.length > 0) {
    lines.push(emptyGutter());
    let previous: number | undefined;
    for (const lineNumber of shownLines) {
      if (previous !== undefined && lineNumber - previous === 2) {
        // One hidden line costs the same as `...`, so show it for context.
        lines.push(paint([gutter(String(previous + 1)), { text: ' ' + showLine(source, previous + 1, []).text, style: 'plain' }], color));
      } else if (previous !== undefined && lineNumber - previous > 2) {
        lines.push(paint([{ text: '...', style: 'gutter' }], color));
      }
      const shown = showLine(source, lineNumber, annotations.filter((a) => a.line === lineNumber));
      lines.push(paint([gutter(String(lineNumber)), { text: ' ' + shown.text, style: 'plain' }], color));
      for (const row of markerRows(shown.markers, d.severity)) {
        lines.push(paint([gutter(''), { text: ' ', style: 'plain' }, ...row.segments()], color));
      }
      previous = lineNumber;
    }
  }

  const trailers: [string, string, Style][] = [
    ...(d.help !== undefined ? [['help', d.help, 'help'] as [string, string, Style]] : []),
    ...d.notes.map((n): [string, string, Style] => ['note', n, 'bold']),
  ];
  if (trailers.length > 0 && source && shownLines.length > 0) lines.push(emptyGutter());
  for (const [kind, text, style] of trailers) {
    const [first, ...rest] = text.split('\n');
    const lead = `${pad} = `;
    lines.push(paint([{ text: lead, style: 'gutter' }, { text: `${kind}:`, style }, { text: ` ${first}`, style: 'plain' }], color));
    const indent = ' '.repeat(lead.length + kind.length + 2);
    for (const more of rest) lines.push(paint([{ text: indent + more, style: 'plain' }], color));
  }
  return lines.join('\n') + '\n';
}

/**
 * Several diagnostics, each against the source of its own file, separated by
 * blank lines. `sources` maps a path to its SourceFile.
 */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, SourceFile>,
  options: RenderOptions = {},
): string {
  return diagnostics.map((d) => renderDiagnostic(d, sources.get(d.file), options)).join('\n');
}

/**
 * One closing line: `error: 3 errors and 1 warning in specs/x.reg`,
 * `warning: 2 warnings in 3 files`. Undefined when there is nothing to say.
 * Notes on their own are not counted: they never fail a build.
 */
export function renderSummary(diagnostics: readonly Diagnostic[], options: RenderOptions = {}): string | undefined {
  // Diagnostics the cap left out count too: the summary gives the file's true totals.
  const omitted = (key: 'errors' | 'warnings') => diagnostics.reduce((sum, d) => sum + (d.omitted?.[key] ?? 0), 0);
  const errors = diagnostics.filter((d) => d.severity === 'error').length + omitted('errors');
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length + omitted('warnings');
  if (errors + warnings === 0) return undefined;
  const files = [...new Set(diagnostics.filter((d) => d.severity !== 'note').map((d) => d.file))];
  const counts = [plural(errors, 'error'), plural(warnings, 'warning')].filter((s) => s !== '').join(' and ');
  const where = files.length === 1 ? (files[0] === '' ? '' : ` in ${files[0]}`) : ` in ${files.length} files`;
  const severity: Severity = errors > 0 ? 'error' : 'warning';
  return paint([{ text: severity, style: severity }, { text: `: ${counts}${where}`, style: 'bold' }], options.color ?? false);
}

function plural(count: number, noun: string): string {
  if (count === 0) return '';
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- JSON

export interface PositionJson {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface SpanJson {
  readonly start: PositionJson;
  readonly end: PositionJson;
}

/** The JSON shape tools can rely on; absent optional fields are `null`, never missing. */
export interface DiagnosticJson {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly span: SpanJson;
  readonly label: string | null;
  readonly secondary: readonly { readonly span: SpanJson; readonly message: string }[];
  readonly notes: readonly string[];
  readonly help: string | null;
}

function spanJson(span: Span): SpanJson {
  const position = (p: Span['start']): PositionJson => ({ line: p.line, column: p.column, offset: p.offset });
  return { start: position(span.start), end: position(span.end) };
}

export function diagnosticToJson(d: Diagnostic): DiagnosticJson {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    span: spanJson(d.span),
    label: d.label ?? null,
    secondary: d.secondary.map((s) => ({ span: spanJson(s.span), message: s.message })),
    notes: [...d.notes],
    help: d.help ?? null,
  };
}

/** A JSON array with fixed key order, two-space indented, ending in a newline. */
export function renderDiagnosticsJson(diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify(diagnostics.map(diagnosticToJson), null, 2) + '\n';
}
