// A shader's bind group interface as its text declares it, against what the
// manifest says of it and of the buffers its dispatches bind. The pipeline
// layout is made from the manifest (`bindings`, `usesBatch`), so a shader
// that declares otherwise fails only on the device: a binding the layout
// lacks, an access mode it contradicts, a buffer smaller than the declared
// type needs. Each is found here, from the text, before the module is made.
//
// The manifest's interface is exact: storage bindings @group(0) @binding(0..k-1)
// with the manifest's access modes, then, when usesBatch, the Dims uniform at
// @binding(k); a shader that declares any other binding is refused, and so is
// one that leaves out one the manifest describes. Messages name bindings by
// number and never quote the shader's text.
import type { DispatchSpec, DispatchVariant, Manifest, ShaderSpec } from './manifest.ts';
import { dimsBytes } from './run-limits.ts';
import { shaderDeclarations, type ResourceVariable } from './wgsl-declarations.ts';
import { bindingSizer } from './wgsl-layout.ts';

/** One way a shader is run: by a dispatch (as its own shader or a variant's), on these buffers. */
export interface ShaderUse {
  readonly dispatch: number;
  readonly label: string;
  /** Buffer ids bound to its storage bindings, in order. */
  readonly buffers: readonly number[];
  /** The Dims uniform's size for that dispatch. */
  readonly uniformBytes: number;
}

/** Every use of every shader, by shader id. */
export function shaderUses(manifest: Manifest): ReadonlyMap<string, readonly ShaderUse[]> {
  const uses = new Map<string, ShaderUse[]>();
  manifest.dispatches.forEach((d: DispatchSpec, i) => {
    const uniformBytes = dimsBytes(d.params);
    for (const v of [d, d.quick, d.subgroups]) {
      if (!v) continue;
      const buffers = v === d ? d.buffers : ((v as DispatchVariant).buffers ?? d.buffers);
      const use = { dispatch: i, label: d.label, buffers, uniformBytes };
      const list = uses.get(v.shader) ?? [];
      list.push(use);
      uses.set(v.shader, list);
    }
  });
  return uses;
}

/** The bytes of a buffer at batch 1, the smallest it is made (as the runner makes it: at least 4). */
function bytesAtBatch1(manifest: Manifest, id: number): number {
  const b = manifest.buffers[id]!;
  const elements = b.kind === 'weight' ? b.elements : b.elements.perN + b.elements.fixed;
  return Math.max(4, elements * 4);
}

function describeDeclared(v: ResourceVariable): string {
  if (v.addressSpace === undefined) return 'a texture or sampler';
  if (v.addressSpace === 'uniform') return 'var<uniform>';
  if (v.addressSpace === 'storage') {
    const access = v.access ?? 'read';
    return access === 'read' || access === 'read_write' || access === 'write' ? `var<storage, ${access}>` : 'var<storage> with an access mode the runtime does not know';
  }
  return ['workgroup', 'private', 'function', 'handle'].includes(v.addressSpace) ? `var<${v.addressSpace}>` : 'a var in an address space the runtime does not know';
}

/** What the manifest says is at `binding`, as describeDeclared would say it. */
function expectedAt(shader: ShaderSpec, binding: number): string {
  return binding < shader.bindings.length ? `var<storage, ${shader.bindings[binding]}>` : 'var<uniform>';
}

function describeExpected(shader: ShaderSpec, binding: number): string {
  return binding < shader.bindings.length ? expectedAt(shader, binding) : 'var<uniform> (the Dims uniform)';
}

function describeManifest(shader: ShaderSpec): string {
  const k = shader.bindings.length;
  const storage = k === 0 ? 'no storage bindings' : k === 1 ? 'storage binding 0' : `storage bindings 0 to ${k - 1}`;
  return `the manifest describes ${storage} and ${shader.usesBatch ? `the Dims uniform at ${k}` : 'no uniform (usesBatch is false)'}`;
}

/**
 * What is wrong with the interface `code` declares for `shader`, against the
 * manifest and, for each of `uses`, the sizes of the buffers bound to it.
 */
export function shaderInterfaceProblems(shader: ShaderSpec, code: string, manifest: Manifest, uses: readonly ShaderUse[]): string[] {
  const at = `${shader.file} (shader ${JSON.stringify(shader.id)})`;
  const declarations = shaderDeclarations(code);
  const problems: string[] = [];
  if (declarations.strayBindings > 0) {
    problems.push(`${at}: has ${declarations.strayBindings === 1 ? 'a @binding attribute' : `${declarations.strayBindings} @binding attributes`} the runtime cannot read as a module-scope var declaration; it reads \`@group(0) @binding(N) var<storage, ACCESS> NAME: TYPE;\` and \`var<uniform>\``);
  }
  const expected = shader.bindings.length + (shader.usesBatch ? 1 : 0);
  const size = bindingSizer(declarations.types);
  const found = new Set<number>();
  for (const v of declarations.resources) {
    if (v.group === undefined && v.binding === undefined) {
      if (v.addressSpace === 'storage' || v.addressSpace === 'uniform') problems.push(`${at}: declares a ${describeDeclared(v)} without @group and @binding`);
      continue; // var<private>, var<workgroup>: not part of the bind group
    }
    if (typeof v.group !== 'number' || typeof v.binding !== 'number') {
      problems.push(`${at}: declares a binding whose @group or @binding is missing or not an integer literal; the runtime reads only literals there`);
      continue;
    }
    const slot = `@group(${v.group}) @binding(${v.binding})`;
    if (v.group !== 0) {
      problems.push(`${at}: declares ${slot} ${describeDeclared(v)}; the runtime binds group 0 only`);
      continue;
    }
    if (found.has(v.binding)) {
      problems.push(`${at}: declares @binding(${v.binding}) twice`);
      continue;
    }
    found.add(v.binding);
    if (v.binding >= expected) {
      problems.push(`${at}: declares ${slot} ${describeDeclared(v)}, which the manifest does not describe (${describeManifest(shader)}); the bundle is inconsistent: compile it again`);
      continue;
    }
    const declared = describeDeclared(v);
    if (declared !== expectedAt(shader, v.binding)) {
      problems.push(`${at}: declares @binding(${v.binding}) as ${declared}, the manifest says ${describeExpected(shader, v.binding)}; the bundle is inconsistent: compile it again`);
      continue;
    }
    if ('unreadable' in v.type) {
      problems.push(`${at}: cannot read the type of @binding(${v.binding}) (${v.type.unreadable}), so not the size of buffer it needs`);
      continue;
    }
    const needed = size(v.type);
    if ('unreadable' in needed) {
      problems.push(`${at}: cannot size @binding(${v.binding}): ${needed.unreadable}`);
      continue;
    }
    for (const use of uses) {
      const where = `dispatches[${use.dispatch}] ${JSON.stringify(use.label)}`;
      if (v.binding < shader.bindings.length) {
        const buffer = use.buffers[v.binding]!;
        const bytes = bytesAtBatch1(manifest, buffer);
        if (bytes < needed.bytes) {
          problems.push(`${where} (shader ${shader.id}): binds buffers[${buffer}], ${bytes} bytes at batch 1, to @binding(${v.binding}), whose type needs at least ${needed.bytes} bytes`);
        }
      } else if (use.uniformBytes < needed.bytes) {
        problems.push(`${where} (shader ${shader.id}): its Dims uniform is ${use.uniformBytes} bytes (the batch size and the dispatch's params, in 16-byte rows), and @binding(${v.binding}) of the shader needs at least ${needed.bytes}`);
      }
    }
  }
  for (let binding = 0; binding < expected; binding++) {
    if (!found.has(binding)) problems.push(`${at}: declares no @binding(${binding}), where the manifest says ${describeExpected(shader, binding)}; the bundle is inconsistent: compile it again`);
  }
  return problems;
}
