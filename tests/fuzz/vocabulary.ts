// The words the fuzzer writes, taken from the compiler itself so that a new
// layer, parameter or keyword is fuzzed without anyone editing this folder:
// every op and parameter comes from compiler/registry, every keyword and
// punctuation mark from grammar/tokens.ts.
import { ALL_OPS, type OpSpec, type Place } from '../../compiler/registry/index.ts';
import { allTokens, Identifier } from '../../grammar/tokens.ts';

export function opsAt(place: Place): readonly OpSpec[] {
  return ALL_OPS.filter((op) => op.place === place);
}

export const LAYER_OPS = opsAt('layer');
export const ATTACHMENTS = opsAt('attachment');

export function op(name: string): OpSpec {
  const found = ALL_OPS.find((o) => o.name === name);
  if (!found) throw new Error(`the registry has no op \`${name}\``);
  return found;
}

/** Every op name in the language. */
export const OP_NAMES: readonly string[] = ALL_OPS.map((o) => o.name);

/** Every parameter name of any op, once. */
export const PARAM_NAMES: readonly string[] = [...new Set(ALL_OPS.flatMap((o) => o.params.map((p) => p.name)))];

function wordImage(pattern: unknown): string | undefined {
  return pattern instanceof RegExp && /^[a-z_]+$/.test(pattern.source) ? pattern.source : undefined;
}

/** Reserved and soft keywords, as the lexer spells them. */
export const KEYWORDS: readonly string[] = allTokens.flatMap((t) => wordImage(t.PATTERN) ?? []);

/** Punctuation and operators (`->`, `(`, `+`, ...), from the tokens' labels. */
export const PUNCTUATION: readonly string[] = allTokens.flatMap((t) => {
  const label = t.LABEL;
  return t !== Identifier && label && /^`[^`a-z]+`$/.test(label) ? [label.slice(1, -1)] : [];
});

/** Element types the language knows of (only f32 compiles). */
export const ELEMENT_TYPES = ['f32', 'f16', 'i32', 'u8', 'bf16', 'f64'];

/** Block parameter types. */
export const PARAM_TYPES = ['int', 'float', 'bool', 'string'];
