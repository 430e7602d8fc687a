// The module-scope declarations of a shader that its bind group depends on:
// every `var` with @group/@binding (its address space, access mode and type)
// and the structs and aliases those types name. Read from the tokens, not
// with a WGSL parser: function bodies and other declarations are skipped by
// their brackets. The reading fails closed: a @binding the reader does not
// find on a module-scope `var` is reported, so a declaration it cannot read
// is refused rather than missed.
import { bindingAttributeCount, integerLiteral, nextToken, withoutComments, type Token } from './wgsl-text.ts';

/** A type as written: a name with template arguments (`array<vec4<f32>, 4>`); a literal argument is a count. */
export type WgslType = { readonly name: string; readonly args: readonly (WgslType | { readonly literal: string })[] };

/** What the reader could not read, said without quoting the text. */
export type Unreadable = { readonly unreadable: string };

export interface ResourceVariable {
  /** The values of @group and @binding: absent without the attribute, Unreadable where it is not an integer literal. */
  readonly group?: number | Unreadable;
  readonly binding?: number | Unreadable;
  /** `var<storage, read_write>` gives 'storage' and 'read_write'; `var<storage>` reads; a texture or sampler has neither. */
  readonly addressSpace: string | undefined;
  readonly access: string | undefined;
  readonly type: WgslType | Unreadable;
}

export interface StructMember {
  /** `@align(n)` and `@size(n)`: their values, or Unreadable where they are not integer literals. */
  readonly align?: number | Unreadable;
  readonly size?: number | Unreadable;
  readonly type: WgslType;
}

export type TypeDeclaration =
  | { readonly kind: 'struct'; readonly members: readonly StructMember[] }
  | { readonly kind: 'alias'; readonly type: WgslType }
  | Unreadable;

export interface ShaderDeclarations {
  readonly resources: readonly ResourceVariable[];
  /** Structs and aliases by name; a name declared twice is Unreadable. */
  readonly types: ReadonlyMap<string, TypeDeclaration>;
  /** @binding attributes in the text that are not on a module-scope `var` the reader read. */
  readonly strayBindings: number;
}

/** Type nesting past this is refused (a hostile `array<array<...>>` a million deep must not overflow the stack). */
const MAX_TYPE_DEPTH = 32;

class Unread extends Error {}

interface Attribute {
  readonly name: string;
  /** Each argument's tokens. */
  readonly args: readonly (readonly Token[])[];
}

/**
 * The tokens of comment-free text, read as the reader asks for them: a
 * declaration it skips (a function body, most of a shader) is passed over by
 * its brackets, not split into tokens.
 */
class Cursor {
  private position = 0;
  /** The next token; undefined until looked at, null past the last. */
  private ahead: { readonly token: Token; readonly end: number } | null | undefined;

  constructor(private readonly text: string) {}

  private look(): { readonly token: Token; readonly end: number } | null {
    if (this.ahead === undefined) this.ahead = nextToken(this.text, this.position) ?? null;
    return this.ahead;
  }

  /** Where the next token starts looking: progress, for the caller's loop. */
  get at(): number {
    return this.position;
  }

  peek(): string | undefined {
    return this.look()?.token.text;
  }

  peekKind(): Token['kind'] | undefined {
    return this.look()?.token.kind;
  }

  atEnd(): boolean {
    return this.look() === null;
  }

  next(): Token {
    const t = this.look();
    if (!t) throw new Unread('the text ends inside a declaration');
    this.position = t.end;
    this.ahead = undefined;
    return t.token;
  }

  expect(text: string): void {
    if (this.next().text !== text) throw new Unread(`expected "${text}"`);
  }

  word(): string {
    const t = this.next();
    if (t.kind !== 'word') throw new Unread('expected a name');
    return t.text;
  }

  /** Past the tokens of a bracketed group whose opening bracket is next; returns what is inside, split at its top-level commas. */
  group(open: string, close: string): Token[][] {
    this.expect(open);
    const parts: Token[][] = [[]];
    let depth = 1;
    while (!this.atEnd()) {
      const t = this.next();
      if (t.text === open) depth++;
      else if (t.text === close && --depth === 0) return parts;
      if (depth === 1 && t.text === ',') parts.push([]);
      else parts[parts.length - 1]!.push(t);
    }
    throw new Unread(`an unclosed "${open}"`);
  }

  /** The text inside the braced block that is next, past its closing brace. */
  block(): string {
    this.expect('{');
    const start = this.position;
    if (!this.skipBraces(1)) throw new Unread('an unclosed "{"');
    return this.text.slice(start, this.position - 1);
  }

  /**
   * Past the next `;` outside braces, or past a braced block, whichever ends
   * the declaration. Braces and semicolons are always tokens of their own
   * (WGSL has no strings, and the comments are gone), so the characters tell.
   */
  skipDeclaration(): void {
    this.skipBraces(0);
  }

  /** From `depth` open braces, past the `}` that closes them (or, at depth 0, a `;`); false at the end of the text. */
  private skipBraces(depth: number): boolean {
    const marks = /[{};]/g;
    marks.lastIndex = this.position;
    this.ahead = undefined;
    for (let m = marks.exec(this.text); m; m = marks.exec(this.text)) {
      this.position = marks.lastIndex;
      if (m[0] === '{') depth++;
      else if (m[0] === '}') {
        if (--depth <= 0) return true;
      } else if (depth === 0) return true;
    }
    this.position = this.text.length;
    return false;
  }
}

function attributes(c: Cursor): Attribute[] {
  const found: Attribute[] = [];
  while (c.peek() === '@') {
    c.next();
    const name = c.word();
    const args = c.peek() === '(' ? c.group('(', ')').filter((a, k, all) => a.length > 0 || k < all.length - 1) : [];
    found.push({ name, args });
  }
  return found;
}

/** The value of an attribute's one integer-literal argument, Unreadable where it is something else. */
function literalArgument(attribute: Attribute): number | Unreadable {
  const [arg, ...rest] = attribute.args;
  const value = arg?.length === 1 && rest.length === 0 ? integerLiteral(arg[0]!.text) : undefined;
  return value ?? { unreadable: `its @${attribute.name} is not an integer literal` };
}

function typeAt(c: Cursor, depth: number): WgslType {
  if (depth > MAX_TYPE_DEPTH) throw new Unread(`its type nests more than ${MAX_TYPE_DEPTH} deep`);
  const name = c.word();
  const args: WgslType['args'][number][] = [];
  if (c.peek() === '<') {
    c.next();
    while (c.peek() !== '>') {
      if (c.peekKind() === 'number') args.push({ literal: c.next().text });
      else args.push(typeAt(c, depth + 1));
      if (c.peek() === ',') c.next();
      else if (c.peek() !== '>') throw new Unread('its type has an expression the runtime does not evaluate');
    }
    c.next();
  }
  return { name, args };
}

/** `var<...> name: type = init;` after its attributes, at `var`. */
function variable(c: Cursor, attrs: readonly Attribute[]): ResourceVariable {
  c.expect('var');
  let addressSpace: string | undefined;
  let access: string | undefined;
  if (c.peek() === '<') {
    const parts = c.group('<', '>').filter((p) => p.length > 0);
    const one = (p: Token[] | undefined) => (p?.length === 1 && p[0]!.kind === 'word' ? p[0]!.text : '?');
    addressSpace = one(parts[0]);
    if (parts.length > 1) access = one(parts[1]);
    if (parts.length > 2) access = '?';
  }
  const slot = (name: string) => {
    const a = attrs.find((x) => x.name === name);
    return a ? { [name]: literalArgument(a) } : {};
  };
  const resource = { ...slot('group'), ...slot('binding'), addressSpace, access };
  let type: WgslType | Unreadable;
  try {
    c.word();
    c.expect(':');
    type = typeAt(c, 0);
    if (c.peek() !== ';' && c.peek() !== '=') throw new Unread('its type is followed by something the runtime does not read');
  } catch (e) {
    if (!(e instanceof Unread)) throw e;
    type = { unreadable: e.message };
  }
  c.skipDeclaration();
  return { ...resource, type };
}

function structMembers(body: string): StructMember[] {
  const c = new Cursor(body);
  const members: StructMember[] = [];
  while (!c.atEnd()) {
    const attrs = attributes(c);
    c.word();
    c.expect(':');
    const type = typeAt(c, 0);
    const align = attrs.find((a) => a.name === 'align');
    const size = attrs.find((a) => a.name === 'size');
    members.push({ type, ...(align ? { align: literalArgument(align) } : {}), ...(size ? { size: literalArgument(size) } : {}) });
    if (c.atEnd()) break;
    c.expect(',');
  }
  return members;
}

/** The declarations a bind group depends on, read from a shader's text. */
export function shaderDeclarations(code: string): ShaderDeclarations {
  const text = withoutComments(code);
  const c = new Cursor(text);
  const resources: ResourceVariable[] = [];
  const types = new Map<string, TypeDeclaration>();
  const declare = (name: string, declaration: TypeDeclaration) =>
    types.set(name, types.has(name) ? { unreadable: 'its name is declared twice' } : declaration);
  let read = 0;
  while (!c.atEnd()) {
    const start = c.at;
    try {
      const attrs = attributes(c);
      const keyword = c.peek();
      if (keyword === 'var') {
        const v = variable(c, attrs);
        resources.push(v);
        read += attrs.filter((a) => a.name === 'binding').length;
      } else if (keyword === 'struct') {
        c.next();
        const name = c.word();
        // Members are read from the body's tokens; a body that does not read makes the struct unreadable, not the module.
        const body = c.block();
        try {
          declare(name, { kind: 'struct', members: structMembers(body) });
        } catch (e) {
          if (!(e instanceof Unread)) throw e;
          declare(name, { unreadable: e.message });
        }
      } else if (keyword === 'alias') {
        c.next();
        const name = c.word();
        c.expect('=');
        try {
          declare(name, { kind: 'alias', type: typeAt(c, 0) });
        } catch (e) {
          if (!(e instanceof Unread)) throw e;
          declare(name, { unreadable: e.message });
        }
        c.skipDeclaration();
      } else if (keyword !== undefined) {
        // fn, const, override, enable, requires, diagnostic, const_assert: nothing a bind group depends on.
        c.skipDeclaration();
      }
    } catch (e) {
      if (!(e instanceof Unread)) throw e;
      // What follows is read from the next declaration on; the @binding count below still sees what was skipped.
      if (c.at === start) c.next();
      c.skipDeclaration();
    }
  }
  return { resources, types, strayBindings: bindingAttributeCount(text) - read };
}
