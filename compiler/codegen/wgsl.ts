// WGSL skeletons from data: bindings, the batch-size uniform and the entry
// point come from here; kernel generators write only their bodies. Every
// identifier a user could influence goes through `wgslName`.
import type { Kernel, KernelBinding } from './kernel.ts';

// WGSL reserved words and keywords (WGSL spec §15), plus builtin names we
// shadow at our peril. Layer names like `input`, `output`, `buffer`, `filter`
// are legal .reg names and must not reach WGSL unchanged.
const RESERVED = new Set(
  (
    'alias break case const const_assert continue continuing default diagnostic discard else enable ' +
    'false fn for if let loop override requires return struct switch true var while ' +
    'NULL Self abstract active alignas alignof as asm asm_fragment async attribute auto await become ' +
    'cast catch class co_await co_return co_yield coherent column_major common compile compile_fragment ' +
    'concept const_cast consteval constexpr constinit crate debugger decltype delete demote ' +
    'demote_to_helper do dynamic_cast enum explicit export extends extern external fallthrough filter ' +
    'final finally friend from fxgroup get goto groupshared highp impl implements import inline ' +
    'instanceof interface layout lowp macro macro_rules match mediump meta mod module move mut mutable ' +
    'namespace new nil noexcept noinline nointerpolation non_coherent noncoherent noperspective null ' +
    'nullptr of operator package packoffset partition pass patch pixelfragment precise precision ' +
    'premerge priv protected pub public readonly ref regardless register reinterpret_cast require ' +
    'resource restrict self set shared sizeof smooth snorm static static_assert static_cast std ' +
    'subroutine super target template this thread_local throw trait try type typedef typeid typename ' +
    'typeof union unless unorm unsafe unsized use using varying virtual volatile wgsl where with ' +
    'writeonly yield ' +
    // predeclared names and builtins worth never shadowing
    'array atomic bool f16 f32 i32 mat2x2 mat3x3 mat4x4 ptr sampler texture_2d u32 vec2 vec3 vec4 ' +
    'input output buffer uniform storage read write read_write workgroup private function ' +
    'dims main select min max abs exp log sqrt tanh'
  ).split(/\s+/),
);

/** A WGSL-safe identifier for any string (layer names may contain dots). */
export function wgslName(raw: string): string {
  let name = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = `v_${name}`;
  if (name.startsWith('__')) name = `v${name}`;
  if (RESERVED.has(name)) name = `${name}_`;
  return name;
}

export function isReservedWgslWord(word: string): boolean {
  return RESERVED.has(word);
}

/** The Dims uniform's u32 members: the batch size `n`, then `params`, padded to a whole 16 bytes. */
export function dimsMembers(params: readonly string[] = []): string[] {
  const members = ['n', ...params];
  for (let pad = 0; members.length % 4 !== 0; pad++) members.push(`pad${pad}`);
  return members;
}

/** `@group(0) @binding(i) var<storage, ...> name: array<T>;` for each binding, then the uniform. */
export function bindingDeclarations(bindings: readonly KernelBinding[], usesBatch: boolean, elementType = 'f32', params: readonly string[] = []): string {
  const lines = bindings.map(
    (b, i) => `@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.elementType ?? elementType}>;`,
  );
  if (usesBatch) {
    // A uniform struct must be 16-byte aligned in size; pad explicitly.
    lines.push(`struct Dims { ${dimsMembers(params).map((m) => `${m}: u32`).join(', ')} }`);
    lines.push(`@group(0) @binding(${bindings.length}) var<uniform> dims: Dims;`);
  }
  return lines.join('\n');
}

/**
 * A whole compute shader: bindings, helper functions, and an entry point
 * whose body sees `wid` (the linear workgroup index), `lid` (local index) and
 * `gidx` (wid * workgroupSize + lid).
 */
export function computeShader(opts: {
  readonly bindings: readonly KernelBinding[];
  readonly usesBatch: boolean;
  /** Names of the Dims members after `n` (see bindingDeclarations). */
  readonly params?: readonly string[];
  readonly workgroupSize: number;
  readonly body: string;
  readonly helpers?: string;
  readonly entryPoint?: string;
  /**
   * Enables WGSL subgroup operations and gives the body `sid`, the
   * invocation's subgroup_invocation_id. Subgroup uniformity is not checked:
   * kernels using this keep every invocation alive to the last subgroup call.
   */
  readonly subgroups?: boolean;
}): string {
  const entry = opts.entryPoint ?? 'main';
  const subgroupParam = opts.subgroups ? ', @builtin(subgroup_invocation_id) sid: u32' : '';
  return [
    opts.subgroups ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);' : '',
    bindingDeclarations(opts.bindings, opts.usesBatch, 'f32', opts.params),
    opts.helpers ?? '',
    `@compute @workgroup_size(${opts.workgroupSize})`,
    `fn ${entry}(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32${subgroupParam}) {`,
    `  let wid = wg.y * nwg.x + wg.x;`,
    `  let gidx = wid * ${opts.workgroupSize}u + lid;`,
    indent(opts.body.trim(), '  '),
    '}',
    '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? pad + l : l))
    .join('\n');
}

/** The largest finite f32; WGSL refuses a literal past it when the shader is created. */
const F32_MAX = 3.4028234663852886e38;

/**
 * A float literal WGSL accepts for any number an f32 can hold (no `1e-05`
 * without a digit issue). The checker keeps every other number out of the
 * graph (E0304, E0308, E0502), so one reaching here is a compiler bug.
 */
export function f32Literal(x: number): string {
  if (!(Math.abs(x) <= F32_MAX)) throw new Error(`cannot emit ${x} as a WGSL f32 literal: it is not a finite f32`);
  const s = String(x);
  return /[.eE]/.test(s) ? `f32(${s})` : `f32(${s}.0)`;
}

export type { Kernel };
