// A parser for the few Python literals a .npy header uses: dicts with string
// keys, strings, integers, True/False/None, tuples and lists. Never eval.

export type PythonValue =
  | string
  | number
  | boolean
  | null
  | ReadonlyMap<string, PythonValue>
  | { readonly kind: 'tuple' | 'list'; readonly items: readonly PythonValue[] };

export type ParseResult = { readonly ok: true; readonly value: PythonValue } | { readonly ok: false; readonly error: string };

// Headers are small; the limit only stops "((((((..." from exhausting the stack.
const MAX_DEPTH = 32;

class LiteralSyntaxError extends Error {}

export function parsePythonLiteral(text: string): ParseResult {
  const parser = new LiteralParser(text);
  try {
    const value = parser.value(0);
    parser.skipSpace();
    if (!parser.atEnd()) parser.error('unexpected text after the literal');
    return { ok: true, value };
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  error(message: string): never {
    throw new LiteralSyntaxError(`${message} at character ${this.pos + 1}`);
  }

  skipSpace(): void {
    while (!this.atEnd() && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): PythonValue {
    if (depth > MAX_DEPTH) this.error('nesting too deep');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict(depth);
    if (c === '(') return this.sequence('tuple', ')', depth);
    if (c === '[') return this.sequence('list', ']', depth);
    if (c === "'" || c === '"') return this.string();
    if (c !== undefined && /[-+0-9]/.test(c)) return this.integer();
    for (const [word, value] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.error(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  }

  private dict(depth: number): Map<string, PythonValue> {
    const entries = new Map<string, PythonValue>();
    this.pos++; // {
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return entries;
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.error('dict keys must be strings');
      if (entries.has(key)) this.error(`duplicate key '${key}'`);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.error('expected ":"');
      this.pos++;
      entries.set(key, this.value(depth + 1));
      if (!this.separator('}')) this.error('expected "," or "}"');
    }
  }

  private sequence(kind: 'tuple' | 'list', close: string, depth: number): PythonValue {
    const items: PythonValue[] = [];
    this.pos++; // ( or [
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return { kind, items };
      }
      items.push(this.value(depth + 1));
      if (!this.separator(close)) this.error(`expected "," or "${close}"`);
    }
  }

  /** Consumes a "," (true) or leaves the closing bracket for the caller (true); else false. */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] === ',') {
      this.pos++;
      return true;
    }
    return this.text[this.pos] === close;
  }

  private string(): string {
    const quote = this.text[this.pos]!;
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.error('unterminated string');
    const body = this.text.slice(this.pos + 1, end);
    if (body.includes('\\')) this.error('escapes in strings are not supported');
    this.pos = end + 1;
    return body;
  }

  private integer(): number {
    const match = /^[-+]?[0-9]+L?/.exec(this.text.slice(this.pos, this.pos + 40));
    if (!match) this.error('expected an integer');
    this.pos += match[0].length;
    const value = Number(match[0].replace(/L$/, ''));
    if (!Number.isSafeInteger(value)) this.error(`integer ${match[0]} is too large`);
    return value;
  }
}
