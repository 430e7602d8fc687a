// A bundle's text files (the manifest, the shaders) as text: UTF-8, or a
// BundleError naming the file and the first byte that is not, never quoting
// the bytes (the file may be another one of the bundle's, or a secret, under
// a shader's name). Every source decodes through here, so a folder, a URL
// and files in memory refuse the same bytes the same way.
import { BundleError } from './validate-manifest.ts';

// A byte order mark is kept: the manifest's JSON and a shader's WGSL then
// refuse it as they would from any source, instead of one source dropping it.
const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** How many continuation bytes follow a lead byte, and the range the first of them must be in (no overlongs, surrogates or code points past U+10FFFF). */
function sequenceOf(lead: number): { readonly length: number; readonly low: number; readonly high: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 1, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 2, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { length: 2, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 3, low: 0x90, high: 0xbf };
  if (lead === 0xf4) return { length: 3, low: 0x80, high: 0x8f };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 3, low: 0x80, high: 0xbf };
  return undefined;
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1 if there is none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const sequence = sequenceOf(lead);
    if (!sequence) return i;
    for (let k = 1; k <= sequence.length; k++) {
      const b = bytes[i + k];
      const [low, high] = k === 1 ? [sequence.low, sequence.high] : [0x80, 0xbf];
      if (b === undefined || b < low || b > high) return i;
    }
    i += sequence.length + 1;
  }
  return -1;
}

/** `bytes` of the file `path` as text, or a BundleError naming it and where it stops being UTF-8. */
export function bundleText(bytes: Uint8Array, description: string, path: string): string {
  try {
    return DECODER.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new BundleError(`${description}: ${path} is not UTF-8 text${at >= 0 ? ` (the bytes from offset ${at} are not a UTF-8 sequence)` : ''}; a bundle's manifest and shaders must be`);
  }
}
