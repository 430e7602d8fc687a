// Mutated and hostile bundles. Each case starts from a base bundle and
// applies mutations of one family (two or three, sometimes):
//   manifest-field  any field of the manifest: another type, an edge value, missing, an extra key
//   dispatch        workgroup counts and divisors (zero, huge, past the device's grid)
//   buffer          buffer sizes smaller or larger than the shaders and ports need
//   binding         dispatch buffers, shader bindings, aliasing, read/write access
//   port            input and output shapes, buffers and dtypes
//   shader-field    entry points, workgroup sizes, params, features, inline code
//   manifest-json   manifest.json that is not JSON, or odd JSON (BOM, duplicate keys, deep nesting)
//   file-name       manifest file names with `..`, absolute, nested, odd characters
//   file-kind       files swapped for links (inside and outside the bundle), FIFOs, folders, deleted
//   file-size       truncated, grown past the read caps, sparse huge files
//   weights         safetensors headers, dtypes, shapes, offsets, data, NaN/Inf
//   shader-text     WGSL text (only the device's compiler can judge it)
//   benign          changes a correct runtime accepts: labels, generator, extra fields, layout
import { baseBundles, type BaseBundle } from './bundle-bases.ts';
import type { BundlePlan, Entry, LinkTarget } from './bundle-plan.ts';
import { needsFolder } from './bundle-plan.ts';
import { CANARY_NAMES } from './canaries.ts';
import { clone, getPath, hostileValue, HOSTILE_PATHS, jsonPaths, setPath, type Json } from './hostile-values.ts';
import { Rng } from './prng.ts';
import { mutateSafetensors } from './safetensors-mutations.ts';
import { mutateShaderText } from './shader-mutations.ts';

type Manifest = { [key: string]: Json } & {
  dispatches: ({ [key: string]: Json } & { buffers: number[]; groups: { perN: number; fixed: number }; quick?: { [key: string]: Json }; subgroups?: { [key: string]: Json } })[];
  buffers: ({ [key: string]: Json } & { kind: string; elements: Json })[];
  shaders: ({ [key: string]: Json } & { id: string; file: string; bindings: string[]; code?: string })[];
  inputs: { [key: string]: Json }[];
  outputs: { [key: string]: Json }[];
};

/** The case being built: the manifest as data (or replaced by raw text), and the other changes. */
class Draft {
  manifest: Manifest;
  manifestText?: string;
  readonly entries: Entry[] = [];
  readonly mutations: string[] = [];
  readonly secrets: string[] = [];
  /** Files whose content was replaced, by path: later mutations build on them. */
  readonly replaced = new Map<string, Uint8Array>();
  /** Set once `shaders/` itself is replaced: nothing may be written inside it after that. */
  shadersFolderReplaced = false;
  /** Set when the WGSL text a shader gets changes (see BundlePlan.shaderTextChanged). */
  shaderTextChanged = false;

  constructor(
    readonly rng: Rng,
    readonly base: BaseBundle,
  ) {
    this.manifest = clone(base.manifest) as unknown as Manifest;
  }

  file(path: string): Uint8Array | undefined {
    return this.replaced.get(path) ?? this.base.files.get(path);
  }

  setFile(path: string, bytes: Uint8Array): void {
    this.replaced.set(path, bytes);
    this.entries.push({ kind: 'bytes', path, base64: Buffer.from(bytes).toString('base64') });
  }

  setText(path: string, text: string): void {
    this.replaced.set(path, new TextEncoder().encode(text));
    this.entries.push({ kind: 'text', path, text });
  }

  /** Bundle files the runtime reads (a shader whose text is in the manifest is not read). */
  readFiles(): string[] {
    const inline = new Set(this.manifest.shaders.filter((s) => typeof s.code === 'string').map((s) => s.file));
    const weights = typeof this.manifest.weightsFile === 'string' ? this.manifest.weightsFile : 'weights.safetensors';
    const shaders = this.manifest.shaders.map((s) => s.file).filter((f) => typeof f === 'string' && !inline.has(f));
    return ['manifest.json', weights, ...shaders].filter((f) => !(this.shadersFolderReplaced && f.startsWith('shaders/')));
  }

  secret(): string {
    const s = `SECRET${this.rng.next().toString(36)}${this.rng.next().toString(36)}`;
    this.secrets.push(s);
    return s;
  }
}

type Mutation = (d: Draft) => void;

const pickIndex = (rng: Rng, items: readonly unknown[]) => rng.int(0, items.length - 1);

const manifestField: Mutation = (d) => {
  const rng = d.rng;
  const paths = jsonPaths(d.manifest as unknown as Json).filter((p) => p.length > 0);
  const path = rng.pick(paths);
  const where = path.join('.');
  const action = rng.weighted<string>([['replace', 6], ['delete', 2], ['extra', 1]]);
  if (action === 'delete') {
    setPath(d.manifest as unknown as Json, path, undefined);
    // Without its inline code a shader is read from its file, the same text: only a deleted shader entry shifts texts around.
    if (path[0] === 'shaders' && path.length <= 2) d.shaderTextChanged = true;
    d.mutations.push(`delete ${where}`);
  } else if (action === 'extra') {
    const container = getPath(d.manifest as unknown as Json, path.slice(0, -1));
    if (container && typeof container === 'object' && !Array.isArray(container)) setPath(d.manifest as unknown as Json, [...path.slice(0, -1), rng.pick(['extra', '__proto__', 'constructor'])], rng.pick([1, 'x', {}, null]));
    d.mutations.push(`extra key beside ${where}`);
  } else {
    const value = hostileValue(rng, getPath(d.manifest as unknown as Json, path));
    setPath(d.manifest as unknown as Json, path, value);
    if (path[0] === 'shaders' && (path[2] === 'code' || path[2] === 'file')) d.shaderTextChanged = true;
    d.mutations.push(`${where} = ${JSON.stringify(value)?.slice(0, 60)}`);
  }
};

const dispatchSize: Mutation = (d) => {
  const rng = d.rng;
  const i = pickIndex(rng, d.manifest.dispatches);
  const dispatch = d.manifest.dispatches[i]!;
  const variant = rng.weighted<{ [key: string]: Json }>([[dispatch, 4], [dispatch.quick ?? dispatch, 1], [dispatch.subgroups ?? dispatch, 1]]);
  const field = rng.pick(['perN', 'fixed', 'divisor']);
  const value = rng.pick([0, 1, 2, 65_535, 65_536, 65_535 * 2, 65_535 * 65_535, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, -1, 0.5]);
  if (field === 'divisor') variant.groupsDivisor = value;
  else (variant.groups as Record<string, Json>)[field] = value;
  d.mutations.push(`dispatches[${i}]${variant === dispatch ? '' : variant === dispatch.quick ? '.quick' : '.subgroups'}.${field === 'divisor' ? 'groupsDivisor' : `groups.${field}`} = ${value}`);
};

const bufferSize: Mutation = (d) => {
  const rng = d.rng;
  const i = pickIndex(rng, d.manifest.buffers);
  const buffer = d.manifest.buffers[i]!;
  if (buffer.kind === 'activation') {
    const elements = buffer.elements as { perN: number; fixed: number };
    const field = elements.perN > 0 && rng.chance(0.7) ? 'perN' : 'fixed';
    const v = elements[field];
    elements[field] = rng.pick([0, 1, 2, 3, v - 1, Math.floor(v / 2), Math.floor(v / 4), v + 1, v * 2, 2 ** 20, 2 ** 30, 2 ** 31]);
    d.mutations.push(`buffers[${i}].elements.${field} = ${elements[field]}`);
  } else {
    const v = buffer.elements as number;
    buffer.elements = rng.pick([0, 1, v - 1, v + 1, v * 2, 2 ** 30]);
    d.mutations.push(`buffers[${i}].elements = ${buffer.elements}`);
  }
};

const binding: Mutation = (d) => {
  const rng = d.rng;
  const m = d.manifest;
  if (rng.chance(0.35)) {
    const s = m.shaders[pickIndex(rng, m.shaders)]!;
    const k = pickIndex(rng, s.bindings);
    const action = rng.pick(['flip', 'drop', 'add', 'odd']);
    if (action === 'flip') s.bindings[k] = s.bindings[k] === 'read' ? 'read_write' : 'read';
    else if (action === 'drop') s.bindings.splice(k, 1);
    else if (action === 'add') s.bindings.push(rng.pick(['read', 'read_write']));
    else (s.bindings as Json[])[k] = rng.pick(['write', 'uniform', 'READ', '', 1, null]);
    d.mutations.push(`shader ${s.id} bindings ${action} at ${k}`);
    return;
  }
  const i = pickIndex(rng, m.dispatches);
  const dispatch = m.dispatches[i]!;
  const list = (rng.chance(0.2) && dispatch.quick?.buffers ? dispatch.quick.buffers : dispatch.buffers) as number[];
  const k = pickIndex(rng, list);
  const action = rng.pick(['other', 'alias', 'range', 'swap', 'drop', 'add', 'weight']);
  const weightIds = m.buffers.map((b, id) => (b.kind === 'weight' ? id : -1)).filter((id) => id >= 0);
  if (action === 'other') list[k] = rng.int(0, m.buffers.length - 1);
  else if (action === 'alias') list[k] = list[rng.int(0, list.length - 1)]!;
  else if (action === 'range') list[k] = rng.pick([m.buffers.length, -1, 2 ** 31, 0.5]);
  else if (action === 'swap') {
    const j = pickIndex(rng, list);
    [list[k], list[j]] = [list[j]!, list[k]!];
  } else if (action === 'drop') list.splice(k, 1);
  else if (action === 'add') list.push(rng.int(0, m.buffers.length - 1));
  else if (weightIds.length > 0) list[list.length - 1] = rng.pick(weightIds);
  d.mutations.push(`dispatches[${i}] buffers ${action} at ${k}`);
};

const port: Mutation = (d) => {
  const rng = d.rng;
  const m = d.manifest;
  const ports = rng.chance(0.5) ? m.inputs : m.outputs;
  const which = ports === m.inputs ? 'inputs' : 'outputs';
  const i = pickIndex(rng, ports);
  const p = ports[i]!;
  const field = rng.pick(['shape', 'buffer', 'dtype', 'name', 'duplicate', 'drop']);
  if (field === 'shape') {
    const shape = p.shape as Json[];
    const k = pickIndex(rng, shape);
    shape[k] = rng.pick<Json>([0, 1, 2, 'N', 'M', -1, 2 ** 30, 2 ** 31, (shape[k] as number) * 2, (shape[k] as number) + 1]);
    if (rng.chance(0.3)) shape.push(rng.pick<Json>(['N', 1, 2]));
  } else if (field === 'buffer') p.buffer = rng.int(0, m.buffers.length - 1);
  else if (field === 'dtype') p.dtype = rng.pick(['f16', 'i32', 'F32', 'float32', '']);
  else if (field === 'name') p.name = rng.pick(['', ports === m.inputs ? String(m.outputs[0]!.name) : String(m.inputs[0]!.name), '__proto__', 'x'.repeat(5000)]);
  else if (field === 'duplicate') ports.push(clone(p));
  else ports.splice(i, 1);
  d.mutations.push(`${which}[${i}] ${field}`);
};

const shaderField: Mutation = (d) => {
  const rng = d.rng;
  const s = d.manifest.shaders[pickIndex(rng, d.manifest.shaders)]!;
  const field = rng.pick(['entryPoint', 'workgroupSize', 'usesBatch', 'params', 'features', 'id']);
  let value: Json;
  if (field === 'entryPoint') value = rng.pick(['mian', '', 'main\u0000', 'main ', 'x'.repeat(5000)]);
  else if (field === 'workgroupSize') value = rng.pick([0, 1, 32, 63, 65, 128, 256, 1024, 1025, 2 ** 31]);
  else if (field === 'usesBatch') value = !s.usesBatch;
  else if (field === 'params') value = rng.pick([0, 1, 4, 5, 6, 8, 63, 64]);
  else if (field === 'features') value = rng.pick<Json>([['subgroups'], ['shader-f16'], [], 'subgroups']);
  else value = rng.pick(d.manifest.shaders.map((x) => x.id as Json).concat(['', 'new']));
  (s as Record<string, Json>)[field] = value;
  d.mutations.push(`shader ${s.id} ${field} = ${JSON.stringify(value).slice(0, 40)}`);
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const manifestJson: Mutation = (d) => {
  const rng = d.rng;
  const text = JSON.stringify(d.manifest, null, 2);
  const secret = d.secret();
  const kind = rng.pick(['truncate', 'junk', 'bom', 'nan', 'deep', 'duplicate-key', 'comment', 'trailing-comma', 'not-object', 'huge-number', 'bytes']);
  const at = rng.int(1, text.length - 1);
  switch (kind) {
    case 'truncate':
      d.manifestText = text.slice(0, at) + secret;
      break;
    case 'junk': {
      // Inside a string the secret would keep the JSON valid; then it goes first, where it cannot.
      const junk = `${text.slice(0, at)} ${secret} ${text.slice(at)}`;
      d.manifestText = isJson(junk) ? `${secret}${text}` : junk;
      break;
    }
    case 'bom':
      d.manifestText = `\ufeff${text}`;
      break;
    case 'nan':
      d.manifestText = text.replace(/"maxBatch": \d+/, `"maxBatch": ${rng.pick(['NaN', 'Infinity', '-Infinity', '0x10', '1e400', '-0', '4096.0000000000001'])}`);
      break;
    case 'deep':
      d.manifestText = `{"format": "regc-bundle", "x": ${'['.repeat(rng.pick([1000, 100_000]))}"${secret}"${']'.repeat(rng.pick([0, 1000, 100_000]))}}`;
      break;
    case 'duplicate-key':
      d.manifestText = text.replace(/^\{/, `{"dispatches": [], "maxBatch": ${rng.pick([0, 1, 2 ** 31])},`);
      break;
    case 'comment':
      d.manifestText = `// ${secret}\n${text}`;
      break;
    case 'trailing-comma':
      d.manifestText = text.replace(/\n\}\s*$/, `,\n}`);
      break;
    case 'not-object':
      d.manifestText = rng.pick(['[]', 'null', '"regc-bundle"', '1', 'true', '']);
      break;
    case 'huge-number':
      d.manifestText = text.replace(/"maxBatch": \d+/, `"maxBatch": ${'9'.repeat(rng.pick([20, 400, 100_000]))}`);
      break;
    default: {
      // Bytes that are not UTF-8 inside a string.
      const bytes = new TextEncoder().encode(text.replace('"regc 0.1.0"', `"${secret}XX"`));
      const where = new TextDecoder().decode(bytes).indexOf(`${secret}XX`) + secret.length;
      bytes[where] = 0xff;
      bytes[where + 1] = 0xfe;
      d.manifestText = undefined;
      d.setFile('manifest.json', bytes);
    }
  }
  d.mutations.push(`manifest.json ${kind}`);
};

const fileName: Mutation = (d) => {
  const rng = d.rng;
  const m = d.manifest;
  const name = rng.weighted<() => string>([
    [() => rng.pick(HOSTILE_PATHS), 5],
    [() => `../${rng.pick(['outside', 'canaries'])}/secret.txt`, 1],
  ])();
  if (rng.chance(0.7)) {
    const s = m.shaders[pickIndex(rng, m.shaders)]!;
    const old = s.file;
    s.file = name;
    if (d.base.files.has(name)) d.shaderTextChanged = true;
    // Sometimes the inline text goes, so the runtime must read the file by that name.
    if (rng.chance(0.6)) delete s.code;
    d.mutations.push(`shader ${s.id} file ${JSON.stringify(old)} -> ${JSON.stringify(name).slice(0, 60)}`);
  } else {
    m.weightsFile = name;
    d.mutations.push(`weightsFile -> ${JSON.stringify(name).slice(0, 60)}`);
  }
};

/** A file renamed to a nested path that exists: a correct bundle. */
const nestedName: Mutation = (d) => {
  const rng = d.rng;
  const s = d.manifest.shaders[pickIndex(rng, d.manifest.shaders)]!;
  const nested = `kernels/${rng.pick(['a', 'deep/er', 'x.y'])}/${s.id}.wgsl`;
  d.setFile(nested, d.file(s.file)!);
  s.file = nested;
  delete s.code;
  d.mutations.push(`shader ${s.id} moved to ${nested}`);
};

function linkTarget(rng: Rng, d: Draft, path: string): LinkTarget {
  return rng.weighted<() => LinkTarget>([
    [() => ({ to: 'inside', path: rng.pick([...d.base.files.keys()].filter((p) => p !== path)) }), 2],
    [() => ({ to: 'canary', file: rng.pick(CANARY_NAMES.filter((n) => n !== 'folder')), absolute: rng.chance(0.5) }), 4],
    [() => ({ to: 'system', path: rng.pick(['/dev/zero', '/dev/urandom', '/dev/null', '/etc/passwd', '/proc/self/environ', '/proc/self/mem', '/']) }), 2],
    [() => ({ to: 'dangling' }), 1],
    [() => ({ to: 'loop' }), 1],
  ])();
}

const fileKind: Mutation = (d) => {
  const rng = d.rng;
  const shaderFolder = d.readFiles().some((f) => f.startsWith('shaders/'));
  if (shaderFolder && !d.shadersFolderReplaced && rng.chance(0.15)) {
    d.shadersFolderReplaced = true;
    // The folder holding the shaders, swapped.
    const kind = rng.pick(['canary-folder', 'file', 'fifo', 'dangling']);
    if (kind === 'canary-folder') d.entries.push({ kind: 'symlink', path: 'shaders', target: { to: 'canary', file: 'folder', absolute: rng.chance(0.5) } });
    else if (kind === 'dangling') d.entries.push({ kind: 'symlink', path: 'shaders', target: { to: 'dangling' } });
    else if (kind === 'fifo') d.entries.push({ kind: 'fifo', path: 'shaders' });
    else d.entries.push({ kind: 'text', path: 'shaders', text: 'not a folder' });
    d.mutations.push(`shaders folder -> ${kind}`);
    return;
  }
  const path = rng.pick(d.readFiles());
  const kind = rng.weighted<string>([['symlink', 6], ['fifo', 2], ['dir', 1], ['delete', 1]]);
  if (kind === 'symlink') {
    const target = linkTarget(rng, d, path);
    d.entries.push({ kind: 'symlink', path, target });
    d.mutations.push(`${path} -> symlink to ${target.to === 'canary' ? `canary ${target.file}${target.absolute ? ' (absolute)' : ''}` : target.to === 'inside' ? target.path : target.to === 'system' ? target.path : target.to}`);
  } else {
    d.entries.push(kind === 'fifo' ? { kind: 'fifo', path } : kind === 'dir' ? { kind: 'dir', path } : { kind: 'delete', path });
    d.mutations.push(`${path} -> ${kind}`);
  }
};

const fileSize: Mutation = (d) => {
  const rng = d.rng;
  const path = rng.pick(d.readFiles());
  const size = d.file(path)?.length ?? 0;
  const cap = path === 'manifest.json' ? 16 << 20 : path.endsWith('.wgsl') ? 1 << 20 : 2 ** 31;
  const kind = rng.pick(['truncate', 'empty', 'cap', 'cap+1', 'huge', 'grow']);
  const target = { truncate: rng.int(0, Math.max(0, size - 1)), empty: 0, cap, 'cap+1': cap + 1, huge: rng.pick([5 * 2 ** 30, 2 ** 40]), grow: size + rng.pick([1, 8, 4096]) }[kind]!;
  d.entries.push({ kind: 'sparse', path, size: target });
  if (path.endsWith('.wgsl') && target <= cap) d.shaderTextChanged = true;
  d.mutations.push(`${path} ${kind} to ${target} bytes`);
};

const weights: Mutation = (d) => {
  const path = typeof d.manifest.weightsFile === 'string' ? d.manifest.weightsFile : 'weights.safetensors';
  const file = d.file(path);
  if (!file) return;
  const secret = `SECRET${d.rng.next().toString(36)}`;
  const original = d.base.files.get(d.base.manifest.weightsFile)!;
  let mutated;
  try {
    mutated = mutateSafetensors(d.rng, file, secret);
  } catch {
    // An earlier mutation left a file these mutations cannot parse: start again from the good one.
    mutated = mutateSafetensors(d.rng, original, secret);
  }
  if (mutated.secret) d.secrets.push(mutated.secret);
  d.setFile(path, mutated.bytes);
  d.mutations.push(mutated.name);
};

const shaderText: Mutation = (d) => {
  const rng = d.rng;
  const s = d.manifest.shaders[pickIndex(rng, d.manifest.shaders)]!;
  const original = typeof s.code === 'string' ? s.code : new TextDecoder().decode(d.file(s.file));
  const { code, name } = mutateShaderText(rng, original);
  if (typeof s.code === 'string' && rng.chance(0.8)) s.code = code;
  else {
    delete s.code;
    d.setText(s.file, code);
  }
  d.shaderTextChanged = true;
  d.mutations.push(`shader ${s.id} text ${name}`);
};

/** A shader's file name pointed at another file of the bundle: text the device must refuse. */
const shaderFileSwap: Mutation = (d) => {
  const rng = d.rng;
  const s = d.manifest.shaders[pickIndex(rng, d.manifest.shaders)]!;
  const other = rng.pick([...d.base.files.keys()].filter((f) => f !== s.file));
  s.file = other;
  delete s.code;
  d.shaderTextChanged = true;
  d.mutations.push(`shader ${s.id} reads ${other}`);
};

const benign: Mutation = (d) => {
  const rng = d.rng;
  const m = d.manifest;
  const kind = rng.pick(['generator', 'label', 'model', 'extra-field', 'no-inline-code', 'no-quick', 'no-subgroups', 'layout', 'max-batch', 'weights-metadata']);
  switch (kind) {
    case 'generator':
      m.generator = rng.pick(['', 'someone else', 'x'.repeat(10_000), 5]);
      break;
    case 'label':
      m.dispatches[pickIndex(rng, m.dispatches)]!.label = rng.pick(['', 'é', 'x'.repeat(10_000), 7, null]);
      break;
    case 'model':
      m.model = rng.pick(['Other', 'ünïcode', 'x'.repeat(4096)]);
      break;
    case 'extra-field':
      m[rng.pick(['comment', 'license', 'extensions'])] = rng.pick([{ any: 'thing' }, 'text', [1, 2]]);
      break;
    case 'no-inline-code':
      for (const s of m.shaders) delete s.code;
      break;
    case 'no-quick':
      for (const dispatch of m.dispatches) delete dispatch.quick;
      break;
    case 'no-subgroups':
      for (const dispatch of m.dispatches) delete dispatch.subgroups;
      break;
    case 'layout':
      d.manifestText = rng.chance(0.5) ? JSON.stringify(m) : JSON.stringify(m, null, 4).replace(/\n/g, '\r\n');
      break;
    case 'max-batch':
      m.maxBatch = rng.pick([4, 16, 1 << 20]);
      break;
    default: {
      const path = 'weights.safetensors';
      const file = d.file(path);
      if (!file) break;
      const length = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + length))) as Record<string, Json>;
      header.__metadata__ = { note: 'é'.repeat(100) };
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + file.length - 8 - length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(file.subarray(8 + length), 8 + json.length);
      d.setFile(path, out);
    }
  }
  d.mutations.push(`benign ${kind}`);
};

/** Each family's mutations, and how often a case is of that family. */
export const FAMILIES: readonly (readonly [string, readonly Mutation[], number])[] = [
  ['manifest-field', [manifestField], 22],
  ['dispatch', [dispatchSize], 6],
  ['buffer', [bufferSize], 6],
  ['binding', [binding], 7],
  ['port', [port], 4],
  ['shader-field', [shaderField], 5],
  ['manifest-json', [manifestJson], 5],
  ['file-name', [fileName, fileName, nestedName], 6],
  ['file-kind', [fileKind], 10],
  ['file-size', [fileSize], 5],
  ['weights', [weights], 10],
  ['shader-text', [shaderText, shaderText, shaderText, shaderFileSwap], 7],
  ['benign', [benign], 7],
];

/** The plan of bundle case `index`: a base bundle, one family's mutations, and how to load it. */
export function bundleCase(seed: number, index: number): BundlePlan {
  const rng = Rng.forCase(seed, 'bundle', index);
  const base = rng.pick(baseBundles());
  const d = new Draft(rng, base);
  const [family, mutations] = rng.weighted(FAMILIES.map((f) => [f, f[2]] as const));
  for (let n = rng.weighted<number>([[1, 16], [2, 3], [3, 1]]); n > 0; n--) {
    try {
      rng.pick(mutations)(d);
    } catch {
      // An earlier mutation took away what this one changes (the last port, say); the plan is still a case.
      d.mutations.push('(one mutation found nothing to change)');
    }
  }
  const manifestEdited = JSON.stringify(d.manifest) !== JSON.stringify(base.manifest);
  if (d.manifestText !== undefined) d.entries.unshift({ kind: 'text', path: 'manifest.json', text: d.manifestText });
  else if (manifestEdited && !d.replaced.has('manifest.json')) d.entries.unshift({ kind: 'text', path: 'manifest.json', text: JSON.stringify(d.manifest, null, rng.chance(0.5) ? 2 : 0) });
  const maxBatch = typeof d.manifest.maxBatch === 'number' && d.manifest.maxBatch >= 1 ? d.manifest.maxBatch : 1;
  return {
    base: base.name,
    family,
    mutations: d.mutations,
    entries: d.entries,
    source: needsFolder(d.entries) || rng.chance(0.8) ? 'folder' : 'memory',
    pipelines: rng.weighted([['tiered', 6], ['fast', 2], ['quick', 2]] as const),
    batch: Math.max(1, Math.min(maxBatch, rng.int(1, 3))),
    secrets: d.secrets,
    shaderTextChanged: d.shaderTextChanged,
  };
}
