// A shader's bind group interface read from its WGSL text, without a device:
// the declarations past comments and odd blankspace, the bytes each binding's
// type needs by WGSL's layout rules, and every way the text can disagree
// with its manifest entry or with the buffers its dispatches bind. The
// compiled example specs must agree exactly.
import { describe, expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.ts';
import type { Manifest, ShaderSpec } from '../../runtime/bundle/manifest.ts';
import { shaderInterfaceProblems, shaderUses, type ShaderUse } from '../../runtime/bundle/shader-interface.ts';
import { validateManifest } from '../../runtime/bundle/validate-manifest.ts';
import { shaderDeclarations } from '../../runtime/bundle/wgsl-declarations.ts';
import { bindingSizer } from '../../runtime/bundle/wgsl-layout.ts';
import { withoutComments } from '../../runtime/bundle/wgsl-text.ts';
import { specFiles } from '../specs/spec-files.ts';
import { tinyLinearBundle } from '../support/tiny-bundle.ts';

/** The bindings as `group/binding space access` lines, and how many @binding attributes were not read. */
function bindingsOf(code: string): { readonly found: string[]; readonly stray: number } {
  const d = shaderDeclarations(code);
  return {
    found: d.resources.map((r) => `${JSON.stringify(r.group)}/${JSON.stringify(r.binding)} ${r.addressSpace ?? '-'} ${r.access ?? '-'}`),
    stray: d.strayBindings,
  };
}

/** The bytes the type of the one binding in `code` needs. */
function bytesNeeded(code: string): number | string {
  const d = shaderDeclarations(code);
  const type = d.resources[0]!.type;
  if ('unreadable' in type) return type.unreadable;
  const size = bindingSizer(d.types)(type);
  return 'bytes' in size ? size.bytes : size.unreadable;
}

describe('comments', () => {
  /** The plain definition, a character at a time: what withoutComments must agree with. */
  function reference(code: string): string {
    let out = '';
    let depth = 0;
    for (let i = 0; i < code.length; i++) {
      const two = code.slice(i, i + 2);
      if (depth === 0 && two === '//') {
        const end = code.indexOf('\n', i);
        i = end < 0 ? code.length : end - 1;
        out += ' ';
      } else if (two === '/*') {
        depth++;
        i++;
        if (depth === 1) out += ' ';
      } else if (depth > 0 && two === '*/') {
        depth--;
        i++;
      } else if (depth === 0) out += code[i];
    }
    return out;
  }

  test('line comments, nested block comments, a stray */ and an unclosed /*, as the definition says', () => {
    expect(withoutComments('a // b\nc /* d /* e */ f */ g */ h /* i')).toBe('a  \nc   g */ h  ');
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 3000; trial++) {
      const code = Array.from({ length: Math.floor(random() * 14) }, () => '/*\na'[Math.floor(random() * 4)]).join('');
      expect(withoutComments(code), JSON.stringify(code)).toBe(reference(code));
    }
  });
});

describe('the declarations a shader makes', () => {
  test('read past comments, line breaks and WGSL blankspace that JavaScript does not count', () => {
    const code = [
      '// @group(0) @binding(7) var<uniform> commented: Dims;',
      '/* a block /* nested: @group(0) @binding(8) var<storage, read_write> x: array<f32>; */ still a comment */',
      '@group(0)',
      '  @binding(0)',
      '\tvar<storage,/* inside */read>   src :array<f32>;',
      '@binding(1) @group(0) var<storage, read_write,> dst: array<vec4<f32>>;',
      // U+0085 and U+200E are WGSL blankspace; a reader splitting on \\s would not see this binding.
      '@group(0)\u0085@binding(2)\u200evar<uniform>\u2028dims\u200f:\u0085Dims;',
      'struct Dims { n: u32 }',
      'var<workgroup> tile: array<f32, 64>;',
      'var<private> seed: u32 = 1u;',
      '@compute @workgroup_size(64) fn main() { var local: f32; }',
    ].join('\n');
    expect(bindingsOf(code)).toEqual({
      found: ['0/0 storage read', '0/1 storage read_write', '0/2 uniform -', 'undefined/undefined workgroup -', 'undefined/undefined private -'],
      stray: 0,
    });
  });

  test('a @binding the reader cannot place is counted, not missed', () => {
    // Inside a function, after a broken declaration, on a parameter: none is a module-scope var it read.
    expect(bindingsOf('fn f() { @group(0) @binding(3) var<storage> x: array<f32>; }').stray).toBe(1);
    expect(bindingsOf('@group(0) @binding(0) var<storage read> x: array<f32>;\n@group(0) @binding(1) var<storage> y: array<f32>;').stray).toBe(0);
    expect(bindingsOf('@group(0) @binding(0) var<storage, read x: array<f32>;').stray).toBe(1);
    expect(bindingsOf('@compute @workgroup_size(1) fn main(@binding(0) x: u32) {}').stray).toBe(1);
  });

  test('group and binding numbers: literals only', () => {
    expect(bindingsOf('@group(0x0) @binding(2u) var<storage> x: array<f32>;').found).toEqual(['0/2 storage -']);
    expect(bindingsOf('const B = 2;\n@group(0) @binding(B) var<storage> x: array<f32>;').found).toEqual(['0/{"unreadable":"its @binding is not an integer literal"} storage -']);
  });
});

describe('the bytes a binding needs (WGSL layout rules, a runtime-sized array counted as one element)', () => {
  test.each([
    ['array<f32>', 4],
    ['array<vec4<f32>>', 16],
    ['array<vec4f>', 16],
    ['array<vec3<f32>>', 16],
    ['array<vec2<f16>>', 4],
    ['array<f32, 10>', 40],
    ['array<vec3<u32>, 3>', 48],
    ['mat3x3<f32>', 48],
    ['mat2x3f', 32],
    ['mat4x2h', 16],
    ['atomic<u32>', 4],
    ['array<array<vec2<f32>, 3>, 2>', 48],
  ])('%s needs %i bytes', (type, bytes) => {
    expect(bytesNeeded(`@group(0) @binding(0) var<storage, read> x: ${type};`)).toBe(bytes);
  });

  test('structs: member offsets, alignment, @align and @size, aliases, a runtime-sized array last', () => {
    const size = (decls: string, type: string) => bytesNeeded(`${decls}\n@group(0) @binding(0) var<storage, read> x: ${type};`);
    // The WGSL spec's example (Memory Layout, "structure member layout"): A is 24 bytes, B 160.
    const example = 'struct A { u: f32, v: f32, w: vec2<f32>, x: f32 }\nstruct B { a: vec2<f32>, b: vec3<f32>, c: f32, d: f32, e: A, f: vec3<f32>, g: array<A, 3>, h: i32 }';
    expect(size(example, 'A')).toBe(24);
    expect(size(example, 'B')).toBe(160);
    expect(size('struct Dims { n: u32, pad0: u32, pad1: u32, pad2: u32 }', 'Dims')).toBe(16);
    // b at 4, 20 bytes; the struct aligns to 16.
    expect(size('struct S { @align(16) a: u32, @size(20) b: u32 }', 'S')).toBe(32);
    expect(size('struct S { count: u32, items: array<vec4<f32>> }', 'S')).toBe(32);
    expect(size('alias V = vec4<f32>;\nalias Rows = array<V, 2>;', 'Rows')).toBe(32);
    // A module's declarations come before the predeclared names.
    expect(size('struct vec4f { a: array<f32, 5> }', 'array<vec4f>')).toBe(20);
  });

  test('what it cannot size is refused with a reason, not guessed', () => {
    expect(bytesNeeded('const N = 4u;\n@group(0) @binding(0) var<storage> x: array<f32, N>;')).toBe('its type is an array whose count is not a positive integer literal');
    expect(bytesNeeded('@group(0) @binding(0) var<storage> x: array<f32, 2 * 2>;')).toBe('its type has an expression the runtime does not evaluate');
    expect(bytesNeeded('@group(0) @binding(0) var<storage> x: array<bool>;')).toBe('its type is bool, which is not host-shareable');
    expect(bytesNeeded('@group(0) @binding(0) var<storage> x: Unknown;')).toBe('its type is a type the runtime does not size');
    expect(bytesNeeded('struct S { a: S }\n@group(0) @binding(0) var<storage> x: S;')).toBe('its type is a struct or alias that contains itself');
    expect(bytesNeeded('struct S { a: u32 }\nstruct S { b: u32 }\n@group(0) @binding(0) var<storage> x: S;')).toBe('its type is a struct or alias the runtime cannot read (its name is declared twice)');
    expect(bytesNeeded(`@group(0) @binding(0) var<storage> x: ${'array<'.repeat(40)}f32${'>'.repeat(40)};`)).toBe('its type nests more than 32 deep');
  });

  test('a chain of structs that each hold the previous twice is laid out in linear time', () => {
    const decls = Array.from({ length: 60 }, (_, i) => `struct S${i + 1} { a: S${i}, b: S${i} }`).join('\n');
    const started = performance.now();
    // 61 levels: past the nesting limit; the limit, not the doubling, decides.
    expect(bytesNeeded(`struct S0 { x: u32 }\n${decls}\n@group(0) @binding(0) var<storage> x: S60;`)).toBe('its type is declarations nested more than 32 deep');
    expect(bytesNeeded(`struct S0 { x: u32 }\n${decls}\n@group(0) @binding(0) var<storage> x: S15;`)).toBe(4 * 2 ** 15);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('a shader against its manifest entry and its dispatches', () => {
  const files = tinyLinearBundle(4);
  const manifest = validateManifest(JSON.parse(files.get('manifest.json') as string));
  const shader = manifest.shaders.find((s) => s.id === 'linear_3')!;
  const code = files.get(shader.file) as string;
  const uses = shaderUses(manifest).get(shader.id)!;
  const at = `${shader.file} (shader "linear_3")`;
  const problems = (text: string, s: ShaderSpec = shader, m: Manifest = manifest, u: readonly ShaderUse[] = uses) => shaderInterfaceProblems(s, text, m, u);

  test('the compiled shader agrees', () => {
    expect(uses.map((u) => u.dispatch)).toEqual([0]);
    expect(problems(code)).toEqual([]);
  });

  test('the Dims uniform where the manifest says there is none (usesBatch false)', () => {
    expect(problems(code, { ...shader, usesBatch: false })).toEqual([
      `${at}: declares @group(0) @binding(4) var<uniform>, which the manifest does not describe (the manifest describes storage bindings 0 to 3 and no uniform (usesBatch is false)); the bundle is inconsistent: compile it again`,
    ]);
  });

  test('an access mode flipped, either way', () => {
    expect(problems(code, { ...shader, bindings: ['read', 'read_write', 'read', 'read_write'] })).toEqual([
      `${at}: declares @binding(1) as var<storage, read>, the manifest says var<storage, read_write>; the bundle is inconsistent: compile it again`,
    ]);
    expect(problems(code.replace('var<storage, read_write> dst', 'var<storage> dst'))).toEqual([
      `${at}: declares @binding(3) as var<storage, read>, the manifest says var<storage, read_write>; the bundle is inconsistent: compile it again`,
    ]);
  });

  test('a binding the manifest does not describe, one it leaves out, and one in another group', () => {
    expect(problems(`${code}\n@group(0) @binding(7) var<storage, read_write> extra: array<f32>;`)).toEqual([
      `${at}: declares @group(0) @binding(7) var<storage, read_write>, which the manifest does not describe (the manifest describes storage bindings 0 to 3 and the Dims uniform at 4); the bundle is inconsistent: compile it again`,
    ]);
    expect(problems(code.replace('@group(0) @binding(2) var<storage, read> bias: array<f32>;', ''))).toEqual([
      `${at}: declares no @binding(2), where the manifest says var<storage, read>; the bundle is inconsistent: compile it again`,
    ]);
    expect(problems(code.replace('@group(0) @binding(4)', '@group(1) @binding(4)'))).toEqual([
      `${at}: declares @group(1) @binding(4) var<uniform>; the runtime binds group 0 only`,
      `${at}: declares no @binding(4), where the manifest says var<uniform> (the Dims uniform); the bundle is inconsistent: compile it again`,
    ]);
    expect(problems(code.replace('var<uniform> dims: Dims', 'var<storage, read> dims: Dims'))).toEqual([
      `${at}: declares @binding(4) as var<storage, read>, the manifest says var<uniform> (the Dims uniform); the bundle is inconsistent: compile it again`,
    ]);
    expect(problems(`${code}\n@group(0) @binding(3) var<storage, read_write> again: array<f32>;`)).toEqual([`${at}: declares @binding(3) twice`]);
  });

  test('a buffer smaller than the element type needs: 8 bytes bound to array<vec4<f32>>', () => {
    // The bias (2 floats) where the weight (read as vec4s) goes.
    const m = validateManifest({ ...JSON.parse(files.get('manifest.json') as string), dispatches: [{ ...manifest.dispatches[0]!, buffers: [0, 3, 3, 1] }] });
    expect(problems(code, shader, m, shaderUses(m).get(shader.id)!)).toEqual([
      `dispatches[0] "linear %3" (shader linear_3): binds buffers[3], 8 bytes at batch 1, to @binding(1), whose type needs at least 16 bytes`,
    ]);
  });

  test('a fixed-size array and a uniform larger than their buffers', () => {
    expect(problems(code.replace('var<storage, read> bias: array<f32>', 'var<storage, read> bias: array<f32, 268435456>'))).toEqual([
      `dispatches[0] "linear %3" (shader linear_3): binds buffers[3], 8 bytes at batch 1, to @binding(2), whose type needs at least 1073741824 bytes`,
    ]);
    expect(problems(code.replace('struct Dims { ', 'struct Dims { more: vec4<u32>, '))).toEqual([
      `dispatches[0] "linear %3" (shader linear_3): its Dims uniform is 16 bytes (the batch size and the dispatch's params, in 16-byte rows), and @binding(4) of the shader needs at least 32`,
    ]);
  });

  test('a type it cannot size, and a declaration it cannot read', () => {
    expect(problems(code.replace('var<storage, read> bias: array<f32>', 'var<storage, read> bias: texture_2d<f32>'))).toEqual([
      `${at}: cannot size @binding(2): its type is a type the runtime does not size`,
    ]);
    expect(problems(code.replace('@group(0) @binding(2) var<storage, read> bias', 'fn g() { @group(0) @binding(2) var<storage, read> bias: array<f32>; }\n@group(0) @binding(9) var<storage, read> bias'))).toEqual([
      `${at}: has a @binding attribute the runtime cannot read as a module-scope var declaration; it reads \`@group(0) @binding(N) var<storage, ACCESS> NAME: TYPE;\` and \`var<uniform>\``,
      expect.stringContaining(`${at}: declares @group(0) @binding(9) var<storage, read>, which the manifest does not describe`),
      `${at}: declares no @binding(2), where the manifest says var<storage, read>; the bundle is inconsistent: compile it again`,
    ]);
  });

  test('messages do not quote the text', () => {
    const secret = code.replace(/\bbias\b/g, 'SECRETNAME').replace('array<f32>;\n@group(0) @binding(3)', 'SECRETTYPE;\n@group(0) @binding(3)');
    const found = problems(`${secret}\n@group(0) @binding(5) var<storage, SECRETACCESS> SECRETVAR: array<f32>;`);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) expect(p).not.toContain('SECRET');
  });
});

describe('the compiled example specs', () => {
  test.each(specFiles().map((s) => [s.name, s] as const))('%s: every shader declares exactly what its manifest entry says, on buffers large enough', (_name, spec) => {
    for (const noOpt of [false, true]) {
      const { bundle, diagnostics } = compileSource(spec.text, spec.path, { noOpt });
      expect(bundle, diagnostics.map((d) => d.message).join('\n')).toBeDefined();
      const m = validateManifest(JSON.parse(JSON.stringify(bundle!.manifest)));
      const uses = shaderUses(m);
      for (const s of m.shaders) expect(shaderInterfaceProblems(s, bundle!.shaders.get(s.file)!, m, uses.get(s.id) ?? [])).toEqual([]);
    }
  });
});
