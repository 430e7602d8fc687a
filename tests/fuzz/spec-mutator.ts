// Mutations of existing specs: token-level (delete, duplicate, swap, insert
// tokens; numbers made huge, negative, zero, NaN-like or malformed; names
// changed to other names, keywords, typos, very long or non-ASCII ones;
// brackets nested past the limit; expressions at and past the term limit;
// truncation) and byte-level (random characters, control characters, NUL,
// invalid UTF-8, UTF-16). A case applies one to four of them in a row.
import type { Rng } from './prng.ts';
import { significant, tokenize, untokenize, type Token } from './spec-tokens.ts';
import { KEYWORDS, OP_NAMES, PARAM_NAMES, PUNCTUATION } from './vocabulary.ts';

/** What a mutated spec is: text, or (after a byte-level mutation) bytes that may not be text at all. */
export type SpecBody = { readonly text: string } | { readonly bytes: Uint8Array };

export interface MutatedSpec {
  readonly body: SpecBody;
  /** The mutations applied, in order, for the report. */
  readonly mutations: readonly string[];
  /** A token placed in the file by a byte-level mutation: a refusal message must not quote it. */
  readonly secret?: string;
}

const HOSTILE_NUMBERS = [
  '0', '00', '-1', '-0', '1.5', '0.0', '.0', '1e309', '1e-400', '-1e309', '99999999999999999999', '2147483647', '2147483648',
  '4294967295', '4294967296', '9007199254740993', '1e9', '1e15', '65536', '100000', '0x7fffffff', '0xffffffffffffffff',
  '1_000_000_000', '0b11111111111111111111111111111111', '1e', '0x', '0b', '1__1', '1_', '_1', '1.e5', '3x', '1.2.3',
  'NaN', 'Infinity', '-Infinity', '(1 / 0)', '(0 / 0)', '(0 - 1)', '(2 * 1e308)', '1e-45', '5e-324',
];

const ODD_NAMES = [
  'N', 'x', '_', '__', 'f32', 'int', 'float', 'tensor', 'self', 'constructor', '__proto__', 'prototype', 'toString',
  'hasOwnProperty', 'valueOf', 'main', 'fn', 'var', 'let_', 'array', 'workgroup', 'output_0', 'input_0',
  'a'.repeat(300), 'ñame', 'naïve', 'Ω', '名前', 'x\u200By',
];

const ODD_CHARACTERS = [
  '\0', '\x01', '\x07', '\x1b', '\x7f', '\t', '\r', '\v', '\f', '\u00a0', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff',
  '\ud800', '\udfff', '\ufffd', '\uffff', 'é', '✓', '😀', '"', "'", '\\', '`', '$', '#', '@', '!', '?', '%', '&', '|', '^', '~',
  '<', '>', '.', '{', '}', '(', ')', '[', ']', '/*', '*/', '//',
];

/** Bytes that are never valid UTF-8 where they stand. */
const BAD_UTF8: readonly (readonly number[])[] = [
  [0xff], [0xfe], [0xc0, 0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3],
];

type TextMutation = (rng: Rng, text: string) => string;

function withTokens(edit: (rng: Rng, tokens: Token[], sig: number[]) => void): TextMutation {
  return (rng, text) => {
    const tokens = tokenize(text);
    const sig = significant(tokens);
    if (sig.length === 0) return text;
    edit(rng, tokens, sig);
    return untokenize(tokens);
  };
}

function randomToken(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => rng.pick(KEYWORDS), 3],
    [() => rng.pick(OP_NAMES), 3],
    [() => rng.pick(PARAM_NAMES), 2],
    [() => rng.pick(PUNCTUATION), 4],
    [() => rng.pick(HOSTILE_NUMBERS), 2],
    [() => rng.pick(['"s"', "'t'", '"', '"\\u{110000}"', '"\\uZZZZ"', '"\\', '""']), 1],
    [() => rng.pick(['\n', ' ', ';', '\n\n']), 1],
  ])();
}

/** A range of significant tokens [start, end) as token indices. */
function tokenRange(rng: Rng, sig: number[]): [number, number] {
  const a = rng.int(0, sig.length - 1);
  const b = Math.min(sig.length - 1, a + rng.small(12, 0.7));
  return [sig[a]!, sig[b]! + 1];
}

const TEXT_MUTATIONS: readonly (readonly [string, TextMutation, number])[] = [
  ['delete-token', withTokens((rng, t, sig) => void t.splice(rng.pick(sig), 1)), 8],
  ['duplicate-token', withTokens((rng, t, sig) => {
    const i = rng.pick(sig);
    t.splice(i, 0, t[i]!);
  }), 5],
  ['swap-tokens', withTokens((rng, t, sig) => {
    const k = rng.int(0, sig.length - 1);
    const i = sig[k]!;
    const j = rng.chance(0.6) ? sig[Math.min(sig.length - 1, k + 1)]! : rng.pick(sig);
    [t[i], t[j]] = [t[j]!, t[i]!];
  }), 5],
  ['insert-token', withTokens((rng, t, sig) => {
    const i = rng.pick(sig) + (rng.chance(0.5) ? 1 : 0);
    t.splice(i, 0, { kind: 'other', text: rng.chance(0.5) ? ` ${randomToken(rng)} ` : randomToken(rng) });
  }), 8],
  ['replace-number', withTokens((rng, t, sig) => {
    const numbers = sig.filter((i) => t[i]!.kind === 'number');
    const i = numbers.length > 0 ? rng.pick(numbers) : rng.pick(sig);
    t[i] = { kind: 'number', text: rng.pick(HOSTILE_NUMBERS) };
  }), 10],
  ['replace-name', withTokens((rng, t, sig) => {
    const names = sig.filter((i) => t[i]!.kind === 'name');
    const i = names.length > 0 ? rng.pick(names) : rng.pick(sig);
    const next = rng.weighted<() => string>([
      [() => rng.pick(OP_NAMES), 3],
      [() => rng.pick(KEYWORDS), 2],
      [() => rng.pick(PARAM_NAMES), 2],
      [() => rng.pick(ODD_NAMES), 2],
      [() => {
        const s = t[i]!.text;
        const k = rng.int(0, Math.max(0, s.length - 1));
        return s.slice(0, k) + s.slice(k + 1) || 'q';
      }, 2],
    ])();
    t[i] = { kind: 'name', text: next };
  }), 10],
  ['replace-string', withTokens((rng, t, sig) => {
    const i = rng.pick(sig);
    t[i] = { kind: 'string', text: rng.pick(['"', "'", '"unterminated', '"a\\"', '"\\u{D800}"', '"\\u{FFFFFFFF}"', `"${'s'.repeat(5000)}"`, '""', '"*"', '"[a-"']) };
  }), 2],
  ['delete-range', withTokens((rng, t, sig) => {
    const [a, b] = tokenRange(rng, sig);
    t.splice(a, b - a);
  }), 5],
  ['duplicate-range', withTokens((rng, t, sig) => {
    const [a, b] = tokenRange(rng, sig);
    t.splice(rng.pick(sig), 0, ...t.slice(a, b));
  }), 4],
  ['swap-lines', (rng, text) => {
    const lines = text.split('\n');
    const i = rng.int(0, lines.length - 1);
    const j = rng.int(0, lines.length - 1);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines.join('\n');
  }, 3],
  ['duplicate-line', (rng, text) => {
    const lines = text.split('\n');
    const i = rng.int(0, lines.length - 1);
    const times = rng.weighted<number>([[1, 10], [5, 2], [200, 1], [2000, 1]]);
    lines.splice(i, 0, ...Array.from({ length: times }, () => lines[i]!));
    return lines.join('\n');
  }, 4],
  ['join-lines', (rng, text) => {
    const at = text.indexOf('\n', rng.int(0, text.length));
    return at < 0 ? text : text.slice(0, at) + rng.pick([' ', '', ';', ' -> ']) + text.slice(at + 1);
  }, 3],
  ['split-line', (rng, text) => {
    const at = rng.int(0, text.length);
    return text.slice(0, at) + rng.pick(['\n', '\r\n', '\r', '\n\n']) + text.slice(at);
  }, 3],
  ['deep-nesting', withTokens((rng, t, sig) => {
    const depth = rng.pick([8, 64, 255, 256, 257, 1000, 20000]);
    const [open, close] = rng.pick([['(', ')'], ['[', ']'], ['{', '}'], ['([', '])']]);
    const i = rng.pick(sig);
    const unclosed = rng.chance(0.2);
    t[i] = { kind: 'other', text: `${open!.repeat(depth)}${t[i]!.text}${unclosed ? '' : close!.repeat(depth)}` };
  }), 3],
  ['long-expression', withTokens((rng, t, sig) => {
    const terms = rng.weighted<number>([[10, 8], [200, 4], [1023, 1], [1024, 1], [1025, 1], [5000, 1]]);
    const numbers = sig.filter((i) => t[i]!.kind === 'number' || t[i]!.kind === 'name');
    const i = numbers.length > 0 ? rng.pick(numbers) : rng.pick(sig);
    const op = rng.pick(['+', '-', '*', '/', '+ -']);
    t[i] = { kind: 'other', text: Array.from({ length: terms }, () => t[i]!.text).join(` ${op} `) };
  }), 2],
  ['long-line', (rng, text) => {
    const at = rng.int(0, text.length);
    return text.slice(0, at) + rng.pick([' ', 'relu -> ', 'x', '// ']).repeat(rng.weighted([[1000, 6], [10_000, 2], [50_000, 1]])) + text.slice(at);
  }, 0.5],
  ['truncate', (rng, text) => text.slice(0, rng.int(0, text.length)), 5],
  ['insert-characters', (rng, text) => {
    let out = text;
    for (let k = rng.small(4); k > 0; k--) {
      const at = rng.int(0, out.length);
      out = out.slice(0, at) + rng.pick(ODD_CHARACTERS) + out.slice(at);
    }
    return out;
  }, 6],
  ['line-endings', (rng, text) => text.replace(/\n/g, rng.pick(['\r\n', '\r', '\n\r', '\u2028'])), 1],
  ['duplicate-items', (rng, text) => (rng.chance(0.5) ? text + '\n' + text : text.replace(/^model /m, 'model Other {\n}\nmodel ')), 2],
  ['empty', () => '', 1],
];

type ByteMutation = (rng: Rng, bytes: Uint8Array) => Uint8Array;

function spliceBytes(bytes: Uint8Array, at: number, remove: number, insert: readonly number[]): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const units = (bom ? '\ufeff' : '') + text;
  const out = new Uint8Array(units.length * 2);
  for (let i = 0; i < units.length; i++) {
    const u = units.charCodeAt(i);
    out[2 * i + (bigEndian ? 1 : 0)] = u & 0xff;
    out[2 * i + (bigEndian ? 0 : 1)] = u >> 8;
  }
  return out;
}

const BYTE_MUTATIONS: readonly (readonly [string, ByteMutation, number])[] = [
  ['insert-nul', (rng, b) => spliceBytes(b, rng.int(0, b.length), 0, [0]), 3],
  ['invalid-utf8', (rng, b) => spliceBytes(b, rng.int(0, b.length), 0, rng.pick(BAD_UTF8)), 4],
  ['flip-bits', (rng, b) => {
    const out = b.slice();
    for (let k = rng.small(8); k > 0 && out.length > 0; k--) out[rng.int(0, out.length - 1)]! ^= 1 << rng.int(0, 7);
    return out;
  }, 3],
  ['random-bytes', (rng, b) => spliceBytes(b, rng.int(0, b.length), 0, Array.from({ length: rng.small(64, 0.9) }, () => rng.int(0, 255))), 3],
  ['utf16', (rng, b) => utf16(new TextDecoder().decode(b), rng.chance(0.5), rng.chance(0.5)), 2],
  ['bom', (_rng, b) => spliceBytes(b, 0, 0, [0xef, 0xbb, 0xbf]), 1],
  ['truncate-bytes', (rng, b) => b.subarray(0, rng.int(0, b.length)), 2],
];

/** One to four mutations of `source`; the last may turn it into bytes. */
export function mutateSpec(rng: Rng, source: string): MutatedSpec {
  const mutations: string[] = [];
  let text = source;
  for (let n = rng.small(4, 0.4); n > 0; n--) {
    const [name, mutate] = rng.weighted(TEXT_MUTATIONS.map((m) => [m, m[2]] as const));
    text = mutate(rng, text);
    mutations.push(name);
  }
  if (!rng.chance(0.15)) return { body: { text }, mutations };
  // A byte-level mutation: the file then carries a secret the refusal must not quote.
  const secret = `SECRET${rng.next().toString(36)}`;
  const lines = text.split('\n');
  lines.splice(rng.int(0, lines.length), 0, `// ${secret}`);
  let bytes: Uint8Array = new TextEncoder().encode(lines.join('\n'));
  for (let n = rng.small(2, 0.3); n > 0; n--) {
    const [name, mutate] = rng.weighted(BYTE_MUTATIONS.map((m) => [m, m[2]] as const));
    bytes = mutate(rng, bytes);
    mutations.push(name);
  }
  return { body: { bytes }, mutations, secret };
}
