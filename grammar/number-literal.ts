// Number literals in every usual notation. The lexer accepts anything
// number-shaped; this module decides what is valid and what it is worth.
// `_` separates digit groups (`1_000`), never at an end or doubled.

export interface NumberValue {
  /** NaN when the literal is invalid. */
  readonly value: number;
  /** Written without a fraction or exponent (`3`, `0x1F`, `1_000`). */
  readonly isInteger: boolean;
  readonly valid: boolean;
}

const RADIX_LITERALS: readonly (readonly [RegExp, number])[] = [
  [/^0[xX]([0-9A-Fa-f]+(?:_[0-9A-Fa-f]+)*)$/, 16],
  [/^0[bB]([01]+(?:_[01]+)*)$/, 2],
  [/^0[oO]([0-7]+(?:_[0-7]+)*)$/, 8],
];

const DIGITS = String.raw`\d+(?:_\d+)*`;
const DECIMAL_LITERAL = new RegExp(
  `^(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`,
);

const INVALID: NumberValue = { value: Number.NaN, isInteger: false, valid: false };

export function parseNumberLiteral(raw: string): NumberValue {
  // Most literals in a spec are plain integers (channels, kernel sizes).
  if (isDigits(raw)) return { value: Number(raw), isInteger: true, valid: true };
  if (raw.length > 1 && raw[0] === '0' && /[xXbBoO]/.test(raw[1]!)) {
    for (const [pattern, radix] of RADIX_LITERALS) {
      const match = pattern.exec(raw);
      if (match) return { value: parseRadixDigits(match[1]!.replaceAll('_', ''), radix), isInteger: true, valid: true };
    }
    return INVALID;
  }
  if (!DECIMAL_LITERAL.test(raw)) return INVALID;
  const plain = raw.includes('_') ? raw.replaceAll('_', '') : raw;
  return { value: Number(plain), isInteger: !/[.eE]/.test(plain), valid: true };
}

function isDigits(raw: string): boolean {
  if (raw.length === 0) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// BigInt reads any number of digits exactly, so a long literal is rounded
// once, to the nearest double, as a decimal literal would be.
function parseRadixDigits(digits: string, radix: number): number {
  const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : '0o';
  return Number(BigInt(prefix + digits));
}

/** Why a number literal is invalid, phrased for a diagnostic. */
export function describeInvalidNumber(raw: string): string {
  if (/^0[xX]/.test(raw)) return 'a hexadecimal literal needs digits 0-9 or a-f after `0x`';
  if (/^0[bB]/.test(raw)) return 'a binary literal needs digits 0 or 1 after `0b`';
  if (/^0[oO]/.test(raw)) return 'an octal literal needs digits 0-7 after `0o`';
  if (/_(?:_|$|[.eE])|[.eE]_/.test(raw)) return '`_` may only separate digits';
  if (/[eE][+-]?$/.test(raw)) return 'an exponent needs digits after `e`';
  if (/[A-Za-z]/.test(raw.replace(/[eE]/, ''))) return 'a number cannot be followed directly by letters';
  return 'this is not a number in any accepted notation';
}
