// The bytes a buffer binding needs, from the type its shader declares: WGSL's
// memory layout rules (its spec, "Memory Layout": AlignOf, SizeOf, struct
// member offsets, @align and @size) and WebGPU's "minimum buffer binding
// size", which counts a runtime-sized array as one element. Dispatching with
// a smaller buffer is a validation error on the device, so the runtime
// compares the two before anything is made. Only host-shareable types the
// layout rules size are read (scalars, vectors, matrices, atomics, arrays
// with literal counts, runtime-sized arrays, structs and aliases of them);
// anything else is refused, not guessed.
import type { StructMember, TypeDeclaration, Unreadable, WgslType } from './wgsl-declarations.ts';
import { integerLiteral } from './wgsl-text.ts';

export interface Layout {
  readonly align: number;
  /** With a runtime-sized array counted as one element. */
  readonly size: number;
}

const SCALARS: Readonly<Record<string, Layout>> = {
  f32: { align: 4, size: 4 },
  i32: { align: 4, size: 4 },
  u32: { align: 4, size: 4 },
  f16: { align: 2, size: 2 },
};

const SHORTHAND_SCALAR: Readonly<Record<string, string>> = { f: 'f32', i: 'i32', u: 'u32', h: 'f16' };

/** Declarations nest at most this deep (structs of structs, aliases of aliases); a cycle is refused by it too. */
const MAX_NESTING = 32;

function roundUp(k: number, n: number): number {
  return Math.ceil(n / k) * k;
}

function scalarOf(name: string): Layout | undefined {
  return Object.hasOwn(SCALARS, name) ? SCALARS[name] : undefined;
}

/** vecN of a scalar: N 2 aligns to twice the scalar, 3 and 4 to four times. */
function vector(n: number, scalar: Layout): Layout {
  return { align: (n === 2 ? 2 : 4) * scalar.size, size: n * scalar.size };
}

function fail(why: string): never {
  throw new LayoutError(why);
}

class LayoutError extends Error {}

/** The type's one template argument, as a scalar type name. */
function scalarArgument(type: WgslType, allowed: readonly string[]): Layout {
  const [arg, ...rest] = type.args;
  if (!arg || rest.length > 0 || 'literal' in arg || arg.args.length > 0 || !allowed.includes(arg.name)) {
    fail(`a ${type.name} of something other than ${allowed.join(' or ')}`);
  }
  return scalarOf(arg.name)!;
}

/** Layouts of one shader's types; each declared struct or alias is laid out once (a hostile chain of structs that each hold the previous twice must not take 2^32 steps). */
class Layouts {
  private readonly done = new Map<string, Layout>();
  private readonly doing = new Set<string>();

  constructor(private readonly types: ReadonlyMap<string, TypeDeclaration>) {}

  of(type: WgslType, nesting: number): Layout {
    if (nesting > MAX_NESTING) fail(`declarations nested more than ${MAX_NESTING} deep`);
    // A module's own declarations shadow the predeclared names.
    const declared = this.types.get(type.name);
    if (declared) {
      if (type.args.length > 0) fail('a struct or alias given template arguments');
      return this.declared(type.name, declared, nesting);
    }
    const scalar = scalarOf(type.name);
    if (scalar) {
      if (type.args.length > 0) fail('a scalar given template arguments');
      return scalar;
    }
    const shortVector = /^vec([234])([fiuh])$/.exec(type.name);
    if (shortVector && type.args.length === 0) return vector(Number(shortVector[1]), scalarOf(SHORTHAND_SCALAR[shortVector[2]!]!)!);
    const longVector = /^vec([234])$/.exec(type.name);
    if (longVector) return vector(Number(longVector[1]), scalarArgument(type, ['f32', 'i32', 'u32', 'f16']));
    const matrix = /^mat([234])x([234])([fh]?)$/.exec(type.name);
    if (matrix) {
      if (matrix[3] && type.args.length > 0) fail('a matrix shorthand given template arguments');
      const element = matrix[3] ? scalarOf(SHORTHAND_SCALAR[matrix[3]]!)! : scalarArgument(type, ['f32', 'f16']);
      // A matrix is an array of its column vectors.
      const column = vector(Number(matrix[2]), element);
      return { align: column.align, size: Number(matrix[1]) * roundUp(column.align, column.size) };
    }
    if (type.name === 'atomic') return scalarArgument(type, ['i32', 'u32']);
    if (type.name === 'array') return this.array(type, nesting);
    if (type.name === 'bool') fail('bool, which is not host-shareable');
    return fail('a type the runtime does not size');
  }

  private declared(name: string, declaration: TypeDeclaration, nesting: number): Layout {
    const known = this.done.get(name);
    if (known) return known;
    if ('unreadable' in declaration) fail(`a struct or alias the runtime cannot read (${declaration.unreadable})`);
    if (this.doing.has(name)) fail('a struct or alias that contains itself');
    this.doing.add(name);
    try {
      const layout = declaration.kind === 'alias' ? this.of(declaration.type, nesting + 1) : this.struct(declaration.members, nesting + 1);
      this.done.set(name, layout);
      return layout;
    } finally {
      this.doing.delete(name);
    }
  }

  private array(type: WgslType, nesting: number): Layout {
    const [element, count, ...rest] = type.args;
    if (!element || 'literal' in element || rest.length > 0) fail('an array whose element type the runtime does not read');
    const inner = this.of(element, nesting + 1);
    const stride = roundUp(inner.align, inner.size);
    if (count === undefined) return { align: inner.align, size: stride };
    const n = 'literal' in count ? integerLiteral(count.literal) : undefined;
    if (n === undefined || n < 1) fail('an array whose count is not a positive integer literal');
    return { align: inner.align, size: n * stride };
  }

  private struct(members: readonly StructMember[], nesting: number): Layout {
    if (members.length === 0) fail('a struct without members');
    let end = 0;
    let align = 1;
    for (const m of members) {
      const inner = this.of(m.type, nesting);
      const memberAlign = memberValue(m.align, inner.align);
      const memberSize = memberValue(m.size, inner.size);
      if (memberAlign < 1) fail('a struct member aligned to less than one byte');
      end = roundUp(memberAlign, end) + memberSize;
      align = Math.max(align, memberAlign);
    }
    return { align, size: roundUp(align, end) };
  }
}

function memberValue(value: number | Unreadable | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') fail(`a struct member whose attribute the runtime cannot read (${value.unreadable})`);
  return value;
}

/**
 * The least bytes a buffer bound to each variable of these types must have
 * (WebGPU's minimum buffer binding size: SizeOf the type, a runtime-sized
 * array counted as one element), or why the runtime cannot say.
 */
export function bindingSizer(types: ReadonlyMap<string, TypeDeclaration>): (type: WgslType) => { readonly bytes: number } | Unreadable {
  const layouts = new Layouts(types);
  return (type) => {
    try {
      return { bytes: layouts.of(type, 0).size };
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e;
      return { unreadable: `its type is ${e.message}` };
    }
  };
}
