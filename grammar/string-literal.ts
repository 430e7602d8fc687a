// The value of a quoted string literal. Escapes follow JavaScript's common
// subset: \n \t \r \0 \\ \" \' \uXXXX \u{X...}; any other escaped character
// stands for itself.

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

export function decodeStringLiteral(raw: string): string {
  const quote = raw[0];
  const closed = raw.length >= 2 && raw.endsWith(quote ?? '') && !endsInsideEscape(raw);
  const body = raw.slice(1, closed ? -1 : undefined);
  return body.replace(/\\(u\{[0-9A-Fa-f]{1,6}\}|u[0-9A-Fa-f]{4}|[\s\S]?)/g, (_, escape: string) => {
    if (escape.startsWith('u{')) return codePoint(escape.slice(2, -1));
    if (escape.length === 5 && escape.startsWith('u')) return codePoint(escape.slice(1));
    return SIMPLE_ESCAPES[escape] ?? escape;
  });
}

function codePoint(hex: string): string {
  const value = Number.parseInt(hex, 16);
  return value <= 0x10ffff ? String.fromCodePoint(value) : '\uFFFD';
}

/** `"abc\"` has no closing quote: its last quote is escaped. */
function endsInsideEscape(raw: string): boolean {
  let backslashes = 0;
  for (let i = raw.length - 2; i >= 1 && raw[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}
