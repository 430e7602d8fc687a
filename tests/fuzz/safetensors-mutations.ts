// Changes to a bundle's weights.safetensors: its header length field, its
// JSON header (invalid JSON, wrong types, dtypes, shapes, offsets that
// overlap, leave gaps or run past the end, tensors missing, extra or
// renamed, metadata of the wrong kind), its data (cut short, bytes added,
// NaN and Inf), and coherent re-encodings the runtime should accept (F16,
// F64 tensors of the same values).
import { readSafetensors, writeSafetensors } from '../../runtime/io/safetensors.ts';
import type { HostTensor } from '../../runtime/io/host-tensor.ts';
import { hostileValue, type Json } from './hostile-values.ts';
import type { Rng } from './prng.ts';

interface Parts {
  header: Record<string, Json>;
  data: Uint8Array;
}

function split(file: Uint8Array): Parts {
  const length = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + length))) as Record<string, Json>;
  return { header, data: file.subarray(8 + length) };
}

/** A file from a header (an object or raw text), data, and optionally a length field that lies. */
export function joinSafetensors(header: Record<string, Json> | string | Uint8Array, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}

function tensorNames(header: Record<string, Json>): string[] {
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

type Entry = { dtype: Json; shape: Json; data_offsets: Json };

export interface WeightsMutation {
  readonly bytes: Uint8Array;
  readonly name: string;
  /** Set where the mutation planted a secret in content that should be refused unquoted. */
  readonly secret?: string;
}

export function mutateSafetensors(rng: Rng, file: Uint8Array, secret: string): WeightsMutation {
  const { header, data } = split(file);
  const names = tensorNames(header);
  const entry = (name: string) => header[name] as unknown as Entry;
  const pickName = () => rng.pick(names);
  const kind = rng.weighted<string>([
    ['length-field', 4], ['header-junk', 3], ['header-type', 2], ['dtype', 3], ['shape', 3], ['offsets', 5], ['field-value', 3],
    ['tensor-missing', 2], ['tensor-extra', 2], ['tensor-renamed', 2], ['metadata', 2], ['data-cut', 2], ['data-extra', 2],
    ['non-finite', 3], ['reencode', 2], ['duplicate-key', 1], ['header-padding', 1],
  ]);
  const done = (bytes: Uint8Array, detail = '', planted?: string): WeightsMutation => ({ bytes, name: `weights ${kind}${detail}`, ...(planted ? { secret: planted } : {}) });
  switch (kind) {
    case 'length-field': {
      const real = BigInt(file.length - data.length - 8);
      const value = rng.pick([0n, 1n, 7n, real - 1n, real + 1n, BigInt(file.length), 100_000_001n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n]);
      const bytes = file.slice();
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      return done(rng.chance(0.2) ? bytes.subarray(0, rng.int(0, 8)) : bytes, ` ${value}`);
    }
    case 'header-junk': {
      const junk = rng.pick([
        `{"${secret}": `,
        `{${secret}}`,
        `${secret}`,
        `{"a": 1, "b": ${secret}}`,
        `{"x": "${secret}"`,
        `{"__metadata__": {"k": "${secret}"}, ${'['.repeat(10000)}`,
      ]);
      return done(joinSafetensors(junk, data), '', secret);
    }
    case 'header-type':
      return done(joinSafetensors(rng.pick(['[]', '1', '"x"', 'null', ' {}', '\ufeff{}', '{}']), data));
    case 'dtype': {
      const name = pickName();
      entry(name).dtype = rng.pick(['F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'f32', 'F8_E4M3', 'XX', '', 5, null]);
      return done(joinSafetensors(header, data), ` ${name}`);
    }
    case 'shape': {
      const name = pickName();
      const shape = entry(name).shape as number[];
      entry(name).shape = rng.pick<Json>([[], [0], [-1], [1.5], ['3'], [2 ** 53], [2 ** 31, 2 ** 31], [...shape, 1], [...shape].reverse(), shape.slice(1), 'x', null, Array(100).fill(1)]);
      return done(joinSafetensors(header, data), ` ${name}`);
    }
    case 'offsets': {
      const name = pickName();
      const [begin, end] = entry(name).data_offsets as [number, number];
      const others = names.filter((n) => n !== name).map((n) => entry(n).data_offsets as [number, number]);
      const other = others.length > 0 ? rng.pick(others) : [0, 0];
      entry(name).data_offsets = rng.pick<Json>([
        [end, begin], [begin, end + 4], [begin - 4, end - 4], [begin + 4, end + 4], [0, end - begin], [other[0]!, other[0]! + end - begin],
        [begin, data.length + 4], [data.length, data.length + end - begin], [0, 2 ** 53], [-4, end], [begin], [begin, end, 0], ['0', end], null,
      ]);
      return done(joinSafetensors(header, data), ` ${name}`);
    }
    case 'field-value': {
      const name = pickName();
      const field = rng.pick(['dtype', 'shape', 'data_offsets'] as const);
      const e = entry(name);
      if (rng.chance(0.3)) delete (e as Partial<Entry>)[field];
      else e[field] = hostileValue(rng, e[field]);
      return done(joinSafetensors(header, data), ` ${name}.${field}`);
    }
    case 'tensor-missing': {
      const name = pickName();
      const [begin, end] = entry(name).data_offsets as [number, number];
      delete header[name];
      // Without its bytes too, so the layout is still tight and only the missing tensor is wrong.
      for (const n of tensorNames(header)) {
        const o = entry(n).data_offsets as [number, number];
        if (o[0] >= end) entry(n).data_offsets = [o[0] - (end - begin), o[1] - (end - begin)];
      }
      return done(joinSafetensors(header, new Uint8Array([...data.subarray(0, begin), ...data.subarray(end)])), ` ${name}`);
    }
    case 'tensor-extra': {
      header[rng.pick(['extra.weight', 'fc.weight.copy', ''])] = { dtype: 'F32', shape: [1], data_offsets: [data.length, data.length + 4] };
      return done(joinSafetensors(header, new Uint8Array([...data, 0, 0, 128, 63])));
    }
    case 'tensor-renamed': {
      const name = pickName();
      header[rng.pick([`${name}x`, name.toUpperCase(), `${name} `, `../${name}`, '__proto__', 'constructor'])] = header[name]!;
      delete header[name];
      return done(joinSafetensors(header, data), ` ${name}`);
    }
    case 'metadata':
      header.__metadata__ = rng.pick<Json>([{ a: 1 }, [], 'x', null, { k: { nested: 'x' } }, { [secret]: 'x'.repeat(100_000) }]);
      return done(joinSafetensors(header, data));
    case 'data-cut':
      return done(file.subarray(0, file.length - rng.int(1, Math.min(64, data.length))));
    case 'data-extra':
      return done(new Uint8Array([...file, ...Array.from({ length: rng.pick([1, 4, 8, 100]) }, () => rng.int(0, 255))]));
    case 'non-finite': {
      const parsed = readSafetensors(file);
      const tensors = new Map<string, HostTensor>();
      const bad = pickName();
      for (const [name, t] of parsed.tensors) {
        const values = Float32Array.from(t.data as Float32Array);
        if (name === bad && values.length > 0) values[rng.int(0, values.length - 1)] = rng.pick([NaN, Infinity, -Infinity]);
        tensors.set(name, { dtype: 'F32', shape: t.shape, data: values });
      }
      return done(writeSafetensors(tensors), ` ${bad}`);
    }
    case 'reencode': {
      // The same values as F16 or F64: a valid file the runtime may convert.
      const parsed = readSafetensors(file);
      const dtype = rng.pick(['F16', 'F64', 'BF16', 'I32'] as const);
      const name = pickName();
      const tensors = new Map<string, HostTensor>();
      for (const [n, t] of parsed.tensors) {
        const values = t.data as Float32Array;
        tensors.set(n, n !== name ? { dtype: 'F32', shape: t.shape, data: values } : dtype === 'I32' ? { dtype, shape: t.shape, data: Int32Array.from(values, Math.round) } : { dtype, shape: t.shape, data: values });
      }
      return done(writeSafetensors(tensors), ` ${name} as ${dtype}`);
    }
    case 'duplicate-key': {
      const name = pickName();
      const text = JSON.stringify(header).replace(/^\{/, `{${JSON.stringify(name)}: {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, `);
      return done(joinSafetensors(text, data), ` ${name}`);
    }
    default: {
      // Spaces after the JSON are allowed; other bytes are not.
      const text = JSON.stringify(header) + rng.pick(['        ', '\n', '\u0000\u0000', 'xx', '}']);
      return done(joinSafetensors(text, data));
    }
  }
}
